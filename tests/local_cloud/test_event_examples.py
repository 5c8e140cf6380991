"""The four trigger examples, deployed to the local cloud and driven through their triggers,
as notebook 13 does: an upload, a queue with a poison message, a schedule, a change feed."""

import json
import time

from helpers import packaging
from helpers.display import example_path
from helpers.local_cloud.planes.event_source_mappings import EventSourceMappingsPlane
from helpers.local_cloud.planes.eventbridge import EventBridgePlane

ALLOW_ALL = {"Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*"], "Resource": "*"}


def guestbook_table(triggers, name, stream=False):
    spec = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}]}
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    return triggers.client("dynamodb").create_table(**spec)["TableDescription"]


def deploy(triggers, example, handler, table):
    package = packaging.build_zip(example_path(example))
    role = triggers.role(f"{example}-example-role", ALLOW_ALL)
    return triggers.client("lambda").create_function(
        FunctionName=f"{example}-example", Runtime="python3.12", Role=role, Handler=handler,
        Code={"ZipFile": package.zip_bytes}, Environment={"Variables": {"TABLE_NAME": table}},
        Timeout=10)["FunctionArn"]


def messages(triggers, table):
    items = triggers.client("dynamodb").query(
        TableName=table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})["Items"]
    return sorted(item["name"]["S"] for item in items)


def eventually(read, expected, timeout=20.0):
    """Asynchronous invocations finish on their own thread: wait for the work, not a clock."""
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def post(triggers, table, name, created_at):
    triggers.client("dynamodb").put_item(TableName=table, Item={
        "pk": {"S": "MESSAGES"}, "sk": {"S": f"{created_at}#{name}"}, "id": {"S": name},
        "name": {"S": name}, "text": {"S": "hi"}, "created_at": {"S": created_at}})


def poll_until_quiet(triggers):
    plane = triggers.plane(EventSourceMappingsPlane)
    while plane.poll_once():
        pass


def test_an_uploaded_csv_becomes_guestbook_messages(triggers):
    guestbook_table(triggers, "example-uploads-table")
    arn = deploy(triggers, "s3_upload_import", "s3_upload_import.handler",
                 "example-uploads-table")
    s3 = triggers.client("s3")
    s3.create_bucket(Bucket="example-uploads")
    triggers.client("lambda").add_permission(
        FunctionName=arn, StatementId="s3", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::example-uploads")
    s3.put_bucket_notification_configuration(Bucket="example-uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                                          "Filter": {"Key": {"FilterRules": [
                                              {"Name": "suffix", "Value": ".csv"}]}}}]})
    s3.put_object(Bucket="example-uploads", Key="imports/entries.csv",
                  Body=b"name,text\nAda,first\nGrace,second\n")
    assert eventually(lambda: messages(triggers, "example-uploads-table"),
                      ["Ada", "Grace"]) == ["Ada", "Grace"]


def test_a_poison_message_ends_in_the_dead_letter_queue(triggers):
    sqs = triggers.client("sqs")
    dlq = sqs.create_queue(QueueName="example-submissions-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
    url = sqs.create_queue(QueueName="example-submissions", Attributes={
        "VisibilityTimeout": "60", "RedrivePolicy": json.dumps({
            "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 2})})
    queue_arn = sqs.get_queue_attributes(QueueUrl=url["QueueUrl"], AttributeNames=["QueueArn"])
    guestbook_table(triggers, "example-queue-table")
    arn = deploy(triggers, "queue_worker", "queue_worker.handler", "example-queue-table")
    mapping = triggers.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn["Attributes"]["QueueArn"], FunctionName=arn,
        FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=json.dumps({"name": "Ada",
                                                                       "text": "hello"}))
    sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody="not json: a poison message")
    for _ in range(3):
        poll_until_quiet(triggers)
        triggers.clock.advance(61)  # past the visibility timeout
    assert messages(triggers, "example-queue-table") == ["Ada"]
    moved = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert [m["Body"] for m in moved] == ["not json: a poison message"]
    triggers.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])


def test_the_nightly_schedule_deletes_old_messages(triggers):
    guestbook_table(triggers, "example-nightly-table")
    post(triggers, "example-nightly-table", "old", "2025-11-01T00:00:00.000000Z")
    post(triggers, "example-nightly-table", "recent", "2025-12-31T00:00:00.000000Z")
    arn = deploy(triggers, "nightly_cleanup", "nightly_cleanup.handler",
                 "example-nightly-table")
    events = triggers.client("events")
    rule = events.put_rule(Name="example-nightly", ScheduleExpression="cron(0 3 * * ? *)")
    triggers.client("lambda").add_permission(
        FunctionName=arn, StatementId="nightly", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=rule["RuleArn"])
    events.put_targets(Rule="example-nightly", Targets=[{"Id": "cleanup", "Arn": arn}])
    plane = triggers.plane(EventBridgePlane)
    plane.tick()
    now = triggers.clock.time()
    triggers.clock.advance(86400 - now % 86400 + 3 * 3600)  # 03:00 UTC, the next night
    assert plane.tick() == 1
    assert eventually(lambda: messages(triggers, "example-nightly-table"),
                      ["recent"]) == ["recent"]
    events.remove_targets(Rule="example-nightly", Ids=["cleanup"])
    events.delete_rule(Name="example-nightly")


def test_the_tables_stream_keeps_a_message_count(triggers):
    stream = guestbook_table(triggers, "example-feed-table", stream=True)["LatestStreamArn"]
    arn = deploy(triggers, "message_counter", "message_counter.handler", "example-feed-table")
    mapping = triggers.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName=arn, StartingPosition="LATEST")
    for second, name in enumerate(("a", "b", "c")):
        post(triggers, "example-feed-table", name, f"2026-01-01T00:00:0{second}.000000Z")
    triggers.client("dynamodb").delete_item(TableName="example-feed-table", Key={
        "pk": {"S": "MESSAGES"}, "sk": {"S": "2026-01-01T00:00:00.000000Z#a"}})
    poll_until_quiet(triggers)  # ends: the count's own updates are ignored, no feedback loop
    count = triggers.client("dynamodb").get_item(TableName="example-feed-table", Key={
        "pk": {"S": "STATS"}, "sk": {"S": "MESSAGE_COUNT"}})["Item"]["count"]["N"]
    assert int(count) == 2
    triggers.client("lambda").delete_event_source_mapping(UUID=mapping["UUID"])
