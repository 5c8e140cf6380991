"""The ledger and teardown know the triggers' kinds: queues, topics, subscriptions, rules and
event source mappings the workbook made, and nothing that only looks like them."""

import io
import json
import zipfile

import pytest

from helpers import event_resources, ledger
from helpers.teardown import teardown

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
SQS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"
EVENT_KINDS = set(event_resources.KINDS)


@pytest.fixture(scope="module")
def aws(empty_account_aws):
    return empty_account_aws


def tag_list(tags):
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def function(aws, name, role, tags):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return aws.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()}, Tags=tags)["FunctionArn"]


def queue(aws, name, tags):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name, tags=tags)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]


def subscribe(aws, topic, function_arn):
    aws.client("lambda").add_permission(
        FunctionName=function_arn, StatementId=f"sns-{topic.rsplit(':', 1)[-1]}",
        Action="lambda:InvokeFunction", Principal="sns.amazonaws.com", SourceArn=topic)
    aws.client("sns").subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn)


@pytest.fixture(scope="module")
def world(aws):
    """Ours, made the workbook way, and look-alikes; returns what the inventory must list."""
    iam, lam, sns, events = (aws.client(s) for s in ("iam", "lambda", "sns", "events"))
    tags = aws.tags
    role = iam.create_role(RoleName="workbook-ev-role", AssumeRolePolicyDocument=TRUST,
                           Tags=tag_list(tags))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="workbook-ev-role", PolicyArn=SQS_POLICY)
    ours = function(aws, "workbook-ev-fn", role, tags)
    decoy_fn = function(aws, "workbook-ev-decoy-fn", role, {})  # untagged: not ours
    gone = function(aws, "workbook-ev-gone", role, tags)
    our_queue = queue(aws, "workbook-ev-queue", tags)
    decoy_queue = queue(aws, "workbook-ev-decoy-queue", {})
    queue(aws, "my-workbook-ev-queue", tags)
    lam.create_event_source_mapping(EventSourceArn=our_queue, FunctionName=ours)
    lam.create_event_source_mapping(EventSourceArn=decoy_queue, FunctionName=decoy_fn)
    lam.create_event_source_mapping(EventSourceArn=decoy_queue, FunctionName=gone)
    lam.delete_function(FunctionName="workbook-ev-gone")  # its mapping stays behind, as on AWS
    topic = sns.create_topic(Name="workbook-ev-topic", Tags=tag_list(tags))["TopicArn"]
    learner_topic = sns.create_topic(Name="learner-topic")["TopicArn"]
    sns.create_topic(Name="workbook-ev-decoy-topic")
    subscribe(aws, topic, ours)
    subscribe(aws, learner_topic, ours)
    subscribe(aws, learner_topic, decoy_fn)
    events.put_rule(Name="workbook-ev-rule", ScheduleExpression="rate(1 day)",
                    Tags=tag_list(tags))
    events.put_targets(Rule="workbook-ev-rule", Targets=[{"Id": "fn", "Arn": ours}])
    events.put_rule(Name="workbook-ev-decoy-rule", ScheduleExpression="rate(1 day)")
    return {
        ("sqs", "queue", "workbook-ev-queue"), ("sns", "topic", "workbook-ev-topic"),
        ("sns", "subscription", "learner-topic -> workbook-ev-fn"),
        ("events", "rule", "workbook-ev-rule"),
        ("lambda", "event-source-mapping", "workbook-ev-queue -> workbook-ev-fn"),
        ("lambda", "event-source-mapping", "workbook-ev-decoy-queue -> workbook-ev-gone"),
    }


def test_inventory_lists_exactly_the_workbooks_trigger_resources(aws, world):
    found = ledger.inventory(aws)
    listed = {(r.service, r.kind, r.name) for r in found if (r.service, r.kind) in EVENT_KINDS}
    assert listed == world
    kinds = [(r.service, r.kind) for r in found]
    assert kinds.index(("events", "rule")) < kinds.index(("lambda", "function"))
    assert kinds.index(("lambda", "event-source-mapping")) < kinds.index(("sqs", "queue"))


def test_teardown_deletes_them_and_leaves_the_look_alikes(aws, world):
    report = teardown(aws, say=lambda message: None)
    assert report.ok and not report.failed
    sqs, sns, events, lam = (aws.client(s) for s in ("sqs", "sns", "events", "lambda"))
    queues = {url.rsplit("/", 1)[-1] for url in sqs.list_queues().get("QueueUrls", [])}
    assert queues == {"workbook-ev-decoy-queue", "my-workbook-ev-queue"}
    topics = {t["TopicArn"].rsplit(":", 1)[-1] for t in sns.list_topics()["Topics"]}
    assert topics == {"learner-topic", "workbook-ev-decoy-topic"}
    endpoints = [s["Endpoint"].rsplit(":", 1)[-1] for s in sns.list_subscriptions()["Subscriptions"]]
    assert endpoints == ["workbook-ev-decoy-fn"]  # the learner's other subscription stays
    assert [r["Name"] for r in events.list_rules()["Rules"]] == ["workbook-ev-decoy-rule"]
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    assert [m["FunctionArn"].rsplit(":", 1)[-1] for m in mappings] == ["workbook-ev-decoy-fn"]
