"""What echo_event sends back for each kind of API Gateway event, and that API Gateway can use it.

The events in tests/events/ have the shape AWS documents for each integration (HTTP API with
payload format 2.0 or 1.0, REST API proxy), for the same request: GET or POST /echo?tag=a&tag=b
with a header `X-Custom` sent twice.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
"""

import base64
import json
from pathlib import Path

import echo_event
import pytest

EVENTS = Path(__file__).parent / "events"
EVENT_FILES = sorted(path.name for path in EVENTS.glob("*.json"))


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def echo(event) -> dict:
    """The handler's response, with the echoed event decoded from its body."""
    response = echo_event.handler(event, None)
    return {**response, "event": json.loads(response["body"])}


# --- Any event: a proxy response both payload formats accept, holding the event unchanged ---


@pytest.mark.parametrize("name", EVENT_FILES)
def test_the_event_comes_back_unchanged_as_a_json_body(name):
    event = load(name)
    assert echo(event)["event"] == event


@pytest.mark.parametrize("name", EVENT_FILES)
def test_the_response_has_the_proxy_shape_api_gateway_expects(name):
    response = echo_event.handler(load(name), None)
    assert response["statusCode"] == 200
    assert response["headers"] == {"content-type": "application/json"}
    assert isinstance(response["body"], str)  # API Gateway sends a body string as it is


def test_the_body_is_sorted_so_two_echoes_compare_line_by_line():
    body = echo_event.handler({"b": 1, "a": {"d": 2, "c": 3}}, None)["body"]
    assert body == '{"a": {"c": 3, "d": 2}, "b": 1}'


def test_non_ascii_text_survives_the_round_trip():
    assert echo({"q": "café 🐍"})["event"] == {"q": "café 🐍"}


def test_a_direct_invoke_is_echoed_too():
    assert echo({"hello": "world"})["event"] == {"hello": "world"}


# --- HTTP API, payload format 2.0 ---


def test_payload_2_0_names_the_route_and_the_raw_path():
    event = echo(load("http-api-payload-2.0.json"))["event"]
    assert event["version"] == "2.0"
    assert (event["routeKey"], event["rawPath"]) == ("GET /echo", "/echo")
    assert event["requestContext"]["http"]["method"] == "GET"


def test_payload_2_0_joins_repeated_values_with_commas_and_lower_cases_headers():
    event = echo(load("http-api-payload-2.0.json"))["event"]
    assert event["headers"]["x-custom"] == "one,two"
    assert event["queryStringParameters"]["tag"] == "a,b"
    assert all(name == name.lower() for name in event["headers"])
    assert "multiValueHeaders" not in event and "httpMethod" not in event


def test_payload_2_0_lists_cookies_apart_and_keeps_the_raw_query_string():
    event = echo(load("http-api-payload-2.0.json"))["event"]
    assert event["cookies"] == ["theme=dark", "lang=en"]
    assert event["rawQueryString"] == "tag=a&tag=b&q=caf%C3%A9"
    assert event["queryStringParameters"]["q"] == "café"


def test_payload_2_0_leaves_out_the_body_of_a_get():
    assert "body" not in echo(load("http-api-payload-2.0.json"))["event"]


# --- HTTP API, payload format 1.0 ---


def test_http_api_payload_1_0_says_its_version_and_keeps_every_repeated_value():
    event = echo(load("http-api-payload-1.0.json"))["event"]
    assert event["version"] == "1.0"
    assert (event["httpMethod"], event["path"]) == ("GET", "/echo")
    assert event["multiValueHeaders"]["x-custom"] == ["one", "two"]
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]


def test_http_api_payload_1_0_keeps_only_the_last_value_in_the_single_value_maps():
    event = echo(load("http-api-payload-1.0.json"))["event"]
    assert event["headers"]["x-custom"] == "two"
    assert event["queryStringParameters"]["tag"] == "b"


def test_http_api_payload_1_0_lower_cases_header_names_too():
    event = echo(load("http-api-payload-1.0.json"))["event"]
    assert all(name == name.lower() for name in event["headers"])


def test_http_api_payload_1_0_has_null_where_nothing_was_sent():
    event = echo(load("http-api-payload-1.0.json"))["event"]
    assert event["body"] is None and event["pathParameters"] is None


# --- REST API (payload format 1.0, no version field) ---


def test_rest_api_events_carry_no_version_and_keep_header_names_as_sent():
    event = echo(load("rest-api.json"))["event"]
    assert "version" not in event
    assert "X-Custom" in event["headers"] and "x-custom" not in event["headers"]
    assert event["multiValueHeaders"]["X-Custom"] == ["one", "two"]


def test_rest_api_path_leaves_out_the_stage_that_the_request_context_shows():
    event = echo(load("rest-api.json"))["event"]
    assert event["path"] == "/echo"
    assert (event["requestContext"]["stage"], event["requestContext"]["path"]) == (
        "prod", "/prod/echo")


def test_a_json_request_body_arrives_as_a_string_not_parsed():
    event = echo(load("rest-api.json"))["event"]
    assert event["body"] == '{"name": "Ada"}'
    assert json.loads(event["body"]) == {"name": "Ada"}


def test_a_binary_body_arrives_base64_encoded_and_is_echoed_as_is():
    event = {**load("rest-api.json"), "isBase64Encoded": True,
             "body": base64.b64encode(b"\x89PNG\r\n").decode()}
    echoed = echo(event)["event"]
    assert echoed["isBase64Encoded"] is True
    assert base64.b64decode(echoed["body"]) == b"\x89PNG\r\n"
