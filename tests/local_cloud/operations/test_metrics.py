"""AWS/Lambda metrics and embedded-metric-format lines, read back with boto3's CloudWatch client.

AWS publishes Lambda's metrics by FunctionName, by FunctionName and Resource (an alias or version)
and for the whole account; a CloudWatch metric is its complete dimension set, so a query for
FunctionName=f does not also count the f:live points twice. Each test starts in a fresh minute of
the FakeClock so its counts are its own.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from helpers.local_cloud.planes.lambda_metrics import embedded_metrics

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def minute(clock):
    """A fresh minute on the FakeClock; returns its start as a datetime."""
    clock.advance(120 - clock.time() % 60)
    return datetime.fromtimestamp(clock.time() - clock.time() % 60, UTC)


def statistic(aws, start, metric, dimensions, stat="Sum", namespace="AWS/Lambda"):
    """The statistic of one metric for the minute starting at `start`, or None without data."""
    points = aws("cloudwatch").get_metric_statistics(
        Namespace=namespace, MetricName=metric, StartTime=start,
        EndTime=start + timedelta(minutes=1), Period=60, Statistics=[stat],
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
    )["Datapoints"]  # fmt: skip
    assert len(points) <= 1
    return points[0][stat] if points else None


def invoke(aws, name, **kwargs):
    return aws("lambda").invoke(FunctionName=name, **{"Payload": b'{"order": 1}', **kwargs})


def test_invocations_errors_and_duration_by_function(aws, function, minute):
    ok, failing = function("echo"), function("fail")
    for _ in range(3):
        invoke(aws, ok)
    invoke(aws, failing)
    assert statistic(aws, minute, "Invocations", {"FunctionName": ok}) == 3
    assert statistic(aws, minute, "Errors", {"FunctionName": ok}) == 0
    assert statistic(aws, minute, "Errors", {"FunctionName": failing}) == 1
    assert statistic(aws, minute, "Duration", {"FunctionName": ok}, "SampleCount") == 3
    assert statistic(aws, minute, "Duration", {"FunctionName": ok}, "Maximum") > 0
    assert statistic(aws, minute, "ConcurrentExecutions", {"FunctionName": ok}, "Maximum") >= 1


def test_an_alias_has_its_resource_metric_and_counts_once_for_the_function(aws, function, minute):
    client, name = aws("lambda"), function("echo")
    version = client.publish_version(FunctionName=name)["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    invoke(aws, name, Qualifier="live")
    invoke(aws, f"{name}:live")
    invoke(aws, name)
    assert statistic(aws, minute, "Invocations", {"FunctionName": name}) == 3
    assert statistic(aws, minute, "Invocations",
                     {"FunctionName": name, "Resource": f"{name}:live"}) == 2  # fmt: skip
    assert statistic(aws, minute, "Invocations", {"Resource": f"{name}:live"}) is None


def test_account_wide_metrics_have_no_dimensions(aws, function, minute):
    name = function("echo")
    before = statistic(aws, minute, "Invocations", {}) or 0
    invoke(aws, name)
    invoke(aws, name)
    assert statistic(aws, minute, "Invocations", {}) == before + 2


def test_get_metric_data_reads_the_same_points(aws, function, minute):
    name = function("echo")
    for _ in range(4):
        invoke(aws, name)
    metric = {"Namespace": "AWS/Lambda", "Dimensions": [{"Name": "FunctionName", "Value": name}]}
    results = aws("cloudwatch").get_metric_data(
        StartTime=minute, EndTime=minute + timedelta(minutes=1), MetricDataQueries=[
            {"Id": "calls", "MetricStat": {"Metric": {**metric, "MetricName": "Invocations"},
                                           "Period": 60, "Stat": "Sum"}},
            {"Id": "slowest", "MetricStat": {"Metric": {**metric, "MetricName": "Duration"},
                                             "Period": 60, "Stat": "Maximum"}},
        ])["MetricDataResults"]  # fmt: skip
    by_id = {result["Id"]: result for result in results}
    assert by_id["calls"]["Values"] == [4.0]
    assert by_id["calls"]["Timestamps"][0] == minute
    assert by_id["slowest"]["Values"][0] > 0


def test_throttles_are_counted_and_are_not_invocations(aws, function, minute):
    client, name = aws("lambda"), function("echo")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException):
        invoke(aws, name)
    client.delete_function_concurrency(FunctionName=name)
    assert statistic(aws, minute, "Throttles", {"FunctionName": name}) == 1
    assert statistic(aws, minute, "Invocations", {"FunctionName": name}) is None


def test_async_events_count_each_attempt_and_failed_deliveries(aws, function, minute, settle):
    client, name = aws("lambda"), function("fail")
    missing_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:ops-no-such-queue"
    client.put_function_event_invoke_config(
        FunctionName=name, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": missing_queue}})  # fmt: skip
    client.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
    settle()
    settle(advance=60)
    both_minutes = {"FunctionName": name}
    start = minute
    for metric, expected in (("AsyncEventsReceived", 1), ("Invocations", 2), ("Errors", 2),
                             ("AsyncEventsDropped", 1), ("DestinationDeliveryFailures", 1)):
        total = sum(statistic(aws, start + timedelta(minutes=m), metric, both_minutes) or 0
                    for m in (0, 1))  # fmt: skip
        assert total == expected, metric


@pytest.mark.parametrize("log_format", ["Text", "JSON"])
def test_embedded_metric_format_lines_become_custom_metrics(aws, function, minute, log_format):
    name = function("emf", LoggingConfig={"LogFormat": log_format})
    stamp = int(minute.timestamp() * 1000) + 5000
    response = invoke(aws, name, Payload=json.dumps({"timestamp_ms": stamp, "orders": 3}))
    assert "FunctionError" not in response
    assert statistic(aws, minute, "Orders", {"Service": "cart"}, namespace="Shop") == 3
    assert statistic(aws, minute, "Basket", {"Service": "cart"}, "SampleCount", "Shop") == 2
    assert statistic(aws, minute, "Orders", {}, namespace="Shop") == 3  # the empty dimension set
    assert statistic(aws, minute, "Broken", {"Service": "cart"}, namespace="Shop") is None


def test_the_emf_parser_follows_the_specification():
    document = {"_aws": {"Timestamp": 1767225600000, "CloudWatchMetrics": [
        {"Namespace": "App", "Dimensions": [["Route", "Method"]],
         "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}, {"Name": "Hits"}]}]},
        "Route": "/orders", "Method": "GET", "Latency": [12, 30], "Hits": 1}  # fmt: skip
    line = "2026-01-01T00:00:00.000Z\t8f5e-request-id\tINFO\t" + json.dumps(document)
    found = embedded_metrics(line)  # Lambda's text format puts a prefix before the document
    assert ("App", "Hits", (("Route", "/orders"), ("Method", "GET")), 1.0, "None",
            1767225600.0) in found  # fmt: skip
    assert sorted(value for _, name, _, value, _, _ in found if name == "Latency") == [12, 30]
    assert embedded_metrics(json.dumps({**document, "Route": 7})) == []  # a dimension not a string
    assert embedded_metrics(json.dumps({**document, "Hits": "1"})) == []  # a value not a number
    too_many = {**document, "_aws": {"CloudWatchMetrics": [{"Namespace": "App", "Metrics": [
        {"Name": "Hits"}], "Dimensions": [[f"d{n}" for n in range(10)]]}]},
        **{f"d{n}": "x" for n in range(10)}}  # fmt: skip
    assert embedded_metrics(json.dumps(too_many)) == []
    assert embedded_metrics('{"_aws": "not metadata"}') == []
    assert embedded_metrics("plain text with _aws in it") == []
