"""CloudWatch Logs for Lambda: read what functions wrote, parse REPORT lines, set retention.

Lambda writes each function's output to the log group ``/aws/lambda/<name>``, one log
stream per execution environment. Log groups are created on the first invoke, never
expire unless you set a retention, and outlive the function.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .local_cloud.clock import REAL_CLOCK, Clock

REPORT_FIELDS = {
    "Duration": "duration_ms", "Billed Duration": "billed_ms", "Memory Size": "memory_mb",
    "Max Memory Used": "max_memory_mb", "Init Duration": "init_ms",
}  # fmt: skip
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                  1827, 2192, 2557, 2922, 3288, 3653)  # the values CloudWatch accepts


def log_group_name(function_name: str) -> str:
    return f"/aws/lambda/{function_name}"


def decode_log_result(log_result: str) -> str:
    """``invoke(LogType="Tail")`` returns the last 4 KB of the log, base64-encoded."""
    return base64.b64decode(log_result).decode("utf-8", errors="replace")


def parse_report(line: str) -> dict[str, Any] | None:
    """One REPORT line (text or JSON format) as a dict, or None if it is not one."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if record.get("type") != "platform.report":
            return None
        metrics = record["record"].get("metrics", {})
        return {
            "request_id": record["record"].get("requestId"),
            "duration_ms": metrics.get("durationMs"), "billed_ms": metrics.get("billedDurationMs"),
            "memory_mb": metrics.get("memorySizeMB"), "max_memory_mb": metrics.get("maxMemoryUsedMB"),
            "init_ms": metrics.get("initDurationMs"), "cold": "initDurationMs" in metrics,
        }  # fmt: skip
    if not line.startswith("REPORT RequestId:"):
        return None
    row: dict[str, Any] = {"request_id": line.split()[2]}
    for name, value in re.findall(r"\t([A-Za-z ]+): ([\d.]+)", line):
        if name in REPORT_FIELDS:
            row[REPORT_FIELDS[name]] = float(value)
    row.setdefault("init_ms", None)
    row["cold"] = row["init_ms"] is not None
    return row


def events(aws: Any, group: str, *, pattern: str = "", limit: int = 10_000) -> list[dict]:
    """Every event in the group (oldest first), optionally matching a filter pattern."""
    logs = aws.client("logs")
    kwargs: dict[str, Any] = {"logGroupName": group}
    if pattern:
        kwargs["filterPattern"] = pattern
    found: list[dict] = []
    for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
        found.extend(page["events"])
        if len(found) >= limit:
            break
    return sorted(found, key=lambda event: (event["timestamp"], event.get("ingestionTime", 0)))


def reports(aws: Any, function_name: str) -> list[dict[str, Any]]:
    """The REPORT line of every invocation of the function, parsed, oldest first."""
    group = log_group_name(function_name)
    rows = [parse_report(event["message"].rstrip("\n"))
            for event in events(aws, group, pattern="REPORT")]  # fmt: skip
    if not any(rows):  # JSON log format: REPORT is a platform.report record
        rows = [parse_report(e["message"]) for e in events(aws, group, pattern='"platform.report"')]
    return [row for row in rows if row]


def streams(aws: Any, group: str) -> list[dict[str, Any]]:
    """The group's log streams (one per execution environment), newest first."""
    response = aws.client("logs").describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True
    )
    return response["logStreams"]


def set_retention(aws: Any, group: str, days: int) -> None:
    """Keep the group's events ``days`` days, then let CloudWatch delete them."""
    if days not in RETENTION_DAYS:
        raise ValueError(f"CloudWatch accepts only these retention periods: {RETENTION_DAYS}")
    aws.client("logs").put_retention_policy(logGroupName=group, retentionInDays=days)


def retention(aws: Any, group: str) -> int | None:
    """Days of retention, or None for "never expire" (the default)."""
    found = aws.client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    for candidate in found:
        if candidate["logGroupName"] == group:
            return candidate.get("retentionInDays")
    raise LookupError(f"No log group {group}: has the function been invoked yet?")


def delete_log_group(aws: Any, group: str) -> bool:
    logs = aws.client("logs")
    try:
        logs.delete_log_group(logGroupName=group)
    except logs.exceptions.ResourceNotFoundException:
        return False
    return True


def wait_for_events(aws: Any, group: str, pattern: str, *, timeout: float = 60,
                    at_least: int = 1, clock: Clock = REAL_CLOCK) -> list[str]:
    """Poll until ``pattern`` matches events: on AWS, logs arrive seconds after the invoke."""
    deadline = clock.monotonic() + timeout
    while True:
        try:
            found = [event["message"].rstrip("\n") for event in events(aws, group, pattern=pattern)]
        except aws.client("logs").exceptions.ResourceNotFoundException:
            found = []  # the group appears with the first invoke's logs
        if len(found) >= at_least or clock.monotonic() > deadline:
            return found
        clock.sleep(0.2 if aws.is_local else 2)
