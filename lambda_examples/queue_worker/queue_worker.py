"""A queue worker: guestbook submissions arrive through SQS, one batch per invocation.

Lambda polls the queue and invokes this function synchronously with up to BatchSize messages.
Each message body is a JSON submission ``{"name": ..., "text": ...}``; a valid one becomes a
guestbook message. A message that cannot be processed (a *poison* message: not JSON, or breaking
the guestbook's rules) is reported back in ``batchItemFailures``, so only it returns to the
queue, and after the queue's ``maxReceiveCount`` receives SQS moves it to the dead-letter queue.
The rest of the batch is deleted. This needs ``FunctionResponseTypes=["ReportBatchItemFailures"]``
on the event source mapping: without it, the report is ignored and the whole batch succeeds.

Messages can arrive more than once, so the message id decides the guestbook id and writes are
conditional: a second delivery stores nothing new.

Handler ``queue_worker.handler``; standard library and boto3 only. Environment: ``TABLE_NAME``.
Execution role: ``sqs:ReceiveMessage``, ``sqs:DeleteMessage``, ``sqs:GetQueueAttributes`` on
the queue (Lambda checks them when the mapping is created) and ``dynamodb:PutItem`` on the table.
"""

import functools
import hashlib
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

MESSAGES_PK = "MESSAGES"  # the guestbook's partition of messages (see lambda_examples/guestbook)
FIELD_LIMITS = {"name": 50, "text": 500}

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class PoisonMessage(ValueError):
    """A message no retry will fix."""


@functools.cache
def dynamodb():
    return boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Processes each record; returns the ids of those that failed (partial batch response)."""
    failures = []
    for record in event["Records"]:
        try:
            process(record)
        except PoisonMessage as problem:
            logger.warning(json.dumps({"poison": record["messageId"], "reason": str(problem),
                                       "receive_count": receive_count(record)}))
            failures.append({"itemIdentifier": record["messageId"]})
        except ClientError:
            logger.exception("DynamoDB failed for %s; it will be retried", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def receive_count(record: dict[str, Any]) -> int:
    return int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))


def submission(body: str) -> dict[str, str]:
    """The name and text of a message body, or PoisonMessage saying what is wrong."""
    try:
        parsed = json.loads(body)
    except ValueError:
        raise PoisonMessage("the body is not JSON") from None
    if not isinstance(parsed, dict) or set(parsed) != set(FIELD_LIMITS):
        raise PoisonMessage('the body must be {"name": ..., "text": ...}')
    fields = {}
    for field, limit in FIELD_LIMITS.items():
        value = parsed[field].strip() if isinstance(parsed[field], str) else ""
        if not 1 <= len(value) <= limit:
            raise PoisonMessage(f"{field} must be 1 to {limit} characters")
        fields[field] = value
    return fields


def process(record: dict[str, Any]) -> bool:
    """Stores the submission as a guestbook message; False if an earlier delivery did."""
    fields = submission(record["body"])
    sent = int(record["attributes"]["SentTimestamp"]) / 1000
    created_at = datetime.fromtimestamp(sent, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message_id = hashlib.sha256(record["messageId"].encode()).hexdigest()[:32]
    item = {"pk": MESSAGES_PK, "sk": f"{created_at}#{message_id}", "id": message_id,
            **fields, "created_at": created_at}
    try:
        dynamodb().put_item(TableName=os.environ["TABLE_NAME"],
                            Item={name: {"S": value} for name, value in item.items()},
                            ConditionExpression="attribute_not_exists(pk)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
