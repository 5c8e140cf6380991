"""IAM roles and sessions, and the resource policies the authorizer evaluates."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from ._common import EMPTY_POLICY, _arn_parts, _json
from .wsgi import api_errors


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
    except (*api_errors(), KeyError):  # no such function (or region), or no policy yet
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



def role_policy_documents(role_arn: str) -> list[dict[str, Any]]:
    """Every identity policy of the role: its inline policies, then the default versions of
    its attached managed policies. [] when the role does not exist."""
    from moto.iam.models import iam_backends

    _, account, resource = _arn_parts(role_arn)
    try:
        role = iam_backends[account]["global"].get_role(resource.rsplit("/", 1)[-1])
    except api_errors():  # NoSuchEntity
        return []
    documents = [_json(document) for document in role.policies.values()]
    for policy in role.managed_policies.values():
        default = [v for v in policy.versions if v.is_default] or policy.versions[-1:]
        documents += [_json(version.document) for version in default]
    return documents


def iam_role(account: str, role_name: str) -> Any:
    """moto's IAM role; raises one of ``api_errors()`` (NoSuchEntity) if there is none."""
    return _iam_backend(account).get_role(role_name)
