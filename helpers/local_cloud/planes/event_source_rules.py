"""The rules of Lambda's event source mappings, as plain functions: what CreateEventSourceMapping
refuses, and what a function's response means for a batch (``ReportBatchItemFailures``).

Sources: the Lambda developer guide (services-sqs-configure, services-sqs-errorhandling,
services-ddb-batchfailurereporting) and the error messages AWS returns, quoted in the tests.
"""

from __future__ import annotations

import json
from typing import Any

from .trigger_permissions_rules import missing_actions

SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
STREAM_ACTIONS = ("dynamodb:GetRecords", "dynamodb:GetShardIterator",
                  "dynamodb:DescribeStream", "dynamodb:ListStreams")  # fmt: skip
KINESIS_ACTIONS = ("kinesis:GetRecords", "kinesis:GetShardIterator",
                   "kinesis:DescribeStream", "kinesis:ListStreams")  # fmt: skip
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")


def source_kind(source_arn: str) -> str:
    """"sqs", "dynamodb" (a table's stream) or "kinesis"; "" for anything else."""
    parts = source_arn.split(":")
    return parts[2] if len(parts) > 5 and parts[2] in ("sqs", "dynamodb", "kinesis") else ""


def batching_refusal(batch_size: int | None, window: float | None) -> str | None:
    """More than 10 SQS messages per batch need a batching window of at least a second."""
    if batch_size is not None and batch_size > 10 and not window:
        return ("Maximum batch window in seconds must be greater than 0 if maximum batch size "
                "is greater than 10")
    return None


def sqs_refusal(role_documents: list[dict[str, Any]], queue_arn: str, visibility_timeout: int,
                function_timeout: int) -> str | None:
    """Why AWS refuses to map this queue to this function, or None."""
    missing = missing_actions(role_documents, SQS_ACTIONS, queue_arn)
    if missing:
        action = missing[0].split(":", 1)[1]
        return f"The provided execution role does not have permissions to call {action} on SQS"
    if visibility_timeout < function_timeout:
        return (f"Queue visibility timeout: {visibility_timeout} seconds is less than Function "
                f"timeout: {function_timeout} seconds")
    return None


def stream_refusal(role_documents: list[dict[str, Any]], stream_arn: str,
                   starting_position: str | None) -> str | None:
    """Why AWS refuses to map this DynamoDB or Kinesis stream to this function, or None."""
    if starting_position not in STARTING_POSITIONS:
        return ("1 validation error detected: Value null at 'startingPosition' failed to "
                "satisfy constraint: Member must not be null." if starting_position is None else
                f"1 validation error detected: Value '{starting_position}' at 'startingPosition' "
                "failed to satisfy constraint: Member must satisfy enum value set: "
                "[TRIM_HORIZON, LATEST, AT_TIMESTAMP].")  # fmt: skip
    actions = KINESIS_ACTIONS if source_kind(stream_arn) == "kinesis" else STREAM_ACTIONS
    if missing_actions(role_documents, actions, stream_arn):
        return (f"Cannot access stream {stream_arn}. Please ensure the role can perform the "
                "GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your "
                "stream in IAM.")  # fmt: skip
    return None


def failed_items(payload: bytes, identifiers: list[str]) -> set[str] | None:
    """With ``ReportBatchItemFailures``, which items of a successful invocation failed.

    An empty set: the whole batch succeeded (no, null or empty ``batchItemFailures``, or an
    empty or null response). None: the whole batch failed (invalid JSON, or an
    ``itemIdentifier`` that is null, empty, misspelt, or not in the batch).
    """
    text = payload.decode("utf-8", "replace").strip()
    if not text or text == "null":
        return set()
    try:
        response = json.loads(text)
    except ValueError:
        return None
    if not isinstance(response, dict):
        return set()  # a response that is not an object reports nothing
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return None
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in identifiers:
            return None
        failed.add(identifier)
    return failed


def duplicate_refusal(source_arn: str, function_name: str, existing_uuid: str) -> str:
    """AWS maps a source to a function once (ResourceConflictException)."""
    return (f'The event source arn (" {source_arn} ") and function (" {function_name} ") '
            "provided mapping already exists. Please update or delete the existing mapping "
            f"with UUID {existing_uuid}")
