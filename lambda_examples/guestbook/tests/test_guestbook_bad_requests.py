"""Every malformed request gets a 4xx JSON error that says what to fix, and changes nothing."""

import base64
import json

import pytest

JSON = {"Content-Type": "application/json"}
SEEDED_KEY = "3f0e8c52-6c1d-4d1b-9a57-0b6f7c2d9e41"  # the seeded message's Idempotency-Key
VALID_SK = "2024-01-01T00:00:00.000000Z#" + "a" * 32


def bad_post(case_id, body, code, status=400, headers=JSON, **options):
    options = {"body": body, "headers": headers, **options}
    return pytest.param("POST", "/api/messages", options, status, code, id=case_id)


def bad_message(case_id, message, code, **options):
    return bad_post(case_id, json.dumps(message), code, **options)


def bad_list(case_id, code, **query):
    return pytest.param("GET", "/api/messages", {"query": query}, 400, code, id=case_id)


def bad_route(case_id, method, path, status, code, **options):
    return pytest.param(method, path, options, status, code, id=case_id)


def cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def message(**changes):
    return {"name": "Ada", "text": "Hello", **changes}


BAD_REQUESTS = [
    # The body is not JSON, or not a JSON object.
    bad_post("truncated JSON", '{"name": "Ada"', "invalid_json"),
    bad_post("trailing garbage", '{"name": "Ada", "text": "hi"} x', "invalid_json"),
    bad_post("single quotes", "{'name': 'Ada', 'text': 'hi'}", "invalid_json"),
    bad_post("NaN is not JSON", '{"name": NaN, "text": "hi"}', "invalid_json"),
    bad_post("deeply nested", "[" * 3000, "invalid_json"),
    bad_post("empty body", "", "missing_body"),
    bad_post("no body", None, "missing_body"),
    bad_post("JSON array", '[{"name": "Ada", "text": "hi"}]', "invalid_body"),
    bad_post("JSON string", '"Ada says hi"', "invalid_body"),
    bad_post("JSON null", "null", "invalid_body"),
    bad_post("JSON number", "42", "invalid_body"),
    # Fields missing, of the wrong type, too short or too long, or not ours.
    bad_message("missing name", {"text": "hi"}, "missing_field"),
    bad_message("missing text", {"name": "Ada"}, "missing_field"),
    bad_message("empty object", {}, "missing_field"),
    bad_message("name null", message(name=None), "invalid_field"),
    bad_message("name number", message(name=7), "invalid_field"),
    bad_message("name list", message(name=["Ada"]), "invalid_field"),
    bad_message("name boolean", message(name=True), "invalid_field"),
    bad_message("text object", message(text={"body": "hi"}), "invalid_field"),
    bad_message("text number", message(text=1.5), "invalid_field"),
    bad_message("name empty", message(name=""), "invalid_field"),
    bad_message("name only spaces", message(name="   "), "invalid_field"),
    bad_message("name 51 characters", message(name="a" * 51), "invalid_field"),
    bad_message("text empty", message(text=""), "invalid_field"),
    bad_message("text only whitespace", message(text="\n\t "), "invalid_field"),
    bad_message("text 501 characters", message(text="é" * 501), "invalid_field"),
    bad_post("lone surrogate", '{"name": "\\ud800", "text": "hi"}', "invalid_field"),
    bad_message("unknown field", message(email="ada@example.com"), "unknown_field"),
    bad_message("client-chosen id", message(id="0" * 32), "unknown_field"),
    bad_message("client-chosen token", message(delete_token="x"), "unknown_field"),
    # Not JSON by its Content-Type, too big, or badly encoded.
    bad_message("text/plain", message(), "unsupported_media_type", status=415,
                headers={"Content-Type": "text/plain"}),
    bad_message("no Content-Type", message(), "unsupported_media_type", status=415, headers={}),
    bad_post("form-encoded", "name=Ada&text=hi", "unsupported_media_type", status=415,
             headers={"Content-Type": "application/x-www-form-urlencoded"}),
    bad_message("latin-1 charset", message(), "unsupported_media_type", status=415,
                headers={"Content-Type": "application/json; charset=latin-1"}),
    bad_message("JSON-like media type", message(), "unsupported_media_type", status=415,
                headers={"Content-Type": "application/json-patch+json"}),
    bad_message("body over 4 KB", message(text="a" * 5000), "payload_too_large", status=413),
    bad_message("4 KB of multi-byte text", message(text="€" * 1400), "payload_too_large",
                status=413),
    bad_post("base64 body over 4 KB", None, "payload_too_large", status=413,
             base64_body=json.dumps(message(text="a" * 5000))),
    bad_post("base64 flag on plain text", "{not base64!}", "invalid_body", is_base64_encoded=True),
    bad_post("base64 of non-JSON", None, "invalid_json", base64_body="name=Ada"),
    bad_post("base64 of invalid UTF-8", None, "invalid_json", base64_body=b'{"name": "\xff"}'),
    # Bad Idempotency-Key headers, and a key reused for a different message.
    bad_message("empty Idempotency-Key", message(), "invalid_idempotency_key",
                headers=JSON | {"Idempotency-Key": ""}),
    bad_message("Idempotency-Key over 100", message(), "invalid_idempotency_key",
                headers=JSON | {"Idempotency-Key": "k" * 101}),
    bad_message("Idempotency-Key not a UUID", message(), "invalid_idempotency_key",
                headers=JSON | {"Idempotency-Key": "seeded-key"}),
    bad_message("Idempotency-Key a time-based UUID", message(), "invalid_idempotency_key",
                headers=JSON | {"Idempotency-Key": "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}),
    bad_message("non-ASCII Idempotency-Key", message(), "invalid_idempotency_key",
                headers=JSON | {"Idempotency-Key": "ключ"}),
    bad_message("Idempotency-Key reused", message(text="different"), "idempotency_key_reused",
                status=422, headers=JSON | {"Idempotency-Key": SEEDED_KEY}),
    # Bad page sizes and cursors.
    bad_list("limit 0", "invalid_limit", limit="0"),
    bad_list("limit 51", "invalid_limit", limit="51"),
    bad_list("limit negative", "invalid_limit", limit="-1"),
    bad_list("limit word", "invalid_limit", limit="ten"),
    bad_list("limit fraction", "invalid_limit", limit="1.5"),
    bad_list("limit empty", "invalid_limit", limit=""),
    bad_list("limit unicode digit", "invalid_limit", limit="²"),
    bad_list("limit repeated", "invalid_limit", limit="10,20"),
    bad_list("limit huge", "invalid_limit", limit="9" * 40),
    bad_list("cursor empty", "invalid_cursor", cursor=""),
    bad_list("cursor not base64", "invalid_cursor", cursor="not a cursor!"),
    bad_list("cursor not JSON", "invalid_cursor", cursor="bm90IGpzb24"),
    bad_list("cursor truncated", "invalid_cursor", cursor=cursor({"pk": "MESSAGES",
                                                                  "sk": VALID_SK})[:-6]),
    bad_list("cursor other partition", "invalid_cursor",
             cursor=cursor({"pk": "MESSAGE#" + "a" * 32, "sk": "MESSAGE"})),
    bad_list("cursor free-form sort key", "invalid_cursor",
             cursor=cursor({"pk": "MESSAGES", "sk": "9999"})),
    bad_list("cursor extra key", "invalid_cursor",
             cursor=cursor({"pk": "MESSAGES", "sk": VALID_SK, "gsi": "x"})),
    bad_list("cursor list", "invalid_cursor", cursor=cursor(["MESSAGES", VALID_SK])),
    bad_list("cursor number sort key", "invalid_cursor",
             cursor=cursor({"pk": "MESSAGES", "sk": 1})),
    bad_list("cursor too long", "invalid_cursor", cursor="A" * 500),
    # Unknown routes and methods.
    bad_route("unknown route", "GET", "/api/unknown", 404, "not_found"),
    bad_route("site root", "GET", "/", 404, "not_found"),
    bad_route("trailing slash", "GET", "/api/messages/", 404, "not_found"),
    bad_route("no /api prefix", "GET", "/messages", 404, "not_found"),
    bad_route("nested too deep", "DELETE", "/api/messages/{id}/extra", 404, "not_found"),
    bad_route("PUT collection", "PUT", "/api/messages", 405, "method_not_allowed", json=message()),
    bad_route("PATCH a message", "PATCH", "/api/messages/{id}", 405, "method_not_allowed"),
    bad_route("GET one message", "GET", "/api/messages/{id}", 405, "method_not_allowed"),
    bad_route("POST health", "POST", "/api/health", 405, "method_not_allowed"),
    bad_route("DELETE collection", "DELETE", "/api/messages", 405, "method_not_allowed"),
    # Deletes without the right token, or of messages that do not exist.
    bad_route("delete without token", "DELETE", "/api/messages/{id}", 403, "forbidden"),
    bad_route("delete with empty token", "DELETE", "/api/messages/{id}", 403, "forbidden",
              headers={"X-Delete-Token": ""}),
    bad_route("delete with wrong token", "DELETE", "/api/messages/{id}", 403, "forbidden",
              headers={"X-Delete-Token": "not-the-token"}),
    bad_route("delete with token hash", "DELETE", "/api/messages/{id}", 403, "forbidden",
              headers={"X-Delete-Token": "{token_hash}"}),
    bad_route("delete unknown id", "DELETE", "/api/messages/" + "b" * 32, 404, "not_found",
              headers={"X-Delete-Token": "anything"}),
    bad_route("delete malformed id", "DELETE", "/api/messages/..%2Fhealth", 404, "not_found",
              headers={"X-Delete-Token": "anything"}),
    bad_route("delete uppercase id", "DELETE", "/api/messages/" + "B" * 32, 404, "not_found",
              headers={"X-Delete-Token": "anything"}),
]


@pytest.mark.parametrize("method, path, options, status, code", BAD_REQUESTS)
def test_bad_request_gets_a_4xx_json_error_and_writes_nothing(api, table, method, path, options,
                                                              status, code):
    seeded = api.post("/api/messages", json=message(), headers={"Idempotency-Key": SEEDED_KEY})
    pointer = next(item for item in table.items() if item["sk"] == "MESSAGE")
    stored_before = table.items()

    options = dict(options)  # the same case runs once per payload format
    headers = {name: value.format(token_hash=pointer["token_hash"])
               for name, value in options.pop("headers", {}).items()}
    response = api.request(method, path.format(id=seeded.json["id"]), headers=headers, **options)

    assert (response.status, response.json["error"]["code"]) == (status, code)
    assert response.json["error"]["message"]
    assert response.headers["content-type"] == "application/json"
    assert table.items() == stored_before


def test_wrong_method_lists_the_allowed_ones(api):
    assert api.request("PUT", "/api/messages").headers["allow"] == "GET, POST"
    assert api.request("GET", "/api/messages/" + "a" * 32).headers["allow"] == "DELETE"


def test_error_messages_say_what_to_fix(api):
    response = api.post("/api/messages", json=message(name="a" * 51))
    assert response.json["error"]["message"].startswith("name must be 1 to 50 characters")


def test_there_are_at_least_fifty_bad_request_cases():
    assert len(BAD_REQUESTS) >= 50
