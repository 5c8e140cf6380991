"""CloudWatch Logs filter patterns, as ``FilterLogEvents`` applies them: terms, JSON patterns and
space-delimited patterns. Pure functions, no moto: ``moto_patches`` plugs them into moto's Logs.

The syntax follows AWS's "Filter pattern syntax for metric filters, subscription filters, filter
log events, and Live Tail"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):

- terms: ``ERROR Exception`` (all must appear, case-sensitive), ``"exact phrase"``, ``-excluded``,
  ``?ERROR ?WARN`` (either; each ``?`` starts a group of terms that must all appear, which is how
  the AWS CDK's ``FilterPattern.anyTermGroup`` writes groups), and a standalone ``%regex%``;
- JSON: ``{ $.level = "ERROR" && ($.latency > 500 || $.user.id = 1) }``, ``$.list[0]``, ``*`` at
  either end of a string value, ``IS TRUE``/``IS FALSE``/``IS NULL``, ``NOT EXISTS``;
- space-delimited: ``[ip, user, ..., status_code = 4*, bytes > 1000]``, where ``"quoted"`` and
  ``[bracketed]`` parts of the event count as one field.

A pattern AWS refuses raises ``InvalidFilterPattern`` (AWS answers ``InvalidParameterException``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MAX_PATTERN_LENGTH = 1024  # FilterLogEvents: filterPattern, 0..1024 characters
MAX_REGEXES = 2  # "a limit of 2 regex for each filter pattern"
SYNTAX_DOC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html"

Matcher = Callable[[str], bool]
_MISSING = object()


class InvalidFilterPattern(ValueError):
    """The pattern is not CloudWatch Logs filter-pattern syntax."""


def matches(pattern: str, message: str) -> bool:
    """True when the log event ``message`` matches ``pattern`` (an empty pattern matches all)."""
    return compile_pattern(pattern)(message)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Matcher:
    """A function of an event's message; raises ``InvalidFilterPattern`` for bad syntax."""
    pattern = (pattern or "").strip()
    if not pattern:
        return lambda message: True
    if pattern.startswith("{"):
        return _json_pattern(pattern)
    if pattern.startswith("["):
        return _delimited_pattern(pattern)
    if len(pattern) > 1 and pattern.startswith("%") and pattern.endswith("%"):
        regex = _regex(pattern)
        return lambda message: regex.search(message) is not None
    return _term_pattern(pattern)


# -- values compared in JSON and space-delimited patterns ---------------------------------------
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
REGEX_ALLOWED = re.compile(r"^[A-Za-z0-9_#=@/;,:\- ^$?\[\]{}|\\*+.]*$")


def _regex(text: str) -> re.Pattern[str]:
    """``%regex%``: AWS allows letters, digits, a few symbols and operators, but no groups."""
    body = text[1:-1]
    if not body or not REGEX_ALLOWED.match(body) or not body.isascii():
        raise InvalidFilterPattern(
            f"Unsupported regular expression {text}: use letters, digits, the symbols _#=@/;,:- "
            "and the operators ^$?[]{}|\\*+. only (no parentheses, no multi-byte characters)."
        )
    try:
        return re.compile(body)
    except re.error as error:
        raise InvalidFilterPattern(f"Invalid regular expression {text}: {error}.") from None


def _wildcard(text: str) -> re.Pattern[str]:
    """``*`` matches any text at the start or the end of a value; inside, it is a plain ``*``."""
    if text == "*":
        return re.compile(r"(?s).*")
    head = text.startswith("*")
    tail = text.endswith("*") and len(text) > 1
    core = text[1 if head else 0 : len(text) - 1 if tail else len(text)]
    return re.compile(("(?s).*" if head else "") + re.escape(core) + (".*" if tail else ""))


@dataclass(frozen=True)
class Value:
    """The right-hand side of a comparison, as written in the pattern."""

    text: str
    number: float | None = None
    regex: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, kind: str, raw: str) -> Value:
        if kind == "regex":
            return cls(raw, regex=_regex(raw))
        if kind == "string":
            return cls(_unquote(raw))
        return cls(raw, number=float(raw) if NUMBER.match(raw) else None)

    def compare(self, operator: str, actual: Any) -> bool:
        """Compare a field's value (str, int, float or bool; anything else never matches)."""
        if isinstance(actual, bool):
            text, number = ("true" if actual else "false"), None
        elif isinstance(actual, int | float):
            text, number = json.dumps(actual), float(actual)
        elif isinstance(actual, DelimitedField):  # text that compares as a number too
            text, number = actual, (float(actual) if NUMBER.match(actual) else None)
        elif isinstance(actual, str):
            text, number = actual, None
        else:  # null, an object or an array: "the SELECTOR must point to a value node"
            return False
        if operator in ("<", "<=", ">", ">="):
            if number is None:
                return False
            assert self.number is not None  # checked when the pattern was compiled
            return {"<": number < self.number, "<=": number <= self.number,
                    ">": number > self.number, ">=": number >= self.number}[operator]  # fmt: skip
        if self.regex is not None:
            equal = self.regex.search(text) is not None
        elif self.number is not None and number is not None:
            equal = number == self.number
        else:
            equal = _wildcard(self.text).fullmatch(text) is not None
        return equal if operator == "=" else not equal


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


# -- a small expression language shared by JSON and space-delimited patterns ---------------------
TOKEN = re.compile(r"""\s*(?:
    (?P<and>&&) | (?P<or>\|\|) | (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,) |
    (?P<op>!=|<=|>=|=|<|>) |
    (?P<string>"(?:[^"\\]|\\.)*") |
    (?P<regex>%[^%]*%) |
    (?P<word>[^\s()=!<>&|,"%]+)
)""", re.VERBOSE)  # fmt: skip

Token = tuple[str, str]
Lookup = Callable[[Any], Any]  # subject -> its value, or _MISSING
Node = Callable[[Lookup], bool]


def _tokens(text: str) -> list[Token]:
    found = _scan(text)
    if sum(kind == "regex" for kind, _ in found) > MAX_REGEXES:
        raise InvalidFilterPattern(f"A filter pattern may contain at most {MAX_REGEXES} regular "
                                   "expressions (%...%).")  # fmt: skip
    return found


def _scan(text: str) -> list[Token]:
    found: list[Token] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            rest = text[position:].strip()
            raise InvalidFilterPattern(f"Unexpected {rest[:20]!r} in the filter pattern.")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


class _Parser:
    """Recursive descent over tokens: ``||`` binds looser than ``&&``; parentheses group."""

    def __init__(self, tokens: list[Token], subject: Callable[[str], Any]):
        self.tokens = tokens
        self.position = 0
        self.subject = subject  # turns a word into what the lookup understands, or raises

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind and token[0] != kind):
            wanted = kind or "more"
            found = f"{token[1]!r}" if token else "the end of the pattern"
            raise InvalidFilterPattern(f"Expected {wanted} but found {found}.")
        self.position += 1
        return token

    def parse(self) -> Node:
        node = self.any_of()
        if self.peek() is not None:
            raise InvalidFilterPattern(f"Unexpected {self.peek()[1]!r} in the filter pattern.")
        return node

    def any_of(self) -> Node:
        nodes = [self.all_of()]
        while self.peek() and self.peek()[0] == "or":
            self.take()
            nodes.append(self.all_of())
        return nodes[0] if len(nodes) == 1 else (lambda lookup: any(n(lookup) for n in nodes))

    def all_of(self) -> Node:
        nodes = [self.condition()]
        while self.peek() and self.peek()[0] == "and":
            self.take()
            nodes.append(self.condition())
        return nodes[0] if len(nodes) == 1 else (lambda lookup: all(n(lookup) for n in nodes))

    def condition(self) -> Node:
        if self.peek() and self.peek()[0] == "lparen":
            self.take()
            node = self.any_of()
            self.take("rparen")
            return node
        subject = self.subject(self.take("word")[1])
        kind, text = self.take()
        if kind == "word":
            return self.keyword(subject, text.upper())
        if kind != "op":
            raise InvalidFilterPattern(f"Expected an operator after the field, found {text!r}.")
        value_kind, raw = self.take()
        if value_kind not in ("word", "string", "regex"):
            raise InvalidFilterPattern(f"Expected a value after {text}, found {raw!r}.")
        value = Value.parse(value_kind, raw)
        if text in ("<", "<=", ">", ">=") and value.number is None:
            raise InvalidFilterPattern(f"{text} compares numbers; {raw} is not a number.")
        if value.regex is not None and text not in ("=", "!="):
            raise InvalidFilterPattern(f"A regular expression works with = and != only, not {text}.")
        return lambda lookup: (actual := lookup(subject)) is not _MISSING and value.compare(
            text, actual
        )

    def keyword(self, subject: Any, word: str) -> Node:
        if word == "IS":
            which = self.take("word")[1].upper()
            wanted = {"TRUE": True, "FALSE": False, "NULL": None}
            if which not in wanted:
                raise InvalidFilterPattern(f"IS takes TRUE, FALSE or NULL, not {which}.")
            expected = wanted[which]
            return lambda lookup: (actual := lookup(subject)) is not _MISSING and (
                actual is expected)
        if word == "NOT" and self.take("word")[1].upper() == "EXISTS":
            return lambda lookup: lookup(subject) is _MISSING
        if word == "EXISTS":
            raise InvalidFilterPattern("EXISTS alone is not filter-pattern syntax: write "
                                       "{ $.field = * } for a field that is present, or "
                                       "{ $.field NOT EXISTS } for one that is absent.")
        raise InvalidFilterPattern(f"Unexpected {word!r} after a field: use an operator "
                                   "(= != < <= > >=), IS TRUE/FALSE/NULL or NOT EXISTS.")  # fmt: skip


# -- JSON patterns ---------------------------------------------------------------------------------
SELECTOR = re.compile(r"^\$(?:\.[A-Za-z0-9_-]+(?:\[\d+\])*)+$")
SELECTOR_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]")


def _selector(word: str) -> tuple[str | int, ...]:
    if not SELECTOR.match(word):
        raise InvalidFilterPattern(
            f"Invalid selector {word!r}: start at $ and name properties (letters, digits, - and _) "
            "with array indexes after them, as in $.user.id or $.users[0].email."
        )
    return tuple(name if name else int(index) for name, index in SELECTOR_STEP.findall(word))


def _json_pattern(pattern: str) -> Matcher:
    if not pattern.endswith("}"):
        raise InvalidFilterPattern("A JSON filter pattern must end with } (it starts with {).")
    node = _Parser(_tokens(pattern[1:-1]), _selector).parse()

    def match(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False  # not a JSON event: JSON patterns never match it
        if not isinstance(document, dict):
            return False

        def lookup(path: tuple[str | int, ...]) -> Any:
            node_value: Any = document
            for step in path:
                if isinstance(step, int):
                    if not isinstance(node_value, list) or step >= len(node_value):
                        return _MISSING
                elif not isinstance(node_value, dict) or step not in node_value:
                    return _MISSING
                node_value = node_value[step]
            return node_value

        return node(lookup)

    return match


# -- space-delimited patterns ----------------------------------------------------------------------
FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ELLIPSIS = "..."


class DelimitedField(str):
    """A field of a space-delimited event: text that also compares as a number."""


@dataclass(frozen=True)
class _Column:
    name: str  # "..." for any number of fields, "" for one without a name
    condition: Node | None = None


def _delimited_pattern(pattern: str) -> Matcher:
    if not pattern.endswith("]"):
        raise InvalidFilterPattern("A space-delimited filter pattern must end with ] (it starts "
                                   "with [).")  # fmt: skip
    entries: list[list[Token]] = [[]]
    for token in _tokens(pattern[1:-1]):
        if token[0] == "comma":
            entries.append([])
        else:
            entries[-1].append(token)
    columns = [_column(entry) for entry in entries[:-1]]
    # A trailing comma adds a field without a name: AWS's own example "[..., status_code=4*,]"
    # extracts "$7" after status_code.
    columns.append(_column(entries[-1]) if entries[-1] or len(entries) == 1 else _Column(""))

    def match(message: str) -> bool:
        bound = _bind(columns, split_fields(message))
        if bound is None:
            return False
        lookup = lambda name: bound.get(name, _MISSING)  # noqa: E731
        return all(column.condition is None or column.condition(lookup) for column in columns)

    return match


def _column(tokens: list[Token]) -> _Column:
    if not tokens:
        raise InvalidFilterPattern("Empty field in a space-delimited pattern (two commas in a row).")
    if tokens == [("word", ELLIPSIS)]:
        return _Column(ELLIPSIS)
    kind, name = tokens[0]
    if kind != "word" or not FIELD_NAME.match(name):
        raise InvalidFilterPattern(
            f"Each field of a space-delimited pattern starts with a name (letters, digits, _), "
            f"or is ...; found {name!r}."
        )
    if len(tokens) == 1:
        return _Column(name)

    def subject(word: str) -> str:
        if not FIELD_NAME.match(word):
            raise InvalidFilterPattern(f"Invalid field name {word!r} in a space-delimited pattern.")
        return word

    return _Column(name, _Parser(tokens, subject).parse())


def _bind(columns: list[_Column], fields: list[str]) -> dict[str, str] | None:
    """Assign the event's fields to the pattern's columns (``...`` takes any number), or None."""

    def bind(c: int, f: int) -> dict[str, str] | None:
        if c == len(columns):
            return {} if f == len(fields) else None
        if columns[c].name == ELLIPSIS:
            for skip in range(len(fields) - f, -1, -1):
                bound = bind(c + 1, f + skip)
                if bound is not None:
                    return bound
            return None
        if f == len(fields):
            return None
        rest = bind(c + 1, f + 1)
        if rest is None:
            return None
        return {columns[c].name: fields[f], **rest} if columns[c].name else rest

    return bind(0, 0)


def split_fields(message: str) -> list[str]:
    """An event's space-delimited fields: text between "quotes" or [brackets] is one field."""
    fields: list[str] = []
    position, size = 0, len(message)
    while position < size:
        char = message[position]
        if char.isspace():
            position += 1
            continue
        closer = {'"': '"', "[": "]"}.get(char)
        if closer:
            end = message.find(closer, position + 1)
            end = size if end < 0 else end
            fields.append(message[position + 1 : end])
            position = end + 1
            continue
        end = position
        while end < size and not message[end].isspace():
            end += 1
        fields.append(message[position:end])
        position = end
    return [DelimitedField(field) for field in fields]


# -- terms -----------------------------------------------------------------------------------------
TERM = re.compile(r'\s*(?P<prefix>[?-]?)\s*(?:(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<bare>[^\s"]+))')
BARE_TERM = re.compile(r"^\w+$")


def _term_pattern(pattern: str) -> Matcher:
    groups: list[tuple[list[str], list[str]]] = [([], [])]  # (required, excluded) per group
    position = 0
    while position < len(pattern):
        if pattern[position:].isspace():
            break
        match = TERM.match(pattern, position)
        if match is None:
            raise InvalidFilterPattern(f"Unbalanced double quote in {pattern!r}.")
        position = match.end()
        if match["quoted"]:
            term = _unquote(match["quoted"])
        else:
            term = match["bare"]
            if not BARE_TERM.match(term):
                raise InvalidFilterPattern(
                    f"Invalid character(s) in term '{term}': put terms with characters other "
                    'than letters, digits and _ in double quotes ("...").'
                )
        if match["prefix"] == "?":
            if groups[-1] != ([], []):
                groups.append(([], []))
            groups[-1][0].append(term)
        elif match["prefix"] == "-":
            groups[-1][1].append(term)
        else:
            groups[-1][0].append(term)
    groups = [group for group in groups if group != ([], [])]

    def match_any_group(message: str) -> bool:
        return any(all(term in message for term in required)
                   and not any(term in message for term in excluded)
                   for required, excluded in groups)  # fmt: skip

    return match_any_group
