"""README.md's deployment commands, run by bash in a copy of this folder with a stand-in `aws`
and `sam` that record their arguments instead of calling AWS. What they would have sent is then
checked against botocore's description of each API: the operation and its parameters exist,
JSON documents parse, and the distribution configuration has the shape CloudFront requires."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import botocore.session
import pytest
from botocore import xform_name
from botocore.validate import ParamValidator

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
SECTIONS = ("Deploying with AWS SAM", "Deploying by hand with the AWS CLI")
SERVICE_NAMES = {"s3api": "s3"}
HIGH_LEVEL = {("s3", "sync"), ("s3", "rm")}  # the CLI's own commands, not API operations
CLI_OPTIONS = {"query", "output", "region"}
CUSTOM_OPTIONS = {("lambda", "create-function"): {"zip-file": "Code"}}  # the CLI's extras
JSON_DOCUMENTS = {"assume-role-policy-document", "policy-document", "policy"}

# Prints a made-up value for `--query ... --output text`, as the real CLI prints one id.
FAKE_CLI = """#!{python}
import json, os, sys
with open(os.environ["RECORDED_CALLS"], "a") as calls:
    calls.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
if "--query" in sys.argv:
    print("123456789012" if sys.argv[1:3] == ["sts", "get-caller-identity"] else "fake-id")
"""

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def readme_commands() -> str:
    readme = (EXAMPLE_DIR / "README.md").read_text()
    script = []
    for section in SECTIONS:
        body = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
        script += re.findall(r"```bash\n(.*?)```", body.group(1), re.S)
    return "\n".join(script)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[list[list[str]], Path]:
    """Runs the README's commands once; returns the recorded calls and the folder they ran in."""
    root = tmp_path_factory.mktemp("readme")
    folder = root / "guestbook"
    shutil.copytree(EXAMPLE_DIR, folder, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    bin_dir = root / "bin"
    bin_dir.mkdir()
    for tool in ("aws", "sam", "curl") + (() if shutil.which("zip") else ("zip",)):
        (bin_dir / tool).write_text(FAKE_CLI.format(python=sys.executable))
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "RECORDED_CALLS": str(root / "calls.jsonl")}
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_commands()], cwd=folder,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in (root / "calls.jsonl").read_text().splitlines()]
    return calls, folder


def aws_calls(recorded) -> list[list[str]]:
    return [call[1:] for call in recorded[0] if call[0] == "aws"]


def options(arguments: list[str]) -> dict[str, list[str]]:
    """--name value [value ...] pairs; a flag with no value maps to []."""
    parsed, name = {}, None
    for argument in arguments:
        if argument.startswith("--"):
            name = argument[2:]
            parsed[name] = []
        elif name is not None:
            parsed[name].append(argument)
    return parsed


def operation(service: str, command: str):
    model = botocore.session.get_session().get_service_model(SERVICE_NAMES.get(service, service))
    names = {xform_name(name, "-"): name for name in model.operation_names}
    assert command in names, f"aws {service} {command}: no such operation"
    return model.operation_model(names[command])


def test_every_aws_command_is_a_real_operation_with_real_parameters(recorded):
    for service, command, *arguments in aws_calls(recorded):
        if (service, command) in HIGH_LEVEL:
            continue
        if command == "wait":
            waiter = botocore.session.get_session().get_waiter_model(
                SERVICE_NAMES.get(service, service))
            assert arguments[0] in {xform_name(name, "-") for name in waiter.waiter_names}
            continue
        members = {xform_name(name, "-") for name in
                   operation(service, command).input_shape.members}
        unknown = (set(options(arguments)) - members - CLI_OPTIONS
                   - set(CUSTOM_OPTIONS.get((service, command), {})))
        assert not unknown, f"aws {service} {command}: unknown option(s) {sorted(unknown)}"


def test_every_policy_given_inline_or_as_a_file_is_valid_json(recorded):
    calls, folder = recorded
    documents = []
    for _service, _command, *arguments in aws_calls(recorded):
        for name, values in options(arguments).items():
            if name in JSON_DOCUMENTS:
                [value] = values
                documents.append(json.loads((folder / value.removeprefix("file://")).read_text()
                                            if value.startswith("file://") else value))
    assert len(documents) == 4  # trust policy, table policy, logs policy, bucket policy
    for document in documents:
        assert document["Version"] == "2012-10-17" and document["Statement"]
        assert "*" != document["Statement"][0].get("Resource")


def test_the_logs_permission_names_the_functions_own_log_group(recorded):
    [logs_policy] = [json.loads(options(arguments)["policy-document"][0])
                     for _s, command, *arguments in aws_calls(recorded)
                     if command == "put-role-policy" and "guestbook-logs" in arguments]
    [statement] = logs_policy["Statement"]
    assert statement["Resource"] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/guestbook:*")
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_the_distribution_configuration_has_the_shape_cloudfront_requires(recorded):
    calls, folder = recorded
    config = json.loads((folder / "distribution.json").read_text())
    shape = operation("cloudfront", "create-distribution").input_shape
    report = ParamValidator().validate({"DistributionConfig": config}, shape)
    assert not report.has_errors(), report.generate_report()
    for items in (config["Origins"], config["CacheBehaviors"]):
        assert items["Quantity"] == len(items["Items"])
    allowed = config["CacheBehaviors"]["Items"][0]["AllowedMethods"]
    assert allowed["Quantity"] == len(allowed["Items"])
    assert config["Origins"]["Items"][0]["OriginAccessControlId"] == "fake-id"


def test_the_bucket_gets_all_four_block_public_access_settings(recorded):
    [block] = [options(arguments)["public-access-block-configuration"][0]
               for _s, command, *arguments in aws_calls(recorded)
               if command == "put-public-access-block"]
    settings = dict(pair.split("=") for pair in block.split(","))
    assert settings == {"BlockPublicAcls": "true", "IgnorePublicAcls": "true",
                        "BlockPublicPolicy": "true", "RestrictPublicBuckets": "true"}


@pytest.mark.skipif(shutil.which("zip") is None, reason="needs zip")
def test_the_function_zip_holds_app_py_alone(recorded):
    calls, folder = recorded
    assert zipfile.ZipFile(folder / "function.zip").namelist() == ["app.py"]


def test_sam_validates_builds_and_deploys_this_folders_template(recorded):
    assert [call[1] for call in recorded[0] if call[0] == "sam"] == ["validate", "build", "deploy"]
