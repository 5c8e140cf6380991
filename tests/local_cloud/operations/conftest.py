"""A local cloud whose Lambda and alarms run on a FakeClock, and small helpers for its tests.

Retries, event ages, metric minutes and alarm periods all read the FakeClock: a test moves it on
(``clock.advance``), wakes the asynchronous queue and waits for it to settle; nothing waits for a
real minute. The alarms plane's background thread is stopped: tests call ``evaluate_once``.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import boto3
import pytest

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.clock import FakeClock
from helpers.local_cloud.planes.cloudwatch_alarms import AlarmsPlane
from helpers.local_cloud.planes.lambda_api import LambdaPlane

HANDLERS = """
import json, os
def echo(event, context):
    print("event", json.dumps(event))
    return {"echo": event}
def fail(event, context):
    print("failing for", json.dumps(event))
    raise ValueError("bad order " + str(event.get("order")))
def emf(event, context):
    print(json.dumps({
        "_aws": {"Timestamp": event["timestamp_ms"], "CloudWatchMetrics": [{
            "Namespace": "Shop", "Dimensions": [["Service"], []],
            "Metrics": [{"Name": "Orders", "Unit": "Count"}, {"Name": "Basket", "Unit": "None"}]}]},
        "Service": "cart", "Orders": event["orders"], "Basket": [10, 20], "requestId": "r1"}))
    print(json.dumps({"_aws": {"CloudWatchMetrics": [{"Namespace": "Shop", "Dimensions": [["Service"]],
                      "Metrics": [{"Name": "Broken"}]}]}, "Service": "cart", "Broken": "not a number"}))
    return "ok"
"""


def zip_of(source: str = HANDLERS) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture(name="zip_of_source")
def zip_of_source_fixture():
    """zip_of_source(source of app.py) -> a deployment package."""
    return zip_of


@pytest.fixture(scope="module")
def clock():
    return FakeClock()


@pytest.fixture(scope="module")
def cloud(clock):
    with LocalCloud() as running:
        running.plane(LambdaPlane).operations.use_clock(clock)
        alarms = running.plane(AlarmsPlane)
        alarms.close()  # tests evaluate explicitly
        alarms.clock = clock
        yield running


@pytest.fixture(scope="module")
def operations(cloud):
    return cloud.plane(LambdaPlane).operations


@pytest.fixture(scope="module")
def aws(cloud):
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                            region_name="us-east-1")  # fmt: skip
    clients = {}

    def client(service):
        if service not in clients:
            config = botocore_config()
            clients[service] = session.client(service, endpoint_url=cloud.endpoint, config=config)
        return clients[service]

    return client


def botocore_config():
    from botocore.config import Config

    return Config(retries={"total_max_attempts": 1, "mode": "standard"})  # a 429 is not retried


@pytest.fixture(scope="module")
def role(aws):
    name = f"ops-role-{uuid.uuid4().hex[:6]}"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}  # fmt: skip
    arn = aws("iam").create_role(RoleName=name,
                                 AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    logs = {"Version": "2012-10-17", "Statement": [{  # the test functions' own log groups
        "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                     "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/ops-*"}]}  # fmt: skip
    aws("iam").put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(logs))
    deliver = {"Version": "2012-10-17", "Statement": [{  # destinations and dead-letter queues
        "Effect": "Allow", "Resource": "*", "Action": [
            "sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "events:PutEvents"]}]}
    aws("iam").put_role_policy(RoleName=name, PolicyName="deliver",
                               PolicyDocument=json.dumps(deliver))
    return arn


@pytest.fixture
def function(aws, role):
    """function(handler, **create_function kwargs) -> a new function's name."""

    def create(handler: str, **extra) -> str:
        name = f"ops-{handler}-{uuid.uuid4().hex[:8]}"
        aws("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                      Handler=f"app.{handler}", Code={"ZipFile": zip_of()},
                                      **extra)  # fmt: skip
        return name

    return create


@pytest.fixture
def queue(aws):
    """queue() -> (url, arn) of a new SQS queue."""

    def create(suffix: str = "") -> tuple[str, str]:
        sqs = aws("sqs")
        url = sqs.create_queue(QueueName=f"ops-{uuid.uuid4().hex[:8]}{suffix}",
                               **({"Attributes": {"FifoQueue": "true"}} if suffix else {}))[
            "QueueUrl"]  # fmt: skip
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        return url, arn["QueueArn"]

    return create


class Reader:
    """What reached queues and logs, read through boto3."""

    def __init__(self, aws) -> None:
        self.aws = aws

    def messages(self, url: str, *, attributes: bool = False) -> list[dict]:
        """Every message waiting in the queue (received once, not deleted)."""
        extra = {"MessageAttributeNames": ["All"]} if attributes else {}
        found = self.aws("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, **extra)
        return found.get("Messages", [])

    def bodies(self, url: str) -> list:
        return [json.loads(message["Body"]) for message in self.messages(url)]

    def reports(self, name: str) -> list[str]:
        """The REPORT lines of the function's invocations so far (one per run of its handler)."""
        logs = self.aws("logs")
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                            filterPattern="REPORT")["events"]  # fmt: skip
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [event["message"] for event in events if event["message"].startswith("REPORT")]


@pytest.fixture(scope="module")
def read(aws) -> Reader:
    return Reader(aws)


@pytest.fixture
def settle(operations, clock):
    """settle(advance=seconds): move the FakeClock on, then wait for the async queue to finish
    whatever is due (real time, bounded)."""

    def run(advance: float = 0.0) -> None:
        clock.advance(advance)
        assert operations.async_invocations.settle(timeout=30), "the async queue did not settle"

    return run
