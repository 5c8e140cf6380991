"""Inventory and teardown of what operating a function creates: CloudWatch alarms, SNS topics and
their subscriptions, and async invoke configs; look-alikes and a learner's own topic survive."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from helpers import ledger
from helpers.teardown import teardown

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"


@pytest.fixture(scope="module")
def aws(empty_account_aws):  # "exactly these resources" needs an empty account to start from
    return empty_account_aws


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def make_function(aws: Any, name: str, role: str, tags: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    client = aws.client("lambda")
    return client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                  Handler="app.handler", Code={"ZipFile": buffer.getvalue()},
                                  Tags=tags)["FunctionArn"]  # fmt: skip


def make_topic(aws: Any, name: str, tags: dict[str, str]) -> str:
    kwargs = {"Tags": tag_list(tags)} if tags else {}
    return aws.client("sns").create_topic(Name=name, **kwargs)["TopicArn"]


def make_alarm(aws: Any, name: str, function: str, topic: str, tags: dict[str, str]) -> None:
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
        Dimensions=[{"Name": "FunctionName", "Value": function}], Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[topic], **({"Tags": tag_list(tags)} if tags else {}),
    )  # fmt: skip


def make_queue(aws: Any, name: str) -> str:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]  # fmt: skip


@pytest.fixture(scope="module")
def world(aws):
    """The workbook's alarm, topic, subscriptions and async configs; and look-alikes."""
    tags, name = aws.tags, aws.name_for("ops")
    role = aws.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": []}), Tags=tag_list(tags))["Role"]["Arn"]  # fmt: skip
    aws.client("iam").put_role_policy(RoleName=f"{name}-role", PolicyName="deliver",
                                      PolicyDocument=json.dumps({"Version": "2012-10-17",
                                      "Statement": [{"Effect": "Allow", "Action": "sns:Publish",
                                                     "Resource": "*"}]}))  # fmt: skip
    function_arn = make_function(aws, f"{name}-fn", role, tags)
    client = aws.client("lambda")
    version = client.publish_version(FunctionName=f"{name}-fn")["Version"]
    client.create_alias(FunctionName=f"{name}-fn", Name="live", FunctionVersion=version)
    queue = make_queue(aws, "learner-inbox")  # not the workbook's: it stays
    topic = make_topic(aws, f"{name}-alerts", tags)
    client.put_function_event_invoke_config(FunctionName=f"{name}-fn", MaximumRetryAttempts=0,
                                            DestinationConfig={"OnFailure": {"Destination": topic}})
    client.put_function_event_invoke_config(FunctionName=f"{name}-fn", Qualifier="live",
                                            MaximumRetryAttempts=1)  # fmt: skip
    sns = aws.client("sns")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)
    learner_topic = make_topic(aws, "learner-news", {})
    sns.subscribe(TopicArn=learner_topic, Protocol="lambda", Endpoint=function_arn)
    sns.subscribe(TopicArn=learner_topic, Protocol="sqs", Endpoint=queue)  # the learner's own
    make_alarm(aws, f"{name}-errors", f"{name}-fn", topic, tags)
    # look-alikes: an untagged workbook- name, a tagged name without the prefix
    decoy_fn = f"{aws.name_for('ops-decoy')}-fn"
    make_function(aws, decoy_fn, role, {})
    client.put_function_event_invoke_config(FunctionName=decoy_fn, MaximumRetryAttempts=0)
    make_topic(aws, aws.name_for("ops-decoy-topic"), {})
    make_topic(aws, "my-workbook-topic", tags)
    make_alarm(aws, aws.name_for("ops-decoy-alarm"), decoy_fn, learner_topic, {})
    make_alarm(aws, "my-workbook-alarm", decoy_fn, learner_topic, tags)
    return {
        ("cloudwatch", "alarm", f"{name}-errors"), ("sns", "topic", f"{name}-alerts"),
        # our topic's own subscriptions go with it; one to our function on another's topic not
        ("sns", "subscription", f"learner-news -> {name}-fn"),
        ("lambda", "event-invoke-config", f"{name}-fn:$LATEST"),
        ("lambda", "event-invoke-config", f"{name}-fn:live"),
        ("lambda", "function", f"{name}-fn"), ("iam", "role", f"{name}-role"),
    }  # fmt: skip


def names(resources: list[ledger.Resource]) -> set[tuple[str, str, str]]:
    return {(r.service, r.kind, r.name) for r in resources}


def test_inventory_finds_the_alarm_topic_subscriptions_and_async_configs(aws, world):
    found = ledger.inventory(aws)
    assert names(found) == world
    how = {(r.kind, r.name): r.recognised_by for r in found}
    assert how[("subscription", "learner-news -> workbook-ops-fn")] == "endpoint"
    assert how[("event-invoke-config", "workbook-ops-fn:live")] == "function"
    kinds = [(r.service, r.kind) for r in found]
    assert kinds.index(("cloudwatch", "alarm")) < kinds.index(("lambda", "function"))
    assert kinds.index(("sns", "subscription")) < kinds.index(("sns", "topic"))
    assert kinds.index(("lambda", "event-invoke-config")) < kinds.index(("lambda", "function"))


def test_teardown_deletes_them_and_spares_the_look_alikes(aws, world):
    report = teardown(aws, say=lambda message: None)
    assert report.ok and not report.failed and names(report.deleted) == world
    alarms = aws.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in alarms) == ["my-workbook-alarm",
                                                      "workbook-ops-decoy-alarm"]  # fmt: skip
    topics = sorted(t["TopicArn"].rsplit(":", 1)[-1]
                    for t in aws.client("sns").list_topics()["Topics"])  # fmt: skip
    assert topics == ["learner-news", "my-workbook-topic", "workbook-ops-decoy-topic"]
    left = aws.client("sns").list_subscriptions()["Subscriptions"]
    assert [(s["TopicArn"].rsplit(":", 1)[-1], s["Protocol"]) for s in left] == [
        ("learner-news", "sqs")]  # fmt: skip
    configs = aws.client("lambda").list_function_event_invoke_configs(
        FunctionName="workbook-ops-decoy-fn")["FunctionEventInvokeConfigs"]
    assert len(configs) == 1
    again = teardown(aws, say=lambda message: None)
    assert again.ok and again.deleted == []
