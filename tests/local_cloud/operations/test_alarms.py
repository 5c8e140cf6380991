"""CloudWatch alarms on Lambda's metrics change state and notify SNS (read from an SQS subscriber).

AWS: a new alarm is INSUFFICIENT_DATA; SetAlarmState and evaluations run the actions of the new
state; updating an alarm leaves its state unchanged; the SNS message is a JSON document with
AlarmName, NewStateValue, NewStateReason, OldStateValue, Region, Trigger...
"""

import json
import time
import uuid

import pytest

from helpers.local_cloud.planes.cloudwatch_alarms import AlarmsPlane


@pytest.fixture
def alarms(cloud):
    return cloud.plane(AlarmsPlane)


@pytest.fixture
def topic(aws, queue):
    """(topic ARN, url of an SQS queue subscribed to it)."""
    arn = aws("sns").create_topic(Name=f"ops-alarms-{uuid.uuid4().hex[:8]}")["TopicArn"]
    url, queue_arn = queue()
    aws("sns").subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return arn, url


def notifications(read, url):
    """(Subject, decoded alarm message) of each notification in the queue."""
    return [(body["Subject"], json.loads(body["Message"])) for body in read.bodies(url)]


def errors_alarm(aws, name, topic_arn, **extra):
    alarm = f"{name}-errors"
    aws("cloudwatch").put_metric_alarm(**{
        "AlarmName": alarm, "Namespace": "AWS/Lambda", "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": name}], "Statistic": "Sum",
        "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": [topic_arn],
        "OKActions": [topic_arn], **extra,
    })  # fmt: skip
    return alarm


def state(aws, alarm):
    return aws("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"]


def test_an_errors_alarm_goes_to_alarm_and_notifies_sns(aws, function, topic, alarms, read, clock):
    name, (topic_arn, url) = function("fail"), topic
    alarm = errors_alarm(aws, name, topic_arn, AlarmDescription="the guestbook fails")
    assert state(aws, alarm) == "INSUFFICIENT_DATA"
    aws("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert (alarm, "INSUFFICIENT_DATA", "ALARM") in alarms.evaluate_once()
    assert state(aws, alarm) == "ALARM"
    [(subject, message)] = notifications(read, url)
    assert subject == f'ALARM: "{alarm}" in US East (N. Virginia)'
    assert message["AlarmName"] == alarm and message["AlarmDescription"] == "the guestbook fails"
    assert (message["OldStateValue"], message["NewStateValue"]) == ("INSUFFICIENT_DATA", "ALARM")
    assert message["NewStateReason"].startswith("Threshold Crossed: 1 datapoint [1.0 (")
    assert message["AWSAccountId"] == "123456789012" and message["Region"] == "US East (N. Virginia)"
    assert message["Trigger"]["Statistic"] == "SUM" and message["Trigger"]["Threshold"] == 1.0
    assert message["Trigger"]["Dimensions"] == [{"value": name, "name": "FunctionName"}]
    assert alarms.evaluate_once() == []  # no change, no second notification


def test_the_alarm_returns_to_ok_when_a_period_has_no_errors(aws, function, topic, alarms, read,
                                                             clock):  # fmt: skip
    client, name, (topic_arn, url) = aws("lambda"), function("echo"), topic
    alarm = errors_alarm(aws, name, topic_arn)
    client.update_function_configuration(FunctionName=name, Handler="app.fail")
    client.invoke(FunctionName=name, Payload=b"{}")
    alarms.evaluate_once()
    assert state(aws, alarm) == "ALARM"
    clock.advance(60)
    client.update_function_configuration(FunctionName=name, Handler="app.echo")
    client.invoke(FunctionName=name, Payload=b"{}")  # Errors = 0 in the new minute
    alarms.evaluate_once()
    assert state(aws, alarm) == "OK"
    assert [m["NewStateValue"] for _, m in notifications(read, url)] == ["ALARM", "OK"]


def test_missing_data_follows_treat_missing_data(aws, function, topic, alarms, clock):
    name, (topic_arn, _) = function("echo"), topic
    missing = errors_alarm(aws, name, topic_arn)
    not_breaching = errors_alarm(aws, f"{name}-nb", topic_arn, TreatMissingData="notBreaching")
    alarms.evaluate_once()
    assert state(aws, missing) == "INSUFFICIENT_DATA"
    assert state(aws, not_breaching) == "OK"


def test_datapoints_to_alarm_needs_m_of_n_breaching_periods(aws, function, topic, alarms, clock):
    client, name, (topic_arn, _) = aws("lambda"), function("fail"), topic
    alarm = errors_alarm(aws, name, topic_arn, EvaluationPeriods=3, DatapointsToAlarm=2)
    client.invoke(FunctionName=name, Payload=b"{}")
    alarms.evaluate_once()
    assert state(aws, alarm) == "OK"  # 1 of the last 3 minutes breached
    clock.advance(60)
    client.invoke(FunctionName=name, Payload=b"{}")
    alarms.evaluate_once()
    assert state(aws, alarm) == "ALARM"


def test_set_alarm_state_runs_the_actions_and_updates_keep_the_state(aws, function, topic, read):
    cloudwatch, (topic_arn, url) = aws("cloudwatch"), topic
    alarm = errors_alarm(aws, function("echo"), topic_arn)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="testing")
    [(_, message)] = notifications(read, url)
    assert message["NewStateReason"] == "testing" and message["NewStateValue"] == "ALARM"
    config = cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]
    cloudwatch.put_metric_alarm(
        AlarmName=alarm, Namespace=config["Namespace"], MetricName=config["MetricName"],
        Dimensions=config["Dimensions"], Statistic="Sum", Period=60, EvaluationPeriods=1,
        Threshold=5, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic_arn])
    assert state(aws, alarm) == "ALARM"  # "its state is left unchanged"


def test_disabled_actions_change_state_silently(aws, function, topic, alarms, read):
    cloudwatch, (topic_arn, url) = aws("cloudwatch"), topic
    name = function("fail")
    alarm = errors_alarm(aws, name, topic_arn, ActionsEnabled=False)
    aws("lambda").invoke(FunctionName=name, Payload=b"{}")
    alarms.evaluate_once()
    assert state(aws, alarm) == "ALARM" and read.bodies(url) == []
    cloudwatch.delete_alarms(AlarmNames=[alarm])


def test_the_plane_evaluates_in_the_background_and_stops_cleanly(aws, function, topic, alarms):
    name, (topic_arn, _) = function("fail"), topic
    alarm = errors_alarm(aws, name, topic_arn)
    aws("lambda").invoke(FunctionName=name, Payload=b"{}")
    interval, alarms.interval = alarms.interval, 0.01
    alarms.start()
    try:
        deadline = time.monotonic() + 15  # bounded wait for the background thread's first turn
        while time.monotonic() < deadline and state(aws, alarm) != "ALARM":
            time.sleep(0.02)
        assert state(aws, alarm) == "ALARM"
    finally:
        thread = alarms._thread
        alarms.close()
        alarms.interval = interval
    assert thread is not None and not thread.is_alive()
