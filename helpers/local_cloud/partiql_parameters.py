"""DynamoDB PartiQL statements with ``?`` parameters, made plain for moto's PartiQL parser.

moto hands statements to ``py-partiql-parser``, which fails on ``?`` in INSERT and DELETE, on
comparisons such as ``n > ?``, and on operators written without spaces (``pk='a'``). AWS binds each
``?`` to the next entry of ``Parameters`` (typed AttributeValues). Here each ``?`` becomes the
equivalent PartiQL literal, outside string literals and quoted names, so the parser sees a
statement without parameters: strings are quoted with ``''`` escaping, so no value can change the
statement's meaning. See https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.html
"""

from __future__ import annotations

import re
from typing import Any

OPERATORS = ("<>", "!=", "<=", ">=", "=", "<", ">")
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
MISMATCH = "Number of parameters in request and statement don't match."


class ParameterError(ValueError):
    """The parameters do not fit the statement (AWS answers ValidationException)."""


class Unbindable(ValueError):
    """A value with no PartiQL literal (binary): leave the statement to moto as it is."""


def literal(value: dict[str, Any]) -> str:
    """The PartiQL literal for one AttributeValue (``{"S": "a"}`` -> ``'a'``)."""
    if len(value) != 1:
        raise ParameterError("Supplied AttributeValue has more than one datatypes set, must "
                             "contain exactly one of the supported datatypes")  # fmt: skip
    (kind, data), = value.items()
    if kind == "S":
        return "'" + str(data).replace("'", "''") + "'"
    if kind == "N":
        if not NUMBER.match(str(data)):
            raise ParameterError(f"The parameter cannot be converted to a numeric value: {data}")
        return str(data)
    if kind == "BOOL":
        return "true" if data else "false"
    if kind == "NULL":
        return "null"
    if kind == "L":
        return "[" + ", ".join(literal(item) for item in data) + "]"
    if kind == "M":
        return "{" + ", ".join(f"{literal({'S': key})}: {literal(item)}"
                               for key, item in data.items()) + "}"  # fmt: skip
    if kind in ("SS", "NS"):
        inner = "S" if kind == "SS" else "N"
        return "<<" + ", ".join(literal({inner: item}) for item in data) + ">>"
    raise Unbindable(kind)


def bind(statement: str, parameters: list[dict[str, Any]] | None) -> str:
    """The statement with each ``?`` replaced by its parameter's literal, and comparison operators
    spaced (``pk='a'`` -> ``pk = 'a'``). Raises ``ParameterError`` when the counts differ."""
    parameters = list(parameters or [])
    out: list[str] = []
    position, used, size = 0, 0, len(statement)
    while position < size:
        char = statement[position]
        if char in "'\"":  # a string literal or a quoted name: copied whole ('' and "" escape)
            end = position + 1
            while end < size:
                if statement[end] == char:
                    if end + 1 < size and statement[end + 1] == char:
                        end += 2
                        continue
                    break
                end += 1
            out.append(statement[position : end + 1])
            position = end + 1
            continue
        if char == "?":
            if used >= len(parameters):
                raise ParameterError(MISMATCH)
            out.append(literal(parameters[used]))
            used += 1
            position += 1
            continue
        if statement.startswith(("<<", ">>"), position):  # a set literal's brackets, as written
            out.append(statement[position : position + 2])
            position += 2
            continue
        operator = next((op for op in OPERATORS if statement.startswith(op, position)), None)
        if operator:  # exactly one space either side: the parser splits on single spaces
            while out and out[-1].isspace():
                out.pop()
            out.append(f" {operator} ")
            position += len(operator)
            while position < size and statement[position].isspace():
                position += 1
            continue
        out.append(char)
        position += 1
    if used != len(parameters):
        raise ParameterError(MISMATCH)
    return "".join(out)
