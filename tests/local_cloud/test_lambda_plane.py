"""Lambda through boto3 against the local cloud: what a learner's calls get back."""

import base64
import io
import json
import sys
import zipfile

import boto3
import pytest

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.clock import REAL_CLOCK, FakeClock
from helpers.local_cloud.lambda_runtime import memory
from helpers.local_cloud.planes.lambda_api import LambdaPlane

RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"  # this Python's runtime

HANDLERS = {
    "app.py": """
import json, os, time, boto3
calls = 0
def echo(event, context):
    global calls
    calls += 1
    print("event", json.dumps(event))
    return {"event": event, "calls": calls, "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"]}
def fail(event, context):
    print("about to fail")
    raise KeyError("missing")
def chatty(event, context):
    for i in range(500):
        print(f"line {i:04d} " + "x" * 40)
    return "done"
def write_item(event, context):
    boto3.client("dynamodb").put_item(
        TableName=os.environ["TABLE"], Item={"pk": {"S": event["pk"]}})
    return "stored"
def slow(event, context):
    time.sleep(5)
def greedy(event, context):
    return len(b"x" * (600 * 1024 * 1024))
""",
}


def zip_of(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def clock():
    """The cloud's time: retry delays and role ages pass at once, and can be read back."""
    return FakeClock()


@pytest.fixture(scope="module")
def cloud(clock):
    with LocalCloud(clock=clock) as running:
        yield running


@pytest.fixture(scope="module")
def aws(cloud):
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                            region_name="us-east-1")  # fmt: skip
    return lambda service: session.client(service, endpoint_url=cloud.endpoint)


@pytest.fixture(scope="module")
def role(aws):
    arn = aws("iam").create_role(RoleName="plane-test-role",
                                 AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
    # Lambda writes a function's logs with its role: without this they would be lost.
    aws("iam").attach_role_policy(
        RoleName="plane-test-role",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    return arn


def create(aws, role, name, handler, **extra):
    aws("lambda").create_function(
        FunctionName=name, Runtime=extra.pop("Runtime", RUNTIME), Role=role,
        Handler=f"app.{handler}",
        Code={"ZipFile": zip_of(HANDLERS)}, **extra,
    )  # fmt: skip
    return name


def invoke(aws, name, payload=None, **kwargs):
    if payload is not None:
        kwargs["Payload"] = json.dumps(payload)
    response = aws("lambda").invoke(FunctionName=name, **kwargs)
    body = response["Payload"].read()
    return response, (json.loads(body) if body else None)


def log_lines(aws, group, pattern=""):
    kwargs = {"logGroupName": group, **({"filterPattern": pattern} if pattern else {})}
    logs = aws("logs")
    try:
        return [e["message"] for e in logs.filter_log_events(**kwargs)["events"]]
    except logs.exceptions.ResourceNotFoundException:  # created with the first invoke's logs
        return []


def test_invoke_runs_the_handler_and_keeps_it_warm(aws, role):
    name = create(aws, role, "plane-echo", "echo")
    first = invoke(aws, name, {"a": 1})
    second = invoke(aws, name, {"a": 2})
    assert first[0]["StatusCode"] == 200 and "FunctionError" not in first[0]
    assert first[1]["event"] == {"a": 1} and first[1]["calls"] == 1
    assert second[1]["calls"] == 2


def test_handler_exception_is_unhandled_with_aws_error_json(aws, role):
    name = create(aws, role, "plane-fail", "fail")
    response, body = invoke(aws, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "KeyError" and body["errorMessage"] == "'missing'"
    assert set(body) == {"errorMessage", "errorType", "requestId", "stackTrace"}


def test_log_tail_is_base64_of_at_most_4_kb_ending_with_report(aws, role):
    name = create(aws, role, "plane-chatty", "chatty")
    response, _ = invoke(aws, name, {}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    assert len(tail.encode()) <= 4096
    assert tail.rstrip("\n").splitlines()[-1].startswith("REPORT RequestId: ")
    assert "line 0499" in tail and "line 0000" not in tail


def test_logs_land_in_the_functions_group_with_start_end_report(aws, role):
    name = create(aws, role, "plane-logs", "echo")
    response, _ = invoke(aws, name, {"hello": "logs"})
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = log_lines(aws, f"/aws/lambda/{name}", f'"{request_id}"')
    assert any(line.startswith(f"START RequestId: {request_id} Version: $LATEST") for line in lines)
    assert any(line.startswith(f"END RequestId: {request_id}") for line in lines)
    assert any(line.startswith(f"REPORT RequestId: {request_id}\tDuration: ") for line in lines)
    streams = aws("logs").describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]
    assert len(streams) == 1 and "/[$LATEST]" in streams[0]["logStreamName"]


def test_dry_run_answers_204_and_runs_nothing(aws, role):
    name = create(aws, role, "plane-dry", "echo")
    response, _ = invoke(aws, name, {}, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert invoke(aws, name, {})[1]["calls"] == 1  # the dry run did not count


def test_event_invocations_run_in_the_background(cloud, aws, role):
    name = create(aws, role, "plane-event", "echo")
    response, body = invoke(aws, name, {"queued": True}, InvocationType="Event")
    assert response["StatusCode"] == 202 and body is None
    assert cloud.plane(LambdaPlane).operations.async_invocations.settle(timeout=15)
    assert log_lines(aws, f"/aws/lambda/{name}", "queued")


def test_failed_event_invocations_are_retried_twice_and_logged(cloud, aws, role):
    from helpers.local_cloud.clock import REAL_CLOCK, FakeClock
    from helpers.local_cloud.planes.lambda_api import LambdaPlane

    operations, clock = cloud.plane(LambdaPlane).operations, FakeClock()
    operations.use_clock(clock)  # AWS retries after about 1 and 2 minutes: no test waits that
    try:
        name = create(aws, role, "plane-event-fail", "fail")
        invoke(aws, name, {}, InvocationType="Event")
        for minutes in (0, 1, 2):
            clock.advance(60 * minutes)
            assert operations.async_invocations.settle(timeout=15)
    finally:
        operations.use_clock(REAL_CLOCK)
    group = f"/aws/lambda/{name}"
    assert len(log_lines(aws, group, "REPORT")) == 3  # the first attempt and two retries
    assert len(log_lines(aws, group, "KeyError")) >= 3


def test_qualifier_runs_the_version_or_alias_it_names(aws, role):
    client = aws("lambda")
    name = create(aws, role, "plane-versions", "echo", Environment={"Variables": {"V": "1"}})
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    client.update_function_configuration(FunctionName=name, Handler="app.fail")
    assert invoke(aws, name, {})[0]["FunctionError"] == "Unhandled"  # $LATEST now fails
    for qualifier in (version, "live"):
        response, body = invoke(aws, name, {}, Qualifier=qualifier)
        assert "FunctionError" not in response, qualifier
        assert body["version"] == version and response["ExecutedVersion"] == version
    response, body = invoke(aws, f"{name}:live", {})
    assert body["version"] == version


def test_logging_config_json_is_kept_and_used(aws, role):
    name = create(aws, role, "plane-json", "echo", LoggingConfig={"LogFormat": "JSON"})
    config = aws("lambda").get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"] == {"LogFormat": "JSON", "LogGroup": f"/aws/lambda/{name}"}
    response, _ = invoke(aws, name, {}, LogType="Tail")
    tail = base64.b64decode(response["LogResult"]).decode()
    report = [json.loads(line) for line in tail.splitlines() if '"platform.report"' in line]
    assert report and report[0]["record"]["metrics"]["durationMs"] >= 0


def test_default_logging_config_is_reported_as_aws_does(aws, role):
    name = create(aws, role, "plane-text", "echo")
    config = aws("lambda").get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}


def test_a_handler_writing_to_dynamodb_is_visible_to_the_caller(aws, role):
    aws("dynamodb").create_table(
        TableName="plane-items", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )  # fmt: skip
    allow_put = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "dynamodb:PutItem",
        "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/plane-items"}]}  # fmt: skip
    aws("iam").put_role_policy(RoleName="plane-test-role", PolicyName="write-plane-items",
                               PolicyDocument=json.dumps(allow_put))  # the role must allow it
    name = create(aws, role, "plane-writer", "write_item",
                  Environment={"Variables": {"TABLE": "plane-items"}})  # fmt: skip
    assert invoke(aws, name, {"pk": "from-lambda"})[1] == "stored"
    item = aws("dynamodb").get_item(TableName="plane-items", Key={"pk": {"S": "from-lambda"}})
    assert item["Item"] == {"pk": {"S": "from-lambda"}}


def test_timeout_is_reported_and_the_next_invoke_is_cold(aws, role):
    name = create(aws, role, "plane-slow", "slow", Timeout=1)
    response, body = invoke(aws, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in body["errorMessage"]


def test_invalid_json_payload_is_refused_before_running(aws, role):
    name = create(aws, role, "plane-badjson", "echo")
    with pytest.raises(aws("lambda").exceptions.InvalidRequestContentException):
        aws("lambda").invoke(FunctionName=name, Payload=b"{nope")


def test_unknown_function_is_resource_not_found(aws):
    with pytest.raises(aws("lambda").exceptions.ResourceNotFoundException):
        aws("lambda").invoke(FunctionName="plane-missing")


def test_simulated_iam_propagation_refuses_young_roles_then_accepts(cloud, aws):
    import urllib.request

    def simulate(seconds):
        request = urllib.request.Request(
            f"{cloud.endpoint}/_aws/lambda/simulate-iam-propagation",
            data=json.dumps({"seconds": seconds}).encode(), method="POST",
        )  # fmt: skip
        urllib.request.urlopen(request).read()

    young = aws("iam").create_role(RoleName="plane-young", AssumeRolePolicyDocument="{}")
    simulate(30)
    try:
        with pytest.raises(aws("lambda").exceptions.InvalidParameterValueException,
                           match="cannot be assumed by Lambda"):  # fmt: skip
            create(aws, young["Role"]["Arn"], "plane-young-fn", "echo")
    finally:
        simulate(0)
    create(aws, young["Role"]["Arn"], "plane-young-fn", "echo")


def test_a_recreated_function_starts_from_the_default_logging_config(aws, role):
    name = create(aws, role, "plane-recreated", "echo", LoggingConfig={"LogFormat": "JSON"})
    aws("lambda").delete_function(FunctionName=name)
    create(aws, role, name, "echo")
    config = aws("lambda").get_function_configuration(FunctionName=name)
    assert config["LoggingConfig"]["LogFormat"] == "Text"
    response, _ = invoke(aws, name, {}, LogType="Tail")
    assert base64.b64decode(response["LogResult"]).decode().startswith(("START", "INIT_START"))


@pytest.mark.skipif(not memory.enforced(), reason="memory is read from Linux's /proc")
def test_a_function_over_its_memory_size_fails_with_out_of_memory(aws, role):
    name = create(aws, role, "plane-greedy", "greedy", MemorySize=128)
    response, body = invoke(aws, name, {}, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Runtime.OutOfMemory"
    assert body["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    report = base64.b64decode(response["LogResult"]).decode().splitlines()[-1]
    assert "\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("\tStatus: error\tError Type: Runtime.OutOfMemory")


# Runtimes AWS no longer accepts, from its "Deprecated runtimes" table
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html): python3.8's "Block function
# create" date was 2025-02-28, python3.7's "Block function update" 2025-02-28.
BLOCKED_MESSAGE = ("The runtime parameter of {} is no longer supported for creating or updating "
                   "AWS Lambda functions. We recommend you use a supported runtime while creating "
                   "or updating functions.")


def test_runtimes_past_their_blocking_dates_are_refused_as_aws_does(cloud, aws, role):
    client = aws("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException) as refused:
        create(aws, role, "plane-py38", "echo", Runtime="python3.8")
    assert refused.value.response["Error"]["Message"] == BLOCKED_MESSAGE.format("python3.8")
    name = create(aws, role, "plane-switch", "echo")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="python3.7"):
        client.update_function_configuration(FunctionName=name, Runtime="python3.7")
    assert client.get_function_configuration(FunctionName=name)["Runtime"] == RUNTIME


def test_a_runtime_is_refused_from_the_day_aws_blocks_it(cloud, aws, role):
    plane = cloud.plane(LambdaPlane)
    client = aws("lambda")
    try:
        plane.clock = FakeClock(start=1_769_904_000.0)  # 2026-02-01: python3.9 still accepted
        name = create(aws, role, "plane-py39", "echo", Runtime="python3.9")
        plane.clock = FakeClock(start=1_803_600_000.0)  # 2027-02-26: no new python3.9 functions
        with pytest.raises(client.exceptions.InvalidParameterValueException):
            create(aws, role, "plane-py39-late", "echo", Runtime="python3.9")
        client.update_function_configuration(FunctionName=name, Timeout=5)  # existing: still ok
        plane.clock = FakeClock(start=1_804_204_800.0)  # 2027-03-05: no changes either
        with pytest.raises(client.exceptions.InvalidParameterValueException):
            client.update_function_configuration(FunctionName=name, Timeout=6)
        with pytest.raises(client.exceptions.InvalidParameterValueException):
            client.update_function_code(FunctionName=name, ZipFile=zip_of(HANDLERS))
        client.update_function_configuration(FunctionName=name, Runtime=RUNTIME)  # the way out
    finally:
        plane.clock = REAL_CLOCK
