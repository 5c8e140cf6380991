"""DynamoDB under real traffic: calls one at a time, item results dumped directly, PartiQL
with parameters."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from botocore import xform_name


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


class _NotPlain(Exception):
    """A shape the direct path does not handle (a timestamp, say): moto's serializer does."""


def _blob(value: Any) -> str:
    return base64.b64encode(value.encode() if isinstance(value, str) else value).decode()


def _attribute_value(value: dict[str, Any]) -> dict[str, Any]:
    """An AttributeValue as moto's serializer writes it ({"S": "x"}, {"M": {...}}...)."""
    (kind, inner), = value.items()
    if kind in ("S", "N"):
        return {kind: str(inner)}
    if kind == "B":
        return {kind: _blob(inner)}
    if kind in ("SS", "NS"):
        return {kind: [str(item) for item in inner]}
    if kind == "BS":
        return {kind: [_blob(item) for item in inner]}
    if kind == "M":
        return {kind: {key: _attribute_value(item) for key, item in inner.items()}}
    if kind == "L":
        return {kind: [_attribute_value(item) for item in inner]}
    if kind in ("NULL", "BOOL"):
        return {kind: inner}
    raise _NotPlain(kind)


def _shaped(value: Any, shape: Any) -> Any:
    """``value`` serialised for ``shape`` by the rules of moto's JSON serializer."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if shape.name == "AttributeValue":
            return _attribute_value(value)
        if not isinstance(value, dict):
            raise _NotPlain(shape.name)
        members = {}
        for name, member in shape.members.items():
            found = value.get(name)
            if found is None:
                found = value.get(xform_name(name))
            shaped = _shaped(found, member)
            if shaped is not None:
                members[member.serialization.get("name", name)] = shaped
        return members
    if kind == "list":
        return [_shaped(item, shape.member) for item in value]
    if kind == "map":
        entries = ((key, _shaped(item, shape.value)) for key, item in value.items())
        return {key: item for key, item in entries
                if item is not None or shape.value.type_name != "structure"}  # fmt: skip
    if kind == "string":
        return str(value) if value not in (None, {}, []) else value
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "blob":
        return _blob(value)
    if kind == "boolean":
        return value
    raise _NotPlain(kind)  # timestamps and documents: moto's serializer


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
        operation = context.operation_model
        if operation.name not in ITEM_OPERATIONS or operation.output_shape is None:
            return generic(self, context)
        try:
            body = json.dumps(_shaped(self.result, operation.output_shape) or {})
        except (_NotPlain, TypeError, ValueError, AttributeError):  # let moto handle it
            return generic(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    DynamoResult.execute_result = execute_result
    DynamoResult._workbook_fast_path = True
    DynamoResult._workbook_moto_serializer = generic  # the tests compare both, byte for byte


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
