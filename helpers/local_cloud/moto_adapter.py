"""The one door to moto's internals: every read or write of moto's models and backends that the
local cloud's planes need, as small functions over plain values.

moto's private attributes move between versions; keeping every use here means one file to read
when moto is upgraded (and ``tests/local_cloud/test_moto_adapter.py`` fails first). Each helper's
functions live in a section headed by its task, so branches merge by concatenation.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EMPTY_POLICY = '{"Version": "2012-10-17", "Statement": []}'


# -- IAM enforcement for execution roles (issue 8: items 1-3) ------------------------------------
@dataclass(frozen=True)
class RolePolicies:
    """What IAM evaluates for a role's sessions: its identity-based policy documents (inline,
    then attached managed, default versions), its permissions boundary (None: no boundary), and
    the role's id and tags (for ``aws:userid`` and ``aws:PrincipalTag/...``)."""

    role_arn: str
    role_id: str
    documents: tuple[str, ...]
    boundary: str | None
    tags: dict[str, str] = field(default_factory=dict)


_roles_by_arn: dict[str, Any] = {}  # role ARN -> moto Role, re-checked on every use
_roles_lock = threading.Lock()


def _iam_backend(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["global"]


def _role(role_arn: str) -> Any | None:
    """moto's Role for an ARN; cached, and dropped when the role was deleted or re-created."""
    account = role_arn.split(":")[4]
    backend = _iam_backend(account)
    role = _roles_by_arn.get(role_arn)
    if role is not None and backend.roles.get(role.id) is role:
        return role
    with _roles_lock:
        role = next((r for r in list(backend.roles.values()) if r.arn == role_arn), None)
        if role is None:
            _roles_by_arn.pop(role_arn, None)
        else:
            _roles_by_arn[role_arn] = role
    return role


def _default_document(policy: Any) -> str:
    versions = list(policy.versions)
    version = next((v for v in versions if v.is_default), versions[0] if versions else None)
    return version.document if version is not None else EMPTY_POLICY


def role_policies(role_arn: str) -> RolePolicies | None:
    """The role's policies as stored now (so a change applies to the next request), or None if
    there is no such role."""
    role = _role(role_arn)
    if role is None:
        return None
    documents = list(role.policies.values())
    documents += [_default_document(policy) for policy in list(role.managed_policies.values())]
    boundary = None
    if role.permissions_boundary_arn:
        policies = _iam_backend(role.account_id).managed_policies
        stored = policies.get(role.permissions_boundary_arn)
        boundary = _default_document(stored) if stored is not None else EMPTY_POLICY
    tags = {tag["Key"]: tag["Value"] for tag in (role.tags or []) if "Key" in tag}
    return RolePolicies(role_arn, role.id, tuple(documents), boundary, tags)


def role_trust_policy(role_arn: str) -> str | None:
    role = _role(role_arn)
    return role.assume_role_policy_document if role is not None else None


def register_role_session(role_arn: str, session_name: str, region: str, access_key_id: str,
                          secret_access_key: str, session_token: str) -> None:
    """Make moto know temporary credentials the local cloud issued for a role session: requests
    signed with them land in the role's account, and GetCallerIdentity answers with the
    assumed-role ARN, as on AWS. Idempotent (moto's reset forgets them; call again after)."""
    from moto.iam.models import AccessKey
    from moto.sts.models import AssumedRole, sts_backends

    account = role_arn.split(":")[4]
    backend = _iam_backend(account)
    if access_key_id in backend.access_keys:
        return
    key = AccessKey(user_name=None, prefix="ASIA", account_id=account)
    key.access_key_id, key.secret_access_key = access_key_id, secret_access_key
    key.role_arn = role_arn
    session = AssumedRole(account_id=account, region_name=region, access_key=key,
                          role_session_name=session_name, role_arn=role_arn, policy="",
                          duration=12 * 3600, external_id="")  # fmt: skip
    session.session_token = session_token
    sts_backends[account]["global"].assumed_roles.append(session)
    backend.access_keys[access_key_id] = key


def bucket_policy(bucket: str) -> tuple[str, str | bytes | None] | None:
    """(owning account, stored bucket policy text or None), or None if there is no such bucket."""
    from moto.s3.models import s3_backends

    located = s3_backends.bucket_accounts.get(bucket)
    if located is None:
        return None
    partition, account = located
    stored = s3_backends[account][partition].buckets.get(bucket)
    return (account, stored.policy) if stored is not None else None


def function_policy(function_arn: str) -> str | None:
    """A Lambda function's (or version's, alias's) resource-based policy document, or None."""
    from moto.awslambda.models import lambda_backends

    parts = function_arn.split(":")
    region, account, name = parts[3], parts[4], parts[6]
    qualifier = parts[7] if len(parts) > 7 else None
    try:
        function = lambda_backends[account][region].get_function(name, qualifier)
        return json.dumps(function.policy.get_policy()["Policy"])
    except Exception:  # no such function, or no policy yet
        return None


def queue_policy(queue_arn: str) -> str | None:
    from moto.sqs.models import sqs_backends

    _, _, _, region, account, name = queue_arn.split(":", 5)
    queue = sqs_backends[account][region].queues.get(name)
    return queue.policy if queue is not None else None


def topic_policy(topic_arn: str) -> str | None:
    from moto.sns.models import sns_backends

    region, account = topic_arn.split(":")[3:5]
    topic = sns_backends[account][region].topics.get(topic_arn)
    return topic.policy if topic is not None else None


def secret_arn(account: str, region: str, secret_id: str) -> str | None:
    """A Secrets Manager secret's ARN (with its random suffix) from its name or ARN."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends[account][region].secrets.get(secret_id)
    return getattr(secret, "arn", None)


def log_stream_exists(account: str, region: str, group: str, stream: str) -> tuple[bool, bool]:
    """(the log group exists, the log stream exists)."""
    from moto.logs.models import logs_backends

    groups = logs_backends[account][region].groups
    found = groups.get(group)
    return found is not None, found is not None and stream in found.streams


# -- operate: async invocation, concurrency, metrics and alarms ---------------------------------


def lambda_function(account: str, region: str, name: str, qualifier: str | None = None) -> Any:
    """moto's model of a function version (or the version an alias points to); raises moto's
    ResourceNotFound-style exception when absent."""
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][region].get_function(name, qualifier)


def reserved_concurrency(account: str, region: str, name: str) -> int | None:
    """The function's ReservedConcurrentExecutions (from $LATEST: versions copy it when
    published, but the reservation belongs to the function), or None."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    value = getattr(latest, "reserved_concurrency", None)
    return None if value is None else int(value)


def reserved_concurrency_by_function(account: str, region: str) -> dict[str, int]:
    """Function name -> reservation, for every function that has one."""
    from moto.awslambda.models import lambda_backends

    if account not in lambda_backends or region not in lambda_backends[account]:
        return {}
    reserved = {}
    for name, entry in lambda_backends[account][region]._lambdas._functions.items():
        value = getattr(entry.get("latest"), "reserved_concurrency", None)
        if value is not None:
            reserved[name] = int(value)
    return reserved


def account_usage(account: str, region: str) -> dict[str, int]:
    """GetAccountSettings' AccountUsage: how many functions, and their zipped code in bytes."""
    from moto.awslambda.models import lambda_backends

    functions = list(lambda_backends[account][region].list_functions(func_version="ALL"))
    return {"TotalCodeSize": sum(int(getattr(f, "code_size", 0) or 0) for f in functions),
            "FunctionCount": len({f.function_name for f in functions})}  # fmt: skip


def dead_letter_target(function: Any) -> str | None:
    """The TargetArn of the function version's DeadLetterConfig (kept by moto_patches)."""
    config = getattr(function, "dead_letter_config", None) or {}
    return config.get("TargetArn") or None


def event_invoke_config(account: str, region: str, name: str,
                        qualifier: str | None) -> dict[str, Any] | None:  # fmt: skip
    """The FunctionEventInvokeConfig for the function and qualifier as invoked (kept per
    qualifier by moto_patches), or None: AWS's defaults apply."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    configs = getattr(latest, "workbook_event_invoke_configs", None) or {}
    return configs.get(qualifier or "$LATEST")


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


def cloudwatch_aggregate_datum(account: str, region: str, namespace: str, name: str,
                               dimensions: tuple[tuple[str, str], ...], timestamp: float,
                               unit: str, value: float) -> Any:  # fmt: skip
    """Add one statistic set (a value seen once) to moto's CloudWatch and return it, so that
    later values of the same minute are added in place (``add_to_datum``)."""
    from moto.cloudwatch.models import MetricAggregatedDatum, cloudwatch_backends

    datum = MetricAggregatedDatum(
        namespace=namespace, name=name, min_stat=value, max_stat=value, sample_count=1.0,
        sum_stat=value, dimensions=[{"Name": k, "Value": v} for k, v in dimensions],
        timestamp=datetime.fromtimestamp(timestamp, UTC).replace(tzinfo=None), unit=unit,
    )  # fmt: skip
    cloudwatch_backends[account][region].metric_data.append(datum)
    return datum


def add_to_datum(datum: Any, value: float) -> None:
    """One more value in a statistic set made by ``cloudwatch_aggregate_datum``."""
    datum.sum += value
    datum.sample_count += 1
    datum.min = min(datum.min, value)
    datum.max = max(datum.max, value)


def cloudwatch_regions() -> list[tuple[str, str, Any]]:
    """(account, region, backend) of every CloudWatch backend moto has created."""
    from moto.cloudwatch.models import cloudwatch_backends

    found = []
    for account in list(cloudwatch_backends.keys()):
        for region, backend in list(cloudwatch_backends[account].items()):
            found.append((account, region, backend))
    return found


def metric_alarms(backend: Any) -> list[Any]:
    """The alarms that watch one metric (composite and metric-math alarms are not included)."""
    return [alarm for alarm in list(backend.alarms.values())
            if alarm.metric_name and not alarm.metric_data_queries and not alarm.rule]  # fmt: skip


def metric_values(backend: Any, namespace: str, name: str,
                  dimensions: tuple[tuple[str, str], ...], start: datetime,
                  end: datetime) -> list[Any]:  # fmt: skip
    """moto's data points of exactly this metric (same dimension set) in [start, end)."""
    wanted = sorted(dimensions)
    return [datum for datum in list(backend.metric_data)
            if datum.namespace == namespace and datum.name == name
            and start <= datum.timestamp < end
            and sorted((d.name, d.value) for d in datum.dimensions) == wanted]  # fmt: skip


def datum_statistics(datum: Any) -> tuple[float, float, float, float]:
    """(sample count, sum, minimum, maximum) of one moto data point, single or aggregated."""
    if hasattr(datum, "sample_count"):
        return datum.sample_count, datum.sum, datum.min, datum.max
    return 1.0, datum.value, datum.value, datum.value


def alarm_dimensions(alarm: Any) -> tuple[tuple[str, str], ...]:
    return tuple((d.name, d.value) for d in alarm.dimensions)


def set_alarm_state(alarm: Any, state: str, reason: str, reason_data: str) -> None:
    """Change the alarm's state as SetAlarmState does (moto_patches fires its actions)."""
    alarm.update_state(reason, reason_data, state)


MOTO_VERSION_TESTED = "5.2.5"


def moto_version() -> str:
    import moto

    return moto.__version__


# -- events: the triggers of issue 9 (S3, SQS, streams, EventBridge, SNS) ----------------------


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5]


def _json(document: Any) -> dict[str, Any]:
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass(frozen=True)
class FunctionFacts:
    """What the trigger planes need to know of a function (or version, or alias target)."""

    arn: str  # as moto reports it: unqualified for $LATEST
    name: str
    role: str
    timeout: int


def function_facts(function_arn: str) -> FunctionFacts:
    """The function the ARN names; LookupError if absent."""
    from moto.awslambda.models import lambda_backends

    region, account, resource = _arn_parts(function_arn)
    name, _, qualifier = resource.removeprefix("function:").partition(":")
    try:
        function = lambda_backends[account][region].get_function(name, qualifier or None)
    except Exception as error:  # moto's UnknownFunctionException and friends
        raise LookupError(f"No function {function_arn}: {error}") from None
    return FunctionFacts(function.function_arn, function.function_name, str(function.role),
                         int(function.timeout))  # fmt: skip


def role_policy_documents(role_arn: str) -> list[dict[str, Any]]:
    """Every identity policy of the role: its inline policies, then the default versions of
    its attached managed policies. [] when the role does not exist."""
    from moto.iam.models import iam_backends

    _, account, resource = _arn_parts(role_arn)
    try:
        role = iam_backends[account]["global"].get_role(resource.rsplit("/", 1)[-1])
    except Exception:
        return []
    documents = [_json(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        default = [v for v in policy.versions if v.is_default] or policy.versions[-1:]
        documents += [_json(version.document) for version in default]
    return documents


@dataclass(frozen=True)
class Mapping:
    """What a poller needs to know of one event source mapping, read from moto."""

    uuid: str
    function_arn: str
    source_arn: str
    enabled: bool
    batch_size: int
    batching_window: float
    starting_position: str | None
    report_batch_item_failures: bool
    maximum_retry_attempts: int | None


def event_source_mappings() -> list[Mapping]:
    """Every event source mapping moto stores, in every account and region."""
    from moto.awslambda.models import lambda_backends

    found = []
    for _, _, backend in _backends(lambda_backends):
        for esm in list(backend._event_source_mappings.values()):
            found.append(Mapping(
                uuid=esm.uuid, function_arn=esm.function_arn, source_arn=esm.event_source_arn,
                enabled=bool(esm.enabled), batch_size=int(esm.batch_size),
                batching_window=float(esm.max_batch_window or 0),
                starting_position=esm.starting_position,
                report_batch_item_failures="ReportBatchItemFailures" in (
                    esm.function_response_types or []),
                maximum_retry_attempts=esm.max_retry_attempts,
            ))  # fmt: skip
    return found


def _backends(backend_dict: Any) -> Iterator[tuple[str, str, Any]]:
    """(account, region, backend) of every backend moto has created so far."""
    for account, regions in list(backend_dict.items()):
        for region, backend in list(regions.items()):
            yield account, region, backend


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
    from datetime import datetime

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

# -- runtime honesty (the Lambda runtime task) -----------------------------------------------


def lambda_function_runtime(account: str, region: str, name: str) -> str | None:
    """The Runtime of the function `name` (a name or an ARN), or None if moto has no such one."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[account][region].get_function(name).run_time
    except LambdaClientError:
        return None
