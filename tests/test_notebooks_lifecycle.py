"""Every notebook, twice, on one cloud; an interrupted notebook; then teardown leaves nothing
of the workbook's, and everything else untouched.

nbval checks each notebook's outputs once; this checks what a learner does over days: run
notebooks again, stop half-way, and clean up at the end.
"""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import ledger, target, teardown
from helpers.notebooks import execute

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def endpoint():
    cloud = subprocess.Popen([sys.executable, "-m", "helpers.local_cloud"],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    yield cloud.stdout.readline().rsplit(" ", 1)[-1].strip()
    cloud.terminate()
    cloud.wait(timeout=30)


@pytest.fixture(scope="module")
def aws(endpoint):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        yield target.connect(quiet=True)


@pytest.fixture(scope="module")
def decoys(aws):
    """Things a learner made in the same account, some with names like the workbook's."""
    dynamodb, iam, s3 = aws.client("dynamodb"), aws.client("iam"), aws.client("s3")
    for name in ("my-table", "workbook-decoy", "workbookish-table"):
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk",
                                                     "AttributeType": "S"}])  # fmt: skip
    iam.create_role(RoleName="workbook-lookalike-role", AssumeRolePolicyDocument="{}")
    s3.create_bucket(Bucket="my-workbook-bucket")
    return {"tables": {"my-table", "workbook-decoy", "workbookish-table"},
            "roles": {"workbook-lookalike-role"}, "buckets": {"my-workbook-bucket"}}


def test_every_notebook_runs_twice_on_the_same_cloud(endpoint, decoys):
    for round_ in (1, 2):
        for notebook in NOTEBOOKS:
            try:
                execute(notebook, endpoint)
            except Exception as error:  # say which notebook and round, then fail
                pytest.fail(f"{notebook.name}, round {round_}: {error}"[:3000])


def test_teardown_after_an_interrupted_notebook_leaves_only_what_is_not_ours(endpoint, aws,
                                                                            decoys):
    interrupted = next(n for n in NOTEBOOKS if n.name.startswith("09_"))
    cells = nbformat.read(interrupted, as_version=4).cells
    stop = next(i for i, c in enumerate(cells) if "## 5. Break it on purpose" in c.source)
    execute(interrupted, endpoint, cells=stop + 2)  # the bucket policy was just deleted
    assert ledger.inventory(aws), "the interrupted notebook should have left resources"
    report = teardown.teardown(aws, say=lambda message: None)
    assert report.ok, report.summary()
    assert ledger.inventory(aws) == []
    assert decoys["tables"] <= set(aws.client("dynamodb").list_tables()["TableNames"])
    roles = {r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]}
    assert decoys["roles"] <= roles
    assert not {r for r in roles if r.startswith("workbook-") and r not in decoys["roles"]}
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert decoys["buckets"] <= buckets

