import message_counter


def test_new_and_deleted_messages_change_the_count(stored_count, stream_event):
    message_counter.handler(stream_event(("INSERT", "MESSAGES"), ("INSERT", "MESSAGES")), None)
    result = message_counter.handler(stream_event(("REMOVE", "MESSAGES")), None)
    assert result == {"records": 1, "change": -1, "count": 1}
    assert stored_count() == 1


def test_other_items_and_edits_do_not_count(stored_count, stream_event):
    event = stream_event(("INSERT", "MESSAGE#0123"),      # a message's pointer item
                         ("MODIFY", "MESSAGES"),          # an edited message
                         ("INSERT", "IDEMPOTENCY#abc"),   # the API's idempotency record
                         ("MODIFY", "STATS"))             # the count itself: no feedback loop
    assert message_counter.handler(event, None) == {"records": 4, "change": 0, "count": None}
    assert stored_count() is None  # nothing written when nothing changed


def test_a_batch_is_one_atomic_update(stored_count, stream_event, monkeypatch):
    calls = []
    client = message_counter.dynamodb()
    monkeypatch.setattr(client, "update_item",
                        lambda **kw: calls.append(kw) or {"Attributes": {"count": {"N": "3"}}})
    message_counter.handler(stream_event(*[("INSERT", "MESSAGES")] * 3), None)
    assert len(calls) == 1 and calls[0]["ExpressionAttributeValues"][":change"] == {"N": "3"}
