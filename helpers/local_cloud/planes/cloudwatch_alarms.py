"""CloudWatch alarms, evaluated locally: a metric alarm changes state and notifies SNS.

moto stores alarms but never evaluates them. This plane does, every few seconds (real time) for
every alarm on one metric: it reads the alarm's statistic for its last ``EvaluationPeriods``
periods (the current one included, so a notebook sees an alarm within seconds rather than the
minute or more AWS takes), compares them with the threshold, applies ``DatapointsToAlarm`` and
``TreatMissingData``, and sets the new state. Every change of state, here or by SetAlarmState,
runs the alarm's actions (``moto_patches`` calls ``run_alarm_actions``): an SNS topic gets the
JSON message AWS sends (``AlarmName``, ``NewStateValue``, ``NewStateReason``, ``OldStateValue``,
``Trigger``...), with the subject ``ALARM: "name" in US East (N. Virginia)``.

Not evaluated: metric-math and composite alarms, percentile statistics, anomaly detection. Only
SNS actions run (Auto Scaling, EC2 and Lambda actions are ignored).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import moto_adapter
from ..clock import REAL_CLOCK, Clock
from ..server import LocalCloud, WSGIApp
from . import Plane, register

LOGGER = logging.getLogger(__name__)
EVALUATION_INTERVAL = 5.0  # real seconds between evaluations (AWS: about a minute)
COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (lambda value, threshold: value >= threshold, ">="),
    "GreaterThanThreshold": (lambda value, threshold: value > threshold, ">"),
    "LessThanThreshold": (lambda value, threshold: value < threshold, "<"),
    "LessThanOrEqualToThreshold": (lambda value, threshold: value <= threshold, "<="),
}
WORDS = {">=": "greater than or equal to", ">": "greater than", "<": "less than",
         "<=": "less than or equal to"}  # fmt: skip
REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)", "eu-north-1": "EU (Stockholm)",
    "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-southeast-2": "Asia Pacific (Sydney)",
}  # fmt: skip
EPOCH = datetime(1970, 1, 1)


@register(order=40)
class AlarmsPlane(Plane):
    """Evaluates metric alarms in the background; serves no requests."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp,
                 interval: float = EVALUATION_INTERVAL) -> None:  # fmt: skip
        self.cloud = cloud
        self.clock: Clock = getattr(cloud, "clock", REAL_CLOCK)
        self.interval = interval
        self._lock = threading.Lock()  # one evaluation at a time: a change is notified once
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def claims(self, request: Any) -> bool:
        return False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raise NotImplementedError("the alarms plane serves no requests")

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="cloudwatch-alarms",
                                            daemon=True)  # fmt: skip
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):  # real time, whatever clock the alarms use
            try:
                self.evaluate_once()
            except Exception:  # keep evaluating; a broken alarm must not stop the others
                LOGGER.exception("Evaluating CloudWatch alarms failed")

    def evaluate_once(self, now: float | None = None) -> list[tuple[str, str, str]]:
        """Evaluate every metric alarm at `now` (default: the plane's clock); returns the
        changes made, as (alarm name, old state, new state)."""
        now = self.clock.time() if now is None else now
        changes = []
        with self._lock:
            for _, _, backend in moto_adapter.cloudwatch_regions():
                for alarm in moto_adapter.metric_alarms(backend):
                    outcome = evaluate(alarm, backend, now)
                    if outcome is None or outcome[0] == alarm.state_value:
                        continue
                    old_state = alarm.state_value
                    moto_adapter.set_alarm_state(alarm, *outcome)
                    changes.append((alarm.name, old_state, outcome[0]))
        return changes


def _statistic(alarm: Any, data: list[Any]) -> float | None:
    stats = [moto_adapter.datum_statistics(datum) for datum in data]
    count = sum(s[0] for s in stats)
    if not count:
        return None
    return {"SampleCount": lambda: count, "Sum": lambda: sum(s[1] for s in stats),
            "Average": lambda: sum(s[1] for s in stats) / count,
            "Minimum": lambda: min(s[2] for s in stats),
            "Maximum": lambda: max(s[3] for s in stats)}[alarm.statistic]()  # fmt: skip


def evaluate(alarm: Any, backend: Any, now: float) -> tuple[str, str, str] | None:
    """(state, reason, reason data) the alarm should be in at `now`, or None to leave it."""
    if alarm.statistic not in ("SampleCount", "Sum", "Average", "Minimum", "Maximum"):
        return None  # percentiles (ExtendedStatistic) are not evaluated locally
    if alarm.comparison_operator not in COMPARISONS:
        return None  # anomaly detection bands are not evaluated locally
    compare, symbol = COMPARISONS[alarm.comparison_operator]
    period, periods = int(alarm.period), int(alarm.evaluation_periods)
    required = int(alarm.datapoints_to_alarm or periods)
    current = now - now % period
    points: list[tuple[datetime, float | None]] = []
    for index in range(periods - 1, -1, -1):  # oldest first
        start = EPOCH + timedelta(seconds=current - index * period)
        data = moto_adapter.metric_values(backend, alarm.namespace, alarm.metric_name,
                                          moto_adapter.alarm_dimensions(alarm), start,
                                          start + timedelta(seconds=period))  # fmt: skip
        points.append((start, _statistic(alarm, data)))
    present = [(start, value) for start, value in points if value is not None]
    treat = alarm.treat_missing_data or "missing"
    breaching = sum(1 for _, value in present if compare(value, alarm.threshold))
    if treat == "breaching":
        breaching += len(points) - len(present)
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return None
        return ("INSUFFICIENT_DATA", f"Insufficient Data: {periods} datapoints were unknown.",
                json.dumps({"version": "1.0", "queryDate": _stamp(now)}))  # fmt: skip
    state = "ALARM" if breaching >= required else "OK"
    shown = ", ".join(f"{value} ({start:%d/%m/%y %H:%M:%S})" for start, value in present[-5:])
    verb = "was" if len(present) == 1 else "were"
    negation = "" if state == "ALARM" else "not "
    reason = (f"Threshold Crossed: {len(present)} datapoint{'s' if len(present) != 1 else ''} "
              f"[{shown}] {verb} {negation}{WORDS[symbol]} the threshold ({alarm.threshold}).")
    data = {"version": "1.0", "queryDate": _stamp(now), "statistic": alarm.statistic,
            "period": period, "threshold": alarm.threshold,
            "recentDatapoints": [value for _, value in present],
            "evaluatedDatapoints": [{"timestamp": _stamp((s - EPOCH).total_seconds()),
                                     "value": value} for s, value in present]}  # fmt: skip
    return state, reason, json.dumps(data)


def _stamp(seconds: float) -> str:
    """CloudWatch's time format in alarm messages: 2025-02-02T12:06:35.472+0000."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def alarm_message(alarm: Any, old_state: str) -> tuple[str, str]:
    """(subject, message) of the SNS notification AWS sends when an alarm changes state."""
    region = REGION_NAMES.get(alarm.region_name, alarm.region_name)
    changed = alarm.state_updated_timestamp.replace(tzinfo=UTC).timestamp()
    configured = alarm.configuration_updated_timestamp.replace(tzinfo=UTC).timestamp()
    message = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description or None,
        "AWSAccountId": getattr(alarm, "account_id", "") or alarm.alarm_arn.split(":")[4],
        "AlarmConfigurationUpdatedTimestamp": _stamp(configured),
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _stamp(changed),
        "Region": region,
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "OKActions": list(alarm.ok_actions),
        "AlarmActions": list(alarm.alarm_actions),
        "InsufficientDataActions": list(alarm.insufficient_data_actions),
        "Trigger": {
            "MetricName": alarm.metric_name, "Namespace": alarm.namespace,
            "StatisticType": "Statistic", "Statistic": (alarm.statistic or "").upper(),
            "Unit": alarm.unit, "Dimensions": [{"value": d.value, "name": d.name}
                                               for d in alarm.dimensions],
            "Period": int(alarm.period), "EvaluationPeriods": int(alarm.evaluation_periods),
            "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
            "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
            "TreatMissingData": alarm.treat_missing_data or "missing",
            "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile or "",
        },
    }  # fmt: skip
    subject = f'{alarm.state_value}: "{alarm.name}" in {region}'
    if len(subject) > 100:  # SNS subjects stop at 100 characters
        subject = subject[:97] + "..."
    return subject, json.dumps(message)


def run_alarm_actions(alarm: Any, old_state: str) -> None:
    """Run the actions for the alarm's new state (SNS topics only); called on every change."""
    if not alarm.actions_enabled:
        return
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[alarm.state_value]  # fmt: skip
    subject, message = alarm_message(alarm, old_state)
    for action in actions or []:
        if action.startswith("arn:aws:sns:"):
            try:
                moto_adapter.sns_publish(action, message, subject=subject)
            except Exception:  # a deleted topic: AWS records the failure in the alarm history
                LOGGER.warning("Alarm %s could not notify %s", alarm.name, action)
