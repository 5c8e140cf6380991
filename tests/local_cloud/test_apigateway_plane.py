"""API Gateway's data plane on a running local cloud: real APIs created through boto3, real HTTP
requests, real Lambda invocations. Each test reads as the AWS behaviour it protects."""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import json
import textwrap
import time
import zipfile
from dataclasses import dataclass
from types import SimpleNamespace

import boto3
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.clock import FakeClock
from helpers.local_cloud.planes.apigateway import ApiGatewayPlane

ACCOUNT, REGION = "123456789012", "us-east-1"
ORIGIN = "https://app.example.com"

HANDLER = """
import json, time

def handler(event, context):
    query = event.get("queryStringParameters") or {}
    mode = query.get("mode", "echo")
    if mode == "infer":
        return {"hello": "world"}
    if mode == "raise":
        raise RuntimeError("boom")
    if mode == "sleep":
        time.sleep(1.0)
        return {"statusCode": 200, "body": "slept"}
    if mode == "malformed":
        return {"body": "no status code"}
    if mode == "cookies":
        return {"statusCode": 201, "cookies": ["a=1; Path=/", "b=2"],
                "headers": {"x-custom": "yes"}, "body": "made"}
    return {"statusCode": 200, "body": json.dumps(event),
            "headers": {"content-type": "application/json",
                        "access-control-allow-origin": "https://function.example"}}
"""


def build_zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(source))
    return buffer.getvalue()


def execute_api(resource: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{resource}"


def lambda_uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def create_http_api(v2, name: str, integrations: dict, routes: dict, **api_options) -> str:
    api = v2.create_api(Name=name, ProtocolType="HTTP", **api_options)["ApiId"]
    ids = {
        key: v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                   PayloadFormatVersion=version, **options)["IntegrationId"]
        for key, (arn, version, options) in integrations.items()
    }  # fmt: skip
    for route_key, integration in routes.items():
        v2.create_route(ApiId=api, RouteKey=route_key, Target=f"integrations/{ids[integration]}")
    v2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api


def create_rest_api(rest, echo: str, locked: str) -> str:
    api = rest.create_rest_api(name="items")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]

    def resource(parent: str, part: str) -> str:
        return rest.create_resource(restApiId=api, parentId=parent, pathPart=part)["id"]

    def method(resource_id: str, verb: str, function: str = echo, **options) -> None:
        rest.put_method(restApiId=api, resourceId=resource_id, httpMethod=verb,
                        authorizationType="NONE")  # fmt: skip
        rest.put_integration(restApiId=api, resourceId=resource_id, httpMethod=verb,
                             type="AWS_PROXY", integrationHttpMethod="POST",
                             uri=lambda_uri(function), **options)  # fmt: skip

    items = resource(root, "items")
    method(root, "GET")
    method(items, "GET")
    method(resource(items, "{id}"), "ANY")
    method(resource(resource(root, "files"), "{proxy+}"), "GET")
    method(resource(root, "slow"), "GET", timeoutInMillis=300)
    method(resource(root, "locked"), "GET", locked)
    mock = resource(root, "mock")
    rest.put_method(restApiId=api, resourceId=mock, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=api, resourceId=mock, httpMethod="GET", type="MOCK",
                         requestTemplates={"application/json": '{"statusCode": 200}'})
    rest.put_integration_response(restApiId=api, resourceId=mock, httpMethod="GET",
                                  statusCode="200",
                                  responseTemplates={"application/json": '{"mocked": true}'})
    rest.create_deployment(restApiId=api, stageName="prod", variables={"table": "prod-table"})
    return api


@pytest.fixture(scope="module")
def stack():
    cloud = LocalCloud().start()
    options = dict(endpoint_url=cloud.endpoint, region_name=REGION,
                   aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    iam, lam, v2, rest, logs = (boto3.client(service, **options)
                                for service in ("iam", "lambda", "apigatewayv2", "apigateway",
                                                "logs"))  # fmt: skip
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    role = iam.create_role(RoleName="apigw-test", AssumeRolePolicyDocument=json.dumps(trust))
    code = {"ZipFile": build_zip(HANDLER)}
    echo, locked = (
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"],
                            Handler="app.handler", Code=code, Timeout=5)["FunctionArn"]
        for name in ("echo", "locked")
    )  # fmt: skip
    api = create_http_api(v2, "messages", {
        "v2": (echo, "2.0", {}), "v1": (echo, "1.0", {}), "slow": (echo, "2.0", {"TimeoutInMillis": 300}),
        "locked": (locked, "2.0", {}),
    }, {
        "GET /messages": "v2", "GET /messages/latest": "v2", "GET /messages/{id}": "v2",
        "ANY /messages/{proxy+}": "v2", "POST /messages/{id}": "v2", "GET /v1/messages/{id}": "v1",
        "GET /slow": "slow", "GET /locked": "locked", "$default": "v2",
    })  # fmt: skip
    v2.create_stage(ApiId=api, StageName="dev", StageVariables={"table": "dev-table"})
    cors_api = create_http_api(v2, "cors", {"v2": (echo, "2.0", {})}, {"$default": "v2"},
                               CorsConfiguration={"AllowOrigins": [ORIGIN],
                                                  "AllowMethods": ["GET", "POST"],
                                                  "AllowHeaders": ["content-type"],
                                                  "ExposeHeaders": ["x-custom"], "MaxAge": 600})
    rest_api = create_rest_api(rest, echo, locked)
    for sid, api_id in (("http", api), ("cors", cors_api), ("rest", rest_api)):
        lam.add_permission(FunctionName="echo", StatementId=sid, Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com",
                           SourceArn=execute_api(f"{api_id}/*"))  # fmt: skip
    yield SimpleNamespace(cloud=cloud, api=api, cors_api=cors_api, rest_api=rest_api, logs=logs,
                          v2=v2)  # fmt: skip
    cloud.stop()


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)


def call(stack, method: str, path: str, *, headers=(), body: bytes = b"",
         host: str | None = None) -> Reply:  # fmt: skip
    """One raw HTTP request to the local cloud (repeated headers stay repeated)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.cloud.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
        if host:
            connection.putheader("Host", host)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return Reply(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def http_api(stack, path: str, **kwargs) -> Reply:
    return call(stack, kwargs.pop("method", "GET"), f"/_aws/execute-api/{stack.api}{path}", **kwargs)


def rest_api(stack, path: str, **kwargs) -> Reply:
    return call(stack, kwargs.pop("method", "GET"), f"/_aws/execute-api/{stack.rest_api}{path}",
                **kwargs)  # fmt: skip


def invoked(stack, function: str) -> bool:
    groups = stack.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{function}")
    return bool(groups["logGroups"])


# -- HTTP APIs: routing ----------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "route_key"), [
    ("GET", "/messages/latest", "GET /messages/latest"),
    ("GET", "/messages/42", "GET /messages/{id}"),
    ("POST", "/messages/42", "POST /messages/{id}"),
    ("DELETE", "/messages/42", "ANY /messages/{proxy+}"),
    ("GET", "/messages/42/replies", "ANY /messages/{proxy+}"),
    ("GET", "/messages", "GET /messages"),
    ("GET", "/somewhere/else", "$default"),
])  # fmt: skip
def test_most_specific_route_wins_and_default_route_catches_the_rest(stack, method, path, route_key):
    reply = http_api(stack, path, method=method)
    assert reply.status == 200
    assert reply.json()["routeKey"] == route_key


def test_path_parameters_reach_the_handler_decoded(stack):
    assert http_api(stack, "/messages/hello%20world").json()["pathParameters"] == {"id": "hello world"}
    greedy = http_api(stack, "/messages/a/b/c", method="PUT").json()
    assert greedy["pathParameters"] == {"proxy": "a/b/c"}


def test_default_stage_serves_from_the_root_and_named_stage_from_its_prefix(stack):
    default = http_api(stack, "/messages/1").json()
    assert default["requestContext"]["stage"] == "$default" and "stageVariables" not in default
    named = http_api(stack, "/dev/messages/1").json()
    assert named["requestContext"]["stage"] == "dev" and named["routeKey"] == "GET /messages/{id}"
    assert named["rawPath"] == "/dev/messages/1"
    assert named["stageVariables"] == {"table": "dev-table"}


def test_host_header_forms_reach_the_same_api(stack):
    for host in (f"{stack.api}.execute-api.{REGION}.amazonaws.com",
                 f"{stack.api}.execute-api.localhost:{stack.cloud.port}"):
        reply = call(stack, "GET", "/dev/messages/7", host=host)
        assert reply.status == 200, host
        event = reply.json()
        assert (event["requestContext"]["stage"], event["pathParameters"]) == ("dev", {"id": "7"})
        assert event["requestContext"]["domainName"] == host.split(":")[0]


def test_unknown_route_is_404_not_found(stack):
    v2, api = stack.v2, stack.v2.create_api(Name="no-routes", ProtocolType="HTTP")["ApiId"]
    v2.create_stage(ApiId=api, StageName="$default")
    reply = call(stack, "GET", f"/_aws/execute-api/{api}/nothing/here")
    assert (reply.status, reply.body) == (404, b'{"message":"Not Found"}')
    assert reply.header("apigw-requestid")


def test_unknown_api_is_403_forbidden(stack):
    reply = call(stack, "GET", "/_aws/execute-api/nosuchapi/anything")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})


# -- HTTP APIs: the event ---------------------------------------------------------------------------
def test_payload_2_0_event_as_the_handler_sees_it(stack):
    reply = http_api(stack, "/messages/7?tag=a&tag=b&empty=", method="POST", body=b'{"text": "hi"}',
                     headers=[("Content-Type", "application/json"), ("X-Tag", "one"),
                              ("X-Tag", "two"), ("Cookie", "session=abc; theme=dark"),
                              ("User-Agent", "workbook-test")])  # fmt: skip
    event = reply.json()
    assert event["version"] == "2.0" and event["routeKey"] == "POST /messages/{id}"
    assert event["rawPath"] == "/messages/7" and event["rawQueryString"] == "tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "empty": ""}
    assert event["headers"]["x-tag"] == "one,two"
    assert event["headers"]["content-type"] == "application/json"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"] and event["cookies"] == ["session=abc", "theme=dark"]
    assert event["body"] == '{"text": "hi"}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {"method": "POST", "path": "/messages/7", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "workbook-test"}  # fmt: skip
    assert (context["accountId"], context["apiId"], context["domainPrefix"]) == (
        ACCOUNT, stack.api, stack.api)
    assert context["requestId"] == reply.header("apigw-requestid")
    assert abs(context["timeEpoch"] / 1000 - time.time()) < 60


def test_binary_request_body_arrives_base64_encoded(stack):
    data = bytes(range(256))
    event = http_api(stack, "/messages/1", method="POST", body=data,
                     headers=[("Content-Type", "application/octet-stream")]).json()  # fmt: skip
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == data


def test_payload_1_0_event_on_an_http_api(stack):
    event = http_api(stack, "/dev/v1/messages/9?tag=a&tag=b").json()
    assert event["version"] == "1.0" and event["httpMethod"] == "GET"
    assert event["resource"] == "/v1/messages/{id}" and event["path"] == "/dev/v1/messages/9"
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["pathParameters"] == {"id": "9"}
    assert event["stageVariables"] == {"table": "dev-table"}
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"



# Header names (FIELD-NOTES; AWS docs "Working with AWS Lambda proxy integrations for HTTP APIs":
# "Header names are lowercased" in both formats; REST APIs pass them on as the client sent them).
def test_http_api_lower_cases_header_names_in_payload_1_0_too(stack):
    event = http_api(stack, "/dev/v1/messages/9", headers=[("day", "Monday"),
                                                          ("X-Mixed-Case", "yes")]).json()
    assert event["headers"]["day"] == "Monday" and event["headers"]["x-mixed-case"] == "yes"
    assert event["multiValueHeaders"]["x-mixed-case"] == ["yes"]
    assert all(name == name.lower() for name in event["headers"])

# -- HTTP APIs: the response ------------------------------------------------------------------------
def test_plain_json_return_value_is_inferred_as_200_application_json(stack):
    reply = http_api(stack, "/messages?mode=infer")
    assert (reply.status, reply.json()) == (200, {"hello": "world"})
    assert reply.header("content-type") == "application/json"


def test_status_headers_and_cookies_from_the_function_reach_the_client(stack):
    reply = http_api(stack, "/messages?mode=cookies")
    assert (reply.status, reply.body) == (201, b"made")
    assert reply.header("x-custom") == "yes"
    assert reply.all("set-cookie") == ["a=1; Path=/", "b=2"]


def test_function_error_is_500_internal_server_error(stack):
    reply = http_api(stack, "/messages?mode=raise")
    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')


def test_malformed_payload_1_0_answer_is_500_on_an_http_api(stack):
    reply = http_api(stack, "/v1/messages/1?mode=malformed")
    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')


def test_missing_permission_is_500_and_the_function_is_not_invoked(stack):
    reply = http_api(stack, "/locked")
    assert (reply.status, reply.body) == (500, b'{"message":"Internal Server Error"}')
    assert f"{stack.api}/$default/GET/locked" in reply.header("x-local-cloud-error")
    assert (rest := rest_api(stack, "/prod/locked")).status == 500
    assert rest.body == b'{"message": "Internal server error"}'
    assert not invoked(stack, "locked")


@contextlib.contextmanager
def gateway_clock(stack):
    """The gateway waits on a FakeClock: a wait for the integration ends at once, unanswered
    (the function, which sleeps for real, is still running), and is recorded."""
    plane = stack.cloud.plane(ApiGatewayPlane)
    plane.clock, real = FakeClock(), plane.clock
    try:
        yield plane.clock
    finally:
        plane.clock = real


def test_integration_timeout_is_503_service_unavailable(stack):
    with gateway_clock(stack) as clock:
        reply = http_api(stack, "/slow?mode=sleep")
    assert (reply.status, reply.body) == (503, b'{"message":"Service Unavailable"}')
    assert clock.slept == [0.3]  # the gateway stopped waiting at the 300 ms integration timeout


# -- HTTP APIs: CORS -------------------------------------------------------------------------------
def cors_call(stack, method: str, origin: str, **kwargs) -> Reply:
    headers = [("Origin", origin), *kwargs.pop("headers", [])]
    return call(stack, method, f"/_aws/execute-api/{stack.cors_api}/notes", headers=headers,
                **kwargs)  # fmt: skip


def test_gateway_answers_cors_preflight_itself(stack):
    reply = cors_call(stack, "OPTIONS", ORIGIN, headers=[("Access-Control-Request-Method", "POST")])
    assert reply.status == 204 and reply.body == b""
    assert reply.header("access-control-allow-origin") == ORIGIN
    assert reply.header("access-control-allow-methods") == "GET,POST"
    assert reply.header("access-control-allow-headers") == "content-type"
    assert reply.header("access-control-max-age") == "600"


def test_preflight_from_a_disallowed_origin_gets_no_cors_headers(stack):
    reply = cors_call(stack, "OPTIONS", "https://evil.example",
                      headers=[("Access-Control-Request-Method", "GET")])  # fmt: skip
    assert reply.status == 204
    assert not [name for name, _ in reply.headers if name.lower().startswith("access-control")]


def test_actual_response_gets_configured_cors_headers_not_the_functions(stack):
    reply = cors_call(stack, "GET", ORIGIN)
    assert reply.status == 200
    assert reply.all("access-control-allow-origin") == [ORIGIN]
    assert reply.header("access-control-expose-headers") == "x-custom"


def test_without_cors_configuration_options_is_routed_like_any_method(stack):
    reply = http_api(stack, "/messages", method="OPTIONS",
                     headers=[("Origin", ORIGIN), ("Access-Control-Request-Method", "GET")])
    assert reply.status == 200 and reply.json()["routeKey"] == "$default"
    assert reply.header("access-control-allow-origin") == "https://function.example"


# -- REST APIs --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "resource", "parameters"), [
    ("GET", "/prod", "/", None),
    ("GET", "/prod/items", "/items", None),
    ("DELETE", "/prod/items/7", "/items/{id}", {"id": "7"}),
    ("GET", "/prod/files/a/b.txt", "/files/{proxy+}", {"proxy": "a/b.txt"}),
])  # fmt: skip
def test_rest_api_routes_by_resource_tree_under_the_stage(stack, method, path, resource, parameters):
    reply = rest_api(stack, path, method=method)
    assert reply.status == 200
    event = reply.json()
    assert (event["resource"], event["httpMethod"], event["pathParameters"]) == (
        resource, method, parameters)


def test_rest_api_event_is_payload_1_0_without_the_stage_in_path(stack):
    reply = rest_api(stack, "/prod/items/7?tag=a&tag=b", method="POST", body=b"hello",
                     headers=[("Content-Type", "text/plain")])  # fmt: skip
    event = reply.json()
    assert "version" not in event
    assert event["path"] == "/items/7" and event["requestContext"]["path"] == "/prod/items/7"
    assert event["requestContext"]["resourcePath"] == "/items/{id}"
    assert event["requestContext"]["stage"] == "prod"
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["stageVariables"] == {"table": "prod-table"}
    assert event["body"] == "hello" and event["isBase64Encoded"] is False
    assert event["requestContext"]["requestId"] == reply.header("x-amzn-RequestId")
    assert reply.header("x-amz-apigw-id")


def test_rest_api_passes_header_names_exactly_as_sent(stack):
    # The AWS SDK examples' API Gateway demo reads event["headers"]["day"]: it must get it.
    event = rest_api(stack, "/prod/items/7", headers=[("day", "Tuesday"), ("X-lower-UPPER", "1"),
                                                     ("X-Rep", "a"), ("X-Rep", "b")]).json()
    assert event["headers"]["day"] == "Tuesday" and "Day" not in event["headers"]
    assert event["headers"]["X-lower-UPPER"] == "1"
    assert event["multiValueHeaders"]["X-Rep"] == ["a", "b"] and event["headers"]["X-Rep"] == "b"


def test_rest_api_unknown_resource_or_method_is_403_missing_authentication_token(stack):
    for method, path in (("GET", "/prod/nothing"), ("POST", "/prod/items")):
        reply = rest_api(stack, path, method=method)
        assert (reply.status, reply.json()) == (403, {"message": "Missing Authentication Token"})


def test_rest_api_needs_a_deployed_stage_in_the_path(stack):
    reply = rest_api(stack, "/items")
    assert (reply.status, reply.json()) == (403, {"message": "Forbidden"})


def test_rest_api_malformed_answer_and_function_error_are_502(stack):
    for mode in ("malformed", "raise", "infer"):
        reply = rest_api(stack, f"/prod/items?mode={mode}")
        assert (reply.status, reply.body) == (502, b'{"message": "Internal server error"}'), mode


def test_rest_api_integration_timeout_is_504(stack):
    with gateway_clock(stack) as clock:
        reply = rest_api(stack, "/prod/slow?mode=sleep")
    assert (reply.status, reply.body) == (504, b'{"message": "Endpoint request timed out"}')
    assert clock.slept == [0.3]


def test_rest_api_mock_integration_answers_without_a_function(stack):
    reply = rest_api(stack, "/prod/mock")
    assert (reply.status, reply.json()) == (200, {"mocked": True})


def test_rest_api_by_host_header(stack):
    reply = call(stack, "GET", "/prod/items", host=f"{stack.rest_api}.execute-api.localhost")
    assert reply.status == 200 and reply.json()["resource"] == "/items"


# -- what the plane claims -------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "host", "claimed"), [
    ("/_aws/execute-api/abc123/prod/items", "127.0.0.1:4566", True),
    ("/prod/items", "abc123.execute-api.us-east-1.amazonaws.com", True),
    ("/items", "abc123.execute-api.localhost:4566", True),
    ("/restapis", "127.0.0.1:4566", False),
    ("/v2/apis", "127.0.0.1:4566", False),
    ("/restapis/abc123/stages", "apigateway.us-east-1.amazonaws.com", False),
])  # fmt: skip
def test_plane_claims_execute_api_traffic_and_leaves_the_control_plane_to_moto(path, host, claimed):
    request = Request(EnvironBuilder(path=path, headers={"Host": host}).get_environ())
    plane = ApiGatewayPlane(SimpleNamespace(), None)
    try:
        assert plane.claims(request) is claimed
    finally:
        plane.close()
