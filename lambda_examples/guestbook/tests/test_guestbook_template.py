"""template.yaml (AWS SAM) passes cfn-lint and deploys what the rest of this folder assumes:
the table app.py uses, policy.json's permissions and no more, a private bucket behind OAC."""

import json
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint_file
from cfnlint.decode import cfn_yaml

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE = EXAMPLE_DIR / "template.yaml"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@pytest.fixture(scope="module")
def resources() -> dict:
    return cfn_yaml.load(str(TEMPLATE))["Resources"]


def properties(resources: dict, name: str) -> dict:
    return resources[name]["Properties"]


def statements(role: dict, policy_name: str) -> list[dict]:
    [policy] = [p for p in role["Policies"] if p["PolicyName"] == policy_name]
    return policy["PolicyDocument"]["Statement"]


def test_cfn_lint_finds_nothing_in_the_regions_it_checks():
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    assert [str(match) for match in matches] == []


def test_the_table_has_the_keys_and_time_to_live_app_py_uses(resources):
    table = properties(resources, "Table")
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_the_role_grants_policy_json_on_the_table_and_nothing_else(resources):
    role = properties(resources, "FunctionRole")
    [expected] = json.loads((EXAMPLE_DIR / "policy.json").read_text())["Statement"]
    [table_statement] = statements(role, "guestbook-table")
    assert {**table_statement, "Resource": expected["Resource"]} == expected
    assert table_statement["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}
    assert [p["PolicyName"] for p in role["Policies"]] == ["guestbook-table", "guestbook-logs"]
    assert "ManagedPolicyArns" not in role  # no AWSLambdaBasicExecutionRole: it allows any group


def test_logs_go_only_to_the_functions_own_log_group(resources):
    [logs_statement] = statements(properties(resources, "FunctionRole"), "guestbook-logs")
    assert logs_statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    # A log group's Arn attribute ends in ":*", the form these actions need.
    assert logs_statement["Resource"] == {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}
    log_group = properties(resources, "FunctionLogGroup")
    function = properties(resources, "Function")
    assert log_group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}-api"}
    assert function["FunctionName"] == {"Fn::Sub": "${AWS::StackName}-api"}
    assert log_group["RetentionInDays"] > 0


def test_the_function_runs_app_handler_with_the_table_name(resources):
    function = properties(resources, "Function")
    assert (function["Handler"], function["Runtime"]) == ("app.handler", "python3.12")
    assert function["Environment"]["Variables"] == {"TABLE_NAME": {"Ref": "Table"}}
    assert function["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    [event] = function["Events"].values()
    assert event["Type"] == "HttpApi"
    assert (event["Properties"]["Method"], event["Properties"]["Path"]) == ("ANY", "/api/{proxy+}")


def test_the_bucket_blocks_every_form_of_public_access(resources):
    block = properties(resources, "SiteBucket")["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                     "IgnorePublicAcls": True, "RestrictPublicBuckets": True}


def test_only_the_distribution_may_read_the_bucket(resources):
    [statement] = properties(resources, "SiteBucketPolicy")["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")


def test_the_distribution_serves_the_site_through_oac_and_the_api_uncached(resources):
    config = properties(resources, "Distribution")["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert origins["site"]["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "site"
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_OPTIMIZED
    [api] = config["CacheBehaviors"]
    assert (api["PathPattern"], api["TargetOriginId"]) == ("/api/*", "api")
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert {"POST", "DELETE"} <= set(api["AllowedMethods"])
    oac = properties(resources, "OriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["OriginAccessControlOriginType"]) == ("always", "s3")
