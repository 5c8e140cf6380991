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

import importlib.abc
import importlib.machinery
import json
import re
import sys
import threading
from collections.abc import Callable
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
    _quick_create_http_apis()
    _refuse_http_api_integration_timeouts_out_of_range()
    _partiql_with_parameters()
    # moto.apigateway.models takes seconds to import (an OpenAPI validator): patch it when it is.
    _after_import("moto.apigateway.models", _import_swagger_rest_apis)
    _after_import("moto.apigateway.models", _refuse_rest_api_integration_timeouts_out_of_range)


# -- patching a module when it is imported -------------------------------------------------------
_AFTER_IMPORT: dict[str, list[Callable[[], None]]] = {}


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a module with pending patches it wraps the real loader so the
    patches run right after the module's own code."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _AFTER_IMPORT:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_then_patch(module: Any) -> None:
            exec_module(module)
            for patch in _AFTER_IMPORT.pop(fullname, []):
                patch()

        spec.loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def _after_import(module: str, patch: Callable[[], None]) -> None:
    """Run ``patch`` once ``module`` is imported: now if it is, else when something imports it."""
    if module in sys.modules:
        patch()
        return
    _AFTER_IMPORT.setdefault(module, []).append(patch)
    if not any(isinstance(finder, _PatchAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())


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


# -- fidelity: API Gateway quick create and integration timeouts ------------------------------------
LAMBDA_TARGET = re.compile(r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$")


def _quick_create_http_apis() -> None:
    """``CreateApi`` with ``Target`` (quick create) makes, as on AWS, an integration (AWS_PROXY with
    payload 2.0 for a function ARN, HTTP_PROXY for a URL), a route (``RouteKey``, by default
    ``$default``) to it and a ``$default`` stage that deploys automatically. moto ignores Target."""
    from moto.apigatewayv2.exceptions import BadRequestException
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    if getattr(ApiGatewayV2Response, "_workbook_quick_create", False):
        return
    create_api = ApiGatewayV2Response.create_api

    def quick_create(self: Any) -> Any:
        params = json.loads(self.body or "{}")
        target = params.get("target")
        quick = {key: params[key] for key in ("target", "routeKey", "credentialsArn") if key in params}
        if quick and params.get("protocolType") != "HTTP":
            raise BadRequestException(f"{', '.join(quick)} supported only for HTTP APIs")
        is_function = bool(target and LAMBDA_TARGET.match(target))
        if target and not is_function and not re.match(r"^https?://[^\s]+$", target):
            raise BadRequestException(f"Invalid target {target}: give a Lambda function ARN or a "
                                      "fully qualified http(s) URL.")  # fmt: skip
        status, headers, body = create_api(self)
        if target:
            api = self.apigatewayv2_backend.get_api(json.loads(body)["apiId"])
            integration = api.create_integration(
                connection_type="INTERNET", description=None, integration_method="POST",
                integration_type="AWS_PROXY" if is_function else "HTTP_PROXY",
                integration_uri=target, credentials_arn=params.get("credentialsArn"),
                payload_format_version="2.0" if is_function else "1.0", timeout_in_millis="30000",
            )  # fmt: skip
            api.create_route(api_key_required=False, authorization_scopes=[],
                             route_key=params.get("routeKey") or "$default",
                             target=f"integrations/{integration.id}", authorization_type="NONE")
            api.create_stage({"stageName": "$default", "autoDeploy": True})
        return status, headers, body

    ApiGatewayV2Response.create_api = quick_create
    ApiGatewayV2Response._workbook_quick_create = True


def _refuse_http_api_integration_timeouts_out_of_range() -> None:
    """``TimeoutInMillis`` must be 50..30,000 for HTTP API integrations; moto keeps any value."""
    from moto.apigatewayv2.exceptions import BadRequestException
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    from .limits import integration_timeout_refusal

    if getattr(ApiGatewayV2Response, "_workbook_timeouts", False):
        return

    def checked(method: Any) -> Any:
        def check(self: Any) -> Any:
            timeout = json.loads(self.body or "{}").get("timeoutInMillis")
            if (refused := integration_timeout_refusal(timeout, "http")) is not None:
                raise BadRequestException(refused.message)
            return method(self)

        return check

    for name in ("create_integration", "update_integration"):
        setattr(ApiGatewayV2Response, name, checked(getattr(ApiGatewayV2Response, name)))
    ApiGatewayV2Response._workbook_timeouts = True


def _refuse_rest_api_integration_timeouts_out_of_range() -> None:
    """... and 50..29,000 for REST API integrations (the default quota)."""
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend

    from .limits import integration_timeout_refusal

    if getattr(APIGatewayBackend, "_workbook_timeouts", False):
        return
    put_integration = APIGatewayBackend.put_integration

    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        refused = integration_timeout_refusal(kwargs.get("timeout_in_millis"), "rest")
        if refused is not None:
            raise BadRequestException(refused.message)
        return put_integration(self, *args, **kwargs)

    APIGatewayBackend.put_integration = checked
    APIGatewayBackend._workbook_timeouts = True


# -- fidelity: DynamoDB PartiQL with parameters ------------------------------------------------------
def _partiql_with_parameters() -> None:
    """``ExecuteStatement`` with ``?`` parameters: bound as literals before moto's parser sees the
    statement (see ``partiql_parameters``). What the parser still cannot run is answered as an
    AWS-shaped error instead of an HTML 500."""
    from moto.dynamodb.exceptions import DynamodbException, MockValidationException
    from moto.dynamodb.parsing import partiql

    from .partiql_parameters import ParameterError, Unbindable, bind

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


# -- fidelity: ImportRestApi and PutRestApi with Swagger 2.0 -----------------------------------------
def _import_swagger_rest_apis() -> None:
    """Swagger 2.0 definitions (what ``chalice deploy`` sends) import as on AWS: moto reads the
    same paths, methods and integrations from the OpenAPI 3 form ``openapi_import`` gives it."""
    import yaml
    from moto.apigateway.exceptions import BadRequestException
    from moto.apigateway.models import APIGatewayBackend, validate
    from moto.apigateway.responses import APIGatewayResponse

    from .openapi_import import InvalidDefinition, for_moto

    if getattr(APIGatewayBackend, "_workbook_swagger", False):
        return
    import_rest_api, put_rest_api = APIGatewayBackend.import_rest_api, APIGatewayBackend.put_rest_api

    def prepared(document: Any, fail_on_warnings: bool) -> tuple[dict[str, Any], list[str]]:
        if fail_on_warnings:
            try:
                validate(document)
            except Exception as error:  # openapi-spec-validator's errors
                raise BadRequestException("Failed to parse the uploaded OpenAPI document due to: "
                                          f"{getattr(error, 'message', error)}") from None
        try:
            return for_moto(document)
        except InvalidDefinition as error:
            raise BadRequestException(str(error)) from None

    def imported(self: Any, api_doc: Any, fail_on_warnings: bool) -> Any:
        document, binary = prepared(api_doc, fail_on_warnings)
        api = import_rest_api(self, document, False)
        api.binaryMediaTypes = binary or api.binaryMediaTypes
        return api

    def put(self: Any, function_id: str, api_doc: Any, fail_on_warnings: bool,
            mode: str = "merge") -> Any:  # fmt: skip
        document, binary = prepared(api_doc, fail_on_warnings)
        api = put_rest_api(self, function_id, document, False, mode)
        api.binaryMediaTypes = binary or api.binaryMediaTypes
        return api

    def import_rest_api_call(self: Any) -> Any:  # moto creates a nameless API from any body
        try:
            document = json.loads(self.body)
        except ValueError:
            document = yaml.safe_load(self.body)
        prepared(document, False)
        return import_call(self)

    import_call = APIGatewayResponse.import_rest_api
    APIGatewayResponse.import_rest_api = import_rest_api_call
    APIGatewayBackend.import_rest_api = imported
    APIGatewayBackend.put_rest_api = put
    APIGatewayBackend._workbook_swagger = True
