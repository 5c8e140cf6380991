"""CloudWatch Logs filter patterns, without sockets. The cases are AWS's own examples from "Filter
pattern syntax for metric filters, subscription filters, filter log events, and Live Tail"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), unless a
comment says otherwise."""

from __future__ import annotations

import json
import time

import pytest

from helpers.local_cloud.logs_filter import InvalidFilterPattern, matches, split_fields

# -- terms -------------------------------------------------------------------------------------------
OR_EVENTS = ["ERROR WARN message", "ERROR message", "WARN message"]


@pytest.mark.parametrize(("pattern", "matching"), [
    ("ERROR", [0, 1]),
    ("?ERROR ?WARN", [0, 1, 2]),
    ("ERROR WARN", [0]),
    ("ERROR -WARN", [1]),
    ("", [0, 1, 2]),  # the empty pattern matches every event
    ('""', [0, 1, 2]),
    ("message -ERROR -WARN", []),
])  # fmt: skip
def test_terms_and_or_and_exclusion(pattern, matching):
    assert [i for i, event in enumerate(OR_EVENTS) if matches(pattern, event)] == matching


@pytest.mark.parametrize(("pattern", "event", "expected"), [
    ("ERROR", "[ERROR] A fatal exception has occurred", True),
    ("ERROR", "Exiting with ERRORCODE: -1", True),  # a term matches inside a word
    ('"ERROR" - "Exiting"', "Exiting with ERRORCODE: -1", False),
    ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", True),
    ("ERROR Exception", "[ERROR] Unhandled Exception", True),
    ("Failed to process the request", "[ERROR] Unable to continue: Failed to process the request", True),
    ('"Failed to process"', "Failed: to process", False),  # a quoted phrase is matched whole
    ("error", "[ERROR] A fatal exception", False),  # filter patterns are case sensitive
    ('"platform.report"', '{"type":"platform.report","record":{}}', True),
    ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", True),
    ("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", True),
    ("%^AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", False),
    ('"50%" "60%" "70%"', "from 50% to 60% and 70%", True),  # % in quoted terms is plain text
])  # fmt: skip
def test_terms_from_the_documentation(pattern, event, expected):
    assert matches(pattern, event) is expected


def test_each_question_mark_starts_a_group_whose_terms_must_all_appear():
    # The AWS CDK writes FilterPattern.anyTermGroup(["ERROR", "MainThread"], ["WARN", "Deadlock"])
    # as ?"ERROR" "MainThread" ?"WARN" "Deadlock" (aws-cdk-lib/aws-logs/lib/pattern.ts).
    pattern = '?"ERROR" "MainThread" ?"WARN" "Deadlock"'
    assert matches(pattern, "ERROR in MainThread")
    assert matches(pattern, "WARN: Deadlock detected")
    assert not matches(pattern, "ERROR: Deadlock detected")


# -- JSON --------------------------------------------------------------------------------------------
EVENT = json.dumps({
    "eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111",
    "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
    "SomeObject": None, "ThisFlag": True,
})  # fmt: skip
COMPOUND = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"],
    "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
})  # fmt: skip


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{ $.eventType = "UpdateTrail" }', True),
    ("{ $.eventType = UpdateTrail }", True),
    ('{ $.eventType = "DeleteTrail" }', False),
    ("{ $.sourceIPAddress != 123.123.* }", True),
    ("{ $.sourceIPAddress = 111.111.* }", True),
    ('{ $.eventType = "*Trail" }', True),
    ('{ $.eventType = "Update*" }', True),
    ('{ $.eventType = "Up*Trail" }', False),  # "Ev*ent will only match the actual string Ev*ent"
    ('{ $.arrayKey[0] = "value" }', True),
    ('{ $.arrayKey[1] = "value" }', False),
    ("{ $.objectList[1].id = 2 }", True),
    ("{ $.objectList[2].id = 2 }", False),
    ("{ $.SomeObject IS NULL }", True),
    ("{ $.ThisFlag IS NULL }", False),
    ("{ $.SomeOtherObject NOT EXISTS }", True),
    ("{ $.SomeObject NOT EXISTS }", False),  # null is there: it exists
    ("{ $.ThisFlag IS TRUE }", True),
    ("{ $.ThisFlag IS FALSE }", False),
    ("{ $.eventType IS TRUE }", False),
    ('{ $.missing != "x" }', False),  # a comparison needs the field
    ("{ $.eventType = * }", True),  # "{ $.latency = * }": the field is there
    ("{ $.missing = * }", False),
    ("{ $.eventType = %^Update% }", True),  # a regular expression as the value
    ("{ $.eventType != %Trail$% }", False),
])  # fmt: skip
def test_json_selectors_and_values(pattern, expected):
    assert matches(pattern, EVENT) is expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
    ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch'
     ' && $.actions[2] = nomatch }', True),
    ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch)'
     ' && $.actions[2] = nomatch }', False),
    ("{ $.coordinates[1][2] = 6 }", True),
])  # fmt: skip
def test_json_compound_conditions_follow_parentheses_then_and_then_or(pattern, expected):
    assert matches(pattern, COMPOUND) is expected


def test_a_selector_must_point_to_a_value_not_an_array_or_object():
    event = json.dumps({"users": [1, 2, 3]})
    assert not matches("{ $.users = 1 }", event)
    assert not matches("{ $.users != 1 }", event)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("{ $.latency >= 500 }", True),
    ("{ $.latency > +1000 }", False),
    ("{ $.numbers[0] < 10e3 }", True),
    ("{ $.numbers[0] < 10e-3 }", False),
    ("{ $.processes[4].averageRuntime <= 55.5 }", True),
    ("{ $.errorCode = 400 }", True),
    ("{ $.errorCode != 500 }", True),
    ("{ $.errorCode = 4* }", True),
    ('{ $.name > 1 }', False),  # a string is not a number
])  # fmt: skip
def test_json_numeric_comparisons(pattern, expected):
    event = json.dumps({"latency": 500, "numbers": [7], "errorCode": 400, "name": "5",
                        "processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]})  # fmt: skip
    assert matches(pattern, event) is expected


def test_json_or_from_the_documentation():
    bar, baz = '{"foo": "bar"}', '{"foo": "baz"}'
    assert [matches("{$.foo = bar}", e) for e in (bar, baz)] == [True, False]
    assert [matches("{$.foo = baz }", e) for e in (bar, baz)] == [False, True]
    assert [matches("{$.foo = bar || $.foo = baz }", e) for e in (bar, baz)] == [True, True]


def test_json_patterns_never_match_text_events():
    assert not matches('{ $.level = "ERROR" }', "[ERROR] level = ERROR")
    assert not matches("{ $.level NOT EXISTS }", "plain text")


def test_the_level_pattern_notebook_04_teaches_selects_error_records_only():
    lines = [json.dumps({"timestamp": "2026-01-01T00:00:00Z", "level": level, "message": text,
                         "requestId": "r-1"})
             for level, text in (("INFO", "hello"), ("ERROR", "boom"), ("WARNING", "hmm"))]
    lines.append('{"time":"2026-01-01T00:00:00Z","type":"platform.report","record":{}}')
    assert [line for line in lines if matches('{ $.level = "ERROR" }', line)] == [lines[1]]


# -- space-delimited ---------------------------------------------------------------------------------
APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 404 4355',
]


def test_quoted_and_bracketed_parts_are_one_field():
    assert split_fields(APACHE[2]) == ["127.0.0.1", "-", "frank", "10/Oct/2000:13:50:35 -0700",
                                       "GET /index.html HTTP/1.0", "404", "4355"]  # fmt: skip


@pytest.mark.parametrize(("pattern", "matching"), [
    ("[ip, user, username, timestamp, request, status_code, bytes]", [0, 1, 2]),
    ("[ip, user, username, timestamp, request, status_code]", []),  # one field short
    ("[..., status_code, bytes]", [0, 1, 2]),
    ("[ip, user, ..., status_code, bytes]", [0, 1, 2]),
    ("[ip, user, ...]", [0, 1, 2]),
    ("[ip, user, username, timestamp, request, status_code, bytes > 5000]", [1]),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", [0]),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", [2]),
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", [2]),
    ("[ip, user, username, timestamp, request, status_code = 200 || status_code = 500, bytes]",
     [0, 1]),
    ("[..., request=*.html*, status_code=4*,]", [2]),  # a trailing comma: a field without name
    ("[..., request=*.html*, status_code=4*]", []),
])  # fmt: skip
def test_space_delimited_patterns_from_the_documentation(pattern, matching):
    assert [i for i, event in enumerate(APACHE) if matches(pattern, event)] == matching


def test_space_delimited_or_from_the_documentation():
    assert [i for i, e in enumerate(OR_EVENTS) if matches("[w1=ERROR, w2]", e)] == [1]
    assert [i for i, e in enumerate(OR_EVENTS) if matches("[w1=ERROR || w1=WARN, w2]", e)] == [1, 2]


# -- what AWS refuses ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pattern", [
    '{ $.level = "ERROR"',
    '{ level = "ERROR" }',
    "{ $.latency > fast }",
    "{ $.level = }",
    "{ $.a EXISTS }",  # AWS documents NOT EXISTS only; the CDK writes "exists" as = *
    "{ $.a IS MAYBE }",
    "{ $[0] = 1 }",
    "ERROR:",  # terms with characters other than letters, digits and _ need quotes
    "api.example.com",
    '"unbalanced',
    "[a,,b]",
    "[1st, b]",
    "[a, b",
    "%a(b)%",  # parentheses are not supported in regular expressions
    "{ $.a = %a% || $.b = %b% || $.c = %c% }",  # at most 2 regular expressions per pattern
    "%a% %b%",  # a regular expression stands alone among terms
])  # fmt: skip
def test_invalid_patterns_are_refused(pattern):
    with pytest.raises(InvalidFilterPattern):
        matches(pattern, "anything")


# -- through boto3, on the local cloud ---------------------------------------------------------------
@pytest.fixture(scope="module")
def log_group(aws):
    logs = aws.client("logs")
    group = "/workbook/filter-patterns"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    messages = [json.dumps({"level": level, "message": text, "latency": latency})
                for level, text, latency in (("INFO", "hello", 12), ("ERROR", "boom", 900),
                                             ("WARNING", "slow", 600))]  # fmt: skip
    now = int(time.time() * 1000)  # AWS drops events older than 14 days
    messages += ["[ERROR] ValueError: 'name' must be a non-empty string", "plain INFO line"]
    logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": now + i, "message": m} for i, m in enumerate(messages)])
    yield logs, group, messages
    logs.delete_log_group(logGroupName=group)


@pytest.mark.parametrize(("pattern", "expected"), [
    ('{ $.level = "ERROR" }', [1]),
    ("{ $.latency >= 600 }", [1, 2]),
    ('{ $.level = "ERROR" || $.message = "slow" }', [1, 2]),
    ("ERROR", [1, 3]),
    ("?WARNING ?ValueError", [2, 3]),
    ("INFO -hello", [4]),
])  # fmt: skip
def test_filter_log_events_returns_only_matching_events(log_group, pattern, expected):
    logs, group, messages = log_group
    found = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
    assert [event["message"] for event in found] == [messages[i] for i in expected]


def test_invalid_pattern_is_invalid_parameter_exception(log_group):
    logs, group, _ = log_group
    with pytest.raises(logs.exceptions.InvalidParameterException) as raised:
        logs.filter_log_events(logGroupName=group, filterPattern='{ $.level = "ERROR"')
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Invalid filter pattern" in raised.value.response["Error"]["Message"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_metric_filter(logGroupName=group, filterName="f", filterPattern="{ $.a > x }",
                               metricTransformations=[{"metricName": "m", "metricNamespace": "n",
                                                       "metricValue": "1"}])  # fmt: skip
