"""DynamoDB Streams mappings: the function sees INSERT, MODIFY and REMOVE records with the
images the stream's view type keeps, in order, from TRIM_HORIZON or LATEST; a failed batch
holds the shard until it succeeds or its retries run out."""

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud.planes.event_source_mappings import EventSourceMappingsPlane

# Keys of AWS's sample stream event (aws-sam-cli generated_sample_events/events/dynamodb/
# DynamoDBUpdate.json).
RECORD_KEYS = {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
               "eventSourceARN"}
STREAM_KEYS = {"Keys", "ApproximateCreationDateTime", "SequenceNumber", "SizeBytes",
               "StreamViewType"}
STREAM_POLICY = {"Effect": "Allow", "Resource": "*", "Action": [
    "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
    "dynamodb:ListStreams"]}


def table(triggers, name, view="NEW_AND_OLD_IMAGES"):
    described = triggers.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return described["TableDescription"]["LatestStreamArn"]


def put(triggers, name, pk, **attributes):
    item = {"pk": {"S": pk}, **{k: {"S": v} for k, v in attributes.items()}}
    triggers.client("dynamodb").put_item(TableName=name, Item=item)


def poll_until_quiet(triggers):
    plane = triggers.plane(EventSourceMappingsPlane)
    while plane.poll_once():
        pass


@pytest.fixture
def feed(triggers):
    """feed(name, handler="record", view=..., **mapping) -> stream ARN; mapping deleted after."""
    created = []

    def make(name, handler="record", view="NEW_AND_OLD_IMAGES", before=(), **spec):
        stream = table(triggers, name, view)
        for pk in before:
            put(triggers, name, pk)
        function = triggers.function(name, handler,
                                     role=triggers.role(f"{name}-role", STREAM_POLICY))
        spec.setdefault("StartingPosition", "TRIM_HORIZON")
        created.append(triggers.client("lambda").create_event_source_mapping(
            EventSourceArn=stream, FunctionName=function, **spec)["UUID"])
        return stream

    yield make
    for uuid in created:
        triggers.client("lambda").delete_event_source_mapping(UUID=uuid)


def records(triggers, name):
    return [r for event in triggers.events_seen(name) for r in event["Records"]]


def test_a_role_that_cannot_read_the_stream_is_refused(triggers):
    stream = table(triggers, "ddb-no-permissions")
    function = triggers.function("ddb-no-permissions")
    with pytest.raises(ClientError) as refused:
        triggers.client("lambda").create_event_source_mapping(
            EventSourceArn=stream, FunctionName=function, StartingPosition="LATEST")
    assert refused.value.response["Error"]["Message"] == (
        f"Cannot access stream {stream}. Please ensure the role can perform the GetRecords, "
        "GetShardIterator, DescribeStream, and ListStreams Actions on your stream in IAM.")


def test_a_stream_mapping_needs_a_starting_position(triggers):
    stream = table(triggers, "ddb-no-position")
    function = triggers.function("ddb-no-position",
                                 role=triggers.role("ddb-no-position-role", STREAM_POLICY))
    with pytest.raises(ClientError, match="Value null at 'startingPosition'"):
        triggers.client("lambda").create_event_source_mapping(EventSourceArn=stream,
                                                              FunctionName=function)


def test_insert_modify_remove_arrive_in_order_with_both_images(triggers, feed):
    stream = feed("ddb-changes")
    put(triggers, "ddb-changes", "m1", text="hello")
    put(triggers, "ddb-changes", "m1", text="hello, world")
    triggers.client("dynamodb").delete_item(TableName="ddb-changes", Key={"pk": {"S": "m1"}})
    poll_until_quiet(triggers)
    insert, modify, remove = records(triggers, "ddb-changes")
    assert [r["eventName"] for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    assert set(insert) == RECORD_KEYS and insert["eventSourceARN"] == stream
    assert insert["eventVersion"] == "1.1" and insert["eventSource"] == "aws:dynamodb"
    assert set(insert["dynamodb"]) == STREAM_KEYS | {"NewImage"}
    assert set(modify["dynamodb"]) == STREAM_KEYS | {"NewImage", "OldImage"}
    assert set(remove["dynamodb"]) == STREAM_KEYS | {"OldImage"}
    assert modify["dynamodb"]["OldImage"]["text"] == {"S": "hello"}
    assert modify["dynamodb"]["NewImage"]["text"] == {"S": "hello, world"}
    assert insert["dynamodb"]["Keys"] == {"pk": {"S": "m1"}}
    assert isinstance(insert["dynamodb"]["ApproximateCreationDateTime"], int)
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in (insert, modify, remove)]
    assert numbers == sorted(numbers)


def test_keys_only_streams_carry_no_images(triggers, feed):
    feed("ddb-keys-only", view="KEYS_ONLY")
    put(triggers, "ddb-keys-only", "k1", text="secret")
    poll_until_quiet(triggers)
    [record] = records(triggers, "ddb-keys-only")
    assert set(record["dynamodb"]) == STREAM_KEYS
    assert record["dynamodb"]["StreamViewType"] == "KEYS_ONLY"


def test_trim_horizon_reads_from_the_start_and_latest_only_what_comes_next(triggers, feed):
    feed("ddb-horizon", before=["old"], StartingPosition="TRIM_HORIZON")
    feed("ddb-latest", before=["old"], StartingPosition="LATEST")
    put(triggers, "ddb-horizon", "new")
    put(triggers, "ddb-latest", "new")
    poll_until_quiet(triggers)
    keys = lambda name: [r["dynamodb"]["Keys"]["pk"]["S"] for r in records(triggers, name)]  # noqa: E731
    assert keys("ddb-horizon") == ["old", "new"]
    assert keys("ddb-latest") == ["new"]


def test_batches_follow_the_shard_order(triggers, feed):
    feed("ddb-order", BatchSize=2)
    for pk in "abcde":
        put(triggers, "ddb-order", pk)
    poll_until_quiet(triggers)
    batches = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
               for e in triggers.events_seen("ddb-order")]
    assert batches == [["a", "b"], ["c", "d"], ["e"]]


def test_a_failed_batch_is_retried_until_its_retries_run_out(triggers, feed):
    feed("ddb-failing", "fail", MaximumRetryAttempts=1)
    put(triggers, "ddb-failing", "x")
    poll_until_quiet(triggers)
    assert len(triggers.events_seen("ddb-failing")) == 1
    triggers.clock.advance(1)  # the retry waits a backoff
    poll_until_quiet(triggers)
    put(triggers, "ddb-failing", "y")
    triggers.clock.advance(2)
    poll_until_quiet(triggers)
    keys = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
            for e in triggers.events_seen("ddb-failing")]
    assert keys == [["x"], ["x"], ["y"]]  # tried, retried once, then the shard moved on


def test_reported_failures_resume_from_the_first_failed_record(triggers, feed):
    feed("ddb-partial", "fail_stream_items", MaximumRetryAttempts=1,
         FunctionResponseTypes=["ReportBatchItemFailures"])
    for pk, text in (("1", "good"), ("2", "bad"), ("3", "good")):
        put(triggers, "ddb-partial", pk, text=text)
    poll_until_quiet(triggers)
    triggers.clock.advance(1)
    poll_until_quiet(triggers)
    keys = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]]
            for e in triggers.events_seen("ddb-partial")]
    assert keys == [["1", "2", "3"], ["2", "3"]]


# Keys of AWS's sample Kinesis event (aws-sam-cli generated_sample_events/events/kinesis/).
KINESIS_RECORD_KEYS = {"kinesis", "eventSource", "eventID", "invokeIdentityArn", "eventVersion",
                       "eventName", "eventSourceARN", "awsRegion"}
KINESIS_KEYS = {"partitionKey", "kinesisSchemaVersion", "data", "sequenceNumber",
                "approximateArrivalTimestamp"}


def test_kinesis_shards_are_read_in_order_one_shard_per_batch(triggers):
    import base64

    kinesis, lam = triggers.client("kinesis"), triggers.client("lambda")
    kinesis.create_stream(StreamName="kinesis-clicks", ShardCount=2)
    stream = kinesis.describe_stream(StreamName="kinesis-clicks")["StreamDescription"]["StreamARN"]
    role = triggers.role("kinesis-clicks-role", {"Effect": "Allow", "Resource": "*", "Action": [
        "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
        "kinesis:ListStreams"]})
    function = triggers.function("kinesis-clicks", role=role)
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=function,
                                           StartingPosition="TRIM_HORIZON")["UUID"]
    written = {}
    for number in range(8):
        key = f"visitor-{number % 4}"
        shard = kinesis.put_record(StreamName="kinesis-clicks", PartitionKey=key,
                                   Data=f"click {number}".encode())["ShardId"]
        written.setdefault(shard, []).append(f"click {number}")
    poll_until_quiet(triggers)
    received = {}
    for event in triggers.events_seen("kinesis-clicks"):
        shards = {r["eventID"].split(":")[0] for r in event["Records"]}
        assert len(shards) == 1  # a batch never mixes shards
        received.setdefault(shards.pop(), []).extend(
            base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"])
    assert received == written  # every record, in each shard's order
    record = triggers.events_seen("kinesis-clicks")[0]["Records"][0]
    assert set(record) == KINESIS_RECORD_KEYS and set(record["kinesis"]) == KINESIS_KEYS
    assert record["invokeIdentityArn"] == role and record["eventSourceARN"] == stream
    lam.delete_event_source_mapping(UUID=uuid)


def test_a_kinesis_mapping_needs_read_permissions(triggers):
    kinesis = triggers.client("kinesis")
    kinesis.create_stream(StreamName="kinesis-locked", ShardCount=1)
    stream = kinesis.describe_stream(StreamName="kinesis-locked")["StreamDescription"]["StreamARN"]
    function = triggers.function("kinesis-locked")
    with pytest.raises(ClientError, match=f"Cannot access stream {stream}"):
        triggers.client("lambda").create_event_source_mapping(
            EventSourceArn=stream, FunctionName=function, StartingPosition="LATEST")
