"""The guestbook API's behaviour, through the handler, in both API Gateway payload formats."""

import hashlib
import json
import sys
from decimal import Decimal

import pytest
from botocore.stub import Stubber

HELLO = {"name": "Ada", "text": "Hello from the Analytical Engine"}


def post(api, message=HELLO, **options):
    return api.post("/api/messages", json=message, **options)


def listed(api, **query) -> list[dict]:
    return api.get("/api/messages", query=query).json["messages"]


# --- Happy paths ---


def test_health_says_ok(api):
    response = api.get("/api/health")
    assert (response.status, response.json) == (200, {"status": "ok"})
    assert response.headers["content-type"] == "application/json"


def test_created_message_is_returned_with_its_delete_token(api):
    response = post(api)
    assert response.status == 201
    assert response.json.keys() == {"id", "name", "text", "created_at", "delete_token"}
    assert response.json["name"] == "Ada" and response.json["created_at"].endswith("Z")


def test_listed_messages_never_show_delete_tokens(api):
    created = post(api).json
    assert listed(api) == [{key: created[key] for key in ("id", "name", "text", "created_at")}]


def test_surrounding_whitespace_is_trimmed(api):
    assert post(api, {"name": "  Ada ", "text": "\n hi \t"}).json["text"] == "hi"


def test_unicode_text_round_trips(api):
    post(api, {"name": "Zoë 🐍", "text": "日本語のメッセージ"})
    assert listed(api)[0]["name"] == "Zoë 🐍"


def test_messages_are_listed_newest_first(api):
    for n in range(3):
        post(api, {"name": "Ada", "text": f"message {n}"})
    assert [m["text"] for m in listed(api)] == ["message 2", "message 1", "message 0"]


def test_pages_follow_the_cursor_until_it_is_null(api):
    for n in range(5):
        post(api, {"name": "Ada", "text": f"message {n}"})
    texts, cursor, pages = [], None, 0
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/messages", query=query).json
        texts += [m["text"] for m in page["messages"]]
        cursor, pages = page["next_cursor"], pages + 1
        if cursor is None:
            break
    assert pages == 3
    assert texts == [f"message {n}" for n in (4, 3, 2, 1, 0)]


def test_a_full_last_page_has_no_cursor(api):
    post(api)
    post(api)
    assert api.get("/api/messages", query={"limit": "2"}).json["next_cursor"] is None


def test_default_page_is_twenty_messages(api):
    for _ in range(21):
        post(api)
    page = api.get("/api/messages").json
    assert len(page["messages"]) == 20 and page["next_cursor"]


def test_empty_guestbook_lists_nothing(api):
    assert api.get("/api/messages").json == {"messages": [], "next_cursor": None}


def test_delete_with_the_token_removes_the_message_and_its_pointer(api, table):
    created = post(api).json
    response = api.delete(f"/api/messages/{created['id']}",
                          headers={"X-Delete-Token": created["delete_token"]})
    assert (response.status, response.body) == (204, "")
    assert listed(api) == [] and table.count() == 0


def test_deleting_twice_is_not_found(api):
    created = post(api).json
    headers = {"X-Delete-Token": created["delete_token"]}
    api.delete(f"/api/messages/{created['id']}", headers=headers)
    assert api.delete(f"/api/messages/{created['id']}", headers=headers).status == 404


def test_header_names_match_in_any_case(api):
    created = post(api, headers={"CONTENT-TYPE": "Application/JSON; Charset=UTF-8"}).json
    response = api.delete(f"/api/messages/{created['id']}",
                          headers={"x-DELETE-token": created["delete_token"]})
    assert response.status == 204


def test_base64_encoded_bodies_are_decoded(api):
    response = api.post("/api/messages", base64_body=json.dumps(HELLO),
                        headers={"Content-Type": "application/json"})
    assert response.status == 201


def test_delete_token_is_stored_only_as_a_hash(api, table):
    token = post(api).json["delete_token"]
    stored = json.dumps(table.items(), default=str)
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


# --- Payload format details ---


@pytest.mark.parametrize("payload_format", ["1.0", "1.0-http", "2.0"])
def test_named_stages_are_routed_in_every_payload_format(make_client, payload_format):
    assert make_client(payload_format, stage="dev").get("/api/health").status == 200


def test_a_rest_api_stage_named_like_the_path_is_not_stripped(make_client):
    assert make_client("1.0", stage="api").get("/api/health").status == 200


def test_multi_value_headers_alone_are_enough_in_payload_1_0(table, guestbook):
    event = {"httpMethod": "GET", "path": "/api/messages", "headers": None,
             "multiValueHeaders": {"Accept": ["application/json"]}, "queryStringParameters": None,
             "requestContext": {"stage": "prod", "requestId": "r"}, "body": None}
    assert guestbook.handler(event, None)["statusCode"] == 200


def test_responses_have_the_proxy_shape(api):
    response = api.handler(
        {"version": "2.0", "rawPath": "/api/health", "requestContext": {"http": {"method": "GET"}}},
        None)
    assert response == {"statusCode": 200, "headers": response["headers"],
                        "body": '{"status":"ok"}', "isBase64Encoded": False}
    assert all(isinstance(value, str) for value in response["headers"].values())


# --- Decimals ---


def test_decimals_become_json_numbers(guestbook):
    assert guestbook.to_json({"n": Decimal("3"), "x": Decimal("2.5")}) == '{"n":3,"x":2.5}'


def test_numbers_stored_by_other_writers_are_served_as_numbers(api, table):
    table.client.put_item(TableName=table.name, Item={
        "pk": {"S": "MESSAGES"}, "sk": {"S": "2024-01-01T00:00:00.000000Z#" + "0" * 32},
        "id": {"S": "0" * 32}, "name": {"N": "42"}, "text": {"N": "1.5"},
        "created_at": {"S": "2024-01-01T00:00:00.000000Z"}})
    message = listed(api)[0]
    assert (message["name"], message["text"]) == (42, 1.5)


# --- Failures on our side ---


def test_a_dynamodb_failure_is_a_500_json_error_without_internals(api, guestbook, logs):
    with Stubber(guestbook.dynamodb()) as stub:
        stub.add_client_error("query", "InternalServerError", "disk on fire", 500)
        response = api.get("/api/messages")
    assert response.status == 500
    assert response.json["error"]["code"] == "internal"
    assert "fire" not in response.body and "InternalServerError" not in response.body
    [error, summary] = logs()
    assert error["level"] == "ERROR" and "Traceback" in error["exception"]
    assert error["request_id"] == summary["request_id"] and summary["status"] == 500


def test_a_missing_table_name_is_a_500_that_says_why_in_the_log(api, monkeypatch, logs):
    monkeypatch.delenv("TABLE_NAME")
    assert api.get("/api/messages").status == 500
    assert "TABLE_NAME is not set" in logs()[0]["exception"]


def test_an_event_that_is_not_from_api_gateway_is_a_500_not_a_crash(guestbook, logs):
    assert guestbook.handler({"hello": "world"}, None)["statusCode"] == 500


def test_the_module_imports_without_table_name_or_region(import_app, monkeypatch):
    monkeypatch.delenv("TABLE_NAME")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setitem(sys.modules, "guestbook_app_cold", None)  # removed again afterwards
    assert import_app("guestbook_app_cold").handler


# --- Logs ---


def test_each_request_logs_one_json_line_with_the_request_id(api, logs):
    api.get("/api/health")
    [line] = logs()
    assert line["message"] == "request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/health", 200)
    assert line["request_id"] and isinstance(line["duration_ms"], float)


def test_logs_never_contain_message_text_or_tokens(api, logs):
    created = post(api, {"name": "Secret Name", "text": "secret text"}).json
    token = created["delete_token"]
    api.delete(f"/api/messages/{created['id']}", headers={"X-Delete-Token": token})
    written = json.dumps(logs())
    assert "Secret Name" not in written and "secret text" not in written
    assert token not in written
