"""Where moto, serving real concurrent traffic, needs help: thread safety, speed and memory.

Thread safety: moto's DynamoDB backend is not safe under concurrent requests (a transaction
deep-copies the table while another request writes to it: "dictionary changed size during
iteration"). A browser, the smoke test or 200 visitors at once do exactly that, so DynamoDB
calls run one at a time, as if on one partition.

Speed: moto serialises every response by walking botocore's shape model, which for a DynamoDB
``Query`` of 20 items costs ~20 ms (the query itself ~3 ms). DynamoDB speaks JSON and moto's
results for item operations are already in wire shape, so they are dumped directly; anything
unexpected falls back to moto's serializer. Same bytes on the wire, an order of magnitude faster.

Memory and steady speed (a cloud left running for hours must not grow): moto lists every model
object it ever creates in a class-level ``instances_tracked`` (for its ``/moto-api/data.json``
dashboard and S3's reset), so nothing it creates is ever freed; here that list holds weak
references. ``TransactWriteItems`` deep-copied every table it touched, whatever the size, to roll
back on failure; here the copy shares what the transaction cannot change. And a ``Query``
scanned and sorted the whole table; here it reads one page of one partition, as DynamoDB does.
See ``dynamodb_storage.py``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import re
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

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
    from . import dynamodb_storage

    _serialise_dynamodb_calls()
    _dump_item_results_directly()
    _track_only_live_instances()
    _dashboard_without_docker()
    dynamodb_storage.install()
    _install_operate_patches()
    _filter_log_events_with_aws_patterns()
    _quick_create_http_apis()
    _refuse_http_api_integration_timeouts_out_of_range()
    _partiql_with_parameters()
    _route_moto_deliveries_to_the_planes()
    _refuse_duplicate_lambda_statement_ids()
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


# -- operate: dead-letter queues, event invoke configs, metrics and alarms as AWS keeps them ------
#
# moto drops a function's DeadLetterConfig, keeps one event invoke config per function (a second
# put is ignored, qualifiers are ignored), matches metric dimensions as a subset (a query for
# FunctionName=f also sums the f:live alias's points) and creates alarms in state OK without ever
# running their actions. AWS does none of that; these patches make moto keep what AWS keeps.


def _install_operate_patches() -> None:
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction, "_workbook_operate", False):
        return
    _keep_dead_letter_config()
    _report_reserved_concurrency_of_zero()
    _event_invoke_config_per_qualifier()
    _exact_metric_dimensions()
    _alarms_start_insufficient_and_act()
    LambdaFunction._workbook_operate = True


def _dead_letter_config(value: Any) -> dict[str, str]:
    from moto.awslambda.exceptions import InvalidParameterValueException

    target = (value or {}).get("TargetArn") or ""
    if target and target.split(":")[2:3] not in (["sqs"], ["sns"]):
        raise InvalidParameterValueException(
            f"The DeadLetterConfig TargetArn {target} must be an Amazon SQS queue or an Amazon "
            "SNS topic ARN.")  # fmt: skip
    return {"TargetArn": target} if target else {}


def _keep_dead_letter_config() -> None:
    from moto.awslambda.models import LambdaFunction

    init, update, describe = (LambdaFunction.__init__, LambdaFunction.update_configuration,
                              LambdaFunction.get_configuration)  # fmt: skip

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kw: Any) -> None:
        self.dead_letter_config = _dead_letter_config(spec.get("DeadLetterConfig"))
        init(self, account_id, spec, *args, **kw)

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = _dead_letter_config(config_updates["DeadLetterConfig"])
        return update(self, config_updates)

    def get_configuration(self: Any, *args: Any, **kw: Any) -> dict[str, Any]:
        config = describe(self, *args, **kw)
        if getattr(self, "dead_letter_config", None):
            config["DeadLetterConfig"] = dict(self.dead_letter_config)
        return config

    LambdaFunction.__init__ = __init__
    LambdaFunction.update_configuration = update_configuration
    LambdaFunction.get_configuration = get_configuration


def _report_reserved_concurrency_of_zero() -> None:
    """GetFunction reports ``Concurrency`` for any reservation, 0 included (moto skips 0)."""
    from moto.awslambda.models import LambdaFunction

    get_code = LambdaFunction.get_code

    def with_concurrency(self: Any) -> dict[str, Any]:
        code = get_code(self)
        if self.reserved_concurrency is not None:
            code["Concurrency"] = {"ReservedConcurrentExecutions": int(self.reserved_concurrency)}
        return code

    LambdaFunction.get_code = with_concurrency


EVENT_INVOKE_DESTINATIONS = ("sqs", "sns", "lambda", "events")


def _validated_event_invoke_config(config: dict[str, Any], function_arn: str) -> dict[str, Any]:
    """AWS's checks on PutFunctionEventInvokeConfig (botocore checks only the minimums)."""
    from moto.awslambda.exceptions import InvalidParameterValueException, ValidationException

    retries, age = config.get("MaximumRetryAttempts"), config.get("MaximumEventAgeInSeconds")
    if retries is not None and not 0 <= int(retries) <= 2:
        raise ValidationException(retries, "maximumRetryAttempts",
                                  "Member must have value less than or equal to 2")
    if age is not None and not 60 <= int(age) <= 21600:
        raise ValidationException(age, "maximumEventAgeInSeconds",
                                  "Member must have value less than or equal to 21600")
    kept: dict[str, Any] = {}
    if retries is not None:
        kept["MaximumRetryAttempts"] = int(retries)
    if age is not None:
        kept["MaximumEventAgeInSeconds"] = int(age)
    destinations: dict[str, Any] = {}
    for condition in ("OnSuccess", "OnFailure"):
        arn = ((config.get("DestinationConfig") or {}).get(condition) or {}).get("Destination")
        destinations[condition] = {"Destination": arn} if arn else {}
        if not arn:
            continue
        parts = arn.split(":")
        if len(parts) < 6 or parts[0] != "arn" or parts[2] not in EVENT_INVOKE_DESTINATIONS:
            raise InvalidParameterValueException(
                f"The destination {arn} is not supported: use the ARN of an SQS queue, an SNS "
                "topic, a Lambda function or an EventBridge event bus (the local cloud does not "
                "deliver to S3 buckets).")  # fmt: skip
        if parts[2] == "lambda" and parts[6:7] == function_arn.split(":")[6:7]:
            raise InvalidParameterValueException(
                "You can't specify the function as a destination for itself.")
    kept["DestinationConfig"] = destinations
    return kept


def _event_invoke_config_per_qualifier() -> None:
    """One config per function, version or alias; Put replaces it, Update merges into it."""
    import time

    from moto.awslambda.exceptions import UnknownEventConfig
    from moto.awslambda.responses import LambdaResponse

    def target(self: Any) -> tuple[Any, str, str]:
        name = unquote(self.path.split("/functions/", 1)[1].split("/", 1)[0])
        qualifier = self.querystring.get("Qualifier", [None])[0]
        if ":function:" in name:  # an ARN, perhaps with its qualifier
            parts = name.split(":")
            name, qualifier = parts[6], (parts[7] if len(parts) > 7 else qualifier)
        elif ":" in name:
            name, qualifier = name.split(":", 1)
        self.backend.get_function(name, qualifier)  # ResourceNotFound for a missing qualifier
        latest = self.backend.get_function(name)
        if not hasattr(latest, "workbook_event_invoke_configs"):
            latest.workbook_event_invoke_configs = {}
        key = qualifier or "$LATEST"
        return latest, key, f"{latest.function_arn}:{key}"

    json_type = {"Content-Type": "application/json"}

    def answer(config: dict[str, Any], arn: str) -> tuple[int, dict, str]:
        return 200, json_type, json.dumps({"FunctionArn": arn, **config})

    def put(self: Any, merge: bool) -> tuple[int, dict, str]:
        latest, key, arn = target(self)
        existing = latest.workbook_event_invoke_configs.get(key)
        if merge and existing is None:
            raise UnknownEventConfig(arn)
        body = dict(self.json_body or {})
        if merge:
            body = {**existing, **body}
            body.pop("LastModified", None)
        config = _validated_event_invoke_config(body, arn)
        config["LastModified"] = time.time()
        latest.workbook_event_invoke_configs[key] = config
        return answer(config, arn)

    def get(self: Any) -> tuple[int, dict, str]:
        latest, key, arn = target(self)
        if key not in latest.workbook_event_invoke_configs:
            raise UnknownEventConfig(arn)
        return answer(latest.workbook_event_invoke_configs[key], arn)

    def delete(self: Any) -> tuple[int, dict, str]:
        latest, key, arn = target(self)
        if latest.workbook_event_invoke_configs.pop(key, None) is None:
            raise UnknownEventConfig(arn)
        return 204, {}, ""

    def list_configs(self: Any) -> tuple[int, dict, str]:
        latest, _, _ = target(self)
        configs = [{"FunctionArn": f"{latest.function_arn}:{key}", **config}
                   for key, config in sorted(latest.workbook_event_invoke_configs.items())]
        return 200, json_type, json.dumps({"FunctionEventInvokeConfigs": configs})

    LambdaResponse.put_function_event_invoke_config = lambda self: put(self, merge=False)
    LambdaResponse.update_function_event_invoke_config = lambda self: put(self, merge=True)
    LambdaResponse.get_function_event_invoke_config = get
    LambdaResponse.delete_function_event_invoke_config = delete
    LambdaResponse.list_function_event_invoke_configs = list_configs


def _period_start(moment: Any, period: int) -> Any:
    """The start of the period `moment` falls in, on CloudWatch's grid (epoch multiples)."""
    from datetime import datetime, timedelta

    seconds = (moment - datetime(1970, 1, 1)).total_seconds()
    return datetime(1970, 1, 1) + timedelta(seconds=seconds - seconds % period)


def _exact_metric_dimensions() -> None:
    """A metric is its namespace, name and *whole* dimension set, as on AWS: a query for
    FunctionName=f does not include the points published with FunctionName=f and Resource=f:live,
    and a query without dimensions reads only points published without any."""
    from moto.cloudwatch.models import CloudWatchBackend, Statistics

    def matching(backend: Any, namespace: str, name: str, dimensions: list[dict[str, str]],
                 start: Any, end: Any, unit: str | None) -> list[Any]:  # fmt: skip
        wanted = sorted((d["Name"], d.get("Value")) for d in dimensions or [])
        return [md for md in backend.get_all_metrics()
                if md.namespace == namespace and md.name == name and start <= md.timestamp < end
                and sorted((d.name, d.value) for d in md.dimensions) == wanted
                and (not unit or md.unit == unit)]  # fmt: skip

    def buckets(data: list[Any], stats: list[str], period: int) -> list[Any]:
        grouped: dict[Any, Any] = {}
        for datum in sorted(data, key=lambda d: d.timestamp):
            start = _period_start(datum.timestamp, period)
            statistics = grouped.setdefault(start, Statistics(stats, start))
            statistics.metric_data.append(datum)
            statistics.unit = datum.unit
        return list(grouped.values())

    def get_metric_statistics(self: Any, namespace: str, metric_name: str, start_time: Any,
                              end_time: Any, period: int, stats: list[str],
                              dimensions: list[dict[str, str]], unit: str | None = None) -> Any:
        from moto.cloudwatch.exceptions import InvalidParameterValue

        start_time, end_time = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
        if start_time >= end_time:
            raise InvalidParameterValue(
                "The parameter StartTime must be less than the parameter EndTime.")
        data = matching(self, namespace, metric_name, dimensions, start_time, end_time, unit)
        return buckets(data, stats, period)

    original_get_metric_data = CloudWatchBackend.get_metric_data

    def get_metric_data(self: Any, queries: list[dict[str, Any]], start_time: Any,
                        end_time: Any, scan_by: str = "TimestampAscending") -> Any:
        from moto.cloudwatch.metric_data_expression_parser import parse_expression

        stat_queries = [q for q in queries if "MetricStat" in q]
        others = [q for q in queries if "MetricStat" not in q
                  and not q.get("Expression", "").startswith("SELECT")]  # fmt: skip
        insights = [q for q in queries if q.get("Expression", "").startswith("SELECT")]
        if not stat_queries:
            return original_get_metric_data(self, queries, start_time, end_time, scan_by)
        original_get_metric_data(self, [], start_time, end_time, scan_by)  # moto's validation
        start, end = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
        results, returned = [], []
        for query in stat_queries:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            data = matching(self, metric["Namespace"], metric["MetricName"],
                            metric.get("Dimensions", []), start, end, stat.get("Unit"))
            groups = buckets(data, [stat["Stat"]], int(stat["Period"]))
            if scan_by == "TimestampDescending":
                groups.reverse()
            result = {
                "id": query["Id"],
                "label": query.get("Label") or f"{metric['MetricName']} {stat['Stat']}",
                "values": [group.get_statistics_for_type(stat["Stat"]) for group in groups],
                "timestamps": [group.timestamp for group in groups],
                "status_code": "Complete",
            }  # fmt: skip
            results.append(result)
            if query.get("ReturnData", True):
                returned.append(result)
        for query in others:
            values, timestamps = parse_expression(query["Expression"], results)
            returned.append({"id": query["Id"], "label": query.get("Label") or query["Id"],
                             "values": values, "timestamps": timestamps,
                             "status_code": "Complete"})  # fmt: skip
        if insights:
            returned += original_get_metric_data(self, insights, start_time, end_time, scan_by)
        return returned

    CloudWatchBackend.get_metric_statistics = get_metric_statistics
    CloudWatchBackend.get_metric_data = get_metric_data


def _alarms_start_insufficient_and_act() -> None:
    """A new alarm is INSUFFICIENT_DATA until evaluated; updating an alarm keeps its state; and
    every change of state (evaluation or SetAlarmState) runs the alarm's actions."""
    from moto.cloudwatch.models import Alarm, CloudWatchBackend

    init, update_state, put_alarm = (Alarm.__init__, Alarm.update_state,
                                     CloudWatchBackend.put_metric_alarm)  # fmt: skip

    def __init__(self: Any, *args: Any, **kw: Any) -> None:
        init(self, *args, **kw)
        self.state_value = "INSUFFICIENT_DATA"
        self.account_id = kw.get("account_id", args[0] if args else "")

    def put_metric_alarm(self: Any, name: str, *args: Any, **kw: Any) -> Any:
        previous = self.alarms.get(name)
        alarm = put_alarm(self, name, *args, **kw)
        if previous is not None:  # AWS: "its state is left unchanged"
            for attribute in ("state_value", "state_reason", "state_reason_data",
                              "state_updated_timestamp", "history"):  # fmt: skip
                setattr(alarm, attribute, getattr(previous, attribute))
        return alarm

    def changed_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        old_state = self.state_value
        update_state(self, reason, reason_data, state_value)
        if old_state != state_value:
            from .planes.cloudwatch_alarms import run_alarm_actions

            run_alarm_actions(self, old_state)

    Alarm.__init__ = __init__
    Alarm.update_state = changed_state
    CloudWatchBackend.put_metric_alarm = put_metric_alarm
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
# -- events (issue 9): what moto would deliver itself lands in the local cloud's planes ---------
#
# moto delivers S3 notifications, SNS messages and EventBridge events to Lambda by "invoking"
# the function in the request thread (Docker, or an echo), pushes SQS messages and stream
# records to mapped functions itself, and keeps SQS time on the wall clock. Each patch below
# hands that work to a hook a plane registers while it runs; with no hook (no local cloud in
# this process, say under moto's mock_aws) moto behaves as it always did.

HOOKS: dict[str, Any] = {}


def set_hook(name: str, hook: Any) -> None:
    """Route one of moto's deliveries to `hook` (a plane calls this in ``start``)."""
    HOOKS[name] = hook


def remove_hook(name: str, hook: Any) -> None:
    """Undo ``set_hook``, unless another cloud has set its own hook meanwhile."""
    if HOOKS.get(name) is hook:
        del HOOKS[name]


def _route_moto_deliveries_to_the_planes() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    if getattr(LambdaFunction, "_workbook_routed", False):
        return
    _route_s3_notifications()
    _route_sns_lambda_subscriptions()
    _route_eventbridge_lambda_targets()
    _route_function_invocations(LambdaFunction)
    _keep_mappings_out_of_moto_push(LambdaBackend)
    _announce_new_messages_and_records()
    _sqs_time_from_the_cloud_clock()
    LambdaFunction._workbook_routed = True


def _route_s3_notifications() -> None:
    """Full AWS-shaped S3 records (also for queues and topics), sent to Lambda asynchronously."""
    from moto.s3 import notifications

    from .planes.event_shapes_rules import s3_notification_event

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        clock = HOOKS.get("clock")
        now = clock.time() if clock is not None else None
        return s3_notification_event(event_name, bucket, key, notification_id, now)

    original_invoke = notifications._invoke_awslambda

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region: str) -> None:
        hook = HOOKS.get("s3_lambda")
        if hook is None:
            return original_invoke(account_id, event_body, fn_arn, region)
        hook(fn_arn, event_body)

    notifications._get_s3_event = get_s3_event
    notifications._invoke_awslambda = invoke_awslambda
    _announce_delete_markers()


def _announce_delete_markers() -> None:
    """Deleting from a versioned bucket without a version id leaves a delete marker: AWS
    notifies ``s3:ObjectRemoved:DeleteMarkerCreated``; moto notifies nothing."""
    from moto.s3 import notifications
    from moto.s3.models import S3Backend

    set_delete_marker = S3Backend._set_delete_marker

    def announced(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = set_delete_marker(self, bucket_name, key_name)
        event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT
        notifications.send_event(self.account_id, event, self.get_bucket(bucket_name), marker)
        return marker

    S3Backend._set_delete_marker = announced


def _route_sns_lambda_subscriptions() -> None:
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
                deduplication_id: str | None = None,
                message_structure: str | None = None) -> None:  # fmt: skip
        hook = HOOKS.get("sns_lambda")
        if hook is None or self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, group_id,
                            deduplication_id, message_structure)  # fmt: skip
        hook(self, message, message_id, subject, message_attributes, message_structure)

    Subscription.publish = publish


def _route_eventbridge_lambda_targets() -> None:
    """moto raises NotImplementedError for a Lambda target (and stops at it): Lambda targets
    go to the EventBridge plane, every other target to moto, in one pass."""
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        hook = HOOKS.get("eventbridge_lambda")
        if hook is None:
            return original(self, event, transform_input)
        if not self.event_pattern.matches_event(event):
            return
        functions = [t for t in self.targets if ":lambda:" in t.get("Arn", "")]
        others = [t for t in self.targets if ":lambda:" not in t.get("Arn", "")]
        if others:
            # A shallow stand-in with the other targets: object.__new__ skips moto's
            # BaseModel.__new__, which would keep every stand-in alive forever.
            stand_in = object.__new__(type(self))
            stand_in.__dict__.update(self.__dict__, targets=others)
            original(stand_in, event, transform_input)
        if functions:
            hook(self, functions, event)

    Rule.send_to_targets = send_to_targets


def _route_function_invocations(function_class: Any) -> None:
    """Whatever else in moto runs a function (log subscription filters, EventBridge's own
    notifications, CloudFormation...) runs it in the local runtime, never in Docker."""
    original = function_class.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        hook = HOOKS.get("invoke")
        if hook is None:
            return original(self, body, request_headers, response_headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        payload, function_error = hook(self.function_arn, (body or "{}").encode())
        if function_error:
            response_headers["x-amz-function-error"] = function_error
        return payload

    function_class.invoke = invoke


def _keep_mappings_out_of_moto_push(backend_class: Any) -> None:
    from .moto_adapter import detach_mapping_from_moto_push

    original = backend_class.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = original(self, spec)
        detach_mapping_from_moto_push(esm)
        return esm

    backend_class.create_event_source_mapping = create_event_source_mapping


def _announce_new_messages_and_records() -> None:
    """Wake the pollers when a message or stream record arrives, so they need not poll often."""
    from moto.dynamodb.models.table import StreamShard
    from moto.sqs.models import Queue

    add_message = Queue.add_message

    def announced_add_message(self: Any, message: Any) -> None:
        add_message(self, message)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.queue_arn)

    add_record = StreamShard.add

    def announced_add(self: Any, old: Any, new: Any) -> None:
        add_record(self, old, new)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.table.table_arn)

    from moto.kinesis.models import Stream

    put_record = Stream.put_record

    def announced_put_record(self: Any, *args: Any, **kwargs: Any) -> Any:
        written = put_record(self, *args, **kwargs)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.arn)
        return written

    Queue.add_message = announced_add_message
    StreamShard.add = announced_add
    Stream.put_record = announced_put_record


def _sqs_time_from_the_cloud_clock() -> None:
    """Visibility timeouts, delays and receive timestamps follow the cloud's clock, so a test
    with a fake clock sees a failed batch come back without waiting for it."""
    from moto.sqs import models

    wall_time, wall_millis = models.unix_time, models.unix_time_millis

    def unix_time(dt: Any = None) -> float:
        clock = HOOKS.get("clock")
        return clock.time() if clock is not None and dt is None else wall_time(dt)

    def unix_time_millis(dt: Any = None) -> float:
        clock = HOOKS.get("clock")
        return clock.time() * 1000 if clock is not None and dt is None else wall_millis(dt)

    models.unix_time, models.unix_time_millis = unix_time, unix_time_millis
class LiveInstances:
    """What moto's ``instances_tracked`` holds in the local cloud: the model objects still alive,
    as weak references, instead of every object ever created. Iterating gives the live ones."""

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._alive: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        try:  # keyed by id: models need not be hashable; a reused id replaces a dead entry
            self._alive[id(instance)] = instance
        except TypeError:  # a model without weak-reference support is not listed
            pass

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._alive.values()))

    def __len__(self) -> int:
        return len(self._alive)


def _track_only_live_instances() -> None:
    """moto's ``BaseModel.__new__`` appends every object to ``cls.instances_tracked`` forever
    (a transaction's copy of a table too); keep weak references instead. moto's reset puts
    plain lists back, so each class gets its ``LiveInstances`` again on its next object."""
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import model_data

    if getattr(BaseModel, "_workbook_live_instances", False):
        return
    for models in list(model_data.values()):
        for model in list(models.values()):
            model.instances_tracked = LiveInstances(getattr(model, "instances_tracked", ()))
    swap = threading.Lock()

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = super(BaseModel, cls).__new__(cls)
        tracked = cls.__dict__.get("instances_tracked")
        if not isinstance(tracked, LiveInstances):
            with swap:
                tracked = cls.__dict__.get("instances_tracked")
                if not isinstance(tracked, LiveInstances):
                    tracked = LiveInstances()
                    cls.instances_tracked = tracked
        tracked.append(instance)
        return instance

    BaseModel.__new__ = staticmethod(__new__)
    BaseModel._workbook_live_instances = True
def _dashboard_without_docker() -> None:
    """moto's ``/moto-api/data.json`` reads every public attribute of every live model and
    skips those raising AttributeError; ``docker_client`` of a Lambda function raises Docker's
    own error when Docker is absent (always, in the local cloud), so the dashboard failed with
    a 500 as soon as one function existed. Here that is an AttributeError too."""
    from moto.utilities.docker_utilities import DockerModel

    if getattr(DockerModel, "_workbook_no_docker", False):
        return
    connect = DockerModel.docker_client.fget

    def docker_client(self: Any) -> Any:
        try:
            return connect(self)
        except Exception as error:  # docker.errors.DockerException; docker may not be installed
            if type(error).__module__.split(".")[0] != "docker":
                raise
            raise AttributeError(f"docker_client: Docker is not available ({error})") from None

    DockerModel.docker_client = property(docker_client)
    DockerModel._workbook_no_docker = True


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
