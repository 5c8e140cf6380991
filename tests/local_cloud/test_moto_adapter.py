"""The contract with moto: what ``moto_adapter`` and ``moto_patches`` take from moto still exists,
the adapter reads moto's state correctly, and the patched DynamoDB path keeps moto's answers (same
bytes on the wire). Run it after a moto upgrade: a failure names what moved.
"""

import ast
import base64
import http.client
import importlib
import inspect
import io
import json
import subprocess
import sys
import uuid
import zipfile
from importlib import metadata
from pathlib import Path

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import helpers.local_cloud
from helpers.local_cloud import moto_adapter
from helpers.local_cloud.moto_adapter import MotoVersionError, check_version

ACCOUNT, REGION = "123456789012", "us-east-1"
LOCAL_CLOUD = Path(helpers.local_cloud.__file__).parent


def document(action: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"}]})  # fmt: skip


@pytest.fixture(scope="module")
def aws(learner_clients):
    """The learner's own (admin) clients."""
    return learner_clients


# -- the supported moto -------------------------------------------------------------------------
def test_the_installed_moto_is_the_tested_one():
    import moto

    assert moto.__version__ == moto_adapter.MOTO_VERSION_TESTED == moto_adapter.moto_version()
    assert check_version() == moto.__version__  # what importing the local cloud checked


@pytest.mark.parametrize("version", ["5.2.5", "5.2.11"])
def test_a_later_5_2_moto_is_accepted(version, monkeypatch):
    monkeypatch.setattr(metadata, "version", lambda name: version)
    assert check_version() == version


@pytest.mark.parametrize("version", ["5.2.4", "5.1.0", "5.3.0", "6.0.0"])
def test_another_moto_is_refused_naming_the_range_and_the_fix(version, monkeypatch):
    monkeypatch.setattr(metadata, "version", lambda name: version)
    with pytest.raises(MotoVersionError) as refused:
        check_version()
    message = str(refused.value)
    assert f"moto {version} is installed" in message and ">=5.2.5,<5.3" in message
    assert "pip install 'moto[server]==5.2.5'" in message


def test_importing_the_local_cloud_with_another_moto_fails_in_plain_words():
    script = ("from importlib import metadata\n"
              "real = metadata.version\n"
              "metadata.version = lambda name: '5.3.0' if name == 'moto' else real(name)\n"
              "import helpers.local_cloud\n")  # fmt: skip
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=LOCAL_CLOUD.parent.parent, timeout=60)  # fmt: skip
    assert ran.returncode != 0
    assert "MotoVersionError: The local cloud supports moto 5.2.5" in ran.stderr
    assert "moto 5.3.0 is installed" in ran.stderr and "pip install" in ran.stderr


# -- every name the adapter and the patches take from moto --------------------------------------
def moto_imports():
    """("module", "name") of every ``from moto... import name`` in moto_adapter and moto_patches."""
    found = set()
    for package in ("moto_adapter", "moto_patches"):
        for path in sorted((LOCAL_CLOUD / package).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and not node.level and (
                        node.module == "moto" or node.module.startswith("moto.")):
                    found |= {(node.module, alias.name) for alias in node.names}
                elif isinstance(node, ast.Import):
                    found |= {(a.name, "") for a in node.names if a.name.split(".")[0] == "moto"}
    return sorted(found)


def test_the_adapter_and_the_patches_import_from_moto():
    assert len(moto_imports()) > 40  # the scan sees the packages


@pytest.mark.parametrize(("module", "name"), moto_imports())
def test_every_name_imported_from_moto_exists(module, name):
    imported = importlib.import_module(module)
    assert not name or hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}"), (
        f"moto has no {module}.{name} any more: update moto_adapter/moto_patches")


def owners():
    from moto.apigateway.models import APIGatewayBackend
    from moto.awslambda.models import (
        EventSourceMapping,
        LambdaBackend,
        LambdaFunction,
        LambdaStorage,
    )
    from moto.awslambda.policy import Policy
    from moto.awslambda.responses import LambdaResponse
    from moto.cloudwatch.models import Alarm, CloudWatchBackend, Statistics
    from moto.core.model_instances import model_data, reset_model_data
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import StreamShard, Table
    from moto.dynamodb.responses import DynamoHandler, DynamoResult
    from moto.events.models import EventPattern, EventsBackend, Rule
    from moto.iam.models import IAMBackend
    from moto.kinesis.models import Shard, Stream
    from moto.logs.models import LogsBackend
    from moto.moto_server import werkzeug_app
    from moto.s3 import notifications
    from moto.s3.models import S3Backend, s3_backends
    from moto.sns.models import SNSBackend, Subscription
    from moto.sqs import models as sqs_models
    from moto.sqs.models import Message, Queue, SQSBackend
    from moto.utilities.docker_utilities import DockerModel

    assert callable(model_data.values) and callable(reset_model_data)
    return {  # what the adapter and the patches read, call or replace, by owner
        notifications: ["send_event", "_get_s3_event", "_invoke_awslambda"],
        werkzeug_app: ["DomainDispatcherApplication", "create_backend_app", "DISABLE_GLOBAL_CORS"],
        werkzeug_app.DomainDispatcherApplication: ["get_application"],
        LambdaBackend: ["create_event_source_mapping", "send_sqs_batch", "send_sns_message",
                        "get_function", "get_policy", "layers_versions_by_arn", "list_functions",
                        "put_function_concurrency"],
        LambdaStorage: ["get_function_by_name_or_arn_with_qualifier"],
        LambdaFunction: ["invoke", "_invoke_lambda"],
        LambdaResponse: ["put_function_event_invoke_config", "update_function_event_invoke_config",
                         "get_function_event_invoke_config", "delete_function_event_invoke_config",
                         "list_function_event_invoke_configs"],
        Policy: ["add_statement", "get_policy", "wire_format"],
        EventSourceMapping: ["get_configuration"],
        Queue: ["add_message", "messages"],
        Message: ["body_md5", "mark_received", "change_visibility"],
        SQSBackend: ["send_message", "receive_message", "delete_message"],
        sqs_models: ["unix_time", "unix_time_millis", "sqs_backends"],
        SNSBackend: ["publish"],
        Subscription: ["publish", "_parse_message_structure"],
        StreamShard: ["add", "to_json"],
        Table: ["set_stream_specification", "query", "all_items"],
        DynamoType: ["cast_value"],
        DynamoDBBackend: ["transact_write_items"],
        DynamoHandler: ["call_action"],
        DynamoResult: ["execute_result"],
        Rule: ["send_to_targets", "_send_to_sqs_queue"],
        EventPattern: ["matches_event"],
        EventsBackend: ["put_events"],
        S3Backend: ["_set_delete_marker", "get_bucket", "get_object"],
        s3_backends: ["bucket_accounts"],
        Stream: ["put_record"],
        Shard: ["get_max_sequence_number", "put_record"],
        IAMBackend: ["get_role"],
        LogsBackend: ["ensure_log_group", "create_log_stream", "put_log_events"],
        CloudWatchBackend: ["put_metric_alarm"],
        Alarm: ["update_state"],
        Statistics: ["get_statistics_for_type"],
        APIGatewayBackend: ["put_rest_api"],
        DockerModel: ["docker_client"],
    }  # fmt: skip


def test_every_attribute_the_adapter_and_the_patches_use_exists():
    missing = {getattr(owner, "__name__", repr(owner)): [n for n in names if not hasattr(owner, n)]
               for owner, names in owners().items()}  # fmt: skip
    assert not {k: v for k, v in missing.items() if v}, "update moto_adapter/moto_patches"


def test_the_instance_attributes_the_adapter_reads_are_set_by_moto():
    """Set in ``__init__`` (not visible on the class): read in moto's source as shipped."""
    from moto.awslambda.models import LambdaFunction
    from moto.cloudwatch.models import Alarm, MetricAggregatedDatum

    lambda_source = inspect.getsource(inspect.getmodule(LambdaFunction))
    for needle in ("self._functions: dict", "self._lambdas = LambdaStorage(",
                   "self.reserved_concurrency = ", "self._event_source_mappings"):  # fmt: skip
        assert needle in lambda_source, needle
    alarm_source = inspect.getsource(inspect.getmodule(Alarm))
    assert "self.metric_data: list[MetricDatumBase] = []" in alarm_source
    for attribute in ("metric_data_queries", "rule", "state_value", "treat_missing_data",
                      "datapoints_to_alarm", "configuration_updated_timestamp"):  # fmt: skip
        assert f"self.{attribute}" in alarm_source, attribute
    assert {"min_stat", "max_stat", "sample_count", "sum_stat"} <= set(
        inspect.signature(MetricAggregatedDatum.__init__).parameters)  # fmt: skip
    from moto.events.models import EventsBackend
    from moto.sns.models import SNSBackend
    from moto.sqs.models import SQSBackend

    assert "message_attributes" in inspect.signature(SQSBackend.send_message).parameters
    assert {"arn", "subject", "message_attributes"} <= set(
        inspect.signature(SNSBackend.publish).parameters)  # fmt: skip
    assert callable(EventsBackend.put_events)


def test_moto_errors_are_what_the_planes_catch(aws):
    from moto.awslambda.exceptions import LambdaClientError
    from moto.iam.exceptions import NoSuchEntity

    assert issubclass(LambdaClientError, moto_adapter.api_errors())
    assert issubclass(NoSuchEntity, moto_adapter.api_errors())
    with pytest.raises(moto_adapter.api_errors()):
        moto_adapter.iam_role(ACCOUNT, "no-such-role")
    with pytest.raises(moto_adapter.api_errors()):
        moto_adapter.lambda_backend(ACCOUNT, REGION).get_function("no-such-function", None)


# -- the patched DynamoDB path: same bytes on the wire ------------------------------------------
EVERY_TYPE = {
    "pk": {"S": "item"}, "sk": {"N": "1"},
    "text": {"S": 'h\u00e9llo \u2603 "quoted" \\ slash'}, "number": {"N": "-1.5E+3"},
    "binary": {"B": base64.b64encode(b"\x00\xff").decode()}, "yes": {"BOOL": True},
    "nothing": {"NULL": True}, "empty": {"L": []},
    "map": {"M": {"a": {"S": "x"}, "list": {"L": [{"N": "1"}, {"S": "y"}, {"BOOL": False}]}}},
    "strings": {"SS": ["a", "b"]}, "numbers": {"NS": ["1", "2.5"]},
    "binaries": {"BS": [base64.b64encode(b"a").decode(), base64.b64encode(b"b").decode()]},
}  # fmt: skip


def dynamodb_call(cloud, operation, body):
    """A DynamoDB request as boto3 sends it: (status, the raw response body)."""
    headers = {"X-Amz-Target": f"DynamoDB_20120810.{operation}",
               "Content-Type": "application/x-amz-json-1.0"}  # fmt: skip
    request = AWSRequest(method="POST", url=f"{cloud.endpoint}/",
                         data=json.dumps(body).encode(), headers=headers)  # fmt: skip
    SigV4Auth(Credentials("learner", "learner"), "dynamodb", REGION).add_auth(request)
    host, port = cloud.endpoint.rsplit("/", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("POST", "/", body=request.body, headers=dict(request.headers))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def table(aws, cloud):
    name = f"contract-{uuid.uuid4().hex[:8]}"
    aws("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}])  # fmt: skip
    assert dynamodb_call(cloud, "PutItem", {"TableName": name, "Item": EVERY_TYPE})[0] == 200
    dynamodb_call(cloud, "PutItem", {"TableName": name, "Item": {"pk": {"S": "item"},
                                                                 "sk": {"N": "2"}}})
    return name


def item_calls(table):
    """Reads, and writes that answer the same however often they run."""
    key = {"pk": {"S": "item"}, "sk": {"N": "1"}}
    return {
        "GetItem": {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"},
        "Query": {"TableName": table, "KeyConditionExpression": "pk = :p",
                  "ExpressionAttributeValues": {":p": {"S": "item"}}, "Limit": 1},
        "Scan": {"TableName": table, "ReturnConsumedCapacity": "INDEXES"},
        "TransactGetItems": {"TransactItems": [{"Get": {"TableName": table, "Key": key}}]},
        "BatchGetItem": {"RequestItems": {table: {"Keys": [key]}}},
        "PutItem": {"TableName": table, "Item": EVERY_TYPE, "ReturnValues": "ALL_OLD"},
        "UpdateItem": {"TableName": table, "Key": key, "UpdateExpression": "SET yes = :t",
                       "ReturnValues": "ALL_NEW",
                       "ExpressionAttributeValues": {":t": {"BOOL": True}}},
        "DeleteItem": {"TableName": table, "Key": {"pk": {"S": "never"}, "sk": {"N": "0"}},
                       "ReturnConsumedCapacity": "TOTAL"},
    }  # fmt: skip


@pytest.mark.parametrize("operation", ["GetItem", "Query", "Scan", "TransactGetItems",
                                       "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"])
def test_the_fast_item_path_sends_the_bytes_moto_would(cloud, table, operation, monkeypatch):
    from moto.dynamodb.responses import DynamoResult

    from helpers.local_cloud.moto_patches import dynamodb

    shaped = []
    real = dynamodb._shaped
    monkeypatch.setattr(dynamodb, "_shaped", lambda *args: shaped.append(1) or real(*args))
    body = item_calls(table)[operation]
    fast = dynamodb_call(cloud, operation, body)
    assert shaped, "the direct path was not taken"
    monkeypatch.setattr(DynamoResult, "execute_result", DynamoResult._workbook_moto_serializer)
    assert fast == dynamodb_call(cloud, operation, body)
    assert fast[0] == 200


# -- the adapter reads moto's state -------------------------------------------------------------
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
