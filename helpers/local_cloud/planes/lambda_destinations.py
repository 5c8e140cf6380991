"""Where an asynchronous invocation's outcome goes: destinations and the dead-letter queue.

An invocation record (the JSON Lambda sends to an ``OnSuccess`` or ``OnFailure`` destination) is
documented at https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html:
``version``, ``timestamp``, ``requestContext`` (``requestId``, ``functionArn``, ``condition``:
Success, RetriesExhausted or EventAgeExceeded, ``approximateInvokeCount``), ``requestPayload``,
``responseContext`` (``statusCode``, ``executedVersion``, ``functionError``) and
``responsePayload``. SQS and SNS get it as the message, a function as its event, EventBridge as the
``detail`` of an event from source ``lambda``.

A dead-letter queue (the function's DeadLetterConfig, SQS or SNS) gets the event itself, with the
message attributes ``RequestID``, ``ErrorCode`` (the HTTP status) and ``ErrorMessage`` (its first
KB).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .. import moto_adapter
from ..lambda_runtime import InvocationResult

SUCCESS, RETRIES_EXHAUSTED, EVENT_AGE_EXCEEDED = "Success", "RetriesExhausted", "EventAgeExceeded"
DETAIL_TYPES = {True: "Lambda Function Invocation Result - Success",
                False: "Lambda Function Invocation Result - Failure"}  # fmt: skip


class DeliveryFailed(Exception):
    """A destination or dead-letter queue refused the record (missing, FIFO, too large...)."""


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def invocation_record(*, request_id: str, function_arn: str, condition: str, attempts: int,
                      payload: bytes, result: InvocationResult | None, now: float,
                      throttled: bool = False) -> dict[str, Any]:  # fmt: skip
    """The record AWS sends to a destination. `function_arn` is qualified (``...:$LATEST`` for an
    unqualified invoke). Without a run to report (an event that only met throttles), the
    response context says 429 and there is no response payload."""
    stamp = datetime.fromtimestamp(now, UTC)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z",
        "requestContext": {"requestId": request_id, "functionArn": function_arn,
                           "condition": condition, "approximateInvokeCount": attempts},
        "requestPayload": _json_or_text(payload),
    }  # fmt: skip
    if result is not None:
        context = {"statusCode": 200, "executedVersion": result.executed_version}
        if result.function_error:
            context["functionError"] = result.function_error
        record["responseContext"] = context
        record["responsePayload"] = _json_or_text(result.payload) if result.payload else None
    elif throttled:
        record["responseContext"] = {"statusCode": 429}
    return record


def deliver_record(destination: str, record: dict[str, Any], *, success: bool,
                   invoke_event: Callable[[str, bytes], Any]) -> None:  # fmt: skip
    """Send an invocation record to an SQS queue, SNS topic, function or event bus."""
    service = destination.split(":")[2]
    message = json.dumps(record)
    try:
        if service == "sqs":
            if moto_adapter.sqs_is_fifo(destination):
                raise DeliveryFailed("FIFO queues are not supported as destinations")
            moto_adapter.sqs_send_message(destination, message, {})
        elif service == "sns":
            if destination.endswith(".fifo"):
                raise DeliveryFailed("FIFO topics are not supported as destinations")
            moto_adapter.sns_publish(destination, message)
        elif service == "lambda":
            invoke_event(destination, message.encode())
        elif service == "events":
            function_arn = record["requestContext"]["functionArn"]
            _, _, _, region, account, _ = destination.split(":", 5)
            entries = moto_adapter.events_put_events(account, region, [{
                "Source": "lambda", "DetailType": DETAIL_TYPES[success], "Detail": message,
                "Resources": [function_arn, destination], "EventBusName": destination,
            }])  # fmt: skip
            if any("ErrorCode" in entry for entry in entries):
                raise DeliveryFailed(str(entries))
        else:
            raise DeliveryFailed(f"unsupported destination {destination}")
    except DeliveryFailed:
        raise
    except Exception as error:  # moto's "no such queue/topic/bus/function", size limits...
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None


def error_message(result: InvocationResult | None, throttled: bool) -> str:
    """The first KB of the error, as the dead-letter message's ErrorMessage attribute."""
    if result is None:
        return "Rate Exceeded." if throttled else "Event expired before it could be processed."
    payload = _json_or_text(result.payload)
    text = payload.get("errorMessage") if isinstance(payload, dict) else None
    text = text if isinstance(text, str) else result.payload.decode("utf-8", "replace")
    return text.encode()[:1024].decode("utf-8", "ignore")


def send_to_dead_letter_queue(target: str, payload: bytes, *, request_id: str, error_code: int,
                              message: str) -> None:  # fmt: skip
    """The event, as is, with RequestID, ErrorCode and ErrorMessage attributes."""
    body = payload.decode("utf-8", "replace")
    try:
        if target.split(":")[2] == "sqs":
            moto_adapter.sqs_send_message(target, body, {
                "RequestID": {"DataType": "String", "StringValue": request_id},
                "ErrorCode": {"DataType": "Number", "StringValue": str(error_code)},
                "ErrorMessage": {"DataType": "String", "StringValue": message},
            })  # fmt: skip
        else:
            moto_adapter.sns_publish(target, body, attributes={
                "RequestID": {"Type": "String", "Value": request_id},
                "ErrorCode": {"Type": "Number", "Value": str(error_code)},
                "ErrorMessage": {"Type": "String", "Value": message},
            })  # fmt: skip
    except Exception as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
