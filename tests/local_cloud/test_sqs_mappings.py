"""SQS event source mappings: the poller hands batches to the function, deletes what succeeded,
lets failures come back after the visibility timeout, and moto's redrive policy sends poison
messages to the DLQ. The clock is fake: the tests move it instead of waiting."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud.planes.event_source_mappings import EventSourceMappingsPlane

# Record keys of AWS's sample SQS event (aws-sam-cli generated_sample_events/events/sqs/Sqs.json).
RECORD_KEYS = {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
               "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}
ATTRIBUTE_KEYS = {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                  "ApproximateFirstReceiveTimestamp"}
SQS_POLICY = {"Effect": "Allow", "Resource": "*",
              "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}


@pytest.fixture
def mappings(triggers):
    """Creates mappings through boto3 and deletes them after the test."""
    created = []

    def create(**spec):
        uuid = triggers.client("lambda").create_event_source_mapping(**spec)["UUID"]
        created.append(uuid)
        return uuid

    yield create
    for uuid in created:
        triggers.client("lambda").delete_event_source_mapping(UUID=uuid)


def queue(triggers, name, **attributes):
    sqs = triggers.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})
    url = url["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def counts(triggers, url):
    attributes = triggers.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def poll(triggers):
    return triggers.plane(EventSourceMappingsPlane).poll_once()


def bodies(event):
    return [record["body"] for record in event["Records"]]


def refusal(triggers, **spec):
    with pytest.raises(ClientError) as refused:
        triggers.client("lambda").create_event_source_mapping(**spec)
    return refused.value.response["Error"]


# -- what CreateEventSourceMapping refuses, as AWS does --------------------------------------


def test_a_role_without_sqs_permissions_is_refused_at_create(triggers):
    _, arn = queue(triggers, "sqs-no-permissions")
    function = triggers.function("sqs-no-permissions")
    error = refusal(triggers, EventSourceArn=arn, FunctionName=function)
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == ("The provided execution role does not have permissions to call "
                                "ReceiveMessage on SQS")


def test_the_refusal_names_the_first_missing_action(triggers):
    _, arn = queue(triggers, "sqs-receive-only")
    role = triggers.role("sqs-receive-only-role", {"Effect": "Allow", "Resource": arn,
                                                   "Action": "sqs:ReceiveMessage"})
    function = triggers.function("sqs-receive-only", role=role)
    error = refusal(triggers, EventSourceArn=arn, FunctionName=function)
    assert error["Message"].endswith("to call DeleteMessage on SQS")


def test_the_aws_managed_sqs_policy_is_enough(triggers, mappings):
    _, arn = queue(triggers, "sqs-managed-policy")
    role = triggers.role("sqs-managed-policy-role")
    triggers.client("iam").attach_role_policy(
        RoleName="sqs-managed-policy-role",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
    function = triggers.function("sqs-managed-policy", role=role)
    assert mappings(EventSourceArn=arn, FunctionName=function)


def test_a_visibility_timeout_shorter_than_the_function_timeout_is_refused(triggers):
    _, arn = queue(triggers, "sqs-short-visibility", VisibilityTimeout=30)
    role = triggers.role("sqs-short-visibility-role", SQS_POLICY)
    function = triggers.function("sqs-short-visibility", role=role, timeout=60)
    error = refusal(triggers, EventSourceArn=arn, FunctionName=function)
    assert error["Message"] == ("Queue visibility timeout: 30 seconds is less than Function "
                                "timeout: 60 seconds")


def test_more_than_ten_messages_per_batch_need_a_batching_window(triggers):
    _, arn = queue(triggers, "sqs-big-batch")
    function = triggers.function("sqs-big-batch",
                                 role=triggers.role("sqs-big-batch-role", SQS_POLICY))
    error = refusal(triggers, EventSourceArn=arn, FunctionName=function, BatchSize=20)
    assert error["Message"] == ("Maximum batch window in seconds must be greater than 0 if "
                                "maximum batch size is greater than 10")


def test_a_second_mapping_of_the_same_queue_and_function_conflicts(triggers, mappings):
    _, arn = queue(triggers, "sqs-twice")
    function = triggers.function("sqs-twice", role=triggers.role("sqs-twice-role", SQS_POLICY))
    uuid = mappings(EventSourceArn=arn, FunctionName=function)
    error = refusal(triggers, EventSourceArn=arn, FunctionName=function)
    assert error["Code"] == "ResourceConflictException" and uuid in error["Message"]


# -- what the poller does ------------------------------------------------------------------------


def worker(triggers, mappings, name, handler="record", queue_attributes=None, **spec):
    url, arn = queue(triggers, name, **(queue_attributes or {}))
    function = triggers.function(name, handler,
                                 role=triggers.role(f"{name}-role", SQS_POLICY))  # fmt: skip
    uuid = mappings(EventSourceArn=arn, FunctionName=function, **spec)
    return url, arn, uuid


def send(triggers, url, *bodies_to_send):
    for body in bodies_to_send:
        triggers.client("sqs").send_message(QueueUrl=url, MessageBody=body)


def test_a_batch_reaches_the_function_and_leaves_the_queue(triggers, mappings):
    url, arn, _ = worker(triggers, mappings, "sqs-happy")
    triggers.client("sqs").send_message(QueueUrl=url, MessageBody="one", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "guestbook"}})
    send(triggers, url, "two", "three")
    poll(triggers)
    [event] = triggers.events_seen("sqs-happy")
    assert bodies(event) == ["one", "two", "three"]
    record = event["Records"][0]
    assert set(record) == RECORD_KEYS and set(record["attributes"]) == ATTRIBUTE_KEYS
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "guestbook", "stringListValues": [], "binaryListValues": [],
        "dataType": "String"}
    assert counts(triggers, url) == (0, 0)  # deleted on success


def test_batch_size_splits_the_messages(triggers, mappings):
    url, _, _ = worker(triggers, mappings, "sqs-batches", BatchSize=2)
    send(triggers, url, "a", "b", "c")
    poll(triggers)
    poll(triggers)
    assert [bodies(e) for e in triggers.events_seen("sqs-batches")] == [["a", "b"], ["c"]]


def test_the_batching_window_waits_for_a_full_batch(triggers, mappings):
    url, _, _ = worker(triggers, mappings, "sqs-window", BatchSize=5,
                       MaximumBatchingWindowInSeconds=10)
    send(triggers, url, "a", "b")
    poll(triggers)
    assert triggers.events_seen("sqs-window") == []  # gathering, up to 10 s
    triggers.clock.advance(10)
    poll(triggers)
    assert [bodies(e) for e in triggers.events_seen("sqs-window")] == [["a", "b"]]


def test_a_disabled_mapping_leaves_messages_in_the_queue(triggers, mappings):
    url, _, uuid = worker(triggers, mappings, "sqs-disabled")
    lam = triggers.client("lambda")
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] == "Disabled"
    send(triggers, url, "waiting")
    poll(triggers)
    assert triggers.events_seen("sqs-disabled") == [] and counts(triggers, url) == (1, 0)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    poll(triggers)
    assert [bodies(e) for e in triggers.events_seen("sqs-disabled")] == [["waiting"]]


def test_a_failed_batch_returns_after_the_visibility_timeout(triggers, mappings):
    url, _, _ = worker(triggers, mappings, "sqs-fails", "fail",
                       queue_attributes={"VisibilityTimeout": 30})
    send(triggers, url, "try me")
    poll(triggers)
    assert counts(triggers, url) == (0, 1)  # in flight until the visibility timeout
    poll(triggers)
    assert len(triggers.events_seen("sqs-fails")) == 1
    triggers.clock.advance(31)
    poll(triggers)
    first, second = triggers.events_seen("sqs-fails")
    assert bodies(second) == ["try me"]
    assert second["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"


def test_reported_item_failures_retry_only_those_items(triggers, mappings):
    url, _, _ = worker(triggers, mappings, "sqs-partial", "fail_bodies",
                       FunctionResponseTypes=["ReportBatchItemFailures"])
    send(triggers, url, "good 1", "bad 1", "good 2")
    poll(triggers)
    assert counts(triggers, url) == (0, 1)  # the two good ones are deleted
    triggers.clock.advance(31)
    poll(triggers)
    assert [bodies(e) for e in triggers.events_seen("sqs-partial")] == [
        ["good 1", "bad 1", "good 2"], ["bad 1"]]


def test_without_report_batch_item_failures_a_report_is_ignored(triggers, mappings):
    url, _, _ = worker(triggers, mappings, "sqs-no-report", "fail_bodies")
    send(triggers, url, "good", "bad")
    poll(triggers)
    assert counts(triggers, url) == (0, 0)  # a successful invocation deletes the batch


def test_a_poison_message_moves_to_the_dlq_after_max_receive_count(triggers, mappings):
    dlq_url, dlq_arn = queue(triggers, "sqs-poison-dlq")
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url, _, _ = worker(triggers, mappings, "sqs-poison", "fail",
                       queue_attributes={"RedrivePolicy": redrive})
    send(triggers, url, "poison")
    for _ in range(3):
        poll(triggers)
        triggers.clock.advance(31)
    assert len(triggers.events_seen("sqs-poison")) == 2  # received twice, then redriven
    assert counts(triggers, url) == (0, 0)
    moved = triggers.client("sqs").receive_message(QueueUrl=dlq_url)["Messages"]
    assert [m["Body"] for m in moved] == ["poison"]
