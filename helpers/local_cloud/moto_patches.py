"""Where moto, serving real concurrent traffic, needs help: thread safety and speed.

Thread safety: moto's DynamoDB backend is not safe under concurrent requests (a transaction
deep-copies the table while another request writes to it: "dictionary changed size during
iteration"). A browser, the smoke test or 200 visitors at once do exactly that, so DynamoDB
calls run one at a time, as if on one partition.

Speed: moto serialises every response by walking botocore's shape model, which for a DynamoDB
``Query`` of 20 items costs ~20 ms (the query itself ~3 ms). DynamoDB speaks JSON and moto's
results for item operations are already in wire shape, so they are dumped directly; anything
unexpected falls back to moto's serializer. Same bytes on the wire, an order of magnitude faster.
"""

from __future__ import annotations

import json
import threading
from typing import Any

ITEM_OPERATIONS = frozenset({
    "GetItem", "PutItem", "DeleteItem", "UpdateItem", "Query", "Scan", "BatchGetItem",
    "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
})  # fmt: skip


def _without_none(value: Any) -> Any:
    """moto's serializer leaves out members whose value is None; so do we."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def install() -> None:
    _serialise_dynamodb_calls()
    _dump_item_results_directly()
    _filter_log_events_with_aws_patterns()


def _serialise_dynamodb_calls() -> None:
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler, "_workbook_serialised", False):
        return
    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def serialised(self: Any) -> Any:
        with lock:
            return call_action(self)

    DynamoHandler.call_action = serialised
    DynamoHandler._workbook_serialised = True


def _dump_item_results_directly() -> None:
    from moto.dynamodb.responses import DynamoResult

    if getattr(DynamoResult, "_workbook_fast_path", False):
        return
    generic = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        if context.operation_model.name not in ITEM_OPERATIONS:
            return generic(self, context)
        try:
            body = json.dumps(_without_none(self.result), separators=(",", ":"))
        except (TypeError, ValueError):  # something not plain JSON: let moto handle it
            return generic(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result
    DynamoResult._workbook_fast_path = True


# -- fidelity: CloudWatch Logs filter patterns ------------------------------------------------------
PATTERN_PARAMETERS = {  # LogsBackend method -> the name of its filter-pattern parameter
    "filter_log_events": "filter_pattern", "put_metric_filter": "filter_pattern",
    "put_subscription_filter": "filter_pattern", "start_live_tail": "log_event_filter_pattern",
}  # fmt: skip


def _filter_log_events_with_aws_patterns() -> None:
    """moto's Logs understands plain terms only (a JSON pattern such as ``{ $.level = "ERROR" }``
    matches every event). Events are matched with ``logs_filter`` instead, and a pattern AWS
    refuses gets AWS's ``InvalidParameterException``."""
    import inspect

    from moto.logs import models
    from moto.logs.exceptions import InvalidParameterException

    from .logs_filter import MAX_PATTERN_LENGTH, InvalidFilterPattern, compile_pattern

    if getattr(models, "_workbook_filter_patterns", False):
        return

    class EventMessageFilter:  # the name and interface moto's models use
        def __init__(self, pattern: str):
            self.matches = compile_pattern(pattern or "")

    def validate(pattern: str | None) -> None:
        if pattern and len(pattern) > MAX_PATTERN_LENGTH:
            raise InvalidParameterException(
                constraint=f"Member must have length less than or equal to {MAX_PATTERN_LENGTH}",
                parameter="filterPattern", value=pattern)  # fmt: skip
        try:
            compile_pattern(pattern or "")
        except InvalidFilterPattern as error:
            raise InvalidParameterException(msg=f"Invalid filter pattern: {error}") from None

    def validating(method: Any, parameter: str) -> Any:
        signature = inspect.signature(method)

        def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
            validate(signature.bind(self, *args, **kwargs).arguments.get(parameter))
            return method(self, *args, **kwargs)

        return checked

    models.EventMessageFilter = EventMessageFilter
    for name, parameter in PATTERN_PARAMETERS.items():
        setattr(models.LogsBackend, name, validating(getattr(models.LogsBackend, name), parameter))
    models._workbook_filter_patterns = True
