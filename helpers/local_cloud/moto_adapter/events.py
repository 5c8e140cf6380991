"""The event services: SQS, SNS, EventBridge, DynamoDB Streams and Kinesis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._common import _arn_parts, _backends


def sqs_send_message(queue_arn: str, body: str, attributes: dict[str, Any]) -> str:
    """Send to a queue by ARN; raises when the queue does not exist or refuses the message."""
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = queue_arn.split(":", 5)
    return sqs_backends[account][region].send_message(name, body, message_attributes=attributes).id


def sqs_is_fifo(queue_arn: str) -> bool:
    return queue_arn.endswith(".fifo")


def sns_publish(topic_arn: str, message: str, *, subject: str | None = None,
                attributes: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Publish to a topic by ARN (moto delivers to its subscriptions: SQS, Lambda...)."""
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = topic_arn.split(":", 5)
    return sns_backends[account][region].publish(
        message, arn=topic_arn, subject=subject, message_attributes=attributes or {}
    )


def events_put_events(account: str, region: str, entries: list[dict[str, Any]]) -> list[dict]:
    """EventBridge PutEvents as a service calls it (rules match and deliver to targets)."""
    from moto.events.models import events_backends

    return events_backends[account][region].put_events(entries)



def detach_mapping_from_moto_push(esm: Any) -> None:
    """moto pushes new SQS messages, stream records and Kinesis records to a mapped function
    itself, synchronously and with Docker; our pollers do that job, so moto must not."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.kinesis.models import kinesis_backends
    from moto.sqs.models import sqs_backends

    region, account, _ = _arn_parts(esm.event_source_arn)
    for queue in sqs_backends[account][region].queues.values():
        for key, mapped in list(queue.lambda_event_source_mappings.items()):
            if mapped is esm:
                del queue.lambda_event_source_mappings[key]
    for table in dynamodb_backends[account][region].tables.values():
        for key, mapped in list(getattr(table, "lambda_event_source_mappings", {}).items()):
            if mapped is esm:
                del table.lambda_event_source_mappings[key]
    for stream in kinesis_backends[account][region].streams.values():
        for key, mapped in list(stream.lambda_event_source_mappings.items()):
            if mapped is esm:
                del stream.lambda_event_source_mappings[key]


# SQS


def sqs_queue(queue_arn: str) -> tuple[Any, Any]:
    """(moto's SQS backend, the queue) for a queue ARN; LookupError if absent."""
    from moto.sqs.models import sqs_backends

    region, account, name = _arn_parts(queue_arn)
    backend = sqs_backends[account][region]
    queue = backend.queues.get(name)
    if queue is None:
        raise LookupError(f"No queue {queue_arn}")
    return backend, queue


def queue_visibility_timeout(queue_arn: str) -> int:
    return int(sqs_queue(queue_arn)[1].visibility_timeout)


def receive_messages(queue_arn: str, count: int) -> list[Any]:
    """Receive up to `count` visible messages with the queue's visibility timeout, as a
    consumer's ReceiveMessage does (moto moves messages past maxReceiveCount to the DLQ)."""
    backend, queue = sqs_queue(queue_arn)
    return backend.receive_message(queue.name, count, 0, queue.visibility_timeout, ["All"])


def delete_message(queue_arn: str, receipt_handle: str) -> None:
    backend, queue = sqs_queue(queue_arn)
    backend.delete_message(queue.name, receipt_handle)


def message_record_fields(message: Any) -> dict[str, Any]:
    """The fields of a received SQS message that Lambda's event record carries."""
    return {
        "messageId": message.id, "receiptHandle": message.receipt_handle, "body": message.body,
        "md5OfBody": message.body_md5,
        "ApproximateReceiveCount": message.approximate_receive_count,
        "SentTimestamp": message.sent_timestamp, "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": message.approximate_first_receive_timestamp,
        "MessageGroupId": message.group_id, "MessageDeduplicationId": message.deduplication_id,
        "SequenceNumber": message.sequence_number,
        "messageAttributes": dict(message.message_attributes or {}),
    }  # fmt: skip


# DynamoDB Streams (and Kinesis)


def stream_shard(stream_arn: str) -> Any:
    """moto's shard of a DynamoDB table's stream (one per table); LookupError if absent."""
    from moto.dynamodb.models import dynamodb_backends

    region, account, resource = _arn_parts(stream_arn)
    table_name = resource.split("/")[1]
    table = dynamodb_backends[account][region].tables.get(table_name)
    shard = getattr(table, "stream_shard", None)
    if shard is None or stream_arn != f"{table.table_arn}/stream/{table.latest_stream_label}":
        raise LookupError(f"No stream {stream_arn}")
    return shard


def stream_positions(stream_arn: str) -> tuple[int, int]:
    """(first, next) sequence numbers of the shard: TRIM_HORIZON and LATEST."""
    shard = stream_shard(stream_arn)
    return shard.starting_sequence_number, shard.starting_sequence_number + len(shard.items)


def stream_records(stream_arn: str, sequence_number: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` records from `sequence_number` on, as moto stores them (copies)."""
    shard = stream_shard(stream_arn)
    start = max(0, sequence_number - shard.starting_sequence_number)
    return [json.loads(json.dumps(item.to_json(), default=_epoch))
            for item in shard.items[start:start + limit]]  # fmt: skip


def _epoch(value: Any) -> Any:

    if isinstance(value, datetime):
        return int(value.timestamp())
    raise TypeError(f"not JSON: {value!r}")


def _kinesis_stream(stream_arn: str) -> Any:
    from moto.kinesis.models import kinesis_backends

    region, account, resource = _arn_parts(stream_arn)
    stream = kinesis_backends[account][region].streams.get(resource.split("/", 1)[-1])
    if stream is None:
        raise LookupError(f"No stream {stream_arn}")
    return stream


def kinesis_shard_positions(stream_arn: str) -> dict[str, tuple[int, int]]:
    """Shard id -> (first sequence number, the next one to be written), open shards only."""
    shards = _kinesis_stream(stream_arn).shards
    return {shard_id: (1, shard.get_max_sequence_number() + 1)
            for shard_id, shard in sorted(shards.items()) if shard.is_open}  # fmt: skip


def kinesis_records(stream_arn: str, shard_id: str, sequence_number: int,
                    limit: int) -> list[dict[str, Any]]:
    """Up to `limit` records of a shard from `sequence_number` on (data stays base64)."""
    shard = _kinesis_stream(stream_arn).shards[shard_id]
    found = []
    for number, record in list(shard.records.items()):
        if number >= sequence_number:
            found.append({"partitionKey": record.partition_key, "data": record.data,
                          "sequenceNumber": str(number),
                          "approximateArrivalTimestamp": round(record.created_at, 3)})
            if len(found) >= limit:
                break
    return found


# EventBridge


@dataclass(frozen=True)
class ScheduledRule:
    arn: str
    name: str
    account: str
    region: str
    schedule_expression: str
    enabled: bool


def scheduled_rules() -> list[ScheduledRule]:
    """Every rule with a schedule expression, in every account and region."""
    from moto.events.models import events_backends

    found = []
    for account, region, backend in _backends(events_backends):
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                if rule.scheduled_expression:
                    found.append(ScheduledRule(rule.arn, rule.name, account, region,
                                               rule.scheduled_expression,
                                               rule.state == "ENABLED"))  # fmt: skip
    return found


def events_rule(account: str, region: str, name: str, bus: str = "default") -> Any:
    """moto's rule; LookupError if absent."""
    from moto.events.models import events_backends

    rule = events_backends[account][region].event_buses.get(bus, None)
    rule = rule.rules.get(name) if rule is not None else None
    if rule is None:
        raise LookupError(f"Rule {name} does not exist on EventBus {bus}.")
    return rule


def send_to_rule_targets(rule: Any, event: dict[str, Any]) -> None:
    """Deliver an event to every target of the rule, as PutEvents does (Lambda targets come
    back to the EventBridge plane through the patched ``Rule.send_to_targets``)."""
    rule.send_to_targets(event)


def rule_facts(rule: Any) -> tuple[str, str, str, list[dict[str, Any]]]:
    """(arn, account, region, targets) of moto's rule."""
    return rule.arn, rule.account_id, rule.region_name, list(rule.targets)


def rule_schedule(rule: Any) -> tuple[str | None, str]:
    """(schedule expression or None, state: ENABLED or DISABLED) of moto's rule."""
    return rule.scheduled_expression, rule.state


# SNS


def subscription_facts(subscription: Any) -> tuple[str, str, str]:
    """(subscription ARN, topic ARN, endpoint) of moto's subscription."""
    return subscription.arn, subscription.topic.arn, subscription.endpoint


def subscription_accepts(subscription: Any, message: str,
                         message_attributes: dict[str, Any] | None) -> bool:
    """Does the subscription's filter policy let this message through?"""
    matcher = subscription._filter_policy_matcher
    return matcher is None or bool(matcher.matches(message_attributes, message))


def message_for_protocol(subscription: Any, message: str, structure: str | None) -> str:
    """With MessageStructure=json, the part of the message meant for this protocol."""
    if structure != "json":
        return message
    return subscription._parse_message_structure(message, subscription.protocol)
