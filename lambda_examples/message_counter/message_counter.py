"""A change feed: the guestbook table's stream keeps a count of its messages.

A DynamoDB Streams event source mapping reads the table's stream in order and invokes this
function synchronously with batches of change records. A new message (``INSERT`` into the
``MESSAGES`` partition) adds one, a deleted one (``REMOVE``) takes one away; every other
change is ignored, including the count's own item, whose updates appear in the same stream
(counting them would make the function trigger itself forever).

The whole batch becomes one atomic ``ADD`` on a stats item, so concurrent writers never lose an
update. If the function fails, Lambda retries the same batch and holds back the records behind
it: the count is only written once the batch succeeded.

Handler ``message_counter.handler``; standard library and boto3 only. Environment:
``TABLE_NAME``. The stream's view type can be anything (``KEYS_ONLY`` suffices: only keys are
read). Execution role: ``dynamodb:GetRecords``, ``GetShardIterator``, ``DescribeStream``,
``ListStreams`` on the stream (AWS managed ``AWSLambdaDynamoDBExecutionRole``) and
``dynamodb:UpdateItem`` on the table.
"""

import functools
import json
import logging
import os
from typing import Any

import boto3

MESSAGES_PK = "MESSAGES"  # the guestbook's partition of messages (see lambda_examples/guestbook)
COUNT_KEY = {"pk": {"S": "STATS"}, "sk": {"S": "MESSAGE_COUNT"}}
CHANGE = {"INSERT": 1, "REMOVE": -1}

logger = logging.getLogger()
logger.setLevel(logging.INFO)


@functools.cache
def dynamodb():
    return boto3.client("dynamodb")


def delta(records: list[dict[str, Any]]) -> int:
    """How many messages the batch added, net."""
    return sum(CHANGE.get(record["eventName"], 0) for record in records
               if record["dynamodb"]["Keys"].get("pk", {}).get("S") == MESSAGES_PK)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    change = delta(event["Records"])
    count = None
    if change:
        updated = dynamodb().update_item(
            TableName=os.environ["TABLE_NAME"], Key=COUNT_KEY,
            UpdateExpression="ADD #count :change", ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":change": {"N": str(change)}}, ReturnValues="UPDATED_NEW")
        count = int(updated["Attributes"]["count"]["N"])
    summary = {"records": len(event["Records"]), "change": change, "count": count}
    logger.info(json.dumps(summary))
    return summary
