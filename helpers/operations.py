"""Operating functions: their metrics, alarms that notify a topic, concurrency and throttling,
destinations for failed asynchronous events, and structured logs queried by field.

Lambda publishes ``AWS/Lambda`` metrics (``Invocations``, ``Errors``, ``Throttles``,
``Duration``...) by ``FunctionName``. On AWS they reach CloudWatch a minute or more after the
invocations, and an alarm is evaluated about once a minute: the waits here poll for minutes
there (seconds on the local cloud), with an injectable clock.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from .local_cloud.clock import REAL_CLOCK, Clock
from .triggers import wait_for

DASHBOARD = (("Invocations", "Sum"), ("Errors", "Sum"), ("Duration", "Average"))


def _poll_timeout(aws: Any, local: float, on_aws: float) -> float:
    return local if aws.is_local else on_aws


# -- metrics ---------------------------------------------------------------------------------------


def metric_series(aws: Any, function_name: str, metrics: tuple[tuple[str, str], ...] = DASHBOARD,
                  *, minutes: int = 30, period: int = 60) -> dict[str, list[tuple[datetime, float]]]:
    """One ``get_metric_data`` call: each metric's (time, value) points of the last ``minutes``,
    oldest first, one point per ``period`` seconds that had data."""
    now = datetime.now(UTC)
    queries = [{"Id": f"m{index}", "Label": name, "ReturnData": True, "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": name,
                   "Dimensions": [{"Name": "FunctionName", "Value": function_name}]},
        "Period": period, "Stat": statistic}} for index, (name, statistic) in enumerate(metrics)]
    response = aws.client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=now - timedelta(minutes=minutes),
        EndTime=now + timedelta(minutes=1))
    series = {}
    for result in response["MetricDataResults"]:
        series[result["Label"]] = sorted(zip(result["Timestamps"], result["Values"], strict=True))
    return series


def metric_total(aws: Any, function_name: str, metric: str, *, minutes: int = 30) -> float:
    """The metric's Sum over the last ``minutes`` (Invocations, Errors, Throttles...)."""
    points = metric_series(aws, function_name, ((metric, "Sum"),), minutes=minutes)[metric]
    return sum(value for _, value in points)


def wait_for_metric(aws: Any, function_name: str, metric: str, at_least: float, *,
                    timeout: float | None = None, clock: Clock = REAL_CLOCK) -> float:
    """Poll until the metric's recent Sum reaches ``at_least``; returns the Sum. On AWS
    metrics arrive a minute or more late: allow five minutes there."""
    def reached() -> float | None:
        total = metric_total(aws, function_name, metric)
        return total if total >= at_least else None

    found = wait_for(aws, reached, clock=clock,
                     timeout=timeout if timeout is not None else _poll_timeout(aws, 30, 300))
    return found if found is not None else metric_total(aws, function_name, metric)


def plot_dashboard(series: dict[str, list[tuple[datetime, float]]], title: str) -> Any:
    """A small dashboard: one bar chart per metric, by minute. Returns the figure."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(series), figsize=(4 * len(series), 2.8))
    for axis, (name, points) in zip(axes, series.items(), strict=True):
        axis.bar([time for time, _ in points], [value for _, value in points], width=0.0005)
        axis.set_title(name)
        axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    axes[-1].set_ylabel("ms")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


# -- alarms and their topic --------------------------------------------------------------------------


def ensure_topic(aws: Any, name: str) -> str:
    """A tagged SNS topic (CreateTopic returns the existing one's ARN). Returns its ARN."""
    return aws.client("sns").create_topic(
        Name=name, Tags=[{"Key": k, "Value": v} for k, v in aws.tags.items()])["TopicArn"]


def subscribe_queue(aws: Any, topic_arn: str, queue_url: str, queue_arn: str) -> str:
    """Deliver the topic's messages to the queue: the queue's policy must let SNS send, for this
    topic only. Returns the subscription's ARN (the same one when run again)."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "TopicMaySend", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
    aws.client("sqs").set_queue_attributes(QueueUrl=queue_url,
                                           Attributes={"Policy": json.dumps(policy)})
    return aws.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                                       ReturnSubscriptionArn=True)["SubscriptionArn"]


def alarm_state(aws: Any, alarm: str) -> str:
    return aws.client("cloudwatch").describe_alarms(
        AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]


def wait_for_alarm(aws: Any, alarm: str, state: str = "ALARM", *, timeout: float | None = None,
                   clock: Clock = REAL_CLOCK) -> str:
    """Poll until the alarm is in ``state``; returns the state it is in. The local cloud
    evaluates alarms every 5 seconds; AWS about every minute, after the metric arrived."""
    found = wait_for(aws, lambda: alarm_state(aws, alarm) == state, clock=clock,
                     timeout=timeout if timeout is not None else _poll_timeout(aws, 30, 600))
    return state if found else alarm_state(aws, alarm)


def alarm_notification(message: dict[str, Any]) -> dict[str, Any]:
    """The alarm's JSON from an SQS message that SNS delivered (an SNS envelope around it)."""
    envelope = json.loads(message["Body"])
    return {"Subject": envelope.get("Subject"), **json.loads(envelope["Message"])}


def delete_alarms(aws: Any, *names: str) -> int:
    """Delete the alarms that exist among ``names``; returns how many there were."""
    cloudwatch = aws.client("cloudwatch")
    found = [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=list(names))[
        "MetricAlarms"]]
    if found:
        cloudwatch.delete_alarms(AlarmNames=found)
    return len(found)


def delete_topic(aws: Any, topic_arn: str) -> bool:
    """Delete the topic and its subscriptions. False if it was not there."""
    sns = aws.client("sns")
    try:
        sns.get_topic_attributes(TopicArn=topic_arn)
    except sns.exceptions.NotFoundException:
        return False
    sns.delete_topic(TopicArn=topic_arn)
    return True


# -- concurrency -------------------------------------------------------------------------------------


def burst(aws: Any, function_name: str, payload: dict[str, Any], count: int) -> list[Any]:
    """Invoke ``count`` times at once; each result is the payload, or the error code (such as
    ``TooManyRequestsException``) of a refused call. Lambda clients never retry (see target)."""
    client = aws.client("lambda", max_pool_connections=max(10, count))

    def one(_: int) -> Any:
        try:
            response = client.invoke(FunctionName=function_name,
                                     Payload=json.dumps(payload).encode())
        except client.exceptions.TooManyRequestsException as error:
            return error.response["Error"]["Code"]
        return json.loads(response["Payload"].read())

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def outcomes(results: list[Any]) -> Counter[str]:
    """How a burst went: 'succeeded', or the error code of each refused call."""
    return Counter(result if isinstance(result, str) else "succeeded" for result in results)


# -- structured logs -----------------------------------------------------------------------------------


def query_logs(aws: Any, group: str, pattern: str, *, at_least: int = 1,
               timeout: float | None = None, clock: Clock = REAL_CLOCK) -> list[dict[str, Any]]:
    """The JSON records of the group that match a filter pattern such as
    ``{ $.level = "ERROR" }``, oldest first. Polls: on AWS, logs arrive seconds late."""
    from . import logs

    lines = logs.wait_for_events(aws, group, pattern, at_least=at_least, clock=clock,
                                 timeout=timeout if timeout is not None else
                                 _poll_timeout(aws, 10, 60))
    return [json.loads(line) for line in lines if line.startswith("{")]


def fields(records: list[dict[str, Any]], *names: str,
           default: Callable[[], Any] = lambda: None) -> list[dict[str, Any]]:
    """Only the named fields of each record: a table's rows."""
    return [{name: record.get(name, default()) for name in names} for record in records]
