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

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

IDENTITY = "identity-based policy"
RESOURCE = "resource-based policy"
BOUNDARY = "permissions boundary"
PolicyDocument = str | bytes | Mapping[str, Any]
ContextValue = str | Sequence[str]


class MalformedPolicyError(ValueError):
    """A policy document IAM would have refused (not JSON, or no Statement/Effect/Action)."""


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


# -- wildcards ------------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool, segments: bool) -> re.Pattern[str]:
    """``*`` any run of characters, ``?`` one. With ``segments`` (resource ARNs), a ``*`` stays
    within its colon-separated segment unless it ends the segment, as IAM documents."""
    parts = []
    for index, char in enumerate(pattern):
        if char == "*":
            at_segment_end = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if not segments or at_segment_end else "[^:]*")
        elif char == "?":
            parts.append("[^:]" if segments else ".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's ``*`` (any run of characters, ``/`` and ``:`` included) and ``?`` (one character)."""
    return _glob(pattern, ignore_case, False).fullmatch(value) is not None


class _Patterns:
    """A list of Action or Resource patterns, compiled: exact names in a set, globs as regexes."""

    __slots__ = ("any", "exact", "globs")

    def __init__(self, patterns: Iterable[str], *, ignore_case: bool, segments: bool) -> None:
        self.any = False
        self.exact: set[str] = set()
        self.globs: list[re.Pattern[str]] = []
        for pattern in patterns:
            if pattern == "*":
                self.any = True
            elif "*" in pattern or "?" in pattern:
                self.globs.append(_glob(pattern, ignore_case, segments))
            else:
                self.exact.add(pattern.lower() if ignore_case else pattern)

    def match(self, value: str) -> bool:  # ``value`` is lower-cased by the caller for actions
        return (self.any or value in self.exact
                or any(glob.fullmatch(value) for glob in self.globs))  # fmt: skip


def _arn_like(pattern: str, value: str) -> bool:
    """ArnLike/ArnEquals: the six colon-separated parts, each matched on its own."""
    patterns, values = pattern.split(":", 5), value.split(":", 5)
    return len(patterns) == len(values) == 6 and all(map(wildcard_match, patterns, values))


# -- conditions -----------------------------------------------------------------------------------
def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _epoch(text: str) -> float | None:
    """A date as IAM accepts one: epoch seconds, or ISO 8601 ("2026-01-01T00:00:00Z")."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _compare(convert: Callable[[str], float | None], test: Callable[[float, float], bool]):
    def compare(pattern: str, value: str) -> bool:
        wanted, actual = convert(pattern), convert(value)
        return wanted is not None and actual is not None and test(actual, wanted)

    return compare


def _in_network(pattern: str, value: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False


# operator (lower-case, without IfExists) -> (test(pattern, value), negated)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (str.__eq__, False),
    "stringnotequals": (str.__eq__, True),
    "stringequalsignorecase": (lambda p, v: p.lower() == v.lower(), False),
    "stringnotequalsignorecase": (lambda p, v: p.lower() == v.lower(), True),
    "stringlike": (wildcard_match, False),
    "stringnotlike": (wildcard_match, True),
    "arnequals": (_arn_like, False),  # IAM treats ArnEquals exactly like ArnLike
    "arnlike": (_arn_like, False),
    "arnnotequals": (_arn_like, True),
    "arnnotlike": (_arn_like, True),
    "bool": (lambda p, v: p.lower() == v.lower(), False),
    "numericequals": (_compare(_number, float.__eq__), False),
    "numericnotequals": (_compare(_number, float.__eq__), True),
    "numericlessthan": (_compare(_number, float.__lt__), False),
    "numericlessthanequals": (_compare(_number, float.__le__), False),
    "numericgreaterthan": (_compare(_number, float.__gt__), False),
    "numericgreaterthanequals": (_compare(_number, float.__ge__), False),
    "dateequals": (_compare(_epoch, float.__eq__), False),
    "datenotequals": (_compare(_epoch, float.__eq__), True),
    "datelessthan": (_compare(_epoch, float.__lt__), False),
    "datelessthanequals": (_compare(_epoch, float.__le__), False),
    "dategreaterthan": (_compare(_epoch, float.__gt__), False),
    "dategreaterthanequals": (_compare(_epoch, float.__ge__), False),
    "ipaddress": (_in_network, False),
    "notipaddress": (_in_network, True),
}  # fmt: skip


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class _Condition:
    """One key of one condition operator: ``StringLike: {"aws:SourceArn": [...]}``."""

    key: str  # lower-cased
    patterns: tuple[str, ...]
    test: Callable[[str, str], bool] | None  # None: Null, or an operator we do not evaluate
    negated: bool = False
    if_exists: bool = False
    qualifier: str = ""  # "", "foranyvalue" or "forallvalues"
    null_check: bool = False
    unsupported_result: bool = False  # what an operator we don't evaluate gives (Deny: applies)

    def holds(self, context: Mapping[str, ContextValue]) -> bool:
        value = context.get(self.key)
        present = value is not None and value != [] and value != ()
        if self.null_check:  # {"Null": {"key": "true"}} holds when the key is absent
            return all((p.lower() == "true") != present for p in self.patterns)
        if self.test is None:
            return self.unsupported_result
        values = [value] if isinstance(value, str) else list(value or ())
        if self.qualifier == "forallvalues":
            return all(self._one(v) for v in values)  # an empty set: true, as AWS documents
        if self.qualifier == "foranyvalue":
            return any(self._one(v) for v in values)
        if not present:
            # A missing key matches nothing; negated operators and ...IfExists then hold.
            return self.if_exists or self.negated
        return any(self._one(v) for v in values) if not self.negated else all(
            self._one(v) for v in values)

    def _one(self, value: str) -> bool:
        assert self.test is not None
        matched = any(self.test(pattern, value) for pattern in self.patterns)
        return not matched if self.negated else matched


def _conditions(block: Any, effect: str) -> tuple[_Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, Mapping):
        raise MalformedPolicyError("Condition must be an object of operators")
    conditions = []
    for operator, tests in block.items():
        if not isinstance(tests, Mapping):
            raise MalformedPolicyError(f"Condition operator {operator} must map keys to values")
        name = operator.lower()
        qualifier, _, name = name.rpartition(":")
        if qualifier not in ("", "foranyvalue", "forallvalues"):
            raise MalformedPolicyError(f"Unknown condition set operator in {operator}")
        if_exists = name.endswith("ifexists")
        name = name.removesuffix("ifexists")
        test, negated = OPERATORS.get(name, (None, False))
        for key, values in tests.items():
            conditions.append(_Condition(
                key=key.lower(), patterns=tuple(_text(v) for v in _as_list(values)), test=test,
                negated=negated, if_exists=if_exists, qualifier=qualifier,
                null_check=name == "null", unsupported_result=effect == "Deny"))  # fmt: skip
    return tuple(conditions)


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
            for value in _as_list(values):
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
    actions: _Patterns | None
    not_actions: _Patterns | None
    resources: _Patterns | None
    not_resources: _Patterns | None
    principals: _Principals | None
    not_principals: _Principals | None
    conditions: tuple[_Condition, ...]

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

    def patterns(key: str, ignore_case: bool, segments: bool) -> _Patterns | None:
        if key not in raw:
            return None
        return _Patterns(map(str, _as_list(raw[key])), ignore_case=ignore_case,
                         segments=segments)  # fmt: skip

    return Statement(
        sid=raw.get("Sid"), effect=effect,
        actions=patterns("Action", True, False), not_actions=patterns("NotAction", True, False),
        resources=patterns("Resource", False, True),
        not_resources=patterns("NotResource", False, True),
        principals=_Principals(raw["Principal"]) if "Principal" in raw else None,
        not_principals=_Principals(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        conditions=_conditions(raw.get("Condition"), effect),
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
