"""Every IAM policy document the workbook creates passes a real IAM linter, offline.

The linter is parliament (duo-labs, on PyPI), with its built-in auditors: it knows every AWS
action and the resource ARN format each accepts, so it catches misspelled actions, resources of
the wrong type and malformed documents. No finding above LOW is allowed; LOW ones (``Resource:
"*"`` in the developer policies, say) are deliberate and explained where the policy is built.

What parliament cannot see, the policy evaluator's tests cover: that a log group ARN needs its
trailing ``:*`` (tests/local_cloud/test_iam_policy.py) and that each policy really lets its
function work (tests/local_cloud/test_authorization.py, tests/test_webapp.py).
"""

import json
from pathlib import Path
from string import Template
from types import SimpleNamespace

import pytest
from parliament import analyze_policy_string, enhance_finding

from helpers import accounts, cdn, iam, tables

ROOT = Path(__file__).resolve().parent.parent
AWS = SimpleNamespace(region="us-east-1", account_id="123456789012")
SEVERITIES = ["MUTE", "INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
BOUNDARY_ARN = f"arn:aws:iam::{AWS.account_id}:policy/workbook-developer-boundary"
PLACEHOLDERS = {"Region": AWS.region, "Account": AWS.account_id, "TableName": "workbook-guestbook",
                "BucketName": "workbook-uploads", "QueueName": "workbook-queue",
                "FunctionName": "workbook-recent-logs"}
# parliament lints permissions policies, which must name a Resource; a role's trust policy has
# none by design (IAM refuses a trust policy with one), so that one finding is expected there.
TRUST_POLICY_FINDING = ("MALFORMED", "Statement contains neither Resource nor NotResource")


def example_policies() -> dict[str, dict]:
    """lambda_examples/*/policy.json, placeholders filled as the workbook fills them."""
    found = {}
    for path in sorted(ROOT.glob("lambda_examples/*/policy.json")):
        text = Template(path.read_text()).substitute(PLACEHOLDERS)
        found[f"{path.parent.name}/policy.json"] = json.loads(text)
    return found


PERMISSIONS_POLICIES = {
    "iam.logging_policy": iam.logging_policy(AWS, "workbook-hello"),
    "tables.guestbook_policy": tables.guestbook_policy(AWS, "workbook-guestbook"),
    "accounts.developer_boundary": accounts.developer_boundary(AWS),
    "accounts.developer_policy": accounts.developer_policy(AWS, BOUNDARY_ARN),
    "cdn.bucket_policy_for": cdn.bucket_policy_for(AWS, "workbook-site", "E1EXAMPLE"),
    **example_policies(),
}
TRUST_POLICIES = {"iam.LAMBDA_TRUST_POLICY": iam.LAMBDA_TRUST_POLICY}


def findings(document: dict) -> list:
    return [enhance_finding(f) for f in analyze_policy_string(json.dumps(document)).findings]


def above_low(found: list) -> list[str]:
    return [f"{f.severity} {f.issue}: {f.detail}" for f in found
            if SEVERITIES.index(f.severity) > SEVERITIES.index("LOW")]  # fmt: skip


def test_every_example_policy_is_linted():
    assert "guestbook/policy.json" in PERMISSIONS_POLICIES


@pytest.mark.parametrize("name", sorted(PERMISSIONS_POLICIES))
def test_permissions_policies_have_no_finding_above_low(name):
    assert above_low(findings(PERMISSIONS_POLICIES[name])) == []


@pytest.mark.parametrize("name", sorted(TRUST_POLICIES))
def test_trust_policies_have_no_finding_but_their_missing_resource(name):
    found = [f for f in findings(TRUST_POLICIES[name])
             if (f.issue, f.detail) != TRUST_POLICY_FINDING]  # fmt: skip
    assert above_low(found) == []


@pytest.mark.parametrize(("statement", "issue"), [
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"},
     "RESOURCE_MISMATCH"),  # objects live at bucket/key
    ({"Effect": "Allow", "Action": "dynamodb:PutItems", "Resource": "*"}, "UNKNOWN_ACTION"),
    ({"Effect": "Allow", "Action": "dynamodb:PutItem"}, "MALFORMED"),
])  # fmt: skip
def test_the_linter_catches_what_it_is_here_for(statement, issue):
    found = findings({"Version": "2012-10-17", "Statement": [statement]})
    assert issue in [f.issue for f in found]
