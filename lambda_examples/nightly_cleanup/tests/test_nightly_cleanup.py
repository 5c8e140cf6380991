import nightly_cleanup


def test_messages_older_than_the_limit_go_with_their_pointers(guestbook, scheduled_event):
    guestbook.post("2026-01-01T09:00:00.000000Z")  # 59 days before the run
    guestbook.post("2026-01-30T02:59:59.999999Z")  # just over 30 days
    guestbook.post("2026-01-30T03:00:00.000000Z")  # exactly 30 days: kept
    guestbook.post("2026-02-28T12:00:00.000000Z")
    result = nightly_cleanup.handler(scheduled_event, None)
    assert result == {"deleted": 2, "cutoff": "2026-01-30T03:00:00.000000Z", "more": False}
    assert guestbook.message_dates() == ["2026-01-30T03:00:00.000000Z",
                                         "2026-02-28T12:00:00.000000Z"]
    assert guestbook.item_count() == 4  # two messages and their two pointers


def test_the_limit_comes_from_the_environment(guestbook, scheduled_event, monkeypatch):
    monkeypatch.setenv("MAX_AGE_DAYS", "1")
    guestbook.post("2026-02-27T00:00:00.000000Z")
    assert nightly_cleanup.handler(scheduled_event, None)["deleted"] == 1


def test_a_run_stops_at_max_deletes_and_says_there_is_more(guestbook, scheduled_event,
                                                           monkeypatch):
    monkeypatch.setattr(nightly_cleanup, "MAX_DELETES", 3)
    for day in range(1, 6):
        guestbook.post(f"2026-01-0{day}T00:00:00.000000Z")
    assert nightly_cleanup.handler(scheduled_event, None) == {
        "deleted": 3, "cutoff": "2026-01-30T03:00:00.000000Z", "more": True}
    assert guestbook.message_dates() == ["2026-01-04T00:00:00.000000Z",
                                         "2026-01-05T00:00:00.000000Z"]


def test_a_repeated_run_finds_nothing_more_to_delete(guestbook, scheduled_event):
    guestbook.post("2026-01-01T00:00:00.000000Z")
    nightly_cleanup.handler(scheduled_event, None)
    assert nightly_cleanup.handler(scheduled_event, None)["deleted"] == 0
