"""API Gateway's rules as plain functions: which route a request takes, the event a Lambda proxy
integration receives, how the function's answer becomes an HTTP response, CORS, and whether the
function's resource policy lets API Gateway invoke it (asked of ``iam_policy``, the local cloud's
one policy evaluator). No sockets and no moto here: the plane in ``apigateway.py`` reads the
stored configuration and calls these.

Behaviour follows AWS's documentation (cited where it decides something):
- routes: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
- events and responses, 1.0 and 2.0:
  https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
- CORS: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..iam_policy import MalformedPolicyError, Principal, Request, evaluate, wildcard_match

DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"
# Request bodies HTTP APIs pass as text; everything else (a missing Content-Type and form posts
# included) arrives base64-encoded. AWS does not list them; measured on AWS in
# https://github.com/ministackorg/ministack/pull/766
TEXT_MEDIA_TYPES = ("application/json", "application/xml", "application/javascript")
LAMBDA_URI = re.compile(r"^arn:[\w-]+:apigateway:[\w-]+:lambda:path/[\d-]+/functions/(.+)/invocations$")
FUNCTION_ARN = re.compile(r"^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$")


# -- routing --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    """An HTTP API route (route key "GET /pets/{id}", "ANY /{proxy+}" or "$default"), or a REST
    method on a resource; ``target`` is whatever the caller needs to find the integration."""

    key: str
    target: Any = None

    @property
    def method(self) -> str:
        return "" if self.key == DEFAULT_ROUTE else self.key.partition(" ")[0].upper()

    @property
    def path(self) -> str:
        return "" if self.key == DEFAULT_ROUTE else self.key.partition(" ")[2]


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str] = field(default_factory=dict)


def _segments(path: str) -> list[str]:
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return [] if path in ("", "/") else path[1:].split("/")


def match_path(template: str, path: str) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Match a request path against a path template. Returns the template's specificity (per
    segment: 0 literal, 1 ``{param}``, 2 greedy ``{param+}``; smaller is more specific) and the
    path parameters (decoded), or None."""
    wanted, actual = _segments(template), _segments(path)
    ranks: list[int] = []
    parameters: dict[str, str] = {}
    for index, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):  # greedy: one or more segments
            rest = actual[index:]
            if not rest or rest == [""]:
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return (*ranks, 2), parameters
        if index >= len(actual):
            return None
        segment = unquote(actual[index])
        if part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            parameters[part[1:-1]] = segment
            ranks.append(1)
        elif part == segment:
            ranks.append(0)
        else:
            return None
    return (tuple(ranks), parameters) if len(actual) == len(wanted) else None


def select_route(routes: list[Route], method: str, path: str) -> RouteMatch | None:
    """The HTTP API route a request takes: the most specific path (literal segments before
    ``{param}`` before ``{proxy+}``, compared left to right), a route for the method before an
    ANY route, and ``$default`` only when nothing else matches. None means 404."""
    best: tuple[tuple[tuple[int, ...], int], RouteMatch] | None = None
    fallback = None
    for route in routes:
        if route.key == DEFAULT_ROUTE:
            fallback = RouteMatch(route)
            continue
        if route.method not in (method.upper(), "ANY"):
            continue
        matched = match_path(route.path, path)
        if matched is None:
            continue
        rank = (matched[0], 0 if route.method != "ANY" else 1)
        if best is None or rank < best[0]:
            best = (rank, RouteMatch(route, matched[1]))
    return best[1] if best else fallback


def select_resource(paths: list[str], path: str) -> tuple[str, dict[str, str]] | None:
    """REST APIs: the most specific resource path matching the request, and its parameters."""
    candidates = [(matched, template) for template in paths
                  if (matched := match_path(template, path)) is not None]  # fmt: skip
    if not candidates:
        return None
    (_, parameters), template = min(candidates, key=lambda candidate: candidate[0][0])
    return template, parameters


def split_stage(path: str, stages: list[str]) -> tuple[str, str] | None:
    """HTTP APIs: a first path segment naming a stage selects it; anything else goes to the
    ``$default`` stage with the whole path; without a ``$default`` stage there is no match."""
    first, _, rest = path.lstrip("/").partition("/")
    if first and first != DEFAULT_STAGE and first in stages:
        return first, "/" + rest
    return (DEFAULT_STAGE, path or "/") if DEFAULT_STAGE in stages else None


def split_rest_stage(path: str) -> tuple[str, str]:
    """REST APIs always have the stage as the first path segment."""
    stage, _, rest = path.lstrip("/").partition("/")
    return stage, "/" + rest


# -- the event the function receives ---------------------------------------------------------------
@dataclass(frozen=True)
class ProxyRequest:
    """An HTTP request as the gateway received it."""

    method: str
    raw_path: str  # as sent, with the stage prefix if there is one
    query_string: str  # without "?"
    headers: tuple[tuple[str, str], ...]  # repeated headers may arrive joined with ","
    body: bytes
    source_ip: str
    time_epoch_ms: int
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class ProxyContext:
    """Where the request went: API, stage, route and what the route captured."""

    account_id: str
    api_id: str
    region: str
    stage: str
    request_id: str
    domain_name: str
    route_key: str  # "GET /pets/{id}" or "$default" (HTTP APIs)
    resource_path: str  # "/pets/{id}": REST resource path, HTTP API route path
    path: str  # the path without the stage prefix
    path_parameters: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    resource_id: str | None = None
    extended_request_id: str | None = None


def is_text_media_type(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES


def _body(request: ProxyRequest, as_text: bool) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    if as_text:
        try:
            return request.body.decode(), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode(), True


def query_parameters(query_string: str) -> dict[str, list[str]]:
    parameters: dict[str, list[str]] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        parameters.setdefault(name, []).append(value)
    return parameters


def _times(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def event_v2(request: ProxyRequest, context: ProxyContext) -> dict[str, Any]:
    """Payload format 2.0: header names lower-cased, repeated headers and query parameters joined
    with commas, cookies in their own field; absent parts are left out."""
    headers: dict[str, str] = {}
    for name, value in request.headers:
        name = name.lower()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    cookie = headers.pop("cookie", "")
    cookies = [c.strip() for c in re.split(r"[;,]", cookie) if c.strip()]
    event: dict[str, Any] = {"version": "2.0", "routeKey": context.route_key,
                             "rawPath": request.raw_path, "rawQueryString": request.query_string}
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if parameters := query_parameters(request.query_string):
        event["queryStringParameters"] = {k: ",".join(v) for k, v in parameters.items()}
    event["requestContext"] = {
        "accountId": context.account_id, "apiId": context.api_id,
        "domainName": context.domain_name, "domainPrefix": context.domain_name.split(".")[0],
        "http": {"method": request.method, "path": request.raw_path, "protocol": request.protocol,
                 "sourceIp": request.source_ip, "userAgent": headers.get("user-agent", "")},
        "requestId": context.request_id, "routeKey": context.route_key, "stage": context.stage,
        "time": _times(request.time_epoch_ms), "timeEpoch": request.time_epoch_ms,
    }  # fmt: skip
    body, encoded = _body(request, is_text_media_type(headers.get("content-type")))
    if body is not None:
        event["body"] = body
    if context.path_parameters:
        event["pathParameters"] = dict(context.path_parameters)
    event["isBase64Encoded"] = encoded
    if context.stage_variables:
        event["stageVariables"] = dict(context.stage_variables)
    return event


def event_v1(request: ProxyRequest, context: ProxyContext, *, rest_api: bool,
             body_as_text: bool) -> dict[str, Any]:  # fmt: skip
    """Payload format 1.0 (REST APIs, and HTTP APIs that ask for it): single- and multi-value
    headers and query parameters (the single-value map keeps the last value). REST APIs pass
    header names as the client sent them; HTTP APIs lower-case them in both payload formats."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        if not rest_api:
            name = name.lower()
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    parameters = query_parameters(request.query_string)
    # REST APIs report the path without the stage; HTTP APIs report what the client sent.
    path = context.path if rest_api else request.raw_path
    context_path = f"/{context.stage}{context.path}" if rest_api else request.raw_path
    body, encoded = _body(request, body_as_text)
    event: dict[str, Any] = {} if rest_api else {"version": "1.0"}
    event.update({
        "resource": context.resource_path, "path": path, "httpMethod": request.method,
        "headers": headers, "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in parameters.items()} or None,
        "multiValueQueryStringParameters": parameters or None,
        "requestContext": {
            "accountId": context.account_id, "apiId": context.api_id,
            "domainName": context.domain_name, "domainPrefix": context.domain_name.split(".")[0],
            "extendedRequestId": context.extended_request_id or context.request_id,
            "httpMethod": request.method,
            "identity": {"accessKey": None, "accountId": None, "caller": None, "user": None,
                         "userArn": None, "sourceIp": request.source_ip,
                         "userAgent": request.header("user-agent") or ""},
            "path": context_path, "protocol": request.protocol, "requestId": context.request_id,
            "requestTime": _times(request.time_epoch_ms),
            "requestTimeEpoch": request.time_epoch_ms, "resourceId": context.resource_id,
            "resourcePath": context.resource_path, "stage": context.stage,
        },
        "pathParameters": dict(context.path_parameters) or None,
        "stageVariables": dict(context.stage_variables) or None,
        "body": body, "isBase64Encoded": encoded,
    })  # fmt: skip
    return event


# -- the response the client receives -------------------------------------------------------------
@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def _status_code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value) if 100 <= int(value) <= 599 else None
    return None


def _structured(value: dict[str, Any], version: str, default_type: str) -> GatewayResponse | None:
    status = _status_code(value.get("statusCode"))
    headers, multi = value.get("headers") or {}, value.get("multiValueHeaders") or {}
    body, encoded = value.get("body"), value.get("isBase64Encoded", False)
    if status is None or not isinstance(headers, dict) or not isinstance(multi, dict):
        return None
    if body is not None and not isinstance(body, str):
        return None
    merged: list[tuple[str, str]] = []
    if version == "1.0":  # both maps merge; a pair in both appears once
        for name, values in multi.items():
            if not isinstance(values, list):
                return None
            merged += [(name, str(v)) for v in values]
    for name, header_value in headers.items():
        if (name, str(header_value)) not in merged:
            merged.append((name, str(header_value)))
    if version == "2.0":
        cookies = value.get("cookies") or []
        if not isinstance(cookies, list):
            return None
        merged += [("Set-Cookie", str(cookie)) for cookie in cookies]
    try:
        data = base64.b64decode(body or "", validate=True) if encoded else (body or "").encode()
    except (binascii.Error, ValueError):
        return None
    if not any(name.lower() == "content-type" for name, _ in merged):
        merged.append(("Content-Type", default_type))
    return GatewayResponse(status, merged, data)


def response_v2(payload: bytes) -> GatewayResponse | None:
    """Payload 2.0: a dict with ``statusCode`` is used as it is; any other valid JSON becomes a
    200 application/json response with that JSON (or that string) as the body. None: malformed."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    if isinstance(value, dict) and "statusCode" in value:
        return _structured(value, "2.0", "text/plain; charset=utf-8")
    body = value.encode() if isinstance(value, str) else payload
    return GatewayResponse(200, [("Content-Type", "application/json")], body)


def response_v1(payload: bytes) -> GatewayResponse | None:
    """Payload 1.0 (and every REST proxy): statusCode is required; None means malformed."""
    try:
        value = json.loads(payload)
    except ValueError:
        return None
    return _structured(value, "1.0", "application/json") if isinstance(value, dict) else None


# What the client gets when the gateway, not the function, answers. HTTP APIs: routes and
# troubleshooting pages above. REST APIs: function errors and malformed answers give 502, a
# refused invoke 500 (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html);
# unknown resources 403 Missing Authentication Token and timeouts 504
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
ERRORS: dict[tuple[str, str], tuple[int, str, str | None]] = {
    ("http", "not_found"): (404, '{"message":"Not Found"}', None),
    ("http", "forbidden"): (403, '{"message":"Forbidden"}', None),
    ("http", "internal"): (500, '{"message":"Internal Server Error"}', None),
    ("http", "function_error"): (500, '{"message":"Internal Server Error"}', None),
    ("http", "timeout"): (503, '{"message":"Service Unavailable"}', None),
    ("rest", "not_found"): (403, '{"message":"Missing Authentication Token"}',
                            "MissingAuthenticationTokenException"),
    ("rest", "forbidden"): (403, '{"message":"Forbidden"}', "ForbiddenException"),
    ("rest", "internal"): (500, '{"message": "Internal server error"}',
                           "InternalServerErrorException"),
    ("rest", "function_error"): (502, '{"message": "Internal server error"}',
                                 "InternalServerErrorException"),
    ("rest", "timeout"): (504, '{"message": "Endpoint request timed out"}', None),
}  # fmt: skip


def error_response(api_type: str, kind: str) -> GatewayResponse:
    """``api_type`` "http" or "rest"; ``kind`` not_found, forbidden, internal (the invoke was
    refused: no permission, no function), function_error (it failed or answered malformed), or
    timeout (the integration timeout passed first)."""
    status, body, error_type = ERRORS[(api_type, kind)]
    headers = [("Content-Type", "application/json")]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    return GatewayResponse(status, headers, body.encode())


def mock_response(integration_responses: list[dict[str, Any]]) -> GatewayResponse:
    """REST MOCK integrations: the default integration response, its template as the body (no
    VTL evaluation) and its static header mappings (``'value'``)."""
    chosen = next((r for r in integration_responses if not r.get("selectionPattern")), None)
    chosen = chosen or {"statusCode": "200"}
    headers = [("Content-Type", "application/json")]
    for target, source in (chosen.get("responseParameters") or {}).items():
        if target.startswith("method.response.header.") and source.startswith("'"):
            headers.append((target.rsplit(".", 1)[1], source.strip("'")))
    templates = chosen.get("responseTemplates") or {}
    body = next((t for t in templates.values() if t), "")
    return GatewayResponse(int(chosen.get("statusCode") or 200), headers, body.encode())


# -- CORS (HTTP APIs) -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> CorsConfig | None:
        """From an API's CorsConfiguration (camelCase as stored, or PascalCase as in boto3)."""
        if not config:
            return None
        value = {k[0].lower() + k[1:]: v for k, v in config.items()}
        return cls(tuple(value.get("allowOrigins") or ()), tuple(value.get("allowMethods") or ()),
                   tuple(value.get("allowHeaders") or ()), tuple(value.get("exposeHeaders") or ()),
                   value.get("maxAge"), bool(value.get("allowCredentials")))  # fmt: skip

    def allows_origin(self, origin: str | None) -> bool:
        return bool(origin) and any(wildcard_match(p.lower(), origin.lower())
                                    for p in self.allow_origins)  # fmt: skip

    def _origin_value(self, origin: str) -> str:
        return "*" if "*" in self.allow_origins and not self.allow_credentials else origin


def is_preflight(method: str, origin: str | None, requested_method: str | None) -> bool:
    return method.upper() == "OPTIONS" and bool(origin) and bool(requested_method)


def preflight_headers(cors: CorsConfig, origin: str | None,
                      requested_method: str | None) -> list[tuple[str, str]]:  # fmt: skip
    """The gateway answers a preflight itself; CORS headers only for an allowed origin+method."""
    methods = {m.upper() for m in cors.allow_methods}
    if not origin or not cors.allows_origin(origin):
        return []
    if "*" not in methods and (requested_method or "").upper() not in methods:
        return []
    headers = [("access-control-allow-origin", cors._origin_value(origin))]
    if cors.allow_methods:
        headers.append(("access-control-allow-methods", ",".join(cors.allow_methods)))
    if cors.allow_headers:
        headers.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    return headers


def with_cors_headers(cors: CorsConfig, origin: str | None,
                      headers: list[tuple[str, str]]) -> list[tuple[str, str]]:  # fmt: skip
    """An actual response: the integration's CORS headers dropped, the configured ones added."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    if not origin or not cors.allows_origin(origin):
        return kept
    kept.append(("access-control-allow-origin", cors._origin_value(origin)))
    if cors.allow_credentials:
        kept.append(("access-control-allow-credentials", "true"))
    if cors.expose_headers:
        kept.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    return kept


# -- who may invoke the function ------------------------------------------------------------------
def function_arn_from_uri(uri: str, stage_variables: dict[str, str]) -> str | None:
    """The Lambda function an AWS_PROXY integration calls: its URI is the function's ARN (HTTP
    APIs) or API Gateway's invocation URI around it; ``${stageVariables.x}`` is substituted."""
    uri = re.sub(r"\$\{stageVariables\.([\w]+)\}",
                 lambda m: stage_variables.get(m[1], ""), uri or "")  # fmt: skip
    matched = LAMBDA_URI.match(uri)
    arn = matched[1] if matched else uri
    return arn if FUNCTION_ARN.match(arn) else None


def source_arn(region: str, account: str, api_id: str, stage: str, method: str, path: str) -> str:
    """The execute-api ARN API Gateway invokes as: ``{api}/{stage}/{METHOD}/{path}`` with the
    resource path (REST) or route path (HTTP APIs) without its leading slash, and
    ``{api}/{stage}/$default`` for an HTTP API's $default route."""
    prefix = f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}"
    if method == DEFAULT_ROUTE:
        return f"{prefix}/{DEFAULT_ROUTE}"
    return f"{prefix}/{method.upper()}/{path.lstrip('/')}"


def policy_allows_invoke(policy: str | bytes | dict[str, Any] | None, source: str, account: str,
                         function_arn: str | None = None) -> bool:
    """Does the function's resource-based policy let API Gateway invoke it from ``source`` (an
    execute-api ARN)? ``function_arn``: the (qualified) function the policy belongs to."""
    if not policy:
        return False
    request = Request(Principal.aws_service(APIGATEWAY_PRINCIPAL), "lambda:InvokeFunction",
                      function_arn, {"aws:SourceArn": source, "aws:SourceAccount": account})
    try:
        return evaluate(request, resource=policy).allowed
    except MalformedPolicyError:  # AWS never stores one; a broken policy grants nothing
        return False
