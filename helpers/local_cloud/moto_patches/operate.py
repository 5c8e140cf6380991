"""Lambda and CloudWatch as AWS keeps them: dead-letter queues, event invoke configs, exact
metric dimensions, alarms that start INSUFFICIENT_DATA and act."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

# -- operate: dead-letter queues, event invoke configs, metrics and alarms as AWS keeps them ------
#
# moto drops a function's DeadLetterConfig, keeps one event invoke config per function (a second
# put is ignored, qualifiers are ignored), matches metric dimensions as a subset (a query for
# FunctionName=f also sums the f:live alias's points) and creates alarms in state OK without ever
# running their actions. AWS does none of that; these patches make moto keep what AWS keeps.


def install() -> None:
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction, "_workbook_operate", False):
        return
    _keep_dead_letter_config()
    _report_reserved_concurrency_of_zero()
    _event_invoke_config_per_qualifier()
    _exact_metric_dimensions()
    _alarms_start_insufficient_and_act()
    LambdaFunction._workbook_operate = True


def _dead_letter_config(value: Any, role: str | None) -> dict[str, str]:
    from moto.awslambda.exceptions import InvalidParameterValueException

    target = (value or {}).get("TargetArn") or ""
    if target and target.split(":")[2:3] not in (["sqs"], ["sns"]):
        raise InvalidParameterValueException(
            f"The DeadLetterConfig TargetArn {target} must be an Amazon SQS queue or an Amazon "
            "SNS topic ARN.")  # fmt: skip
    refused = target and role and _role_delivery_refusal(role, target)
    if refused:  # AWS checks the role may send there when the function is configured
        raise InvalidParameterValueException(refused)
    return {"TargetArn": target} if target else {}


def _keep_dead_letter_config() -> None:
    from moto.awslambda.models import LambdaFunction

    init, update, describe = (LambdaFunction.__init__, LambdaFunction.update_configuration,
                              LambdaFunction.get_configuration)  # fmt: skip

    def __init__(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kw: Any) -> None:
        self.dead_letter_config = _dead_letter_config(spec.get("DeadLetterConfig"),
                                                      spec.get("Role"))
        init(self, account_id, spec, *args, **kw)

    def update_configuration(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = _dead_letter_config(
                config_updates["DeadLetterConfig"], config_updates.get("Role") or self.role)
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


def _delivery_refusal(function_arn: str, target_arn: str) -> str | None:
    """AWS checks at configuration time that the function's role may deliver there."""
    from .. import moto_adapter

    try:
        role = moto_adapter.function_facts(function_arn).role
    except LookupError:
        return None  # moto answers for a missing function itself
    return _role_delivery_refusal(role, target_arn)


def _role_delivery_refusal(role_arn: str, target_arn: str) -> str | None:
    from .. import moto_adapter
    from ..authorization import enforcement_from_environment
    from ..planes.trigger_permissions_rules import delivery_refusal

    if not enforcement_from_environment():
        return None
    return delivery_refusal(moto_adapter.role_policy_documents(role_arn), target_arn)


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
        refused = _delivery_refusal(function_arn, arn)
        if refused:
            raise InvalidParameterValueException(refused)
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
            from ..planes.cloudwatch_alarms import run_alarm_actions

            run_alarm_actions(self, old_state)

    Alarm.__init__ = __init__
    Alarm.update_state = changed_state
    CloudWatchBackend.put_metric_alarm = put_metric_alarm
