"""EventBridge rules run Lambda targets: schedules fire on the cloud's (fake) clock or on demand,
event patterns select PutEvents entries, and only functions that allow events.amazonaws.com
are invoked."""

import json
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud.planes.eventbridge import EventBridgePlane

# Keys of AWS's sample scheduled event (aws-sam-cli generated_sample_events/events/cloudwatch/
# ScheduledEvent.json), plus "version", which every EventBridge event carries.
SCHEDULED_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region",
                  "resources", "detail"}


def rule_with_target(triggers, rule, function, *, permitted=True, **rule_spec):
    events, lam = triggers.client("events"), triggers.client("lambda")
    rule_arn = events.put_rule(Name=rule, **rule_spec)["RuleArn"]
    arn = triggers.function(function)
    if permitted:
        lam.add_permission(FunctionName=function, StatementId=f"events-{rule}",
                           Action="lambda:InvokeFunction", Principal="events.amazonaws.com",
                           SourceArn=rule_arn)
    return rule_arn, arn


def drop(triggers, *rules):
    """Rules outlive a test unless deleted (targets first, as EventBridge requires)."""
    events = triggers.client("events")
    for rule in rules:
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
        if targets:
            events.remove_targets(Rule=rule, Ids=[t["Id"] for t in targets])
        events.delete_rule(Name=rule)


def tick(triggers):
    return triggers.plane(EventBridgePlane).tick()


def fire(triggers, rule):
    request = urllib.request.Request(
        f"{triggers.cloud.endpoint}/_aws/events/rules/{rule}/fire", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "cron(0 3 * * *)",
                                        "cron(0 3 * * * *)"])
def test_put_rule_refuses_schedules_eventbridge_refuses(triggers, expression):
    with pytest.raises(ClientError) as refused:
        triggers.client("events").put_rule(Name="bad-schedule", ScheduleExpression=expression)
    error = refused.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationException",
                                                 "Parameter ScheduleExpression is not valid.")


def test_a_rate_schedule_fires_when_its_period_has_passed(triggers):
    rule_arn, arn = rule_with_target(triggers, "every-5-minutes", "eb-rate",
                                     ScheduleExpression="rate(5 minutes)")
    triggers.client("events").put_targets(Rule="every-5-minutes",
                                          Targets=[{"Id": "fn", "Arn": arn}])
    assert tick(triggers) == 0
    triggers.clock.advance(299)
    assert tick(triggers) == 0
    triggers.clock.advance(1)
    assert tick(triggers) == 1
    [event] = triggers.wait_for_events("eb-rate", 1)
    assert set(event) == SCHEDULED_KEYS
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [rule_arn] and event["detail"] == {}
    assert event["time"].endswith("Z") and event["account"] == "123456789012"
    drop(triggers, "every-5-minutes")


def test_a_cron_schedule_fires_at_its_minute_and_a_disabled_one_does_not(triggers):
    events = triggers.client("events")
    _, arn = rule_with_target(triggers, "nightly", "eb-nightly",
                              ScheduleExpression="cron(0 3 * * ? *)")
    _, other = rule_with_target(triggers, "nightly-off", "eb-nightly-off",
                                ScheduleExpression="cron(0 3 * * ? *)", State="DISABLED")
    events.put_targets(Rule="nightly", Targets=[{"Id": "fn", "Arn": arn}])
    events.put_targets(Rule="nightly-off", Targets=[{"Id": "fn", "Arn": other}])
    tick(triggers)
    now = triggers.clock.time()
    triggers.clock.advance(86400 - now % 86400 + 3 * 3600)  # to 03:00 UTC tomorrow
    assert tick(triggers) == 1
    assert len(triggers.wait_for_events("eb-nightly", 1)) == 1
    assert triggers.events_seen("eb-nightly-off") == []
    drop(triggers, "nightly", "nightly-off")


def test_a_schedule_can_be_fired_now_without_waiting(triggers):
    events = triggers.client("events")
    rule_arn, arn = rule_with_target(triggers, "fire-me", "eb-fire",
                                     ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="fire-me", Targets=[{"Id": "fn", "Arn": arn}])
    status, answer = fire(triggers, "fire-me")
    assert status == 200 and answer["Event"]["resources"] == [rule_arn]
    [event] = triggers.wait_for_events("eb-fire", 1)
    assert event["id"] == answer["Event"]["id"]
    events.disable_rule(Name="fire-me")
    status, answer = fire(triggers, "fire-me")
    assert status == 400 and "DISABLED" in answer["message"]
    assert fire(triggers, "no-such-rule")[1]["__type"] == "ResourceNotFoundException"
    drop(triggers, "fire-me")


def test_a_function_without_a_permission_for_the_rule_is_not_invoked(triggers):
    events = triggers.client("events")
    arn = triggers.function("eb-guarded")
    allowed = events.put_rule(Name="allowed", ScheduleExpression="rate(1 day)")["RuleArn"]
    events.put_rule(Name="not-allowed", ScheduleExpression="rate(1 day)")
    triggers.client("lambda").add_permission(
        FunctionName="eb-guarded", StatementId="allowed", Action="lambda:InvokeFunction",
        Principal="events.amazonaws.com", SourceArn=allowed)
    for rule in ("not-allowed", "allowed"):
        events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": arn}])
        assert fire(triggers, rule)[0] == 200
    events_seen = triggers.wait_for_events("eb-guarded", 1)
    assert [event["resources"] for event in events_seen] == [[allowed]]
    drop(triggers, "not-allowed", "allowed")


PATTERN = {
    "source": ["guestbook"],
    "detail-type": [{"prefix": "Message"}],
    "detail": {"stars": [{"numeric": [">=", 4]}], "author": [{"anything-but": ["spammer"]}],
               "deleted": [{"exists": False}]},
}


def entry(detail_type="Message posted", source="guestbook", **detail):
    return {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}


def test_put_events_runs_the_function_for_events_matching_the_pattern(triggers):
    events = triggers.client("events")
    _, arn = rule_with_target(triggers, "good-reviews", "eb-pattern",
                              EventPattern=json.dumps(PATTERN))
    events.put_targets(Rule="good-reviews", Targets=[{"Id": "fn", "Arn": arn}])
    answer = events.put_events(Entries=[
        entry(source="elsewhere", stars=5, author="ada", n=1),   # exact source differs
        entry(detail_type="Deleted", stars=5, author="ada", n=2),  # prefix differs
        entry(stars=3, author="ada", n=3),                        # numeric fails
        entry(stars=5, author="spammer", n=4),                    # anything-but fails
        entry(stars=5, author="ada", deleted=True, n=5),          # exists: false fails
        entry(stars=4, author="ada", n=6),                        # matches
        entry(stars=5, author="grace", n=7),                      # matches
    ])
    assert answer["FailedEntryCount"] == 0
    seen = triggers.wait_for_events("eb-pattern", 2)
    assert sorted(event["detail"]["n"] for event in seen) == [6, 7]
    assert set(seen[0]) == SCHEDULED_KEYS and seen[0]["source"] == "guestbook"
    assert "ingestion-time" not in seen[0]
    drop(triggers, "good-reviews")


def test_an_input_transformer_shapes_what_the_function_receives(triggers):
    events = triggers.client("events")
    _, arn = rule_with_target(triggers, "transformed", "eb-transformed",
                              EventPattern=json.dumps({"source": ["guestbook"]}))
    events.put_targets(Rule="transformed", Targets=[{"Id": "fn", "Arn": arn, "InputTransformer": {
        "InputPathsMap": {"who": "$.detail.author", "stars": "$.detail.stars"},
        "InputTemplate": '{"line": "<who> gave <stars> stars", "stars": <stars>}'}}])
    events.put_events(Entries=[entry(author="Ada", stars=5)])
    assert triggers.wait_for_events("eb-transformed", 1) == [
        {"line": "Ada gave 5 stars", "stars": 5}]
    drop(triggers, "transformed")


def test_a_schedule_feeds_a_queue_and_a_function_alike(triggers):
    events, sqs = triggers.client("events"), triggers.client("sqs")
    url = sqs.create_queue(QueueName="eb-schedule-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    rule_arn, arn = rule_with_target(triggers, "both-targets", "eb-both",
                                     ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="both-targets", Targets=[
        {"Id": "queue", "Arn": queue_arn["Attributes"]["QueueArn"]}, {"Id": "fn", "Arn": arn}])
    fire(triggers, "both-targets")
    [event] = triggers.wait_for_events("eb-both", 1)
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert json.loads(message["Body"])["resources"] == [rule_arn] == event["resources"]
    drop(triggers, "both-targets")
