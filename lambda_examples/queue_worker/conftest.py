"""Fixtures for the queue worker: a moto guestbook table, and SQS events shaped like AWS's
sample (events/sqs_batch.json). Tests get everything through fixtures."""

import copy
import json
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # lets the tests import queue_worker.py from anywhere
TABLE_NAME = "guestbook-test"


@pytest.fixture(autouse=True)
def fake_aws(monkeypatch, tmp_path):
    """Fake credentials and region; nothing from the machine (profiles, endpoints) leaks in."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("TABLE_NAME", TABLE_NAME)


@pytest.fixture
def table():
    """The guestbook's table in moto; returns a function listing the stored messages."""
    import queue_worker

    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        queue_worker.dynamodb.cache_clear()
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])

        def messages() -> list[dict]:
            items = client.query(TableName=TABLE_NAME, KeyConditionExpression="pk = :pk",
                                 ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})["Items"]
            return [{name: value["S"] for name, value in item.items()} for item in items]

        yield messages
        queue_worker.dynamodb.cache_clear()


@pytest.fixture
def sqs_event():
    """sqs_event(body, ...) -> an SQS event with one record per body, like AWS's sample."""
    sample = json.loads((HERE / "events" / "sqs_batch.json").read_text())["Records"][0]

    def build(*bodies: str) -> dict:
        records = []
        for body in bodies:
            record = copy.deepcopy(sample)
            record.update(messageId=str(uuid.uuid4()), body=body)
            records.append(record)
        return {"Records": records}

    return build
