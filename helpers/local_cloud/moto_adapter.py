"""The one door to moto's internals: every read or write of moto's models and backends that the
local cloud's planes need, as small functions over plain values.

moto's private attributes move between versions; keeping every use here means one file to read
when moto is upgraded (and ``tests/local_cloud/test_moto_adapter.py`` fails first). Each helper's
functions live in a section headed by its task, so branches merge by concatenation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# -- operate: async invocation, concurrency, metrics and alarms ---------------------------------


def lambda_function(account: str, region: str, name: str, qualifier: str | None = None) -> Any:
    """moto's model of a function version (or the version an alias points to); raises moto's
    ResourceNotFound-style exception when absent."""
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][region].get_function(name, qualifier)


def reserved_concurrency(account: str, region: str, name: str) -> int | None:
    """The function's ReservedConcurrentExecutions (from $LATEST: versions copy it when
    published, but the reservation belongs to the function), or None."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    value = getattr(latest, "reserved_concurrency", None)
    return None if value is None else int(value)


def reserved_concurrency_by_function(account: str, region: str) -> dict[str, int]:
    """Function name -> reservation, for every function that has one."""
    from moto.awslambda.models import lambda_backends

    if account not in lambda_backends or region not in lambda_backends[account]:
        return {}
    reserved = {}
    for name, entry in lambda_backends[account][region]._lambdas._functions.items():
        value = getattr(entry.get("latest"), "reserved_concurrency", None)
        if value is not None:
            reserved[name] = int(value)
    return reserved


def account_usage(account: str, region: str) -> dict[str, int]:
    """GetAccountSettings' AccountUsage: how many functions, and their zipped code in bytes."""
    from moto.awslambda.models import lambda_backends

    functions = list(lambda_backends[account][region].list_functions(func_version="ALL"))
    return {"TotalCodeSize": sum(int(getattr(f, "code_size", 0) or 0) for f in functions),
            "FunctionCount": len({f.function_name for f in functions})}  # fmt: skip


def dead_letter_target(function: Any) -> str | None:
    """The TargetArn of the function version's DeadLetterConfig (kept by moto_patches)."""
    config = getattr(function, "dead_letter_config", None) or {}
    return config.get("TargetArn") or None


def event_invoke_config(account: str, region: str, name: str,
                        qualifier: str | None) -> dict[str, Any] | None:  # fmt: skip
    """The FunctionEventInvokeConfig for the function and qualifier as invoked (kept per
    qualifier by moto_patches), or None: AWS's defaults apply."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    configs = getattr(latest, "workbook_event_invoke_configs", None) or {}
    return configs.get(qualifier or "$LATEST")


def sqs_send_message(queue_arn: str, body: str, attributes: dict[str, Any]) -> str:
    """Send to a queue by ARN; raises when the queue does not exist or refuses the message."""
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = queue_arn.split(":", 5)
    return sqs_backends[account][region].send_message(name, body, message_attributes=attributes).id


def sqs_is_fifo(queue_arn: str) -> bool:
    return queue_arn.endswith(".fifo")


def sns_publish(topic_arn: str, message: str, *, subject: str | None = None,
                attributes: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Publish to a topic by ARN (moto delivers to its subscriptions: SQS, Lambda...)."""
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = topic_arn.split(":", 5)
    return sns_backends[account][region].publish(
        message, arn=topic_arn, subject=subject, message_attributes=attributes or {}
    )


def events_put_events(account: str, region: str, entries: list[dict[str, Any]]) -> list[dict]:
    """EventBridge PutEvents as a service calls it (rules match and deliver to targets)."""
    from moto.events.models import events_backends

    return events_backends[account][region].put_events(entries)


def cloudwatch_aggregate_datum(account: str, region: str, namespace: str, name: str,
                               dimensions: tuple[tuple[str, str], ...], timestamp: float,
                               unit: str, value: float) -> Any:  # fmt: skip
    """Add one statistic set (a value seen once) to moto's CloudWatch and return it, so that
    later values of the same minute are added in place (``add_to_datum``)."""
    from moto.cloudwatch.models import MetricAggregatedDatum, cloudwatch_backends

    datum = MetricAggregatedDatum(
        namespace=namespace, name=name, min_stat=value, max_stat=value, sample_count=1.0,
        sum_stat=value, dimensions=[{"Name": k, "Value": v} for k, v in dimensions],
        timestamp=datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None), unit=unit,
    )  # fmt: skip
    cloudwatch_backends[account][region].metric_data.append(datum)
    return datum


def add_to_datum(datum: Any, value: float) -> None:
    """One more value in a statistic set made by ``cloudwatch_aggregate_datum``."""
    datum.sum += value
    datum.sample_count += 1
    datum.min = min(datum.min, value)
    datum.max = max(datum.max, value)


def cloudwatch_regions() -> list[tuple[str, str, Any]]:
    """(account, region, backend) of every CloudWatch backend moto has created."""
    from moto.cloudwatch.models import cloudwatch_backends

    found = []
    for account in list(cloudwatch_backends.keys()):
        for region, backend in list(cloudwatch_backends[account].items()):
            found.append((account, region, backend))
    return found


def metric_alarms(backend: Any) -> list[Any]:
    """The alarms that watch one metric (composite and metric-math alarms are not included)."""
    return [alarm for alarm in list(backend.alarms.values())
            if alarm.metric_name and not alarm.metric_data_queries and not alarm.rule]  # fmt: skip


def metric_values(backend: Any, namespace: str, name: str,
                  dimensions: tuple[tuple[str, str], ...], start: datetime,
                  end: datetime) -> list[Any]:  # fmt: skip
    """moto's data points of exactly this metric (same dimension set) in [start, end)."""
    wanted = sorted(dimensions)
    return [datum for datum in list(backend.metric_data)
            if datum.namespace == namespace and datum.name == name
            and start <= datum.timestamp < end
            and sorted((d.name, d.value) for d in datum.dimensions) == wanted]  # fmt: skip


def datum_statistics(datum: Any) -> tuple[float, float, float, float]:
    """(sample count, sum, minimum, maximum) of one moto data point, single or aggregated."""
    if hasattr(datum, "sample_count"):
        return datum.sample_count, datum.sum, datum.min, datum.max
    return 1.0, datum.value, datum.value, datum.value


def alarm_dimensions(alarm: Any) -> tuple[tuple[str, str], ...]:
    return tuple((d.name, d.value) for d in alarm.dimensions)


def set_alarm_state(alarm: Any, state: str, reason: str, reason_data: str) -> None:
    """Change the alarm's state as SetAlarmState does (moto_patches fires its actions)."""
    alarm.update_state(reason, reason_data, state)
