"""Lambda's CloudWatch metrics (namespace ``AWS/Lambda``) and the embedded metric format.

Lambda publishes one-minute statistics per function: ``Invocations``, ``Errors``, ``Throttles``,
``Duration``, ``ConcurrentExecutions`` (read its Maximum), and for async events
``AsyncEventsReceived``, ``AsyncEventAge``, ``AsyncEventsDropped``, ``DeadLetterErrors`` and
``DestinationDeliveryFailures``. Each is published by ``FunctionName``, by ``FunctionName`` and
``Resource`` (``name:alias`` or ``name:version``) for qualified invokes, and without dimensions for
the whole account, as AWS does; a metric is its whole dimension set, so the three never mix.

Cheap on the invoke path: each minute of each metric is one statistic set in moto's CloudWatch,
updated in place (a few dictionary operations per invoke, no request, no growing list).

Lines a function logs in the embedded metric format (a JSON object with ``_aws.CloudWatchMetrics``,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
become custom metrics the same way.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable
from typing import Any

from .. import moto_adapter
from ..clock import REAL_CLOCK, Clock

NAMESPACE = "AWS/Lambda"
UNITS = {"Duration": "Milliseconds", "AsyncEventAge": "Milliseconds"}  # the rest are Count
# The units the embedded metric format accepts (its JSON schema), "None" when absent.
EMF_UNITS = frozenset((
    "Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits "
    "Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second "
    "Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second "
    "Megabits/Second Gigabits/Second Terabits/Second Count/Second None"
).split())

Dimensions = tuple[tuple[str, str], ...]


class LambdaMetrics:
    """Publishes data points into moto's CloudWatch, aggregated per minute."""

    def __init__(self, clock: Clock = REAL_CLOCK) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._cells: dict[tuple, Any] = {}  # (account, region, ns, name, dims, minute, unit) -> datum
        self._minute = 0.0

    def reset(self) -> None:
        """moto's CloudWatch was reset: forget the data points this object was adding to."""
        with self._lock:
            self._cells.clear()

    def put(self, account: str, region: str, name: str, value: float, *, function: str | None,
            resource: str | None = None, namespace: str = NAMESPACE,
            timestamp: float | None = None) -> None:  # fmt: skip
        """One value of a Lambda metric, published for the function, its resource (alias or
        version, when invoked qualified) and the account as a whole."""
        dimension_sets: list[Dimensions] = [()]
        if function:
            dimension_sets.append((("FunctionName", function),))
            if resource:
                dimension_sets.append((("FunctionName", function), ("Resource", resource)))
        unit = UNITS.get(name, "Count")
        for dimensions in dimension_sets:
            self.put_value(account, region, namespace, name, dimensions, value, unit, timestamp)

    def put_value(self, account: str, region: str, namespace: str, name: str,
                  dimensions: Dimensions, value: float, unit: str,
                  timestamp: float | None = None) -> None:  # fmt: skip
        """One value of any metric (one dimension set), added to its minute's statistic set."""
        value = float(value)
        now = self.clock.time() if timestamp is None else timestamp
        minute = now - now % 60
        key = (account, region, namespace, name, dimensions, minute, unit)
        with self._lock:
            if minute > self._minute:  # keep only recent minutes' cells (older ones are final)
                self._minute = minute
                self._cells = {k: v for k, v in self._cells.items() if k[5] >= minute - 120}
            datum = self._cells.get(key)
            if datum is not None:
                moto_adapter.add_to_datum(datum, value)
                return
            self._cells[key] = moto_adapter.cloudwatch_aggregate_datum(
                account, region, namespace, name, dimensions, minute, unit, value
            )  # fmt: skip

    def put_embedded(self, account: str, region: str, messages: Iterable[str]) -> int:
        """Publish the metrics of every embedded-metric-format line; returns how many values."""
        published = 0
        for message in messages:
            if '"_aws"' not in message:  # cheap test first: most lines are not EMF
                continue
            for namespace, name, dimensions, value, unit, timestamp in embedded_metrics(message):
                self.put_value(account, region, namespace, name, dimensions, value, unit,
                               timestamp)  # fmt: skip
                published += 1
        return published


def embedded_metrics(message: str) -> list[tuple[str, str, Dimensions, float, str, float | None]]:
    """(namespace, metric, dimensions, value, unit, timestamp in s) for each value an EMF log line
    asks for; [] for a line that is not a valid EMF document (as CloudWatch, which skips it).

    Lambda may put a timestamp and request id before the JSON (text log format): the document
    starts at the first ``{``."""
    start = message.find("{")
    if start < 0:
        return []
    try:
        document = json.loads(message[start:])
        directives = document["_aws"]["CloudWatchMetrics"]
        stamp = document["_aws"].get("Timestamp")
        timestamp = None if stamp is None else float(stamp) / 1000
    except (ValueError, KeyError, TypeError):
        return []
    found = []
    for directive in directives if isinstance(directives, list) else []:
        try:
            found += _directive_values(document, directive, timestamp)
        except (KeyError, TypeError, ValueError):
            continue  # an invalid directive is skipped; the others still count
    return found


def _directive_values(document: dict[str, Any], directive: dict[str, Any],
                      timestamp: float | None) -> list[tuple]:  # fmt: skip
    namespace = directive["Namespace"]
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        raise ValueError("Namespace")
    dimension_sets: list[Dimensions] = []
    for keys in directive["Dimensions"]:
        if len(keys) > 9 or any(not isinstance(document[key], str) for key in keys):
            raise ValueError("a dimension set has more than 9 keys or a non-string target")
        dimension_sets.append(tuple((key, document[key]) for key in keys))
    definitions = directive["Metrics"]
    if len(definitions) > 100:
        raise ValueError("more than 100 metrics")
    found = []
    for definition in definitions:
        name, unit = definition["Name"], definition.get("Unit", "None")
        if unit not in EMF_UNITS:
            raise ValueError(f"unit {unit}")
        values = document[name]
        values = values if isinstance(values, list) else [values]
        if len(values) > 100 or any(not _is_number(v) for v in values):
            raise ValueError(f"metric {name} is not a number or an array of up to 100")
        for dimensions in dimension_sets:
            found += [(namespace, name, dimensions, float(v), unit, timestamp) for v in values]
    return found


def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))  # fmt: skip
