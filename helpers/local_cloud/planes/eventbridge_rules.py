"""EventBridge's rules as plain functions: schedule expressions and what a target receives.

Schedules (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):
``rate(value unit)`` with a singular unit for 1 and a plural one above, and six-field
``cron(minutes hours day-of-month month day-of-week year)`` in UTC, where exactly one of the
two day fields is ``?``; ``,`` ``-`` ``*`` ``/`` everywhere, ``L`` and ``W`` in
day-of-month, ``L`` and ``#`` in day-of-week (1 = SUN), month and day names.

Targets receive the event, or the target's ``Input`` (constant JSON), ``InputPath`` (a part of
the event) or ``InputTransformer`` (``InputPathsMap`` values put into ``InputTemplate``).
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

INVALID_SCHEDULE = "Parameter ScheduleExpression is not valid."
RATE = re.compile(r"^rate\((?P<value>[1-9][0-9]*) (?P<unit>minutes?|hours?|days?)\)$")
CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MONTHS = {name: number for number, name in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
WEEKDAYS = {name: number for number, name in enumerate(
    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], 1)}  # AWS: 1 is Sunday
SEARCH_YEARS = 5  # how far ahead to look for the next matching minute


class Schedule:
    """A parsed schedule: ``next_after(epoch)`` is the next time it fires, after `epoch`."""

    def next_after(self, epoch: float) -> float | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Rate(Schedule):
    seconds: int
    start: float = 0.0  # when the rule was created: rates count from there

    def next_after(self, epoch: float) -> float:
        periods = max(0, int((epoch - self.start) // self.seconds)) + 1
        return self.start + periods * self.seconds


def _numbers(part: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """One comma-separated element of a cron field: ``*``, ``5``, ``1-5``, ``*/15``, ``MON``."""
    step = 1
    if "/" in part:
        part, step_text = part.split("/", 1)
        if not step_text.isdigit() or int(step_text) < 1:
            raise ValueError(part)
        step = int(step_text)
    if part == "*":
        first, last = low, high
    elif "-" in part:
        first_text, last_text = part.split("-", 1)
        first, last = _one(first_text, names), _one(last_text, names)
    else:
        first = _one(part, names)
        last = high if step > 1 else first
    if not (low <= first <= high and low <= last <= high) or first > last:
        raise ValueError(part)
    return set(range(first, last + 1, step))


def _one(text: str, names: dict[str, int]) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        values |= _numbers(part, low, high, names or {})
    return values


@dataclass(frozen=True)
class Cron(Schedule):
    minutes: frozenset[int]
    hours: frozenset[int]
    days: str  # day-of-month, kept as text: L and W depend on the month
    months: frozenset[int]
    weekdays: str  # day-of-week, kept as text: L and # depend on the month
    years: frozenset[int]

    def day_matches(self, day: datetime) -> bool:
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.days != "?":
            return _day_of_month_matches(self.days, day)
        return _day_of_week_matches(self.weekdays, day)

    def next_after(self, epoch: float) -> float | None:
        moment = datetime.fromtimestamp(epoch, UTC).replace(second=0, microsecond=0)
        moment += timedelta(minutes=1)
        day = moment.replace(hour=0, minute=0)
        for _ in range(366 * SEARCH_YEARS):
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= moment:
                            return candidate.timestamp()
            day += timedelta(days=1)
        return None  # no time in the coming years (a past year, 30 FEB...)


def _day_of_month_matches(text: str, day: datetime) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    for part in text.split(","):
        if part == "L":
            if day.day == last:
                return True
        elif part.endswith("W"):
            if day.day == _nearest_weekday(day.replace(day=min(int(part[:-1]), last))).day:
                return True
        elif day.day in _numbers(part, 1, 31, {}):
            return True
    return False


def _nearest_weekday(day: datetime) -> datetime:
    """``15W``: the weekday nearest the 15th, within the same month."""
    if day.weekday() == 5:  # Saturday: Friday before, unless that leaves the month
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    if day.weekday() == 6:  # Sunday: Monday after, unless that leaves the month
        last = calendar.monthrange(day.year, day.month)[1]
        return day + timedelta(days=1) if day.day < last else day - timedelta(days=2)
    return day


def _day_of_week_matches(text: str, day: datetime) -> bool:
    weekday = (day.weekday() + 1) % 7 + 1  # Python: Monday 0; AWS: Sunday 1
    last = calendar.monthrange(day.year, day.month)[1]
    for part in text.split(","):
        if "#" in part:
            name, nth = part.split("#", 1)
            if weekday == _one(name, WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth):
                return True
        elif part == "L":  # alone, the last day of the week: Saturday
            if weekday == 7:
                return True
        elif part.endswith("L"):  # 6L: the month's last Friday
            if weekday == _one(part[:-1], WEEKDAYS) and day.day + 7 > last:
                return True
        elif weekday in _numbers(part, 1, 7, WEEKDAYS):
            return True
    return False


def _check_days(text: str, weekdays: bool) -> None:
    """Raise ValueError unless every element of a day field is well formed."""
    for part in text.split(","):
        if weekdays and "#" in part:
            name, nth = part.split("#", 1)
            _one(name, WEEKDAYS)
            if nth not in ("1", "2", "3", "4", "5"):
                raise ValueError(part)
        elif weekdays and part.endswith("L") and part != "L":
            if not 1 <= _one(part[:-1], WEEKDAYS) <= 7:
                raise ValueError(part)
        elif not weekdays and (part == "L" or (part.endswith("W") and part[:-1].isdigit()
                                               and 1 <= int(part[:-1]) <= 31)):  # fmt: skip
            continue
        elif part == "L":
            continue
        else:
            _numbers(part, 1, 7 if weekdays else 31, WEEKDAYS if weekdays else {})


def parse_schedule(expression: str, created: float = 0.0) -> Schedule:
    """The schedule of a ``rate(...)`` or ``cron(...)`` expression; ValueError with AWS's
    message when EventBridge would refuse it."""
    rate = RATE.match(expression or "")
    if rate:
        value, unit = int(rate["value"]), rate["unit"]
        if (value == 1) == unit.endswith("s"):  # "1 minute", "5 minutes"
            raise ValueError(INVALID_SCHEDULE)
        return Rate(value * UNIT_SECONDS[unit.rstrip("s")], created)
    cron = CRON.match(expression or "")
    fields = cron["fields"].split() if cron else []
    if len(fields) != 6:
        raise ValueError(INVALID_SCHEDULE)
    minutes, hours, days, months, weekdays, years = fields
    if (days == "?") == (weekdays == "?"):  # exactly one of the day fields is "?"
        raise ValueError(INVALID_SCHEDULE)
    try:
        if days != "?":
            _check_days(days, weekdays=False)
        if weekdays != "?":
            _check_days(weekdays, weekdays=True)
        return Cron(frozenset(_field(minutes, 0, 59)), frozenset(_field(hours, 0, 23)), days,
                    frozenset(_field(months, 1, 12, MONTHS)), weekdays,
                    frozenset(_field(years, 1970, 2199)))  # fmt: skip
    except (ValueError, IndexError):
        raise ValueError(INVALID_SCHEDULE) from None


# -- what a target receives -----------------------------------------------------------------------

PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
MISSING = object()


def json_path(event: Any, path: str) -> Any:
    """The value at a JSONPath of EventBridge's simple kind (``$.detail.items[0]``), or
    ``MISSING``."""
    if not path.startswith("$"):
        return MISSING
    value, position = event, 1
    while position < len(path):
        step = PATH_STEP.match(path, position)
        if step is None:
            return MISSING
        key = next(group for group in step.groups() if group is not None)
        position = step.end()
        if step.group(2) is not None:
            if not isinstance(value, list) or int(key) >= len(value):
                return MISSING
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return MISSING
    return value


def _fill(template: str, values: dict[str, Any]) -> str:
    """Put each ``<name>``'s value into the template: raw (JSON-escaped) inside a JSON string,
    as JSON outside one, as EventBridge does. Unknown names stay as they are."""
    out, in_string, index = [], False, 0
    while index < len(template):
        char = template[index]
        if char == '"' and (index == 0 or template[index - 1] != "\\"):
            in_string = not in_string
        if char == "<":
            end = template.find(">", index)
            name = template[index + 1:end] if end > 0 else ""
            if name in values:
                value = values[name]
                if in_string:
                    text = "" if value is MISSING or value is None else (
                        value if isinstance(value, str) else json.dumps(value))
                    out.append(json.dumps(text)[1:-1])
                else:
                    out.append("null" if value is MISSING else json.dumps(value))
                index = end + 1
                continue
        out.append(char)
        index += 1
    return "".join(out)


def target_input(target: dict[str, Any], event: dict[str, Any], rule_arn: str) -> bytes:
    """The payload EventBridge sends a target for `event` (JSON bytes)."""
    if target.get("Input") is not None:
        return str(target["Input"]).encode()
    if target.get("InputPath"):
        value = json_path(event, target["InputPath"])
        return json.dumps(None if value is MISSING else value).encode()
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event).encode()
    values = {name: json_path(event, path)
              for name, path in (transformer.get("InputPathsMap") or {}).items()}
    values.update({"aws.events.rule-arn": rule_arn,
                   "aws.events.rule-name": rule_arn.rsplit("/", 1)[-1],
                   "aws.events.event": event, "aws.events.event.json": event})  # fmt: skip
    filled = _fill(transformer.get("InputTemplate", ""), values)
    try:
        json.loads(filled)
    except ValueError:
        return json.dumps(filled).encode()  # a plain-text template reaches Lambda as a string
    return filled.encode()
