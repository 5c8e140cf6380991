"""Fixtures for the change feed: a moto table, and stream events shaped like AWS's sample
(events/stream_batch.json). Tests get everything through fixtures."""

import copy
import json
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # lets the tests import message_counter.py from anywhere
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
def stored_count():
    """A moto table; returns a function reading the stored count (None before the first)."""
    import message_counter

    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        message_counter.dynamodb.cache_clear()
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])

        def read():
            item = client.get_item(TableName=TABLE_NAME,
                                   Key=message_counter.COUNT_KEY).get("Item")
            return int(item["count"]["N"]) if item else None

        yield read
        message_counter.dynamodb.cache_clear()


@pytest.fixture
def stream_event():
    """stream_event(("INSERT", "MESSAGES"), ("REMOVE", "MESSAGE#id"), ...) -> a stream event."""
    sample = json.loads((HERE / "events" / "stream_batch.json").read_text())["Records"][0]

    def build(*changes: tuple[str, str]) -> dict:
        records = []
        for number, (event_name, pk) in enumerate(changes, 1):
            record = copy.deepcopy(sample)
            record["eventName"] = event_name
            record["dynamodb"]["Keys"]["pk"] = {"S": pk}
            record["dynamodb"]["SequenceNumber"] = f"1111000000000000000000{number:02d}"
            records.append(record)
        return {"Records": records}

    return build
