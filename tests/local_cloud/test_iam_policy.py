"""The policy evaluator, case by case from AWS's policy evaluation documentation:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
(and the pages on each policy element and condition operator it links to)."""

import json

import pytest

from helpers.local_cloud.iam_policy import (
    ANONYMOUS,
    BOUNDARY,
    IDENTITY,
    RESOURCE,
    MalformedPolicyError,
    Principal,
    Request,
    evaluate,
    parse,
)

ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app-role"
SESSION = Principal.role_session(ROLE_ARN, "app-function")
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Messages"
GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/app"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def request(action, resource="*", principal=SESSION, **context) -> Request:
    return Request(principal, action, resource, context)


def test_a_role_session_is_named_as_aws_names_it():
    assert SESSION.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/app-function"
    assert SESSION.account == ACCOUNT and SESSION.role_arn == ROLE_ARN


# -- explicit and implicit denies (reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay)
GET_LIST_NO_REPORTS = policy(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"],
     "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)  # fmt: skip


@pytest.mark.parametrize(("action", "allowed", "reason"), [
    ("iam:ListUsers", True, "allowed"),
    ("iam:GetOrganizationsAccessReport", False, "explicit_deny"),  # Get*, but *Report denies
    ("iam:CreatePolicy", False, "implicit_deny"),  # nothing allows it
])  # fmt: skip
def test_explicit_deny_overrides_allow_and_anything_not_allowed_is_implicitly_denied(
        action, allowed, reason):
    decision = evaluate(request(action), identity=[GET_LIST_NO_REPORTS])
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_a_decision_explains_itself_in_aws_words():
    implicit = evaluate(request("iam:CreatePolicy"), identity=[GET_LIST_NO_REPORTS])
    assert implicit.because("iam:CreatePolicy") == (
        "because no identity-based policy allows the iam:CreatePolicy action")
    explicit = evaluate(request("iam:GetCredentialReport"), identity=[GET_LIST_NO_REPORTS])
    assert explicit.because("iam:GetCredentialReport") == (
        "with an explicit deny in an identity-based policy")
    assert explicit.statement_id == "DenyReports"
    assert implicit.message(SESSION.arn, "dynamodb:PutItem", TABLE) == (
        f"User: {SESSION.arn} is not authorized to perform: dynamodb:PutItem on resource: "
        f"{TABLE} because no identity-based policy allows the dynamodb:PutItem action")


def test_a_role_without_policies_may_do_nothing():
    decision = evaluate(request("dynamodb:GetItem", TABLE))
    assert not decision.allowed and decision.policy_type == IDENTITY


# -- wildcards (reference_policies_elements_action, _resource) ----------------------------------------
@pytest.mark.parametrize(("pattern", "action", "allowed"), [
    ("dynamodb:PutItem", "dynamodb:PutItem", True),
    ("DynamoDB:putitem", "dynamodb:PutItem", True),  # actions are case-insensitive
    ("dynamodb:*", "dynamodb:PutItem", True),
    ("dynamodb:*Item", "dynamodb:DeleteItem", True),
    ("dynamodb:?etItem", "dynamodb:GetItem", True),
    ("dynamodb:Get*", "dynamodb:PutItem", False),
    ("*", "s3:GetObject", True),
    ("s3:*", "dynamodb:GetItem", False),
])  # fmt: skip
def test_actions_match_case_insensitively_with_wildcards(pattern, action, allowed):
    assert evaluate(request(action, TABLE), identity=[policy(allow(pattern))]).allowed is allowed


@pytest.mark.parametrize(("pattern", "resource", "allowed"), [
    ("arn:aws:s3:::site/*", "arn:aws:s3:::site/a/b.html", True),  # * crosses "/"
    ("arn:aws:s3:::site/*", "arn:aws:s3:::site", False),
    ("arn:aws:s3:::Site/*", "arn:aws:s3:::site/index.html", False),  # resources are case-sensitive
    ("arn:aws:s3:::site/????.html", "arn:aws:s3:::site/page.html", True),
    (f"arn:aws:dynamodb:*:{ACCOUNT}:table/Messages", TABLE, True),
    (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Messages", TABLE + "/index/byDate", False),
    (f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Messages/index/*", TABLE + "/index/byDate", True),
    ("arn:aws:dynamodb:*", TABLE, True),  # a * ending a segment may run past colons
    # ... but a * inside a segment stays within it
    ("arn:aws:s3:::a*z", "arn:aws:s3:::a:b:z", False),
])  # fmt: skip
def test_resources_match_case_sensitively_with_wildcards(pattern, resource, allowed):
    decision = evaluate(request("s3:GetObject", resource), identity=[policy(allow("*", pattern))])
    assert decision.allowed is allowed


# -- CloudWatch Logs: the ARN AWS evaluates, and why a policy needs ":*" ----------------------------
# Group-level actions are evaluated against "...:log-group:NAME:log-stream:", stream-level ones
# against "...:log-group:NAME:log-stream:STREAM" (as AWS's AccessDenied messages show), and the
# Logs documentation says policies must use the log group ARN with ":*".
@pytest.mark.parametrize(("action", "evaluated", "bare_group", "with_star"), [
    ("logs:CreateLogGroup", f"{GROUP}:log-stream:", False, True),
    ("logs:CreateLogStream", f"{GROUP}:log-stream:2026/01/01/[$LATEST]abc", False, True),
    ("logs:PutLogEvents", f"{GROUP}:log-stream:2026/01/01/[$LATEST]abc", False, True),
])  # fmt: skip
def test_log_group_policies_need_the_trailing_star(action, evaluated, bare_group, with_star):
    assert evaluate(request(action, evaluated), identity=[policy(allow(action, GROUP))]
                    ).allowed is bare_group  # fmt: skip
    assert evaluate(request(action, evaluated), identity=[policy(allow(action, GROUP + ":*"))]
                    ).allowed is with_star  # fmt: skip


def test_stream_actions_match_a_log_stream_pattern():
    streams = policy(allow(["logs:CreateLogStream", "logs:PutLogEvents"], f"{GROUP}:log-stream:*"))
    assert evaluate(request("logs:PutLogEvents", f"{GROUP}:log-stream:s1"), identity=[streams]
                    ).allowed  # fmt: skip
    assert not evaluate(request("logs:CreateLogGroup", f"{GROUP}:log-stream:"),
                        identity=[streams]).allowed  # fmt: skip


# -- NotAction, NotResource (reference_policies_elements_notaction, _notresource) ------------------
def test_not_action_allows_everything_but_the_listed_actions():
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate(request("s3:GetObject"), identity=[everything_but_iam]).allowed
    assert not evaluate(request("iam:CreateUser"), identity=[everything_but_iam]).allowed


def test_not_resource_in_a_deny_protects_everything_else():
    documents = [policy(allow("s3:*")),
                 policy({"Effect": "Deny", "Action": "s3:*",
                         "NotResource": ["arn:aws:s3:::site", "arn:aws:s3:::site/*"]})]
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::site/a"), identity=documents).allowed
    assert evaluate(request("s3:GetObject", "arn:aws:s3:::other/a"), identity=documents
                    ).reason == "explicit_deny"  # fmt: skip


def test_several_identity_policies_add_up_and_any_deny_wins():
    read, write = policy(allow("dynamodb:GetItem", TABLE)), policy(allow("dynamodb:PutItem", TABLE))
    assert evaluate(request("dynamodb:PutItem", TABLE), identity=[read, write]).allowed
    no_writes = policy(deny("dynamodb:Put*"))
    assert not evaluate(request("dynamodb:PutItem", TABLE), identity=[read, write, no_writes]
                        ).allowed  # fmt: skip


# -- permissions boundaries (access_policies_boundaries) ----------------------------------------
SHIRLEY_BOUNDARY = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]))


def test_a_boundary_caps_what_identity_policies_grant():
    create_user = policy(allow("iam:CreateUser"))
    decision = evaluate(request("iam:CreateUser"), identity=[create_user],
                        boundary=SHIRLEY_BOUNDARY)  # fmt: skip
    assert not decision.allowed and decision.policy_type == BOUNDARY
    assert decision.because("iam:CreateUser") == (
        "because no permissions boundary allows the iam:CreateUser action")
    assert evaluate(request("s3:GetObject"), identity=[policy(allow("s3:GetObject"))],
                    boundary=SHIRLEY_BOUNDARY).allowed  # fmt: skip


def test_a_boundary_grants_nothing_by_itself():
    decision = evaluate(request("s3:GetObject"), boundary=SHIRLEY_BOUNDARY)
    assert not decision.allowed and decision.policy_type == IDENTITY


def test_a_boundary_caps_a_role_that_allows_all_of_dynamodb():
    everything = policy(allow("dynamodb:*"))
    read_only = policy(allow(["dynamodb:GetItem", "dynamodb:Query"]))
    assert evaluate(request("dynamodb:Query", TABLE), identity=[everything], boundary=read_only
                    ).allowed  # fmt: skip
    assert not evaluate(request("dynamodb:DeleteTable", TABLE), identity=[everything],
                        boundary=read_only).allowed  # fmt: skip


def test_an_explicit_deny_in_a_boundary_is_reported_as_such():
    boundary = policy(allow("*"), deny("iam:*"))
    decision = evaluate(request("iam:ListUsers"), identity=[policy(allow("*"))], boundary=boundary)
    assert decision.because("iam:ListUsers") == "with an explicit deny in a permissions boundary"


# -- resource-based policies in one account (reference_policies_evaluation-logic_policy-eval-basics)
BUCKET = "arn:aws:s3:::carlossalazar-logs"


def bucket_policy(principal, action="s3:PutObject", effect="Allow") -> str:
    return policy({"Effect": effect, "Principal": principal, "Action": action,
                   "Resource": f"{BUCKET}/*"})


def test_same_account_identity_or_resource_policy_is_enough():
    # Carlos may list and read his bucket (identity), and its policy lets him write (resource).
    reads = policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
    writes = bucket_policy({"AWS": ROLE_ARN})
    assert evaluate(request("s3:GetObject", f"{BUCKET}/a"), identity=[reads], resource=writes
                    ).allowed  # fmt: skip
    assert evaluate(request("s3:PutObject", f"{BUCKET}/a"), identity=[reads], resource=writes
                    ).allowed  # fmt: skip
    decision = evaluate(request("s3:DeleteObject", f"{BUCKET}/a"), identity=[reads],
                        resource=writes)  # fmt: skip
    assert not decision.allowed and decision.policy_type == IDENTITY


def test_a_resource_policy_naming_the_account_only_delegates_to_identity_policies():
    for account in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        assert not evaluate(request("s3:PutObject", f"{BUCKET}/a"),
                            resource=bucket_policy({"AWS": account})).allowed  # fmt: skip


def test_a_boundary_caps_a_resource_policy_that_names_the_role_but_not_the_session():
    boundary = policy(allow("sts:GetCallerIdentity"))
    by_role = evaluate(request("s3:PutObject", f"{BUCKET}/a"),
                       resource=bucket_policy({"AWS": ROLE_ARN}), boundary=boundary)
    assert not by_role.allowed and by_role.policy_type == BOUNDARY
    by_session = evaluate(request("s3:PutObject", f"{BUCKET}/a"),
                          resource=bucket_policy({"AWS": SESSION.arn}), boundary=boundary)
    assert by_session.allowed


def test_an_explicit_deny_in_a_resource_policy_wins_over_identity_allows():
    denied = bucket_policy("*", action="s3:*", effect="Deny")
    decision = evaluate(request("s3:PutObject", f"{BUCKET}/a"), identity=[policy(allow("s3:*"))],
                        resource=denied)  # fmt: skip
    assert decision.because("s3:PutObject") == "with an explicit deny in a resource-based policy"


def test_not_principal_deny_spares_only_the_listed_principals():
    spare_role = policy({"Effect": "Deny", "NotPrincipal": {"AWS": [ROLE_ARN, SESSION.arn]},
                         "Action": "s3:*", "Resource": f"{BUCKET}/*"})  # fmt: skip
    everything = [policy(allow("s3:*"))]
    assert evaluate(request("s3:GetObject", f"{BUCKET}/a"), identity=everything,
                    resource=spare_role).allowed  # fmt: skip
    other = Principal.role_session(f"arn:aws:iam::{ACCOUNT}:role/other", "x")
    assert not evaluate(request("s3:GetObject", f"{BUCKET}/a", principal=other),
                        identity=everything, resource=spare_role).allowed  # fmt: skip


def test_cross_account_access_needs_both_sides():
    other = Principal.role_session("arn:aws:iam::111122223333:role/reader", "r")
    reads = policy(allow("s3:GetObject", f"{BUCKET}/*"))
    grant = bucket_policy({"AWS": "111122223333"}, action="s3:GetObject")
    ask = Request(other, "s3:GetObject", f"{BUCKET}/a", resource_account=ACCOUNT)
    assert evaluate(ask, identity=[reads], resource=grant).allowed
    assert evaluate(ask, identity=[reads]).policy_type == RESOURCE
    assert evaluate(ask, resource=grant).policy_type == IDENTITY


# -- service principals and anonymous callers ------------------------------------------------------
def test_a_service_principal_needs_the_resource_policy_to_name_it():
    apigateway = Principal.aws_service("apigateway.amazonaws.com")
    permission = policy({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                         "Action": "lambda:InvokeFunction", "Resource": "*"})
    invoke = Request(apigateway, "lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:f")
    assert evaluate(invoke, resource=permission).allowed
    assert not evaluate(Request(Principal.aws_service("s3.amazonaws.com"),
                                "lambda:InvokeFunction", "*"), resource=permission).allowed
    assert evaluate(invoke).because("lambda:InvokeFunction").startswith(
        "because no resource-based policy allows")


def test_anonymous_callers_are_allowed_only_by_a_public_statement():
    public = bucket_policy("*", action="s3:GetObject")
    assert evaluate(request("s3:GetObject", f"{BUCKET}/a", ANONYMOUS), resource=public).allowed
    assert evaluate(request("s3:GetObject", f"{BUCKET}/a", ANONYMOUS),
                    resource=bucket_policy({"AWS": "*"}, action="s3:GetObject")).allowed
    assert not evaluate(request("s3:GetObject", f"{BUCKET}/a", ANONYMOUS),
                        resource=bucket_policy({"AWS": ROLE_ARN}, "s3:GetObject")).allowed


# -- conditions (reference_policies_elements_condition_operators) -------------------------------------
SOURCE = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:api1/prod/GET/pets"


@pytest.mark.parametrize(("condition", "context", "allowed"), [
    ({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "iamuser-admin"}, True),
    ({"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "IAMUSER-ADMIN"}, False),
    ({"StringEqualsIgnoreCase": {"aws:PrincipalTag/job": "Admin"}}, {"aws:principaltag/job": "ADMIN"},
     True),  # condition key names are case-insensitive, values per operator
    ({"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
     {"aws:RequestedRegion": "us-east-1"}, False),
    ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, {}, True),  # missing: negated holds
    ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, {}, False),  # missing: no match
    ({"StringLike": {"s3:prefix": ["", "home/*"]}}, {"s3:prefix": "home/ada/"}, True),
    ({"StringNotLike": {"s3:prefix": "private/*"}}, {"s3:prefix": "private/x"}, False),
    ({"ArnLike": {"aws:SourceArn": f"arn:aws:execute-api:*:{ACCOUNT}:api1/*"}},
     {"aws:SourceArn": SOURCE}, True),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:*"}}, {"aws:SourceArn": SOURCE}, False),  # 6 parts
    ({"ArnEquals": {"aws:SourceArn": SOURCE}}, {"aws:SourceArn": SOURCE}, True),
    ({"ArnNotEquals": {"aws:SourceArn": SOURCE}}, {"aws:SourceArn": SOURCE}, False),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
     {"aws:PrincipalArn": ROLE_ARN}, True),
    ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "false"}, False),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, False),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, True),
    ({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {}, True),
    ({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {"ec2:InstanceType": "m5.large"},
     False),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    ({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, False),
    ({"Null": {"aws:TokenIssueTime": False}}, {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "7"}, True),
    ({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "70"}, False),
    ({"NumericNotEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}},
     {"aws:CurrentTime": "2026-05-01T12:00:00Z"}, True),
    ({"DateLessThan": {"aws:EpochTime": "1585699200"}}, {"aws:EpochTime": "1777636800"}, False),
    ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.7"}, True),
    ({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "198.51.100.1"}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
     {"aws:TagKeys": ["env"]}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
     {"aws:TagKeys": ["env", "cost"]}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}, {}, True),  # empty set: true
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}, {"aws:TagKeys": ["cost", "env"]}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}, {}, False),
    # Every operator and every key must hold (AND); the values of one key are alternatives (OR).
    ({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"],
                       "aws:PrincipalAccount": ACCOUNT}},
     {"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCOUNT}, True),
    ({"StringEquals": {"aws:RequestedRegion": "us-east-1"},
      "StringLike": {"aws:PrincipalArn": "*:role/other"}},
     {"aws:RequestedRegion": "us-east-1", "aws:PrincipalArn": ROLE_ARN}, False),
])  # fmt: skip
def test_condition_operators(condition, context, allowed):
    document = policy(allow("s3:ListBucket", Condition=condition))
    asked = Request(SESSION, "s3:ListBucket", "*", context)
    assert evaluate(asked, identity=[document]).allowed is allowed


def test_an_operator_the_evaluator_does_not_know_never_allows_and_always_denies():
    unknown = {"BinaryEquals": {"key": "QmluYXJ5"}}
    assert not evaluate(request("s3:GetObject"),
                        identity=[policy(allow("*", Condition=unknown))]).allowed
    assert not evaluate(request("s3:GetObject"),
                        identity=[policy(allow("*"), deny("*", Condition=unknown))]).allowed


def test_a_tls_only_deny_applies_to_plain_http_requests_only():
    documents = [policy(allow("s3:*"),
                        deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}}))]

    def over(transport):
        context = {} if transport is None else {"aws:SecureTransport": transport}
        return evaluate(Request(SESSION, "s3:GetObject", "*", context), identity=documents)

    assert over("true").allowed
    assert over("false").reason == "explicit_deny"
    assert over(None).allowed  # Bool on a missing key does not hold, so the Deny does not apply


# -- documents ------------------------------------------------------------------------------------
def test_documents_may_be_text_bytes_or_dicts_and_a_single_statement_object():
    single = {"Version": "2012-10-17", "Statement": allow("s3:GetObject")}
    for document in (single, json.dumps(single), json.dumps(single).encode()):
        assert evaluate(request("s3:GetObject"), identity=[document]).allowed


def test_parsing_is_cached_by_the_documents_text():
    text = policy(allow("s3:GetObject"))
    assert parse(text) is parse(text)


@pytest.mark.parametrize("document", [
    "not json",
    json.dumps({"Version": "2012-10-17"}),
    policy({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}),
    policy({"Effect": "Allow", "Resource": "*"}),
    policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": ["x"]}),
])  # fmt: skip
def test_malformed_documents_are_refused(document):
    with pytest.raises(MalformedPolicyError):
        parse(document)
