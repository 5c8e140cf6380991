"""EventBridge's schedule expressions and target inputs, without a cloud."""

from datetime import UTC, datetime

import pytest

from helpers.local_cloud.planes.eventbridge_rules import (
    INVALID_SCHEDULE,
    json_path,
    parse_schedule,
    target_input,
)

NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC).timestamp()  # a Thursday


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def next_fire(expression: str, after: float = NEW_YEAR) -> str:
    moment = parse_schedule(expression).next_after(after)
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M %a")


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 weeks)", "rate(5minutes)",
    "cron(0 3 * * * *)",  # both day fields given: one must be ?
    "cron(0 3 ? * ? *)",  # neither
    "cron(0 3 * *)", "cron(60 3 * * ? *)", "cron(0 24 * * ? *)", "cron(0 3 32 * ? *)",
    "cron(0 3 ? * 8 *)", "cron(0 3 ? FOO * *)", "cron(0 3 ? * MON#6 *)", "every day",
])  # fmt: skip
def test_schedule_expressions_eventbridge_refuses(expression):
    with pytest.raises(ValueError, match=INVALID_SCHEDULE.replace(".", r"\.")):
        parse_schedule(expression)


@pytest.mark.parametrize("expression, expected", [
    ("cron(0 3 * * ? *)", "2026-01-01 03:00 Thu"),
    ("cron(0/15 * * * ? *)", "2026-01-01 00:15 Thu"),
    ("cron(30 12 ? * MON-FRI *)", "2026-01-01 12:30 Thu"),
    ("cron(0 9 ? * SAT,SUN *)", "2026-01-03 09:00 Sat"),
    ("cron(0 10 L * ? *)", "2026-01-31 10:00 Sat"),
    ("cron(0 10 ? * 6L *)", "2026-01-30 10:00 Fri"),  # the last Friday
    ("cron(0 8 ? * 2#1 *)", "2026-01-05 08:00 Mon"),  # the first Monday (1 is Sunday)
    ("cron(0 9 17W * ? *)", "2026-01-16 09:00 Fri"),  # the 17th is a Saturday
    ("cron(0 0 1 JAN ? 2027)", "2027-01-01 00:00 Fri"),
])  # fmt: skip
def test_cron_fires_at_the_next_matching_minute_in_utc(expression, expected):
    assert next_fire(expression) == expected


def test_cron_never_fires_at_the_minute_it_is_asked_from():
    assert next_fire("cron(0 3 * * ? *)", at("2026-01-01T03:00:00")) == "2026-01-02 03:00 Fri"


def test_a_rate_counts_from_when_the_rule_was_created():
    schedule = parse_schedule("rate(5 minutes)", created=NEW_YEAR)
    assert schedule.next_after(NEW_YEAR) == NEW_YEAR + 300
    assert schedule.next_after(NEW_YEAR + 301) == NEW_YEAR + 600
    assert parse_schedule("rate(1 day)").seconds == 86400


EVENT = {"id": "1", "source": "guestbook", "detail": {"author": "Ada", "tags": ["a", "b"],
                                                      "stars": 5, "text": 'say "hi"'}}


def test_json_path_reads_keys_and_list_items():
    assert json_path(EVENT, "$.detail.tags[1]") == "b"
    assert json_path(EVENT, "$") == EVENT


def test_input_replaces_the_event_and_input_path_picks_a_part():
    assert target_input({"Input": '{"constant": true}'}, EVENT, "arn") == b'{"constant": true}'
    assert target_input({"InputPath": "$.detail.stars"}, EVENT, "arn") == b"5"


def test_input_transformer_fills_strings_raw_and_values_as_json():
    target = {"InputTransformer": {
        "InputPathsMap": {"who": "$.detail.author", "text": "$.detail.text",
                          "tags": "$.detail.tags", "missing": "$.detail.nothing"},
        "InputTemplate": '{"line": "<who> said <text>", "tags": <tags>, "gone": <missing>, '
                         '"rule": "<aws.events.rule-name>"}'}}
    import json

    assert json.loads(target_input(target, EVENT, "arn:aws:events:us-east-1:1:rule/r")) == {
        "line": 'Ada said say "hi"', "tags": ["a", "b"], "gone": None, "rule": "r"}


def test_a_plain_text_template_reaches_lambda_as_a_json_string():
    target = {"InputTransformer": {"InputPathsMap": {"who": "$.detail.author"},
                                   "InputTemplate": "<who> signed the guestbook"}}
    assert target_input(target, EVENT, "arn") == b'"\\"Ada\\" signed the guestbook"'
