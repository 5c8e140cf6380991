"""Idempotency-Key: a retried POST stores one message, and a key is worth nothing to a stranger.

The rules follow the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header): 422 for a key reused with another payload, 409 while
the first request is still in progress.
"""

import json
import secrets
import uuid
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

HELLO = {"name": "Ada", "text": "Hello from the Analytical Engine"}


def new_key() -> str:
    return str(uuid.uuid4())


def post(api, message=HELLO, key=None, **options):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/api/messages", json=message, headers=headers, **options)


def listed(api) -> list[dict]:
    return api.get("/api/messages").json["messages"]


def records(table) -> list[dict]:
    return [item for item in table.items() if item["sk"] == "IDEMPOTENCY"]


@pytest.fixture
def later(guestbook, monkeypatch):
    """later(minutes=11): the handler's clock moves on by that much."""
    start = guestbook.now()
    return lambda **delta: monkeypatch.setattr(guestbook, "now", lambda: start + timedelta(**delta))


def cancelled(*codes: str) -> ClientError:
    return ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                        "CancellationReasons": [{"Code": code} for code in codes]},
                       "TransactWriteItems")


# --- The key: a random UUID, or nothing ---


@pytest.mark.parametrize("key", [
    "key-1",  # guessable
    "retry-test-0001",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # version 1: the time and the machine, not random
    "00000000-0000-0000-0000-000000000000",  # the nil UUID
    "3f0e8c526c1d4d1b9a570b6f7c2d9e41",  # no dashes
    "3f0e8c52-6c1d-4d1b-ca57-0b6f7c2d9e41",  # not the RFC 9562 variant
    "{3f0e8c52-6c1d-4d1b-9a57-0b6f7c2d9e41}",
], ids=["word", "counter", "uuid-v1", "nil-uuid", "no-dashes", "wrong-variant", "braces"])
def test_a_key_that_is_not_a_random_uuid_is_refused_before_anything_is_written(api, table, key):
    response = post(api, key=key)
    assert response.status == 400
    assert response.json["error"]["code"] == "invalid_idempotency_key"
    assert "random UUID" in response.json["error"]["message"]
    assert table.count() == 0


def test_a_uuid_is_the_same_key_in_upper_or_lower_case(api):
    key = new_key()
    first = post(api, key=key).json
    assert post(api, key=key.upper()).json == first
    assert len(listed(api)) == 1


def test_without_a_key_every_post_creates_a_message(api):
    post(api)
    post(api)
    assert len(listed(api)) == 2


# --- Replays: the same key and the same message ---


def test_a_retry_with_the_same_key_returns_the_same_message_and_stores_nothing(api, table):
    key = new_key()
    first = post(api, key=key)
    count = table.count()
    retry = post(api, key=key)
    assert (retry.status, retry.json) == (201, first.json)
    assert table.count() == count == 3  # message, pointer, idempotency record
    assert len(listed(api)) == 1


def test_a_replay_says_so_in_a_header(api):
    key = new_key()
    assert "idempotent-replayed" not in post(api, key=key).headers
    assert post(api, key=key).headers["idempotent-replayed"] == "true"


def test_a_retry_that_differs_only_in_json_formatting_is_the_same_request(api):
    key = new_key()
    first = post(api, key=key).json
    retry = api.post("/api/messages", body='{ "text": "Hello from the Analytical Engine",'
                     ' "name":"Ada" }', headers={"Content-Type": "application/json",
                                                  "Idempotency-Key": key})
    assert retry.json == first


def test_the_same_key_with_a_different_message_is_refused_with_422(api, table):
    key = new_key()
    post(api, key=key)
    count = table.count()
    response = post(api, {"name": "Ada", "text": "something else"}, key=key)
    assert response.status == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert table.count() == count


def test_different_keys_create_different_messages(api):
    post(api, key=new_key())
    post(api, key=new_key())
    assert len(listed(api)) == 2


def test_a_transaction_conflict_with_a_concurrent_duplicate_is_retried(api, guestbook,
                                                                       monkeypatch):
    client = guestbook.dynamodb()
    real_transact, calls = client.transact_write_items, []

    def conflict_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise cancelled("None", "None", "TransactionConflict")
        return real_transact(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", conflict_once)
    monkeypatch.setattr(guestbook.time, "sleep", lambda seconds: None)
    assert post(api, key=new_key()).status == 201
    assert len(calls) == 2 and len(listed(api)) == 1


# --- The delete token: a replay returns it for ten minutes; the table never holds it ---


def test_a_replay_within_ten_minutes_gets_the_delete_token_back(api, later):
    key = new_key()
    first = post(api, key=key).json
    later(minutes=9, seconds=59)
    assert post(api, key=key).json["delete_token"] == first["delete_token"]


def test_a_replay_after_ten_minutes_stores_nothing_and_gets_no_delete_token(api, table, later):
    key = new_key()
    first = post(api, key=key).json
    count = table.count()
    later(minutes=10)
    retry = post(api, key=key)
    assert retry.status == 201 and retry.headers["idempotent-replayed"] == "true"
    assert retry.json == {field: first[field] for field in ("id", "name", "text", "created_at")}
    assert table.count() == count


def test_whoever_steals_a_key_after_ten_minutes_cannot_delete_the_message(api, later):
    key = new_key()
    created = post(api, key=key).json
    later(hours=1)
    stolen = post(api, key=key).json
    assert "delete_token" not in stolen
    assert api.delete(f"/api/messages/{created['id']}").status == 403
    assert len(listed(api)) == 1


def test_the_table_never_holds_a_usable_delete_token(api, table):
    token = post(api, key=new_key()).json["delete_token"]
    stored = json.dumps(table.items(), default=str)
    assert token not in stored


def test_a_sealed_token_opens_only_with_its_key(guestbook):
    key, token, message_id = new_key(), secrets.token_urlsafe(32), "a" * 32
    sealed = guestbook.seal_token(token, key, message_id)
    assert sealed != token
    assert guestbook.unseal_token(sealed, key, message_id) == token
    assert guestbook.unseal_token(sealed, new_key(), message_id) != token
    assert guestbook.unseal_token(sealed, key, "b" * 32) != token


def test_the_record_keeps_a_hash_of_the_key_never_the_key(api, table):
    key = new_key()
    post(api, key=key)
    assert key not in json.dumps(table.items(), default=str)


# --- Expiry ---


def test_idempotency_records_expire_after_a_day(api, table, guestbook):
    started = int(guestbook.now().timestamp())
    post(api, key=new_key())
    [record] = records(table)
    assert record["expires_at"] - started in range(86_399, 86_401)


def test_an_expired_record_not_yet_removed_by_ttl_is_ignored(api, table, later):
    key = new_key()
    post(api, key=key)
    later(days=1, seconds=1)
    assert post(api, key=key).status == 201
    assert len(listed(api)) == 2


# --- A POST whose commit succeeded is never answered with a 500 ---


@pytest.fixture
def answer_lost(guestbook, monkeypatch):
    """The commit succeeds but its answer is lost: botocore then retries the same call (without
    a ClientRequestToken that DynamoDB honours, the retry is cancelled by the first commit's
    items) or gives up with a timeout."""

    def lose_answer(then):
        client = guestbook.dynamodb()
        real_transact = client.transact_write_items
        state = {"calls": 0}

        def commit_then(**kwargs):
            state["calls"] += 1
            if state["calls"] == 1:
                real_transact(**kwargs)
                if then == "timeout":
                    raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
                return real_transact(**kwargs)  # the retry: cancelled by our own items
            return real_transact(**kwargs)

        monkeypatch.setattr(client, "transact_write_items", commit_then)

    return lose_answer


@pytest.mark.parametrize("then", ["retry", "timeout"])
@pytest.mark.parametrize("with_key", [True, False], ids=["with-key", "without-key"])
def test_a_commit_whose_answer_was_lost_is_answered_201_with_a_working_token(
        api, answer_lost, then, with_key):
    answer_lost(then)
    response = post(api, key=new_key() if with_key else None)
    assert response.status == 201 and "idempotent-replayed" not in response.headers
    [message] = listed(api)
    assert message["id"] == response.json["id"]
    deleted = api.delete(f"/api/messages/{message['id']}",
                         headers={"X-Delete-Token": response.json["delete_token"]})
    assert deleted.status == 204


def test_a_timeout_before_anything_was_stored_is_still_a_500(api, guestbook, monkeypatch, table):
    def time_out(**kwargs):
        raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")

    monkeypatch.setattr(guestbook.dynamodb(), "transact_write_items", time_out)
    assert post(api, key=new_key()).status == 500
    assert table.count() == 0
