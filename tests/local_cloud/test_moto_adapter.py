"""The moto internals ``moto_adapter`` reads are still where it looks for them (run after a moto
upgrade: a failure here names the one function to fix)."""

import io
import json
import zipfile

import boto3
import moto
import pytest

from helpers.local_cloud import LocalCloud, moto_adapter

ACCOUNT, REGION = "123456789012", "us-east-1"


def document(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"}]})  # fmt: skip


@pytest.fixture(scope="module")
def aws():
    with LocalCloud() as cloud:
        session = boto3.Session(aws_access_key_id="learner", aws_secret_access_key="learner",
                                region_name=REGION)  # fmt: skip
        yield lambda service: session.client(service, endpoint_url=cloud.endpoint)


def test_written_for_moto_5_2():
    assert moto.__version__.startswith("5.2."), "re-check moto_adapter against this moto"


def test_role_policies_are_read_as_stored_now(aws):
    iam = aws("iam")
    boundary = iam.create_policy(PolicyName="adapter-boundary",
                                 PolicyDocument=document("s3:*"))["Policy"]["Arn"]
    managed = iam.create_policy(PolicyName="adapter-managed",
                                PolicyDocument=document("sqs:*"))["Policy"]["Arn"]
    arn = iam.create_role(RoleName="adapter-role", AssumeRolePolicyDocument="{}",
                          PermissionsBoundary=boundary,
                          Tags=[{"Key": "team", "Value": "web"}])["Role"]["Arn"]
    iam.put_role_policy(RoleName="adapter-role", PolicyName="inline",
                        PolicyDocument=document("dynamodb:*"))
    iam.attach_role_policy(RoleName="adapter-role", PolicyArn=managed)
    policies = moto_adapter.role_policies(arn)
    assert [json.loads(d)["Statement"][0]["Action"] for d in policies.documents] == [
        "dynamodb:*", "sqs:*"]
    assert json.loads(policies.boundary)["Statement"][0]["Action"] == "s3:*"
    assert policies.tags == {"team": "web"} and policies.role_id
    iam.create_policy_version(PolicyArn=managed, PolicyDocument=document("sns:*"),
                              SetAsDefault=True)  # fmt: skip
    assert "sns:*" in moto_adapter.role_policies(arn).documents[1]
    assert moto_adapter.role_trust_policy(arn) == "{}"
    iam.delete_role_policy(RoleName="adapter-role", PolicyName="inline")
    iam.detach_role_policy(RoleName="adapter-role", PolicyArn=managed)
    iam.delete_role_permissions_boundary(RoleName="adapter-role")
    iam.delete_role(RoleName="adapter-role")
    assert moto_adapter.role_policies(arn) is None


def test_a_registered_role_session_is_known_to_sts(aws):
    arn = aws("iam").create_role(RoleName="adapter-session-role",
                                 AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    moto_adapter.register_role_session(arn, "fn", REGION, "ADAPTERTESTKEY000001", "secret",
                                       "token")  # fmt: skip
    sts = boto3.client("sts", region_name=REGION, endpoint_url=aws("sts").meta.endpoint_url,
                       aws_access_key_id="ADAPTERTESTKEY000001", aws_secret_access_key="secret",
                       aws_session_token="token")  # fmt: skip
    assert sts.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/adapter-session-role/fn")


def test_resource_policies_and_log_streams_are_found(aws):
    policy = document("s3:GetObject")
    aws("s3").create_bucket(Bucket="adapter-bucket")
    assert moto_adapter.bucket_policy("adapter-bucket") == (ACCOUNT, None)
    aws("s3").put_bucket_policy(Bucket="adapter-bucket", Policy=policy)
    account, stored = moto_adapter.bucket_policy("adapter-bucket")
    assert json.loads(stored) == json.loads(policy)
    assert moto_adapter.bucket_policy("no-such-bucket") is None

    queue = aws("sqs").create_queue(QueueName="adapter-queue",
                                    Attributes={"Policy": policy})["QueueUrl"]
    assert json.loads(moto_adapter.queue_policy(f"arn:aws:sqs:{REGION}:{ACCOUNT}:adapter-queue")
                      )["Statement"] == json.loads(policy)["Statement"]  # fmt: skip
    assert queue.endswith("/adapter-queue")
    topic = aws("sns").create_topic(Name="adapter-topic")["TopicArn"]
    assert "Statement" in json.loads(moto_adapter.topic_policy(topic))

    role = aws("iam").create_role(RoleName="adapter-fn-role",
                                  AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(e, c):\n    return 1\n")
    function = aws("lambda").create_function(
        FunctionName="adapter-fn", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": code.getvalue()})["FunctionArn"]  # fmt: skip
    assert moto_adapter.function_policy(function) is None
    aws("lambda").add_permission(FunctionName="adapter-fn", StatementId="s",
                                 Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    assert json.loads(moto_adapter.function_policy(function))["Statement"][0]["Sid"] == "s"

    aws("logs").create_log_group(logGroupName="/adapter")
    assert moto_adapter.log_stream_exists(ACCOUNT, REGION, "/adapter", "s") == (True, False)
    assert moto_adapter.log_stream_exists(ACCOUNT, REGION, "/none", "s") == (False, False)

    secret = aws("secretsmanager").create_secret(Name="adapter-secret", SecretString="x")["ARN"]
    assert moto_adapter.secret_arn(ACCOUNT, REGION, "adapter-secret") == secret
