import json

import queue_worker


def body(name="Ada", text="Hello from the queue"):
    return json.dumps({"name": name, "text": text})


def test_valid_submissions_become_messages_and_nothing_is_reported(table, sqs_event):
    result = queue_worker.handler(sqs_event(body(), body("Grace", "Hi")), None)
    assert result == {"batchItemFailures": []}
    assert sorted(m["name"] for m in table()) == ["Ada", "Grace"]
    assert table()[0]["created_at"] == "2026-01-01T09:30:00.000000Z"  # when it was sent


def test_only_the_poison_messages_are_reported_as_failed(table, sqs_event):
    event = sqs_event(body(), "not json", body(name=""), json.dumps({"name": "x"}), body("Eve"))
    result = queue_worker.handler(event, None)
    ids = [r["messageId"] for r in event["Records"]]
    assert result["batchItemFailures"] == [{"itemIdentifier": i} for i in ids[1:4]]
    assert sorted(m["name"] for m in table()) == ["Ada", "Eve"]


def test_a_redelivered_message_is_stored_once(table, sqs_event):
    event = sqs_event(body())
    queue_worker.handler(event, None)
    queue_worker.handler(event, None)
    assert len(table()) == 1


def test_a_dynamodb_failure_is_reported_so_the_message_is_retried(table, sqs_event,
                                                                   monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "no-such-table")
    event = sqs_event(body())
    assert queue_worker.handler(event, None)["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][0]["messageId"]}]
