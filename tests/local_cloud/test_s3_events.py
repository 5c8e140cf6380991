"""S3 event notifications run the function, asynchronously, with AWS's record shape; S3 refuses
a Lambda destination whose resource policy does not let s3.amazonaws.com invoke it."""

import pytest
from botocore.exceptions import ClientError

# Record keys of AWS's sample S3 events (aws-sam-cli generated_sample_events/events/s3, and
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
RECORD_KEYS = {"eventVersion", "eventSource", "awsRegion", "eventTime", "eventName",
               "userIdentity", "requestParameters", "responseElements", "s3"}
S3_KEYS = {"s3SchemaVersion", "configurationId", "bucket", "object"}
BUCKET_KEYS = {"name", "ownerIdentity", "arn"}


def allow_s3(triggers, function_arn, bucket, statement_id="s3"):
    triggers.client("lambda").add_permission(
        FunctionName=function_arn, StatementId=statement_id, Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}",
        SourceAccount="123456789012")


def notify(triggers, bucket, function_arn, events, **filters):
    config = {"Id": "uploads", "LambdaFunctionArn": function_arn, "Events": events}
    if filters:
        config["Filter"] = {"Key": {"FilterRules": [
            {"Name": name, "Value": value} for name, value in filters.items()]}}
    triggers.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]})


def test_configuration_is_refused_without_a_permission_for_s3(triggers):
    arn = triggers.function("s3-unpermitted")
    triggers.client("s3").create_bucket(Bucket="s3-unpermitted")
    with pytest.raises(ClientError) as refused:
        notify(triggers, "s3-unpermitted", arn, ["s3:ObjectCreated:*"])
    error = refused.value.response["Error"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentValue1"] == f"Not authorized to invoke function [{arn}]"
    stored = triggers.client("s3").get_bucket_notification_configuration(Bucket="s3-unpermitted")
    assert "LambdaFunctionConfigurations" not in stored


def test_a_permission_for_another_bucket_does_not_count(triggers):
    arn = triggers.function("s3-other-bucket")
    triggers.client("s3").create_bucket(Bucket="s3-other-bucket")
    allow_s3(triggers, arn, "someone-elses-bucket")
    with pytest.raises(ClientError, match="Unable to validate"):
        notify(triggers, "s3-other-bucket", arn, ["s3:ObjectCreated:*"])


def test_skipping_destination_validation_is_accepted_as_on_aws(triggers):
    arn = triggers.function("s3-skip")
    triggers.client("s3").create_bucket(Bucket="s3-skip")
    triggers.client("s3").put_bucket_notification_configuration(
        Bucket="s3-skip", SkipDestinationValidation=True, NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn,
                                              "Events": ["s3:ObjectCreated:*"]}]})
    stored = triggers.client("s3").get_bucket_notification_configuration(Bucket="s3-skip")
    assert stored["LambdaFunctionConfigurations"][0]["LambdaFunctionArn"] == arn


def test_object_created_runs_the_function_for_matching_keys_only(triggers):
    s3 = triggers.client("s3")
    arn = triggers.function("s3-created")
    s3.create_bucket(Bucket="s3-created")
    allow_s3(triggers, arn, "s3-created")
    notify(triggers, "s3-created", arn, ["s3:ObjectCreated:*"], prefix="uploads/", suffix=".csv")
    s3.put_object(Bucket="s3-created", Key="other/skipped.csv", Body=b"x")
    s3.put_object(Bucket="s3-created", Key="uploads/skipped.txt", Body=b"x")
    s3.put_object(Bucket="s3-created", Key="uploads/guest book.csv", Body=b"name,text\n")
    [event] = triggers.wait_for_events("s3-created", 1)
    [record] = event["Records"]
    assert set(record) == RECORD_KEYS and set(record["s3"]) == S3_KEYS
    assert set(record["s3"]["bucket"]) == BUCKET_KEYS
    assert record["eventName"] == "ObjectCreated:Put" and record["eventSource"] == "aws:s3"
    assert record["s3"]["configurationId"] == "uploads"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::s3-created"
    obj = record["s3"]["object"]
    assert obj["key"] == "uploads/guest+book.csv"  # URL-encoded, as S3 sends keys
    assert obj["size"] == 10 and set(obj) == {"key", "size", "eTag", "sequencer"}
    assert record["eventTime"] == "2026-01-01T00:00:00.000Z"  # the cloud's (fake) clock


def test_object_removed_carries_no_size_or_etag(triggers):
    s3 = triggers.client("s3")
    arn = triggers.function("s3-removed")
    s3.create_bucket(Bucket="s3-removed")
    allow_s3(triggers, arn, "s3-removed")
    s3.put_object(Bucket="s3-removed", Key="old.csv", Body=b"x")
    notify(triggers, "s3-removed", arn, ["s3:ObjectRemoved:*"])
    s3.delete_object(Bucket="s3-removed", Key="old.csv")
    [event] = triggers.wait_for_events("s3-removed", 1)
    record = event["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert set(record["s3"]["object"]) == {"key", "sequencer"}


def test_an_event_is_dropped_when_the_permission_is_taken_away(triggers):
    s3, lam = triggers.client("s3"), triggers.client("lambda")
    arn = triggers.function("s3-revoked")
    s3.create_bucket(Bucket="s3-revoked")
    allow_s3(triggers, arn, "s3-revoked")
    notify(triggers, "s3-revoked", arn, ["s3:ObjectCreated:*"])
    lam.remove_permission(FunctionName=arn, StatementId="s3")
    s3.put_object(Bucket="s3-revoked", Key="a.csv", Body=b"x")
    allow_s3(triggers, arn, "s3-revoked", statement_id="again")
    s3.put_object(Bucket="s3-revoked", Key="b.csv", Body=b"x")
    events = triggers.wait_for_events("s3-revoked", 1)
    assert [e["Records"][0]["s3"]["object"]["key"] for e in events] == ["b.csv"]


def test_deleting_from_a_versioned_bucket_reports_the_delete_marker(triggers):
    s3 = triggers.client("s3")
    arn = triggers.function("s3-versioned")
    s3.create_bucket(Bucket="s3-versioned")
    s3.put_bucket_versioning(Bucket="s3-versioned",
                             VersioningConfiguration={"Status": "Enabled"})
    allow_s3(triggers, arn, "s3-versioned")
    s3.put_object(Bucket="s3-versioned", Key="kept.csv", Body=b"x")
    notify(triggers, "s3-versioned", arn, ["s3:ObjectRemoved:*"])
    marker = s3.delete_object(Bucket="s3-versioned", Key="kept.csv")["VersionId"]
    [event] = triggers.wait_for_events("s3-versioned", 1)
    record = event["Records"][0]
    assert record["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert record["s3"]["object"]["versionId"] == marker
    assert set(record["s3"]["object"]) == {"key", "versionId", "sequencer"}
