"""The one door to moto's internals: every read or write of moto's models and backends that the
local cloud's planes need, as small functions over plain values.

moto's private attributes move between versions; keeping every use here means one file to read
when moto is upgraded (and ``tests/local_cloud/test_moto_adapter.py`` fails first). Each helper's
functions live in a section headed by its task, so branches merge by concatenation.
"""

from __future__ import annotations

import json
import threading
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
