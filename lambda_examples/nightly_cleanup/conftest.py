"""Fixtures for the nightly job: a moto guestbook table with messages of chosen ages, and the
scheduled event AWS sends (events/scheduled.json). Tests get everything through fixtures."""

import json
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # lets the tests import nightly_cleanup.py from anywhere
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


class Guestbook:
    """The table, written and read the way the guestbook app does."""

    def __init__(self, client):
        self.client = client

    def post(self, created_at: str) -> str:
        message_id = uuid.uuid4().hex
        sk = f"{created_at}#{message_id}"
        self.client.put_item(TableName=TABLE_NAME, Item={
            "pk": {"S": "MESSAGES"}, "sk": {"S": sk}, "id": {"S": message_id},
            "name": {"S": "Ada"}, "text": {"S": "hi"}, "created_at": {"S": created_at}})
        self.client.put_item(TableName=TABLE_NAME, Item={
            "pk": {"S": f"MESSAGE#{message_id}"}, "sk": {"S": "MESSAGE"},
            "message_sk": {"S": sk}, "token_hash": {"S": "0" * 64}})
        return message_id

    def message_dates(self) -> list[str]:
        items = self.client.query(TableName=TABLE_NAME, KeyConditionExpression="pk = :pk",
                                  ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})["Items"]
        return [item["created_at"]["S"] for item in items]

    def item_count(self) -> int:
        return self.client.scan(TableName=TABLE_NAME, Select="COUNT")["Count"]


@pytest.fixture
def guestbook():
    import nightly_cleanup

    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        nightly_cleanup.dynamodb.cache_clear()
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        yield Guestbook(client)
        nightly_cleanup.dynamodb.cache_clear()


@pytest.fixture
def scheduled_event():
    """The event of the rule's 2026-03-01 03:00 UTC run."""
    return json.loads((HERE / "events" / "scheduled.json").read_text())
