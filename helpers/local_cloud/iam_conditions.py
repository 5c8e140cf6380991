"""IAM's matching rules: wildcards in Action and Resource, and the Condition element's operators.

Part of the policy evaluator (``iam_policy``): compiled once per policy, evaluated per request.
Operators follow https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
(a missing key matches nothing, so negated operators and ``...IfExists`` hold; ``ForAllValues``
holds for an empty set, ``ForAnyValue`` does not).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

ContextValue = str | Sequence[str]


class MalformedPolicyError(ValueError):
    """A policy document IAM would have refused (not JSON, or no Statement/Effect/Action)."""


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


class Patterns:
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


def arn_like(pattern: str, value: str) -> bool:
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
    "arnequals": (arn_like, False),  # IAM treats ArnEquals exactly like ArnLike
    "arnlike": (arn_like, False),
    "arnnotequals": (arn_like, True),
    "arnnotlike": (arn_like, True),
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


def as_list(value: Any) -> list[Any]:
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class Condition:
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


def compile_conditions(block: Any, effect: str) -> tuple[Condition, ...]:
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
            conditions.append(Condition(
                key=key.lower(), patterns=tuple(_text(v) for v in as_list(values)), test=test,
                negated=negated, if_exists=if_exists, qualifier=qualifier,
                null_check=name == "null", unsupported_result=effect == "Deny"))  # fmt: skip
    return tuple(conditions)
