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
    _refuse_duplicate_lambda_statement_ids()


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


# -- learning (notebooks): Lambda permissions ---------------------------------------------------


def _refuse_duplicate_lambda_statement_ids() -> None:
    """AWS refuses AddPermission with a statement id the function's policy already has
    (ResourceConflictException, 409); moto appended a second copy, so a helper that relies on
    the refusal to be idempotent piled up duplicates, and RemovePermission left one behind."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.policy import Policy

    if getattr(Policy, "_workbook_unique_sids", False):
        return
    add_statement = Policy.add_statement

    class StatementIdExists(LambdaClientError):
        code = 409

        def __init__(self, sid: str) -> None:
            super().__init__("ResourceConflictException",
                             f"The statement id ({sid}) provided already exists. Please provide "
                             "a new statement id, or remove the existing statement.")

    def unique_add_statement(self: Any, raw: str, qualifier: str | None = None) -> Any:
        sid = json.loads(raw).get("StatementId")
        if sid and any(statement.get("Sid") == sid for statement in self.statements):
            raise StatementIdExists(sid)
        return add_statement(self, raw, qualifier)

    Policy.add_statement = unique_add_statement
    Policy._workbook_unique_sids = True
