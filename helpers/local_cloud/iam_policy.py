"""IAM's policy language, evaluated: is this principal allowed this action on this resource?

One evaluator for the whole local cloud: execution roles calling AWS, API Gateway invoking a
function, CloudFront reading a bucket. Pure Python over policy documents (JSON text or dicts,
parsed once and cached): no moto, no sockets. It follows AWS's documented logic:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html

- an explicit ``Deny`` in any policy wins;
- within one account, an ``Allow`` in the identity-based policies *or* in the resource-based
  policy is enough, but a permissions boundary caps what identity policies (and resource
  policies that name the role rather than the role session) grant;
- across accounts both sides must allow.

The ``Decision`` says why, in AWS's words ("because no identity-based policy allows the
dynamodb:PutItem action", "with an explicit deny in a resource-based policy").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .iam_conditions import (
    Condition,
    ContextValue,
    MalformedPolicyError,
    Patterns,
    as_list,
    compile_conditions,
    wildcard_match,
)

__all__ = ["ANONYMOUS", "BOUNDARY", "IDENTITY", "RESOURCE", "Decision", "MalformedPolicyError",
           "Policy", "Principal", "Request", "evaluate", "parse", "wildcard_match"]

IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"
BOUNDARY = "permissions boundary"
PolicyDocument = str | bytes | Mapping[str, Any]


# -- who asks ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Principal:
    """Who makes the request: an IAM role session or user (``arn``), an AWS service
    (``service``), or nobody (anonymous: neither)."""

    arn: str | None = None  # arn:aws:sts::A:assumed-role/ROLE/SESSION, or an IAM user ARN
    account: str | None = None
    role_arn: str | None = None  # the role a session belongs to (its path included)
    service: str | None = None  # "apigateway.amazonaws.com"

    @classmethod
    def role_session(cls, role_arn: str, session_name: str) -> Principal:
        """The principal a role's temporary credentials act as (what Lambda gives a function)."""
        parts = role_arn.split(":", 5)
        partition, account, role_name = parts[1], parts[4], parts[5].rsplit("/", 1)[-1]
        session = f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}"
        return cls(arn=session, account=account, role_arn=role_arn)

    @classmethod
    def aws_service(cls, service: str) -> Principal:
        return cls(service=service)

    @property
    def identifiers(self) -> tuple[str, ...]:
        """What a Principal element may name to mean this principal (most specific first)."""
        names = [name for name in (self.arn, self.role_arn) if name]
        if self.account:
            names.append(f"arn:aws:iam::{self.account}:root")
        return tuple(names)


ANONYMOUS = Principal()


@dataclass(frozen=True)
class Request:
    """The request context: who, which action on which resource, and the condition keys.

    Condition key names are case-insensitive (stored lower-cased); values are strings or lists
    of strings (multivalued keys, for ``ForAnyValue``/``ForAllValues``)."""

    principal: Principal
    action: str  # "dynamodb:PutItem"
    # An ARN, or "*" for actions without a resource. None: the resource whose resource-based
    # policy is evaluated, whatever its Resource element says (for callers that know the
    # policy but not the exact ARN it was written for).
    resource: str | None
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    resource_account: str | None = None  # set for cross-account checks

    def __post_init__(self) -> None:
        lowered = {key.lower(): value for key, value in self.context.items()}
        object.__setattr__(self, "context", lowered)
        object.__setattr__(self, "_action", self.action.lower())


# -- what the answer is ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """Allowed or not, and why: ``reason`` is "allowed", "explicit_deny" or "implicit_deny";
    ``policy_type`` names the policy that denied, or whose Allow was missing."""

    allowed: bool
    reason: str
    policy_type: str | None = None
    statement_id: str | None = None

    def because(self, action: str) -> str:
        """The tail of AWS's AccessDenied message: why ``action`` was refused."""
        if self.allowed:
            return ""
        article = "an" if self.policy_type == IDENTITY else "a"
        if self.reason == "explicit_deny":
            return f"with an explicit deny in {article} {self.policy_type}"
        return f"because no {self.policy_type} allows the {action} action"

    def message(self, principal_arn: str, action: str, resource: str) -> str:
        """AWS's sentence: "User: ARN is not authorized to perform: ACTION on resource: ARN because
        no identity-based policy allows the ACTION action"."""
        return (f"User: {principal_arn} is not authorized to perform: {action} on resource: "
                f"{resource} {self.because(action)}")  # fmt: skip


ALLOWED = Decision(True, "allowed")


# -- principals in resource-based policies ----------------------------------------------------------
class _Principals:
    """A Principal/NotPrincipal element: ``"*"``, ``{"AWS": ...}``, ``{"Service": ...}``."""

    __slots__ = ("any", "aws", "services")

    def __init__(self, element: Any) -> None:
        self.any = element == "*"
        self.aws: set[str] = set()
        self.services: set[str] = set()
        if self.any:
            return
        if not isinstance(element, Mapping):
            raise MalformedPolicyError("Principal must be \"*\" or an object")
        for kind, values in element.items():
            for value in as_list(values):
                if kind == "AWS":
                    if value == "*":
                        self.any = True
                    elif re.fullmatch(r"\d{12}", str(value)):
                        self.aws.add(f"arn:aws:iam::{value}:root")
                    else:
                        self.aws.add(str(value))
                elif kind == "Service":
                    self.services.add(str(value))

    def match(self, principal: Principal) -> str | None:
        """How the element names the principal: "any", "direct" (the session, user or service
        itself), "role" (the session's role), "account", or None."""
        if self.any:
            return "any"
        if principal.service:
            return "direct" if principal.service in self.services else None
        if principal.arn and principal.arn in self.aws:
            return "direct"
        if principal.role_arn and principal.role_arn in self.aws:
            return "role"
        if principal.account and f"arn:aws:iam::{principal.account}:root" in self.aws:
            return "account"
        return None


# -- statements and policies ---------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    sid: str | None
    effect: str  # "Allow" or "Deny"
    actions: Patterns | None
    not_actions: Patterns | None
    resources: Patterns | None
    not_resources: Patterns | None
    principals: _Principals | None
    not_principals: _Principals | None
    conditions: tuple[Condition, ...]

    def applies(self, request: Request) -> bool:
        """Action, resource and conditions match (the Principal is checked separately)."""
        action = request._action  # type: ignore[attr-defined]
        if self.actions is not None and not self.actions.match(action):
            return False
        if self.not_actions is not None and self.not_actions.match(action):
            return False
        resource = request.resource
        if resource is not None:
            if self.resources is not None and not self.resources.match(resource):
                return False
            if self.not_resources is not None and self.not_resources.match(resource):
                return False
        return all(condition.holds(request.context) for condition in self.conditions)

    def names(self, principal: Principal) -> str | None:
        """For resource-based policies: how this statement's Principal covers ``principal``."""
        if self.principals is not None:
            return self.principals.match(principal)
        if self.not_principals is not None:
            return None if self.not_principals.match(principal) else "any"
        return None


def _statement(raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        raise MalformedPolicyError("Each statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise MalformedPolicyError(f"Effect must be Allow or Deny, not {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise MalformedPolicyError("A statement needs exactly one of Action and NotAction")

    def patterns(key: str, ignore_case: bool, segments: bool) -> Patterns | None:
        if key not in raw:
            return None
        return Patterns(map(str, as_list(raw[key])), ignore_case=ignore_case,
                         segments=segments)  # fmt: skip

    return Statement(
        sid=raw.get("Sid"), effect=effect,
        actions=patterns("Action", True, False), not_actions=patterns("NotAction", True, False),
        resources=patterns("Resource", False, True),
        not_resources=patterns("NotResource", False, True),
        principals=_Principals(raw["Principal"]) if "Principal" in raw else None,
        not_principals=_Principals(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        conditions=compile_conditions(raw.get("Condition"), effect),
    )  # fmt: skip


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


@lru_cache(maxsize=1024)
def _parse_text(text: str) -> Policy:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise MalformedPolicyError(f"The policy is not valid JSON: {error}") from None
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise MalformedPolicyError("A policy is an object with a Statement")
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    return Policy(tuple(_statement(statement) for statement in statements))


def parse(document: PolicyDocument | Policy) -> Policy:
    """A policy document (JSON text, bytes or a dict), parsed and compiled; cached by its text,
    so re-reading the same stored document costs a dictionary lookup."""
    if isinstance(document, Policy):
        return document
    if isinstance(document, bytes):
        document = document.decode()
    if not isinstance(document, str):
        document = json.dumps(document, sort_keys=True)
    return _parse_text(document)


# -- the evaluation -------------------------------------------------------------------------------
def _scan(policy: Policy, request: Request) -> tuple[Statement | None, Statement | None]:
    """The first applicable Deny and the first applicable Allow (identity-style: no Principal)."""
    allow = None
    for statement in policy.statements:
        if statement.applies(request):
            if statement.effect == "Deny":
                return statement, allow
            allow = allow or statement
    return None, allow


_NAMING_RANK = {"direct": 0, "any": 1, "role": 2, "account": 3}


def _scan_resource(policy: Policy, request: Request) -> tuple[Statement | None, str | None]:
    """The first applicable Deny naming the principal, and the strongest way an applicable
    Allow names it ("direct" > "any" > "role" > "account")."""
    best = None
    for statement in policy.statements:
        naming = statement.names(request.principal)
        if naming is None or not statement.applies(request):
            continue
        if statement.effect == "Deny":
            return statement, best
        if best is None or _NAMING_RANK[naming] < _NAMING_RANK[best]:
            best = naming
    return None, best


def evaluate(request: Request, *, identity: Iterable[PolicyDocument | Policy] = (),
             resource: PolicyDocument | Policy | None = None,
             boundary: PolicyDocument | Policy | None = None) -> Decision:  # fmt: skip
    """AWS's decision for ``request`` given the principal's identity-based policies (inline and
    attached managed documents), the resource's policy and the principal's permissions boundary
    (``None``: no boundary; a boundary with no Allow denies everything)."""
    identity_allow = None
    for document in identity:
        deny, allow = _scan(parse(document), request)
        if deny is not None:
            return Decision(False, "explicit_deny", IDENTITY, deny.sid)
        identity_allow = identity_allow or allow
    resource_naming = None
    if resource is not None:
        deny, resource_naming = _scan_resource(parse(resource), request)
        if deny is not None:
            return Decision(False, "explicit_deny", RESOURCE, deny.sid)
    boundary_allows = True
    if boundary is not None:
        deny, allow = _scan(parse(boundary), request)
        if deny is not None:
            return Decision(False, "explicit_deny", BOUNDARY, deny.sid)
        boundary_allows = allow is not None
    principal = request.principal
    if principal.arn is None:  # a service or anonymous: only a resource-based policy can allow
        return ALLOWED if resource_naming in ("direct", "any") else Decision(
            False, "implicit_deny", RESOURCE)
    cross_account = (request.resource_account is not None
                     and request.resource_account != principal.account)  # fmt: skip
    if cross_account:  # both sides must allow
        if resource_naming is None:
            return Decision(False, "implicit_deny", RESOURCE)
        if identity_allow is None:
            return Decision(False, "implicit_deny", IDENTITY)
        return ALLOWED if boundary_allows else Decision(False, "implicit_deny", BOUNDARY)
    # Same account. A resource policy naming the session (or a user) itself grants outright; one
    # naming the role (or everyone) is capped by the boundary; one naming the account only
    # delegates to the identity policies.
    if resource_naming == "direct":
        return ALLOWED
    if resource_naming in ("role", "any") and boundary_allows:
        return ALLOWED
    if identity_allow is None:
        if resource_naming in ("role", "any"):
            return Decision(False, "implicit_deny", BOUNDARY)
        return Decision(False, "implicit_deny", IDENTITY)
    return ALLOWED if boundary_allows else Decision(False, "implicit_deny", BOUNDARY)
