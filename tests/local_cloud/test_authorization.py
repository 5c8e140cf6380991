"""Execution roles enforced: a function's own AWS calls (plain boto3 in the handler) are allowed or
refused by its role's policies, its permissions boundary and the resource's policy, as on AWS,
and a refused call changes nothing. The learner's own credentials stay account-admin."""

import io
import json
import re
import uuid
import zipfile
from types import SimpleNamespace

import boto3
import pytest

from helpers import iam
from helpers.local_cloud import LocalCloud
from helpers.local_cloud.authorization import ENFORCE_VARIABLE, Authorizer

ACCOUNT, REGION = "123456789012", "us-east-1"
AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")  # what tests/test_secrets.py rejects
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})  # fmt: skip

HANDLER = """
import json, os
import boto3
from botocore.exceptions import ClientError

def handler(event, context):
    call = event["call"]
    try:
        if call == "whoami":
            identity = boto3.client("sts").get_caller_identity()
            return {"arn": identity["Arn"], "key": os.environ["AWS_ACCESS_KEY_ID"],
                    "token": bool(os.environ.get("AWS_SESSION_TOKEN"))}
        if call == "put_item":
            boto3.client("dynamodb").put_item(TableName=event["table"],
                                              Item={"pk": {"S": event["pk"]}})
        if call == "query_index":
            boto3.client("dynamodb").query(
                TableName=event["table"], IndexName="by-text",
                KeyConditionExpression="txt = :t",
                ExpressionAttributeValues={":t": {"S": "x"}})
        if call == "get_object":
            body = boto3.client("s3").get_object(Bucket=event["bucket"], Key=event["key"])
            return {"body": body["Body"].read().decode()}
        if call == "put_object":
            boto3.client("s3").put_object(Bucket=event["bucket"], Key=event["key"], Body=b"x")
        if call == "send_message":
            boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody="hello")
        if call == "publish":
            boto3.client("sns").publish(TopicArn=event["topic"], Message="hello")
        if call == "invoke":
            boto3.client("lambda").invoke(FunctionName=event["function"], Payload=b"{}")
        if call == "assume_and_put":
            credentials = boto3.client("sts").assume_role(
                RoleArn=event["role"], RoleSessionName="worker")["Credentials"]
            session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                                    aws_secret_access_key=credentials["SecretAccessKey"],
                                    aws_session_token=credentials["SessionToken"])
            arn = session.client("sts").get_caller_identity()["Arn"]
            session.client("dynamodb").put_item(TableName=event["table"],
                                                Item={"pk": {"S": event["pk"]}})
            return {"ok": True, "arn": arn}
        return {"ok": True}
    except ClientError as error:
        return {"error": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
"""


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def aws(learner_clients):
    """The learner's own (admin) clients."""
    return learner_clients


@pytest.fixture(scope="module")
def table(aws):
    name = f"authz-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "txt", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-text", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "txt", "KeyType": "HASH"}]}],
    )  # fmt: skip
    return name


class Function:
    """A function with its own role; ``call(...)`` runs the handler's AWS call."""

    def __init__(self, aws, boundary: str | None = None):
        self.aws = aws
        self.name = f"authz-{uuid.uuid4().hex[:8]}"
        self.role = f"{self.name}-role"
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        self.role_arn = aws("iam").create_role(RoleName=self.role, AssumeRolePolicyDocument=TRUST,
                                               **extra)["Role"]["Arn"]  # fmt: skip
        aws("lambda").create_function(FunctionName=self.name, Runtime="python3.12",
                                      Role=self.role_arn, Handler="app.handler",
                                      Code={"ZipFile": zip_of(HANDLER)})  # fmt: skip
        self.session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.role}/{self.name}"

    def call(self, **event):
        response = self.aws("lambda").invoke(FunctionName=self.name, Payload=json.dumps(event))
        payload = json.loads(response["Payload"].read())
        assert "FunctionError" not in response, payload
        return payload

    def grant(self, name: str, actions, resource) -> None:
        self.put_policy(name, {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resource}]})

    def put_policy(self, name: str, document: dict) -> None:
        self.aws("iam").put_role_policy(RoleName=self.role, PolicyName=name,
                                        PolicyDocument=json.dumps(document))  # fmt: skip


def table_arn(table: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"


def items(aws, table: str) -> list[dict]:
    return aws("dynamodb").scan(TableName=table)["Items"]


def test_a_function_acts_as_its_role_session_with_credentials_that_are_not_aws_keys(aws):
    function = Function(aws)
    me = function.call(call="whoami")
    assert me["arn"] == function.session_arn  # as on AWS: the session is the function's name
    assert me["token"] and me["key"].startswith("LOCALROLE") and not AWS_KEY_ID.search(me["key"])


def test_a_denied_call_writes_nothing_and_a_granted_one_works_at_once(aws, table):
    function = Function(aws)
    denied = function.call(call="put_item", table=table, pk="first")
    assert denied == {
        "error": "AccessDeniedException", "status": 400,
        "message": f"User: {function.session_arn} is not authorized to perform: dynamodb:PutItem "
                   f"on resource: {table_arn(table)} because no identity-based policy allows the "
                   "dynamodb:PutItem action"}  # fmt: skip
    assert items(aws, table) == []
    function.grant("write", "dynamodb:PutItem", table_arn(table))
    assert function.call(call="put_item", table=table, pk="second") == {"ok": True}
    assert [item["pk"]["S"] for item in items(aws, table)] == ["second"]


def test_an_explicit_deny_is_named_in_the_message(aws, table):
    function = Function(aws)
    function.grant("all", "dynamodb:*", "*")
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}]}
    aws("iam").put_role_policy(RoleName=function.role, PolicyName="no-writes",
                               PolicyDocument=json.dumps(document))  # fmt: skip
    answer = function.call(call="put_item", table=table, pk="x")
    assert answer["message"].endswith("with an explicit deny in an identity-based policy")


def test_queries_on_an_index_need_the_index_arn(aws, table):
    function = Function(aws)
    function.grant("query", "dynamodb:Query", table_arn(table))
    assert function.call(call="query_index", table=table)["error"] == "AccessDeniedException"
    function.grant("query", "dynamodb:Query", [table_arn(table), f"{table_arn(table)}/index/*"])
    assert function.call(call="query_index", table=table) == {"ok": True}


def test_a_permissions_boundary_caps_a_role_that_allows_all_of_dynamodb(aws, table):
    boundary = aws("iam").create_policy(PolicyName=f"read-only-{uuid.uuid4().hex[:6]}",
                                        PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                "Action": ["dynamodb:GetItem", "dynamodb:Query"]}]}
    ))["Policy"]["Arn"]  # fmt: skip
    function = Function(aws, boundary=boundary)
    function.grant("everything", "dynamodb:*", "*")
    answer = function.call(call="put_item", table=table, pk="capped")
    assert answer["message"].endswith(
        "because no permissions boundary allows the dynamodb:PutItem action")
    assert not any(item["pk"]["S"] == "capped" for item in items(aws, table))


def test_a_bucket_policy_alone_can_grant_and_s3_refuses_in_its_own_words(aws):
    function = Function(aws)
    bucket = f"authz-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=bucket)
    aws("s3").put_object(Bucket=bucket, Key="note.txt", Body=b"from the bucket")
    refused = function.call(call="get_object", bucket=bucket, key="note.txt")
    assert refused["error"] == "AccessDenied" and refused["status"] == 403
    assert refused["message"] == (
        f'User: {function.session_arn} is not authorized to perform: s3:GetObject on resource: '
        f'"arn:aws:s3:::{bucket}/note.txt" because no identity-based policy allows the '
        's3:GetObject action')
    aws("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": function.role_arn},
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert function.call(call="get_object", bucket=bucket, key="note.txt") == {
        "body": "from the bucket"}
    assert function.call(call="put_object", bucket=bucket, key="new.txt")["error"] == "AccessDenied"
    assert "Contents" not in aws("s3").list_objects_v2(Bucket=bucket, Prefix="new")


def test_sqs_sns_and_lambda_refuse_in_their_own_words(aws):
    function = Function(aws)
    queue = aws("sqs").create_queue(QueueName=f"authz-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    sent = function.call(call="send_message", queue=queue)
    assert sent["error"] == "AccessDenied"
    assert "sqs:sendmessage on resource: arn:aws:sqs:us-east-1:" in sent["message"]
    assert aws("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
    topic = aws("sns").create_topic(Name=f"authz-{uuid.uuid4().hex[:8]}")["TopicArn"]
    published = function.call(call="publish", topic=topic)
    assert (published["error"], published["status"]) == ("AuthorizationError", 403)
    assert published["message"].endswith("because no identity-based policy allows the "
                                         "SNS:Publish action")
    invoked = function.call(call="invoke", function=function.name)
    assert (invoked["error"], invoked["status"]) == ("AccessDeniedException", 403)
    assert "lambda:InvokeFunction on resource: arn:aws:lambda:" in invoked["message"]


def test_requests_with_a_stale_or_forged_session_token_are_refused(cloud):
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=cloud.endpoint,
                          aws_access_key_id="LOCALROLE0000000000", aws_secret_access_key="x",
                          aws_session_token="forged")  # fmt: skip
    with pytest.raises(client.exceptions.ClientError) as refused:
        client.list_tables()
    assert refused.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_enforcement_is_on_by_default_and_one_setting_turns_it_off(monkeypatch):
    monkeypatch.delenv(ENFORCE_VARIABLE, raising=False)
    assert Authorizer(account=ACCOUNT, region=REGION).enforce
    assert not Authorizer(account=ACCOUNT, region=REGION, enforce=False).enforce
    monkeypatch.setenv(ENFORCE_VARIABLE, "0")
    assert not Authorizer(account=ACCOUNT, region=REGION).enforce
    assert not LocalCloud().authorizer.enforce
    environ = {"HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=LOCALROLE0000000000/20260101/"
                                     "us-east-1/dynamodb/aws4_request"}  # fmt: skip
    assert Authorizer(account=ACCOUNT, region=REGION).check(environ) is None


def log_lines(aws, group: str) -> list[str]:
    logs = aws("logs")
    try:
        return [event["message"] for event in logs.filter_log_events(logGroupName=group)["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


def test_logs_reach_cloudwatch_only_when_the_role_may_write_them(aws):
    function = Function(aws)
    group = f"/aws/lambda/{function.name}"
    assert function.call(call="nothing") == {"ok": True}  # the invoke succeeds...
    assert aws("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []  # ...unlogged
    function.put_policy("logs", iam.logging_policy(
        SimpleNamespace(region=REGION, account_id=ACCOUNT), function.name))
    function.call(call="nothing")
    assert any(line.startswith("REPORT RequestId:") for line in log_lines(aws, group))


def test_a_log_group_arn_without_the_trailing_star_never_creates_the_group(aws):
    function = Function(aws)
    group = f"/aws/lambda/{function.name}"
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    function.put_policy("logs", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": group_arn},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": f"{group_arn}:log-stream:*"}]})  # fmt: skip
    function.call(call="nothing")
    assert log_lines(aws, group) == []
    aws("logs").create_log_group(logGroupName=group)  # the group is only needed once
    function.call(call="nothing")
    assert any(line.startswith("REPORT RequestId:") for line in log_lines(aws, group))


def test_a_role_assumed_by_a_function_is_checked_too(aws, table):
    function = Function(aws)
    worker = f"{function.name}-worker"
    trust_account = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]})
    worker_arn = aws("iam").create_role(RoleName=worker,
                                        AssumeRolePolicyDocument=trust_account)["Role"]["Arn"]
    event = {"call": "assume_and_put", "role": worker_arn, "table": table, "pk": "by-worker"}
    # The trust policy names only the account: the function's own role must allow AssumeRole.
    assert "sts:AssumeRole on resource: " + worker_arn in function.call(**event)["message"]
    function.grant("assume", "sts:AssumeRole", worker_arn)
    refused = function.call(**event)  # assumed, but the worker role may not write
    worker_session = f"arn:aws:sts::{ACCOUNT}:assumed-role/{worker}/worker"
    assert refused["message"].startswith(f"User: {worker_session} is not authorized to perform: "
                                         "dynamodb:PutItem")
    aws("iam").put_role_policy(RoleName=worker, PolicyName="write", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem",
                                                "Resource": table_arn(table)}]}))
    assert function.call(**event) == {"ok": True, "arn": worker_session}
