"""Import guestbook entries from a CSV file uploaded to S3: one S3 event in, messages out.

S3 invokes this function asynchronously for each ``s3:ObjectCreated:*`` event on the bucket
(filter the notification on a ``.csv`` suffix). The file has a header row ``name,text``; each
valid row becomes a guestbook message in the table, in the guestbook's own item format, so
the web app lists it at once. Invalid rows are skipped and reported, never half-written.

S3 delivers events *at least once*: a retried or duplicated event must not import twice. Each
message's id and time come from the event (the object's ETag, the row number, the event time),
and every write is conditional, so a second delivery changes nothing.

Handler ``s3_upload_import.handler``; standard library and boto3 only. Environment:
``TABLE_NAME`` (the guestbook table). Permissions: ``s3:GetObject`` on the bucket's objects,
``dynamodb:PutItem`` on the table (``policy.json``), and a resource-based policy that lets
``s3.amazonaws.com`` invoke the function for the bucket.
"""

import csv
import functools
import hashlib
import io
import json
import logging
import os
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

import boto3
from botocore.exceptions import ClientError

MESSAGES_PK = "MESSAGES"  # the guestbook's partition of messages (see lambda_examples/guestbook)
FIELD_LIMITS = {"name": 50, "text": 500}
MAX_BYTES = 1024 * 1024  # a guestbook import is small; anything bigger is a mistake
MAX_ROWS = 1000

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@functools.cache
def s3():
    return boto3.client("s3")


@functools.cache
def dynamodb():
    return boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Imports every CSV file the event names; returns what was imported and skipped."""
    imported, skipped = 0, []
    for record in event.get("Records", []):
        if not record.get("eventName", "").startswith("ObjectCreated:"):
            continue  # a notification for removals as well: nothing to import
        result = import_file(record)
        imported += result["imported"]
        skipped += result["skipped"]
    summary = {"imported": imported, "skipped": skipped}
    logger.info(json.dumps(summary))
    return summary


def import_file(record: dict[str, Any]) -> dict[str, Any]:
    bucket = record["s3"]["bucket"]["name"]
    key = unquote_plus(record["s3"]["object"]["key"])  # S3 sends keys URL-encoded
    size = record["s3"]["object"].get("size", 0)
    if size > MAX_BYTES:
        return {"imported": 0, "skipped": [{"file": key, "reason": f"over {MAX_BYTES} bytes"}]}
    body = s3().get_object(Bucket=bucket, Key=key)["Body"].read()
    rows, skipped = parse_rows(body, key)
    created_at = event_time(record["eventTime"])
    etag = record["s3"]["object"].get("eTag", "")
    imported = 0
    for number, row in rows:
        message_id = hashlib.sha256(f"{bucket}/{key}/{etag}/{number}".encode()).hexdigest()[:32]
        imported += put_message(message_id, row, created_at)
    return {"imported": imported, "skipped": skipped}


def parse_rows(body: bytes, key: str) -> tuple[list[tuple[int, dict[str, str]]], list[dict]]:
    """The valid rows (numbered as a spreadsheet shows them, header = 1) and the skipped ones."""
    try:
        text = body.decode("utf-8-sig")  # Excel adds a byte-order mark
    except UnicodeDecodeError:
        return [], [{"file": key, "reason": "not UTF-8 text"}]
    reader = csv.DictReader(io.StringIO(text))
    if sorted(reader.fieldnames or []) != ["name", "text"]:
        return [], [{"file": key, "reason": "the header row must be exactly: name,text"}]
    rows, skipped = [], []
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            skipped.append({"file": key, "row": number, "reason": f"over {MAX_ROWS} rows"})
            break
        problem = invalid(row)
        if problem:
            skipped.append({"file": key, "row": number, "reason": problem})
        else:
            rows.append((number, {field: row[field].strip() for field in FIELD_LIMITS}))
    return rows, skipped


def invalid(row: dict[str, Any]) -> str | None:
    """Why a row cannot be a guestbook message (the same rules as the guestbook API), or None."""
    if None in row:
        return "more columns than the header"
    for field, limit in FIELD_LIMITS.items():
        value = (row.get(field) or "").strip()
        if not 1 <= len(value) <= limit:
            return f"{field} must be 1 to {limit} characters; it is {len(value)}"
    return None


def event_time(text: str) -> str:
    """S3's ``2026-01-01T09:30:00.123Z`` in the guestbook's fixed-width microsecond form."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def put_message(message_id: str, row: dict[str, str], created_at: str) -> int:
    """Writes one message unless it is already there (a repeated event); 1 if written."""
    item = {"pk": MESSAGES_PK, "sk": f"{created_at}#{message_id}", "id": message_id,
            "name": row["name"], "text": row["text"], "created_at": created_at}
    try:
        dynamodb().put_item(
            TableName=os.environ["TABLE_NAME"],
            Item={name: {"S": value} for name, value in item.items()},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return 0  # imported by an earlier delivery of the same event
        raise
    return 1
