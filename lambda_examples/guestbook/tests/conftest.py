"""Fixtures for the guestbook example: a moto table, a one-line test client, captured logs.

Tests get everything through fixtures and never `import conftest`: other directories in the
same pytest run have their own conftest.py. For the same reason app.py is loaded under the
unique name `guestbook_app`, so it never collides with another example's `app` module.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws

dump_json = json.dumps  # the client's `json=` argument shadows the module name

EXAMPLE_DIR = Path(__file__).resolve().parents[1]
TABLE_NAME = "guestbook-test"


def load_app(module_name: str = "guestbook_app"):
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLE_DIR / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def guestbook():
    """The app module, imported once like a warm Lambda environment imports it."""
    return sys.modules.get("guestbook_app") or load_app()


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch, tmp_path):
    """Fake credentials and region; nothing from the machine (profiles, endpoints) leaks in."""
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE",
                 "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)


class Table:
    """The moto table, read directly: what the API stored, not what it says it stored."""

    name = TABLE_NAME

    def __init__(self, client):
        self.client = client

    def items(self) -> list[dict[str, Any]]:
        deserialize = TypeDeserializer().deserialize
        return [{key: deserialize(value) for key, value in item.items()}
                for item in self.client.scan(TableName=TABLE_NAME)["Items"]]

    def count(self) -> int:
        return self.client.scan(TableName=TABLE_NAME, Select="COUNT")["Count"]


@pytest.fixture(scope="module")
def mocked_aws():
    """One moto mock per test module: starting and stopping moto resets every backend in the
    process, which is slow when the workbook's local cloud has loaded AWS managed policies."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        yield


@pytest.fixture
def table(mocked_aws, fake_aws, guestbook):
    """A fresh, empty table for each test, and a DynamoDB client made for it."""
    guestbook.dynamodb.cache_clear()
    client = boto3.client("dynamodb")
    client.create_table(
        TableName=TABLE_NAME,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield Table(client)
    client.delete_table(TableName=TABLE_NAME)
    guestbook.dynamodb.cache_clear()


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Client:
    """Calls the handler with an API Gateway event: `api.post("/api/messages", json={...})`.

    payload_format "1.0" builds REST API events; "1.0-http" and "2.0" build HTTP API events.
    """

    def __init__(self, handler, payload_format: str, stage: str | None = None):
        self.handler, self.payload_format = handler, payload_format
        self.stage = stage or ("prod" if payload_format == "1.0" else "$default")

    def get(self, path: str, **options) -> Result:
        return self.request("GET", path, **options)

    def post(self, path: str, **options) -> Result:
        return self.request("POST", path, **options)

    def delete(self, path: str, **options) -> Result:
        return self.request("DELETE", path, **options)

    def request(self, method: str, path: str, *, json: Any = None, body: str | None = None,
                headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
                base64_body: bytes | str | None = None,
                is_base64_encoded: bool | None = None) -> Result:
        """json= sends JSON; base64_body= sends bytes base64-encoded, as API Gateway does for
        binary media types; is_base64_encoded= overrides the flag to send a body that lies."""
        headers = dict(headers or {})
        if json is not None:
            body = dump_json(json)
            headers.setdefault("Content-Type", "application/json")
        if base64_body is not None:
            raw = base64_body.encode() if isinstance(base64_body, str) else base64_body
            body = base64.b64encode(raw).decode()
        if is_base64_encoded is None:
            is_base64_encoded = base64_body is not None
        request = HttpRequest(method, path, headers, query or {}, body, is_base64_encoded)
        if self.payload_format == "2.0":
            event = event_v2(request, self.stage)
        else:
            event = event_v1(request, self.stage, http_api=self.payload_format == "1.0-http")
        response = self.handler(event, lambda_context())
        return Result(response["statusCode"], response["headers"], response["body"])


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    is_base64_encoded: bool


def lambda_context() -> SimpleNamespace:
    return SimpleNamespace(aws_request_id=str(uuid.uuid4()), function_name="guestbook",
                           memory_limit_in_mb=128, get_remaining_time_in_millis=lambda: 3000)


def event_v1(request: HttpRequest, stage: str, http_api: bool = False) -> dict[str, Any]:
    """Payload format 1.0. REST APIs leave the stage out of `path`; HTTP APIs put it in."""
    path = request.path
    if http_api and stage != "$default":
        path = f"/{stage}{path}"
    event = {
        "resource": "/api/{proxy+}",
        "path": path,
        "httpMethod": request.method,
        "headers": request.headers or None,
        "multiValueHeaders": {name: [value] for name, value in request.headers.items()} or None,
        "queryStringParameters": request.query or None,
        "multiValueQueryStringParameters":
            {name: [value] for name, value in request.query.items()} or None,
        "pathParameters": {"proxy": request.path.removeprefix("/api/")},
        "stageVariables": None,
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": stage,
                           "httpMethod": request.method, "path": f"/{stage}{request.path}"},
        "body": request.body,
        "isBase64Encoded": request.is_base64_encoded,
    }
    if http_api:
        event["version"] = "1.0"
    return event


def event_v2(request: HttpRequest, stage: str) -> dict[str, Any]:
    """Payload format 2.0 (HTTP APIs): lower-cased headers; a named stage prefixes rawPath."""
    raw_path = request.path if stage == "$default" else f"/{stage}{request.path}"
    event = {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": raw_path,
        "rawQueryString": urlencode(request.query),
        "headers": {name.lower(): value for name, value in request.headers.items()},
        "requestContext": {"requestId": str(uuid.uuid4()), "stage": stage,
                           "http": {"method": request.method, "path": raw_path}},
        "isBase64Encoded": request.is_base64_encoded,
    }
    if request.query:
        event["queryStringParameters"] = request.query
    if request.body is not None:
        event["body"] = request.body
    return event


@pytest.fixture(params=["1.0", "2.0"], ids=["payload-1.0", "payload-2.0"])
def api(request, table, guestbook) -> Client:
    """A client in each API Gateway payload format; tests using it run once per format."""
    return Client(guestbook.handler, request.param)


@pytest.fixture
def make_client(table, guestbook):
    """For tests that need a particular payload format or stage: make_client("2.0", stage="dev")."""
    return lambda payload_format, stage=None: Client(guestbook.handler, payload_format, stage)


@pytest.fixture
def import_app():
    """Imports app.py afresh under another name, as a cold start would."""
    return load_app


@pytest.fixture
def logs(guestbook, monkeypatch):
    """Returns the JSON log lines written so far, parsed."""
    stream = io.StringIO()
    monkeypatch.setattr(guestbook.logger.handlers[0], "stream", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
