"""The events Lambda receives from each trigger, in the shapes AWS documents.

Plain functions over plain values (no moto, no sockets), so tests compare their keys with AWS's
sample events (``samcli/lib/generated_sample_events/events/`` in aws-sam-cli, and the S3 and
EventBridge user guides). ``s3_notification_event`` takes moto's bucket and key objects, read
for a few public attributes only.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

_sequencer = itertools.count(int(time.time() * 1000) << 16)


def iso_millis(epoch: float) -> str:
    """``2026-01-01T00:00:00.000Z``: S3 and SNS event times."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_seconds(epoch: float) -> str:
    """``2026-01-01T00:00:00Z``: EventBridge event times."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- S3 ---------------------------------------------------------------------------------------


def s3_notification_event(event_name: str, bucket: Any, key: Any, configuration_id: str,
                          now: float | None = None) -> dict[str, Any]:
    """One S3 event notification (``{"Records": [...]}``) for `key` of `bucket`.

    `event_name` is ``s3:ObjectCreated:Put`` and the like. Keys are URL-encoded as S3 does
    (a space becomes ``+``). Removal events carry no size or ETag, as on AWS.
    """
    name = event_name.removeprefix("s3:")
    obj: dict[str, Any] = {"key": quote_plus(key.name, safe="/")}
    if name.startswith("ObjectCreated"):
        obj["size"] = int(key.size)
        obj["eTag"] = str(key.etag).strip('"')
    if getattr(bucket, "is_versioned", False) and str(key.version_id or "null") != "null":
        obj["versionId"] = str(key.version_id)
    obj["sequencer"] = f"{next(_sequencer):018X}"
    account = str(getattr(bucket, "account_id", "") or "")
    return {"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": bucket.region_name,
        "eventTime": iso_millis(time.time() if now is None else now),
        "eventName": name,
        "userIdentity": {"principalId": f"AWS:{account}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": secrets.token_hex(8).upper(),
                             "x-amz-id-2": base64.b64encode(secrets.token_bytes(48)).decode()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {"name": bucket.name, "ownerIdentity": {"principalId": account},
                       "arn": f"arn:aws:s3:::{bucket.name}"},
            "object": obj,
        },
    }]}  # fmt: skip


# -- SQS --------------------------------------------------------------------------------------


def _sqs_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SendMessage's MessageAttributes member as Lambda's record spells it (camelCase)."""
    shaped: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                              "dataType": value.get("DataType", "String")}  # fmt: skip
    if "StringValue" in value:
        shaped["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        binary = value["BinaryValue"]
        shaped["binaryValue"] = (base64.b64encode(binary).decode()
                                 if isinstance(binary, bytes) else binary)  # fmt: skip
    return shaped


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of an SQS event from the fields ``moto_adapter.message_record_fields`` reads."""
    attributes = {
        "ApproximateReceiveCount": str(message["ApproximateReceiveCount"]),
        "SentTimestamp": str(message["SentTimestamp"]),
        "SenderId": str(message["SenderId"]),
        "ApproximateFirstReceiveTimestamp": str(message["ApproximateFirstReceiveTimestamp"]),
    }
    if queue_arn.endswith(".fifo"):
        attributes.update(SequenceNumber=str(message.get("SequenceNumber") or ""),
                          MessageGroupId=str(message.get("MessageGroupId") or ""),
                          MessageDeduplicationId=str(message.get("MessageDeduplicationId") or ""))
    return {
        "messageId": message["messageId"],
        "receiptHandle": message["receiptHandle"],
        "body": message["body"],
        "attributes": attributes,
        "messageAttributes": {name: _sqs_attribute(value)
                              for name, value in message["messageAttributes"].items()},
        "md5OfBody": message["md5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],
    }  # fmt: skip


# -- DynamoDB Streams ---------------------------------------------------------------------------


def dynamodb_record(stored: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """One record of a DynamoDB Streams event from moto's stored record (already JSON)."""
    dynamodb = dict(stored["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, (int, float)):
        dynamodb["ApproximateCreationDateTime"] = int(created)
    return {
        "eventID": stored["eventID"],
        "eventName": stored["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": stream_arn.split(":")[3],
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


# -- Kinesis ----------------------------------------------------------------------------------


def kinesis_record(stored: dict[str, Any], shard_id: str, stream_arn: str,
                   role_arn: str) -> dict[str, Any]:
    """One record of a Kinesis event from ``moto_adapter.kinesis_records``' fields."""
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": stored["partitionKey"],
            "sequenceNumber": stored["sequenceNumber"],
            "data": stored["data"],  # base64, as written
            "approximateArrivalTimestamp": stored["approximateArrivalTimestamp"],
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{stored['sequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": role_arn,
        "awsRegion": stream_arn.split(":")[3],
        "eventSourceARN": stream_arn,
    }


# -- SNS --------------------------------------------------------------------------------------


def sns_event(*, subscription_arn: str, topic_arn: str, message_id: str, message: str,
              subject: str | None, message_attributes: dict[str, Any] | None,
              now: float | None = None) -> dict[str, Any]:
    """The event an SNS ``lambda`` subscription delivers. The signature is a placeholder: the
    local cloud has no signing certificate (AWS signs every notification)."""
    region = topic_arn.split(":")[3]
    endpoint = f"https://sns.{region}.amazonaws.com"
    digest = hashlib.sha256(f"{message_id}{message}".encode()).digest()
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": topic_arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": iso_millis(time.time() if now is None else now),
            "SignatureVersion": "1",
            "Signature": base64.b64encode(digest).decode(),
            "SigningCertUrl": f"{endpoint}/SimpleNotificationService-local.pem",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
            "MessageAttributes": {name: {"Type": value.get("Type"), "Value": value.get("Value")}
                                  for name, value in (message_attributes or {}).items()},
        },
    }]}  # fmt: skip


# -- EventBridge ------------------------------------------------------------------------------


def scheduled_event(rule_arn: str, now: float) -> dict[str, Any]:
    """What a schedule rule sends its targets at `now`."""
    _, _, _, region, account, _ = rule_arn.split(":", 5)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_seconds(now),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


EVENT_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region",
              "resources", "detail")  # fmt: skip


def delivered_event(event: dict[str, Any]) -> dict[str, Any]:
    """An event as EventBridge hands it to a target: its envelope keys, in order, with an ISO
    ``time`` (moto keeps epoch seconds and an ``ingestion-time`` targets never see)."""
    shaped = {key: event[key] for key in EVENT_KEYS if key in event}
    moment = shaped.get("time")
    if isinstance(moment, (int, float)) or (isinstance(moment, str)
                                             and moment.replace(".", "", 1).isdigit()):
        shaped["time"] = iso_seconds(float(moment))
    elif not moment:
        shaped["time"] = iso_seconds(time.time())
    return shaped
