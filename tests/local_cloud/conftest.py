"""Fixtures for the local Lambda engine: a runtime per runtime-client mode, and a deploy helper."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import textwrap
import uuid
import zipfile
from collections.abc import Callable

import pytest

from helpers.local_cloud.lambda_runtime import FunctionSpec, LambdaRuntime
from helpers.local_cloud.lambda_runtime.runtime_dir import awslambdaric_available

REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINT = "http://127.0.0.1:4566"
# The runtime matching this Python: a function declaring another one runs on it only where that
# Python is installed (see test_python_runtimes.py).
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def build_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A deployment package from {path: source}; sources are dedented."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            if isinstance(content, str):
                content = textwrap.dedent(content)
            archive.writestr(info, content)
    return buffer.getvalue()


class ListLogSink:
    """Collects what the engine would write to CloudWatch Logs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[tuple[int, str]]]] = []

    def __call__(self, log_group: str, log_stream: str, events: list[tuple[int, str]],
                 spec: FunctionSpec | None = None) -> None:
        self.calls.append((log_group, log_stream, list(events)))

    def calls_for(self, spec: FunctionSpec) -> list[tuple[str, str, list[tuple[int, str]]]]:
        return [call for call in self.calls if call[0] == spec.log_group_name]

    def messages(self, spec: FunctionSpec) -> list[str]:
        return [message for _, _, events in self.calls_for(spec) for _, message in events]


RIC_MODES = [
    pytest.param("awslambdaric", marks=pytest.mark.skipif(
        not awslambdaric_available(), reason="awslambdaric ships Linux wheels only")),
    "python",
]


@pytest.fixture(scope="module", params=RIC_MODES)
def ric(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def log_sink() -> ListLogSink:
    return ListLogSink()


@pytest.fixture(scope="module")
def runtime(ric: str, log_sink: ListLogSink):
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=ENDPOINT,
                           log_sink=log_sink, ric=ric)
    yield engine
    engine.shutdown()


def make_spec(files: dict[str, str | bytes] | str, *, handler: str = "app.handler",
              name: str | None = None, **overrides) -> FunctionSpec:
    """A FunctionSpec for `files` (or the source of app.py), with a fresh function name."""
    if isinstance(files, str):
        files = {"app.py": files}
    code = build_zip(files)
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    fields = {
        "function_name": name,
        "function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "version": "$LATEST",
        "handler": handler,
        "runtime": RUNTIME,
        "code_zip": code,
        "code_sha256": base64.b64encode(hashlib.sha256(code).digest()).decode(),
    }
    fields.update(overrides)
    return FunctionSpec(**fields)


@pytest.fixture
def deploy() -> Callable[..., FunctionSpec]:
    """deploy(files_or_app_source, handler=..., **FunctionSpec fields) -> FunctionSpec"""
    return make_spec


@pytest.fixture(name="build_zip")
def build_zip_fixture() -> Callable[..., bytes]:
    return build_zip


# -- triggers (issue 9): a cloud on a fake clock, functions that record their events ------------

TRIGGER_HANDLERS = '''
import json, os
def record(event, context):
    print("EVENT " + json.dumps(event))
    return {"ok": True}
def fail(event, context):
    print("EVENT " + json.dumps(event))
    raise RuntimeError("failed on purpose")
def fail_bodies(event, context):
    """Reports the SQS records whose body starts with "bad" as failed (partial batch)."""
    print("EVENT " + json.dumps(event))
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                  for r in event["Records"] if r["body"].startswith("bad")]}
def fail_stream_items(event, context):
    """Reports the stream records whose new image mentions "bad" as failed."""
    print("EVENT " + json.dumps(event))
    return {"batchItemFailures": [{"itemIdentifier": r["dynamodb"]["SequenceNumber"]}
                                  for r in event["Records"]
                                  if "bad" in json.dumps(r["dynamodb"].get("NewImage", {}))]}
'''
TRUST_LAMBDA = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                '"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


class TriggerCloud:
    """An in-process cloud on a FakeClock with no background threads: tests call the planes'
    ``poll_once()``/``tick()`` themselves, and read what each function received."""

    def __init__(self, cloud) -> None:
        import boto3

        self.cloud = cloud
        self.clock = cloud.clock
        session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                region_name=REGION)
        self._clients: dict = {}
        self._session = session

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = self._session.client(service,
                                                          endpoint_url=self.cloud.endpoint)
        return self._clients[service]

    def plane(self, kind):
        return self.cloud.plane(kind)

    def role(self, name: str, *statements: dict) -> str:
        """An execution role that may write its functions' logs (the tests read events there),
        plus an inline policy of `statements`."""
        import json

        iam = self.client("iam")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_LAMBDA)["Role"]["Arn"]
        logs = {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                              "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/*"}  # fmt: skip
        iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [logs]}))
        if statements:
            iam.put_role_policy(RoleName=name, PolicyName="triggers", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": list(statements)}))
        return arn

    def function(self, name: str, handler: str = "record", *, role: str | None = None,
                 timeout: int = 3) -> str:
        """Deploys TRIGGER_HANDLERS as `name` with `handler`; returns its ARN."""
        role = role or self.role(f"{name}-role")
        config = self.client("lambda").create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler=f"app.{handler}",
            Code={"ZipFile": build_zip({"app.py": TRIGGER_HANDLERS})}, Timeout=timeout)
        return config["FunctionArn"]

    def events_seen(self, name: str) -> list[dict]:
        """Every event the function printed, oldest first."""
        import json

        logs = self.client("logs")
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}",
                                            filterPattern="EVENT")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        lines = sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))
        return [json.loads(e["message"].split("EVENT ", 1)[1]) for e in lines
                if "EVENT " in e["message"]]

    def wait_for_events(self, name: str, count: int, timeout: float = 20.0) -> list[dict]:
        """Asynchronous invocations (S3, SNS, EventBridge) run on their own thread: wait until
        the function has logged `count` events (this waits for work, not for a clock)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            seen = self.events_seen(name)
            if len(seen) >= count or time.monotonic() > deadline:
                return seen
            time.sleep(0.05)


@pytest.fixture(scope="module")
def triggers():
    """A fresh account in a cloud whose clock moves only when a test says so."""
    import urllib.request

    from helpers.local_cloud import LocalCloud
    from helpers.local_cloud.clock import FakeClock

    with LocalCloud(clock=FakeClock(), background=False) as cloud:
        request = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).read()
        yield TriggerCloud(cloud)


# -- a local cloud of the module's own, and the learner's (account admin) clients on it ---------
@pytest.fixture(scope="module")
def cloud():
    """A LocalCloud in this process for one test module (modules may override it)."""
    from helpers.local_cloud import LocalCloud

    with LocalCloud() as running:
        yield running


@pytest.fixture(scope="module")
def learner_clients(cloud):
    """learner_clients("dynamodb") -> a boto3 client with the learner's (admin) credentials."""
    import boto3

    session = boto3.Session(aws_access_key_id="learner", aws_secret_access_key="learner",
                            region_name=REGION)  # fmt: skip
    return lambda service: session.client(service, endpoint_url=cloud.endpoint)


@pytest.fixture(scope="module")
def dynamodb(learner_clients):
    return learner_clients("dynamodb")
