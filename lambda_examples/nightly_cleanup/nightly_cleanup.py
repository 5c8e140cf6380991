"""A nightly job: delete guestbook messages older than MAX_AGE_DAYS.

An EventBridge rule with a schedule (``cron(0 3 * * ? *)``: 03:00 UTC every day) invokes the
function asynchronously with a *Scheduled Event*. The job takes "now" from the event's ``time``,
not from the clock, so a retried or late delivery deletes exactly what the scheduled run would
have, and a test can pass any date.

Messages sort by creation time inside the guestbook's ``MESSAGES`` partition, so the old ones are
one ``Query`` with ``sk < cutoff``; each goes together with its pointer item (``MESSAGE#<id>``,
which holds the delete token's hash). A run deletes at most MAX_DELETES; the rest waits for the
next night, which keeps every run well inside the function's timeout.

Handler ``nightly_cleanup.handler``; standard library and boto3 only. Environment:
``TABLE_NAME``, ``MAX_AGE_DAYS`` (default 30). Execution role: ``dynamodb:Query`` and
``dynamodb:BatchWriteItem`` on the table. Resource-based policy: ``events.amazonaws.com`` may
invoke the function for the rule.
"""

import functools
import json
import logging
import os
import time
from datetime import datetime, timedelta
from typing import Any

import boto3

MESSAGES_PK = "MESSAGES"  # the guestbook's partition of messages (see lambda_examples/guestbook)
POINTER_SK = "MESSAGE"
MAX_DELETES = 1000
BATCH = 25  # BatchWriteItem's limit

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@functools.cache
def dynamodb():
    return boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    now = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    max_age = int(os.environ.get("MAX_AGE_DAYS", "30"))
    cutoff = (now - timedelta(days=max_age)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    old = old_messages(cutoff)
    keys = [key for message in old[:MAX_DELETES] for key in (
        {"pk": {"S": MESSAGES_PK}, "sk": message["sk"]},
        {"pk": {"S": f"MESSAGE#{message['id']['S']}"}, "sk": {"S": POINTER_SK}})]
    delete_all(keys)
    summary = {"deleted": min(len(old), MAX_DELETES), "cutoff": cutoff,
               "more": len(old) > MAX_DELETES}
    logger.info(json.dumps(summary))
    return summary


def old_messages(cutoff: str) -> list[dict[str, Any]]:
    """Messages created before `cutoff`, oldest first (at most one more than MAX_DELETES)."""
    found: list[dict[str, Any]] = []
    request = {"TableName": os.environ["TABLE_NAME"], "ProjectionExpression": "sk, id",
               "KeyConditionExpression": "pk = :pk AND sk < :cutoff",
               "ExpressionAttributeValues": {":pk": {"S": MESSAGES_PK}, ":cutoff": {"S": cutoff}}}
    while len(found) <= MAX_DELETES:
        page = dynamodb().query(**request)
        found += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return found[:MAX_DELETES + 1]


def delete_all(keys: list[dict[str, Any]], attempts: int = 5) -> None:
    """Deletes in batches of 25, retrying what DynamoDB leaves unprocessed (throttling)."""
    table = os.environ["TABLE_NAME"]
    for start in range(0, len(keys), BATCH):
        requests = {table: [{"DeleteRequest": {"Key": key}} for key in keys[start:start + BATCH]]}
        for attempt in range(attempts):
            requests = dynamodb().batch_write_item(RequestItems=requests)["UnprocessedItems"]
            if not requests:
                break
            time.sleep(0.1 * 2**attempt)
        else:
            raise RuntimeError("DynamoDB kept throttling the deletes; the next run continues.")
