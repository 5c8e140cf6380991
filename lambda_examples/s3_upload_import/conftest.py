"""Fixtures for the import function: a moto bucket and guestbook table, and S3 events shaped
like AWS's sample (events/s3_put.json). Tests get everything through fixtures."""

import copy
import json
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # lets the tests import s3_upload_import.py from anywhere
TABLE_NAME, BUCKET = "guestbook-test", "workbook-imports"


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
def aws():
    """A bucket and the guestbook's table in moto, and fresh clients in the module."""
    import s3_upload_import

    with mock_aws(config={"iam": {"load_aws_managed_policies": False}}):
        s3_upload_import.s3.cache_clear()
        s3_upload_import.dynamodb.cache_clear()
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("dynamodb").create_table(
            TableName=TABLE_NAME, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        yield
        s3_upload_import.s3.cache_clear()
        s3_upload_import.dynamodb.cache_clear()


@pytest.fixture
def upload(aws):
    """upload(key, text) puts the file and returns the S3 event AWS would send for it."""
    sample = json.loads((HERE / "events" / "s3_put.json").read_text())

    def put(key: str, text: str | bytes, event_name: str = "ObjectCreated:Put") -> dict:
        body = text.encode() if isinstance(text, str) else text
        etag = boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"]
        event = copy.deepcopy(sample)
        record = event["Records"][0]
        record["eventName"] = event_name
        record["s3"]["object"].update(key=key.replace(" ", "+"), size=len(body),
                                      eTag=etag.strip('"'))
        return event

    return put


@pytest.fixture
def messages(aws):
    """The guestbook messages in the table, oldest first, as plain dicts."""
    def read() -> list[dict]:
        items = boto3.client("dynamodb").query(
            TableName=TABLE_NAME, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})["Items"]
        return [{name: value["S"] for name, value in item.items()} for item in items]

    return read
