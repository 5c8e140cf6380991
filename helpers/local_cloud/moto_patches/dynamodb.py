"""DynamoDB under real traffic: calls one at a time, item results dumped directly, PartiQL
with parameters."""

from __future__ import annotations

import json
import threading
from typing import Any


def install() -> None:
    from . import dynamodb_storage

    _serialise_dynamodb_calls()
    _dump_item_results_directly()
    dynamodb_storage.install()
    _partiql_with_parameters()


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


# -- fidelity: DynamoDB PartiQL with parameters ------------------------------------------------------
def _partiql_with_parameters() -> None:
    """``ExecuteStatement`` with ``?`` parameters: bound as literals before moto's parser sees the
    statement (see ``partiql_parameters``). What the parser still cannot run is answered as an
    AWS-shaped error instead of an HTML 500."""
    from moto.dynamodb.exceptions import DynamodbException, MockValidationException
    from moto.dynamodb.parsing import partiql

    from ..partiql_parameters import ParameterError, Unbindable, bind

    if getattr(partiql, "_workbook_parameters", False):
        return
    query = partiql.query

    class InternalServerError(DynamodbException):
        code = 500

    def bound_query(statement: str, source_data: Any, parameters: Any) -> Any:
        try:
            bound = bind(statement, parameters)
        except ParameterError as error:
            raise MockValidationException(str(error)) from None
        except Unbindable:  # binary values: only moto's own parameter handling can try them
            bound = None
        # moto's parser handles typed parameters in some statements (UPDATE ... SET n = ?) and
        # fails on others (INSERT, DELETE, n > ?, pk='a'); a failure changes nothing, so the
        # statement with its parameters bound as literals gets a second chance.
        attempts = [(statement, parameters)] + ([(bound, [])] if bound is not None else [])
        for attempt, (text, values) in enumerate(attempts, start=1):
            try:
                return query(text, source_data, values)
            except DynamodbException:
                raise
            except Exception as error:  # py-partiql-parser's own failures
                if attempt == len(attempts):
                    raise InternalServerError(
                        "com.amazonaws.dynamodb.v20120810#InternalServerError",
                        "The local cloud could not run this PartiQL statement "
                        f"({type(error).__name__}: {error}). It may be valid on AWS; use "
                        "GetItem, PutItem, UpdateItem, Query or Scan for it here.",
                    ) from None
        raise AssertionError("unreachable")

    partiql.query = bound_query
    partiql._workbook_parameters = True
