"""The assembled guestbook under load and abuse, through the front door (CloudFront →
API Gateway → Lambda → DynamoDB) of the local cloud: what a visitor's requests do."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from helpers import cdn, webapp


def stored_messages(aws, app) -> int:
    return aws.client("dynamodb").query(
        TableName=app.backend.table, KeyConditionExpression="pk = :m",
        ExpressionAttributeValues={":m": {"S": "MESSAGES"}}, Select="COUNT",
    )["Count"]  # fmt: skip


def post(aws, app, body, headers=None):
    return cdn.request(aws, app.host, "POST", "/api/messages", json_body=body, headers=headers)


def test_the_smoke_test_passes(aws, app):
    assert all(check["ok"] for check in webapp.smoke_test(aws, app))


def test_200_concurrent_creates_store_exactly_200_messages(aws, app):
    before = stored_messages(aws, app)
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(
            lambda n: post(aws, app, {"name": f"visitor {n}", "text": f"message {n}"}),
            range(200)))  # fmt: skip
    assert sorted({r.status for r in responses}) == [201]
    assert len({r.json["id"] for r in responses}) == 200
    assert stored_messages(aws, app) == before + 200


def test_retries_with_one_idempotency_key_store_one_message(aws, app):
    before = stored_messages(aws, app)
    body = {"name": "Retrying visitor", "text": "sent on a flaky network"}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: post(aws, app, body, headers), range(20)))
    created = [r for r in responses if r.status == 201]
    # A retry that overlaps the first attempt may be told to wait (409), never a duplicate.
    assert created and all(r.status in (201, 409) for r in responses)
    assert len({r.json["id"] for r in created}) == 1
    assert len({r.json["delete_token"] for r in created}) == 1  # replays within 10 minutes
    assert stored_messages(aws, app) == before + 1


def test_a_guessable_idempotency_key_is_refused_at_the_front_door(aws, app):
    response = post(aws, app, {"name": "Ada", "text": "hi"}, {"Idempotency-Key": "retry-1"})
    assert (response.status, response.json["error"]["code"]) == (400, "invalid_idempotency_key")


def malformed_requests():
    """(description, method, path, headers, body bytes): none may cause a 5xx or a write."""
    json_type = {"Content-Type": "application/json"}
    good = {"name": "Ada", "text": "hi"}
    cases = [
        ("empty body", "POST", "/api/messages", json_type, b""),
        ("not JSON", "POST", "/api/messages", json_type, b"{nope"),
        ("JSON array", "POST", "/api/messages", json_type, b"[1, 2]"),
        ("JSON string", "POST", "/api/messages", json_type, b'"hello"'),
        ("JSON null", "POST", "/api/messages", json_type, b"null"),
        ("JSON number", "POST", "/api/messages", json_type, b"42"),
        ("bad JSON with a charset", "POST", "/api/messages",
         {"Content-Type": "application/json; charset=utf-8"}, b'{"name": "Ada",}'),
        ("text/plain", "POST", "/api/messages", {"Content-Type": "text/plain"},
         json.dumps(good).encode()),
        ("form encoded", "POST", "/api/messages",
         {"Content-Type": "application/x-www-form-urlencoded"}, b"name=Ada&text=hi"),
        ("no content type", "POST", "/api/messages", {}, json.dumps(good).encode()),
        ("body over 4 KB", "POST", "/api/messages", json_type,
         json.dumps({"name": "Ada", "text": "x" * 5000}).encode()),
        ("unknown field", "POST", "/api/messages", json_type,
         json.dumps({**good, "admin": True}).encode()),
        ("invalid UTF-8", "POST", "/api/messages", json_type, b'{"name": "\xff", "text": "x"}'),
        ("PUT on the collection", "PUT", "/api/messages", json_type, json.dumps(good).encode()),
        ("PATCH on the collection", "PATCH", "/api/messages", json_type, b"{}"),
        ("DELETE without a token", "DELETE", "/api/messages/" + "0" * 32, {}, b""),
        ("DELETE with a bad id", "DELETE", "/api/messages/not-an-id", {"X-Delete-Token": "t"}, b""),
        ("unknown route", "GET", "/api/nothing-here", {}, b""),
        ("limit zero", "GET", "/api/messages?limit=0", {}, b""),
        ("limit too big", "GET", "/api/messages?limit=51", {}, b""),
        ("limit negative", "GET", "/api/messages?limit=-1", {}, b""),
        ("limit not a number", "GET", "/api/messages?limit=ten", {}, b""),
        ("tampered cursor", "GET", "/api/messages?cursor=AAAA", {}, b""),
        ("cursor not base64", "GET", "/api/messages?cursor=%%%", {}, b""),
        ("idempotency key too long", "POST", "/api/messages",
         {**json_type, "Idempotency-Key": "k" * 101}, json.dumps(good).encode()),
    ]
    for field_name in ("name", "text"):
        for label, value in (("missing", None), ("empty", ""), ("spaces", "   "),
                             ("a number", 42), ("a list", ["x"]), ("an object", {"x": 1}),
                             ("true", True), ("null", None), ("too long", "y" * 600),
                             ("only a newline", "\n"), ("tabs", "\t\t"),
                             ("a float", 1.5), ("a nested list", [["x"]])):  # fmt: skip
            body = dict(good)
            if label == "missing":
                body.pop(field_name)
            else:
                body[field_name] = value
            cases.append((f"{field_name} {label}", "POST", "/api/messages", json_type,
                          json.dumps(body).encode()))  # fmt: skip
    return cases


def test_at_least_50_malformed_requests_get_4xx_json_and_write_nothing(aws, app):
    cases = malformed_requests()
    assert len(cases) >= 50
    before = stored_messages(aws, app)
    for description, method, path, headers, body in cases:
        response = cdn.request(aws, app.host, method, path, headers=dict(headers), body=body)
        assert 400 <= response.status < 500, (description, response.status, response.text)
        if response.body:  # API Gateway's own 404 and the function's errors are both JSON
            assert isinstance(response.json, dict), (description, response.text)
    assert stored_messages(aws, app) == before


def test_the_app_is_described_from_what_each_service_reports(aws, app):
    rows = {row["piece"]: row for row in webapp.describe(aws, app)}
    assert list(rows)[0] == "Route 53 record" and list(rows)[-1] == "DynamoDB table"
    assert rows["Route 53 record"]["read from the cloud"] == f"A alias → {app.domain}"
    assert rows["CloudFront distribution"]["read from the cloud"].startswith(
        f"Deployed at {app.domain}; origins site, api; behaviours /api/*")
    assert rows["S3 bucket"]["read from the cloud"] == (
        "Block Public Access all on; 3 objects; readable by cloudfront.amazonaws.com")
    assert rows["HTTP API"]["read from the cloud"] == (
        "routes ANY /api/{proxy+}; stage $default (auto-deploy)")
    assert rows["IAM role"]["read from the cloud"] == (
        "inline policies: guestbook-table, write-own-logs")


def test_the_behaviour_for_a_path_is_the_first_pattern_that_matches():
    config = {"DefaultCacheBehavior": {"TargetOriginId": "site"}, "CacheBehaviors": {"Items": [
        {"PathPattern": "/api/health", "TargetOriginId": "cached"},
        {"PathPattern": "/api/*", "TargetOriginId": "api"}]}}
    assert cdn.behaviour_for(config, "/api/health")["TargetOriginId"] == "cached"
    assert cdn.behaviour_for(config, "/api/messages/1")["TargetOriginId"] == "api"
    assert cdn.behaviour_for(config, "/app.js") == {"PathPattern": "(default)",
                                                   "TargetOriginId": "site"}


def test_until_asks_once_on_the_local_cloud(aws):
    calls = []
    assert webapp.until(aws, lambda: calls.append(1) or len(calls), lambda n: n > 5) == 1
