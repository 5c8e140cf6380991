"""API Gateway's rules, without sockets: routing, the proxy event, response mapping, CORS and the
Lambda resource-policy check, as AWS documents them."""

from __future__ import annotations

import base64
import json

import pytest

from helpers.local_cloud.planes import apigateway_rules as rules
from helpers.local_cloud.planes.apigateway_rules import (
    CorsConfig,
    ProxyContext,
    ProxyRequest,
    Route,
)

ACCOUNT, REGION, API = "123456789012", "us-east-1", "a1b2c3d4"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:echo"


def routes(*keys: str) -> list[Route]:
    return [Route(key) for key in keys]


def routed(keys: list[Route], method: str, path: str) -> str | None:
    match = rules.select_route(keys, method, path)
    return match.route.key if match else None


# -- routing ---------------------------------------------------------------------------------------
# AWS's own example: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
PETS = routes("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}",
              "$default")  # fmt: skip


@pytest.mark.parametrize(("method", "path", "route"), [
    ("GET", "/pets/dog/1", "GET /pets/dog/1"),
    ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),
    ("GET", "/pets/cat/1", "GET /pets/{proxy+}"),
    ("POST", "/pets/cat/1", "ANY /{proxy+}"),
])  # fmt: skip
def test_the_most_specific_route_wins_as_in_aws_example(method, path, route):
    assert routed(PETS, method, path) == route


def test_default_route_catches_what_no_other_route_matches():
    keys = routes("GET /pets", "$default")
    assert routed(keys, "DELETE", "/pets") == "$default"
    assert routed(keys, "GET", "/anything/else") == "$default"


def test_no_match_and_no_default_route_means_not_found():
    assert rules.select_route(routes("GET /pets"), "GET", "/cats") is None


def test_a_literal_segment_beats_a_parameter_further_left_than_anything_else():
    keys = routes("GET /a/{x}/c", "GET /a/b/{proxy+}")
    assert routed(keys, "GET", "/a/b/c") == "GET /a/b/{proxy+}"
    assert routed(keys, "GET", "/a/z/c") == "GET /a/{x}/c"


def test_a_route_for_the_method_beats_any_on_the_same_path():
    keys = routes("ANY /pets", "POST /pets")
    assert routed(keys, "POST", "/pets") == "POST /pets"
    assert routed(keys, "GET", "/pets") == "ANY /pets"


def test_path_parameters_are_captured_and_decoded():
    match = rules.select_route(routes("GET /users/{user}/files/{path+}"), "GET",
                               "/users/ann%20lee/files/a/b%2Fc.txt")  # fmt: skip
    assert match is not None
    assert match.path_parameters == {"user": "ann lee", "path": "a/b/c.txt"}


def test_a_greedy_parameter_needs_at_least_one_segment():
    assert rules.select_route(routes("GET /files/{proxy+}"), "GET", "/files") is None
    assert routed(routes("GET /files/{proxy+}"), "GET", "/files/x") == "GET /files/{proxy+}"


def test_root_and_trailing_slash():
    assert routed(routes("GET /"), "GET", "/") == "GET /"
    assert routed(routes("GET /pets"), "GET", "/pets/") == "GET /pets"


def test_rest_resources_prefer_literal_then_parameter_then_greedy():
    paths = ["/", "/items", "/items/{id}", "/{proxy+}"]
    assert rules.select_resource(paths, "/items/7") == ("/items/{id}", {"id": "7"})
    assert rules.select_resource(paths, "/items") == ("/items", {})
    assert rules.select_resource(paths, "/") == ("/", {})
    assert rules.select_resource(paths, "/other/x") == ("/{proxy+}", {"proxy": "other/x"})
    assert rules.select_resource(["/items"], "/nothing") is None


def test_named_stage_is_a_path_prefix_and_default_stage_takes_the_rest():
    stages = ["$default", "dev"]
    assert rules.split_stage("/dev/messages", stages) == ("dev", "/messages")
    assert rules.split_stage("/dev", stages) == ("dev", "/")
    assert rules.split_stage("/messages", stages) == ("$default", "/messages")
    assert rules.split_stage("/$default/messages", ["$default"]) == ("$default", "/$default/messages")
    assert rules.split_stage("/messages", ["dev"]) is None


def test_rest_stage_is_always_the_first_segment():
    assert rules.split_rest_stage("/prod/items/7") == ("prod", "/items/7")
    assert rules.split_rest_stage("/prod") == ("prod", "/")


# -- the event -------------------------------------------------------------------------------------
def request(**overrides) -> ProxyRequest:
    fields = dict(
        method="POST", raw_path="/dev/messages/42", query_string="tag=a&tag=b&q=x%20y",
        headers=(("Content-Type", "application/json"), ("User-Agent", "curl/8"),
                 ("X-Multi", "one,two"), ("Cookie", "a=1; b=2")),
        body=b'{"text": "hi"}', source_ip="10.0.0.1", time_epoch_ms=1583348638390,
    )  # fmt: skip
    fields.update(overrides)
    return ProxyRequest(**fields)


def context(**overrides) -> ProxyContext:
    fields = dict(
        account_id=ACCOUNT, api_id=API, region=REGION, stage="dev", request_id="Jc1=",
        domain_name=f"{API}.execute-api.{REGION}.amazonaws.com",
        route_key="POST /messages/{id}", resource_path="/messages/{id}", path="/messages/42",
        path_parameters={"id": "42"}, stage_variables={"table": "messages-dev"},
    )  # fmt: skip
    fields.update(overrides)
    return ProxyContext(**fields)


def test_payload_2_0_event_matches_aws_format():
    event = rules.event_v2(request(), context())
    assert event["version"] == "2.0" and event["routeKey"] == "POST /messages/{id}"
    assert event["rawPath"] == "/dev/messages/42"
    assert event["rawQueryString"] == "tag=a&tag=b&q=x%20y"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "x y"}
    assert event["headers"] == {"content-type": "application/json", "user-agent": "curl/8",
                                "x-multi": "one,two"}  # fmt: skip
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"table": "messages-dev"}
    assert event["body"] == '{"text": "hi"}' and event["isBase64Encoded"] is False
    assert event["requestContext"] == {
        "accountId": ACCOUNT, "apiId": API, "domainName": f"{API}.execute-api.{REGION}.amazonaws.com",
        "domainPrefix": API,
        "http": {"method": "POST", "path": "/dev/messages/42", "protocol": "HTTP/1.1",
                 "sourceIp": "10.0.0.1", "userAgent": "curl/8"},
        "requestId": "Jc1=", "routeKey": "POST /messages/{id}", "stage": "dev",
        "time": "04/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390,
    }  # fmt: skip


def test_payload_2_0_joins_repeated_headers_with_commas_and_lowercases_names():
    headers = (("X-Tag", "a"), ("x-tag", "b"), ("ACCEPT", "text/html"))
    event = rules.event_v2(request(headers=headers), context())
    assert event["headers"] == {"x-tag": "a,b", "accept": "text/html"}


def test_payload_2_0_leaves_out_what_the_request_does_not_have():
    event = rules.event_v2(
        request(query_string="", headers=(), body=b""),
        context(path_parameters={}, stage_variables={}, route_key="$default"))
    for absent in ("cookies", "queryStringParameters", "pathParameters", "stageVariables", "body"):
        assert absent not in event
    assert event["isBase64Encoded"] is False and event["routeKey"] == "$default"


@pytest.mark.parametrize(("content_type", "encoded"), [
    ("application/json", False), ("text/plain; charset=utf-8", False), ("application/xml", False),
    ("application/octet-stream", True), ("application/x-www-form-urlencoded", True), (None, True),
])  # fmt: skip
def test_payload_2_0_base64_encodes_bodies_that_are_not_text(content_type, encoded):
    headers = (("Content-Type", content_type),) if content_type else ()
    event = rules.event_v2(request(headers=headers, body=b"a=1"), context())
    assert event["isBase64Encoded"] is encoded
    assert event["body"] == (base64.b64encode(b"a=1").decode() if encoded else "a=1")


def test_payload_1_0_for_rest_apis_keeps_the_stage_out_of_path():
    event = rules.event_v1(request(query_string="tag=a&tag=b"), context(resource_id="abc123"),
                           rest_api=True, body_as_text=True)  # fmt: skip
    assert "version" not in event
    assert event["resource"] == "/messages/{id}" and event["path"] == "/messages/42"
    assert event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"tag": "b"}  # the last value, as AWS does
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["multiValueHeaders"]["User-Agent"] == ["curl/8"]
    assert event["pathParameters"] == {"id": "42"}
    assert event["body"] == '{"text": "hi"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["path"] == "/dev/messages/42" and ctx["resourcePath"] == "/messages/{id}"
    assert ctx["stage"] == "dev" and ctx["httpMethod"] == "POST" and ctx["resourceId"] == "abc123"
    assert ctx["identity"]["sourceIp"] == "10.0.0.1" and ctx["identity"]["userAgent"] == "curl/8"
    assert ctx["requestTime"] == "04/Mar/2020:19:03:58 +0000"


def test_payload_1_0_uses_null_for_absent_parts():
    event = rules.event_v1(request(query_string="", body=b""),
                           context(path_parameters={}, stage_variables={}),
                           rest_api=True, body_as_text=True)  # fmt: skip
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None and event["stageVariables"] is None
    assert event["body"] is None


def test_payload_1_0_for_http_apis_has_a_version_and_the_path_as_sent():
    event = rules.event_v1(request(), context(), rest_api=False, body_as_text=True)
    assert event["version"] == "1.0"
    assert event["path"] == "/dev/messages/42"
    assert event["requestContext"]["path"] == "/dev/messages/42"


# -- the response ----------------------------------------------------------------------------------
def payload(value) -> bytes:
    return json.dumps(value).encode()


def test_payload_2_0_infers_a_200_json_response_from_any_json():
    response = rules.response_v2(payload({"message": "hi"}))
    assert response.status == 200 and json.loads(response.body) == {"message": "hi"}
    assert response.headers == [("Content-Type", "application/json")]
    assert rules.response_v2(payload("Hello from Lambda!")).body == b"Hello from Lambda!"
    assert rules.response_v2(payload([1, 2])).body == b"[1, 2]"


def test_payload_2_0_uses_status_headers_cookies_and_base64_body_as_given():
    response = rules.response_v2(payload({
        "statusCode": 201, "headers": {"Content-Type": "image/png", "X-Count": 3},
        "cookies": ["a=1; Secure", "b=2"], "body": base64.b64encode(b"\x89PNG").decode(),
        "isBase64Encoded": True,
    }))  # fmt: skip
    assert response.status == 201 and response.body == b"\x89PNG"
    assert response.headers == [("Content-Type", "image/png"), ("X-Count", "3"),
                                ("Set-Cookie", "a=1; Secure"), ("Set-Cookie", "b=2")]  # fmt: skip


def test_payload_2_0_without_content_type_defaults_to_text():
    response = rules.response_v2(payload({"statusCode": 200, "body": "ok"}))
    assert response.header("content-type") == "text/plain; charset=utf-8"


@pytest.mark.parametrize("answer", [b"not json", payload({"statusCode": "abc"}),
                                    payload({"statusCode": 200, "body": {"not": "a string"}})])
def test_payload_2_0_malformed_answers_are_rejected(answer):
    assert rules.response_v2(answer) is None


@pytest.mark.parametrize("answer", [payload("just a string"), payload({"body": "no status"}),
                                    payload(["a"]), b"not json"])
def test_payload_1_0_requires_a_status_code(answer):
    assert rules.response_v1(answer) is None


def test_payload_1_0_merges_headers_and_multi_value_headers():
    response = rules.response_v1(payload({
        "statusCode": 200, "body": "{}",
        "headers": {"X-A": "1", "X-B": "solo"}, "multiValueHeaders": {"X-A": ["1", "2"]},
    }))  # fmt: skip
    assert response.headers == [("X-A", "1"), ("X-A", "2"), ("X-B", "solo"),
                                ("Content-Type", "application/json")]  # fmt: skip


@pytest.mark.parametrize(("api_type", "kind", "status", "body"), [
    ("http", "not_found", 404, '{"message":"Not Found"}'),
    ("http", "internal", 500, '{"message":"Internal Server Error"}'),
    ("http", "function_error", 500, '{"message":"Internal Server Error"}'),
    ("http", "timeout", 503, '{"message":"Service Unavailable"}'),
    ("rest", "not_found", 403, '{"message":"Missing Authentication Token"}'),
    ("rest", "internal", 500, '{"message": "Internal server error"}'),
    ("rest", "function_error", 502, '{"message": "Internal server error"}'),
    ("rest", "timeout", 504, '{"message": "Endpoint request timed out"}'),
])  # fmt: skip
def test_gateway_errors_have_aws_status_and_body(api_type, kind, status, body):
    response = rules.error_response(api_type, kind)
    assert (response.status, response.body.decode()) == (status, body)


def test_mock_integration_answers_its_default_integration_response():
    response = rules.mock_response([
        {"statusCode": "400", "selectionPattern": "4\\d{2}", "responseTemplates": {}},
        {"statusCode": "200", "responseTemplates": {"application/json": '{"ok": true}'},
         "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}},
    ])  # fmt: skip
    assert response.status == 200 and response.body == b'{"ok": true}'
    assert response.header("Access-Control-Allow-Origin") == "*"


# -- CORS ------------------------------------------------------------------------------------------
CORS = CorsConfig.from_config({
    "allowOrigins": ["https://app.example.com", "http://localhost:*"],
    "allowMethods": ["GET", "POST"], "allowHeaders": ["content-type", "authorization"],
    "exposeHeaders": ["x-request-id"], "maxAge": 300, "allowCredentials": True,
})  # fmt: skip


def test_cors_configuration_reads_stored_and_boto3_spelling():
    assert CorsConfig.from_config({"AllowOrigins": ["*"], "MaxAge": 5}) == CorsConfig(("*",), max_age=5)
    assert CorsConfig.from_config(None) is None


def test_preflight_is_options_with_origin_and_requested_method():
    assert rules.is_preflight("OPTIONS", "https://a", "GET")
    assert not rules.is_preflight("OPTIONS", None, "GET")
    assert not rules.is_preflight("OPTIONS", "https://a", None)
    assert not rules.is_preflight("GET", "https://a", "GET")


def test_preflight_from_an_allowed_origin_gets_the_configured_headers():
    headers = dict(rules.preflight_headers(CORS, "https://app.example.com", "POST"))
    assert headers == {
        "access-control-allow-origin": "https://app.example.com",
        "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "content-type,authorization",
        "access-control-max-age": "300", "access-control-allow-credentials": "true",
    }  # fmt: skip
    assert rules.preflight_headers(CORS, "http://localhost:5173", "GET")  # wildcard origin


def test_preflight_from_another_origin_or_for_another_method_gets_no_cors_headers():
    assert rules.preflight_headers(CORS, "https://evil.example", "GET") == []
    assert rules.preflight_headers(CORS, "https://app.example.com", "DELETE") == []


def test_any_origin_is_answered_with_a_star_unless_credentials_are_allowed():
    open_cors = CorsConfig(("*",), ("*",))
    assert dict(rules.preflight_headers(open_cors, "https://x.example", "PATCH"))[
        "access-control-allow-origin"] == "*"


def test_actual_responses_get_configured_cors_headers_and_lose_the_functions_own():
    function_headers = [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*")]
    headers = rules.with_cors_headers(CORS, "https://app.example.com", function_headers)
    assert headers == [("Content-Type", "text/plain"),
                       ("access-control-allow-origin", "https://app.example.com"),
                       ("access-control-allow-credentials", "true"),
                       ("access-control-expose-headers", "x-request-id")]  # fmt: skip
    assert rules.with_cors_headers(CORS, None, function_headers) == [("Content-Type", "text/plain")]


# -- who may invoke the function -------------------------------------------------------------------
def test_integration_uri_names_the_function():
    wrapped = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
    assert rules.function_arn_from_uri(wrapped, {}) == FUNCTION
    assert rules.function_arn_from_uri(FUNCTION, {}) == FUNCTION
    assert rules.function_arn_from_uri(FUNCTION + ":live", {}) == FUNCTION + ":live"
    staged = FUNCTION + ":${stageVariables.alias}"
    assert rules.function_arn_from_uri(staged, {"alias": "v2"}) == FUNCTION + ":v2"
    assert rules.function_arn_from_uri("https://example.com", {}) is None


def test_source_arn_is_stage_method_and_path_without_leading_slash():
    prefix = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}"
    assert rules.source_arn(REGION, ACCOUNT, API, "prod", "get", "/items/{id}") == (
        f"{prefix}/prod/GET/items/{{id}}")
    assert rules.source_arn(REGION, ACCOUNT, API, "prod", "GET", "/") == f"{prefix}/prod/GET/"
    assert rules.source_arn(REGION, ACCOUNT, API, "$default", "$default", "") == (
        f"{prefix}/$default/$default")


def statement(source_pattern=None, **overrides) -> dict:
    """A statement as lambda add_permission writes it."""
    value = {"Sid": "apigw", "Effect": "Allow", "Action": "lambda:InvokeFunction",
             "Principal": {"Service": "apigateway.amazonaws.com"}, "Resource": FUNCTION}
    if source_pattern:
        value["Condition"] = {"ArnLike": {"AWS:SourceArn": source_pattern}}
    value.update(overrides)
    return value


def allows(*statements, source=None) -> bool:
    source = source or f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/$default/GET/messages"
    policy = {"Version": "2012-10-17", "Statement": list(statements)}
    return rules.policy_allows_invoke(policy, source, ACCOUNT)


def arn(resource: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{resource}"


@pytest.mark.parametrize(("pattern", "allowed"), [
    (arn(f"{API}/*"), True),
    (arn(f"{API}/*/*/messages"), True),
    (arn(f"{API}/$default/GET/messages"), True),
    (arn(f"{API}/*/GET/mess?ges"), True),
    (arn(f"{API}/*/POST/messages"), False),
    (arn(f"{API}/*/*/messages/*"), False),
    (arn("otherapi/*"), False),
    (f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:{API}/*", False),
    (arn("*"), True),
])  # fmt: skip
def test_source_arn_condition_uses_iam_wildcards(pattern, allowed):
    assert allows(statement(pattern)) is allowed


def test_no_policy_or_another_principal_does_not_allow():
    assert rules.policy_allows_invoke(None, arn(f"{API}/$default/GET/x"), ACCOUNT) is False
    assert allows(statement(Principal={"Service": "s3.amazonaws.com"})) is False
    assert allows(statement(Action="lambda:GetFunction")) is False


def test_a_statement_without_condition_or_with_broad_action_allows():
    assert allows(statement()) is True
    assert allows(statement(Action=["lambda:*"])) is True
    assert allows(statement(Principal="*")) is True


def test_an_explicit_deny_wins_over_an_allow():
    deny = statement(arn(f"{API}/*/GET/*"), Effect="Deny", Sid="no-get")
    assert allows(statement(arn(f"{API}/*")), deny) is False


def test_source_account_condition_is_checked():
    by_account = statement(Condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})
    assert allows(by_account) is True
    other = statement(Condition={"StringEquals": {"AWS:SourceAccount": "999999999999"}})
    assert allows(other) is False
