"""CloudWatch metrics and alarms, and CloudWatch Logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def log_stream_exists(account: str, region: str, group: str, stream: str) -> tuple[bool, bool]:
    """(the log group exists, the log stream exists)."""
    from moto.logs.models import logs_backends

    groups = logs_backends[account][region].groups
    found = groups.get(group)
    return found is not None, found is not None and stream in found.streams


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


def logs_backend(account: str, region: str) -> Any:
    """moto's CloudWatch Logs backend (ensure_log_group, create_log_stream, put_log_events)."""
    from moto.logs.models import logs_backends

    return logs_backends[account][region]
