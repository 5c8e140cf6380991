"""API Gateway's data plane: requests to a deployed API are routed by its stored configuration and
reach the Lambda function behind it, as on AWS.

moto keeps REST APIs (``apigateway``) and HTTP APIs (``apigatewayv2``) but carries no traffic.
This plane claims the execute-api addresses and nothing else:

    {endpoint}/_aws/execute-api/{api_id}/{stage}/{path}   (HTTP API $default stage: no stage)
    Host: {api_id}.execute-api.{region}.amazonaws.com     (or {api_id}.execute-api.localhost)

It reads moto's models in-process, applies the rules in ``apigateway_rules``, checks the
function's resource policy and invokes it through the Lambda plane. Gaps: HTTP API stages are
always deployed (as with AutoDeploy), REST stages serve the current resources (moto keeps no
deployment snapshot), and only Lambda proxy (AWS_PROXY) and REST MOCK integrations run.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from .. import limits, moto_adapter
from ..clock import REAL_CLOCK
from ..http_server import RAW_HEADERS
from ..server import LocalCloud, WSGIApp
from . import Plane, register
from . import apigateway_rules as rules
from .apigateway_rules import GatewayResponse, ProxyContext, ProxyRequest, Route
from .body import UnreadableBody, read_body

PATH_PREFIX = "/_aws/execute-api/"
HOST = re.compile(
    r"^(?P<api>[a-z0-9]+)\.execute-api\.(?:(?P<region>[a-z0-9-]+)\.amazonaws\.com|localhost)"
    r"(?::\d+)?$", re.IGNORECASE)  # fmt: skip
HTTP_API_TIMEOUT_MS = 30_000  # integration timeouts when none is set
REST_API_TIMEOUT_MS = 29_000
EXPLANATION = "x-local-cloud-error"  # why the gateway answered an error (not an AWS header)


def _apigw_id() -> str:
    """An id shaped like API Gateway's (``JcN3Hj0OoAMEbkQ=``)."""
    return base64.b64encode(os.urandom(11)).decode()


@register(order=20)
class ApiGatewayPlane(Plane):
    """Claims execute-api requests; see the module docstring."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app
        self.clock = getattr(cloud, "clock", REAL_CLOCK)  # how long the gateway waits
        # Invokes run here so the gateway can stop waiting at the integration timeout.
        self._invokers = ThreadPoolExecutor(max_workers=32, thread_name_prefix="apigw-invoke")

    def claims(self, request: Request) -> bool:
        return request.path.startswith(PATH_PREFIX) or bool(HOST.match(request.host or ""))

    def is_public(self, request: Request) -> bool:
        return True  # execute-api traffic: the API's own authorisation and CORS apply

    def close(self) -> None:
        self._invokers.shutdown(wait=False, cancel_futures=True)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        # The path as sent (percent-encoded); in-process callers may not set RAW_URI.
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(request.path)
        raw_path = raw_uri.split("?", 1)[0]
        host = HOST.match(request.host or "")
        if request.path.startswith(PATH_PREFIX):
            api_id, _, rest = raw_path[len(PATH_PREFIX):].partition("/")
            region, domain = None, None
        else:
            assert host is not None
            api_id, region, rest = host["api"].lower(), host["region"], raw_path.lstrip("/")
            domain = host.group(0).split(":")[0]
        try:
            response = self.serve(request, api_id, region, "/" + rest, domain)
        except UnreadableBody as error:  # the gateway's front door refuses it: 400
            response = _explained(GatewayResponse(400, [("Content-Type", "application/json")],
                                                  b'{"message":"Bad Request"}'), str(error))
        return _to_werkzeug(response)(environ, start_response)

    # -- which API -----------------------------------------------------------------------------
    def serve(self, request: Request, api_id: str, region: str | None, path: str,
              domain: str | None) -> GatewayResponse:  # fmt: skip
        """Serve ``path`` (as AWS sees it, stage included) on API ``api_id``."""
        found = _find_api(api_id, region)
        if found is None:  # AWS answers 403 Forbidden for an unknown execute-api host
            return self._with_id(rules.error_response("http", "forbidden"), "http")
        kind, api, account, api_region = found
        if len(read_body(request)) > limits.GATEWAY_REQUEST_BYTES:
            return self._with_id(_payload_too_large(kind), kind)
        domain = domain or f"{api_id}.execute-api.{api_region}.amazonaws.com"
        serve = self._http_api if kind == "http" else self._rest_api
        return serve(_proxy_request(request, path), path, api, account, api_region, domain)

    # -- HTTP APIs -----------------------------------------------------------------------------
    def _http_api(self, request: ProxyRequest, path: str, api: Any, account: str, region: str,
                  domain: str) -> GatewayResponse:  # fmt: skip
        request_id = _apigw_id()
        staged = rules.split_stage(path, list(api.stages))
        if staged is None:
            return self._with_id(rules.error_response("http", "not_found"), "http", request_id)
        stage_name, route_path = staged
        cors = rules.CorsConfig.from_config(api.cors_configuration)
        origin = request.header("origin")
        requested = request.header("access-control-request-method")
        if cors and rules.is_preflight(request.method, origin, requested):
            headers = rules.preflight_headers(cors, origin, requested)
            return self._with_id(GatewayResponse(204, headers, b""), "http", request_id)
        routes = [Route(route.route_key, route.target) for route in api.routes.values()]
        match = rules.select_route(routes, request.method, route_path)
        integration_id = (match.route.target or "").rpartition("/")[2] if match else ""
        integration = api.integrations.get(integration_id)
        if match is None or integration is None:
            return self._with_id(rules.error_response("http", "not_found"), "http", request_id)
        stage = api.stages[stage_name]
        route = match.route
        is_default = route.key == rules.DEFAULT_ROUTE
        context = ProxyContext(
            account_id=account, api_id=api.api_id, region=region, stage=stage_name,
            request_id=request_id, domain_name=domain, route_key=route.key,
            resource_path=route_path if is_default else route.path, path=route_path,
            path_parameters=match.path_parameters, stage_variables=dict(stage.stage_variables),
        )  # fmt: skip
        version = integration.payload_format_version or "2.0"
        if version == "2.0":
            event = rules.event_v2(request, context)
        else:
            text = rules.is_text_media_type(request.header("content-type"))
            event = rules.event_v1(request, context, rest_api=False, body_as_text=text)
        method = rules.DEFAULT_ROUTE if is_default else route.method
        if method == "ANY":
            method = request.method
        source = rules.source_arn(region, account, api.api_id, stage_name, method, route.path)
        response = self._lambda_proxy(
            "http", integration.integration_type, integration.integration_uri, event, version,
            integration.timeout_in_millis or HTTP_API_TIMEOUT_MS, context, source,
        )  # fmt: skip
        if cors:
            response.headers = rules.with_cors_headers(cors, origin, response.headers)
        return self._with_id(response, "http", request_id)

    # -- REST APIs -----------------------------------------------------------------------------
    def _rest_api(self, request: ProxyRequest, path: str, api: Any, account: str, region: str,
                  domain: str) -> GatewayResponse:  # fmt: skip
        request_id, apigw_id = str(uuid.uuid4()), _apigw_id()
        stage_name, resource_path = rules.split_rest_stage(path)
        stage = api.stages.get(stage_name)
        if stage is None:  # no stage in the path, or not a deployed one
            return self._with_id(rules.error_response("rest", "forbidden"), "rest", request_id)
        resources = {resource.get_path(): resource for resource in api.resources.values()}
        selected = rules.select_resource(list(resources), resource_path)
        resource = resources[selected[0]] if selected else None
        methods = resource.resource_methods if resource else {}
        method = methods.get(request.method) or methods.get("ANY")
        if selected is None or method is None:
            return self._with_id(rules.error_response("rest", "not_found"), "rest", request_id)
        integration = method.method_integration
        kind = integration.integration_type if integration else None
        if kind == "MOCK":
            responses = [r.to_json() for r in (integration.integration_responses or {}).values()]
            return self._with_id(rules.mock_response(responses), "rest", request_id, apigw_id)
        template, parameters = selected
        context = ProxyContext(
            account_id=account, api_id=api.id, region=region, stage=stage_name,
            request_id=request_id, domain_name=domain, route_key=f"{method.http_method} {template}",
            resource_path=template, path=resource_path, path_parameters=parameters,
            stage_variables=dict(stage.variables or {}), resource_id=resource.id,
            extended_request_id=apigw_id,
        )  # fmt: skip
        binary = any(rules.wildcard_match(t, request.header("content-type") or "")
                     for t in api.binaryMediaTypes)  # fmt: skip
        event = rules.event_v1(request, context, rest_api=True, body_as_text=not binary)
        verb = request.method if method.http_method == "ANY" else method.http_method
        source = rules.source_arn(region, account, api.id, stage_name, verb, template)
        timeout = int(integration.timeout_in_millis or REST_API_TIMEOUT_MS) if integration else 0
        response = self._lambda_proxy(
            "rest", kind, integration.uri if integration else "", event, "1.0", timeout,
            context, source,
        )  # fmt: skip
        return self._with_id(response, "rest", request_id, apigw_id)

    # -- the Lambda proxy integration ---------------------------------------------------------
    def _lambda_proxy(self, api_type: str, integration_type: str | None, uri: str,
                      event: dict[str, Any], version: str, timeout_ms: int,
                      context: ProxyContext, source: str) -> GatewayResponse:  # fmt: skip
        from .lambda_api import LambdaPlane

        function_arn = rules.function_arn_from_uri(uri, context.stage_variables)
        if integration_type != "AWS_PROXY" or function_arn is None:
            found = f"{integration_type} {uri}" if integration_type else "no integration"
            return _explained(rules.error_response(api_type, "internal"),
                              "The local cloud runs Lambda proxy (AWS_PROXY) integrations to a "
                              f"function ARN only; found {found}.")  # fmt: skip
        lambda_plane = self.cloud.plane(LambdaPlane)
        policy = lambda_plane.function_policy(function_arn)
        if not rules.policy_allows_invoke(policy, source, context.account_id, function_arn):
            # AWS says why only in the access log ("Invalid permissions on Lambda function").
            return _explained(rules.error_response(api_type, "internal"),
                              f"API Gateway may not invoke {function_arn} as {source}: add a "
                              "Lambda permission for apigateway.amazonaws.com whose SourceArn "
                              "matches it (lambda add_permission).")  # fmt: skip
        payload = json.dumps(event).encode()
        if len(payload) > limits.SYNC_REQUEST_BYTES:  # Lambda would refuse the invoke
            return _explained(_payload_too_large(api_type), f"The event ({len(payload)} bytes) "
                              "exceeds Lambda's 6 MB limit for synchronous invocations.")
        future = self._invokers.submit(lambda_plane.invoke_for_service, function_arn, payload)
        answered = threading.Event()
        future.add_done_callback(lambda _: answered.set())
        try:
            if not self.clock.sleep(timeout_ms / 1000, answered):
                raise FutureTimeout
            result = future.result()
        except FutureTimeout:  # the function keeps running; the caller stops waiting
            return _explained(rules.error_response(api_type, "timeout"),
                              f"The integration timed out after {timeout_ms} ms.")
        except Exception as error:  # deleted function, or the cloud is shutting down
            return _explained(rules.error_response(api_type, "internal"), str(error))
        if result.function_error:
            return _explained(rules.error_response(api_type, "function_error"),
                              f"The function failed ({result.function_error}); see its logs.")
        mapped = (rules.response_v2 if version == "2.0" else rules.response_v1)(result.payload)
        return mapped or _explained(rules.error_response(api_type, "function_error"),
                                    f"Malformed Lambda proxy response (payload {version}).")

    @staticmethod
    def _with_id(response: GatewayResponse, api_type: str, request_id: str | None = None,
                 apigw_id: str | None = None) -> GatewayResponse:  # fmt: skip
        """The ids AWS adds to every response."""
        if api_type == "http":
            response.headers.append(("apigw-requestid", request_id or _apigw_id()))
        else:
            response.headers.append(("x-amzn-RequestId", request_id or str(uuid.uuid4())))
            response.headers.append(("x-amz-apigw-id", apigw_id or _apigw_id()))
        return response


def _explained(response: GatewayResponse, reason: str) -> GatewayResponse:
    """AWS answers these errors with a bare message; say why in a header of our own."""
    reason = reason.replace("\n", " ")[:500].encode("latin-1", "replace").decode("latin-1")
    response.headers.append((EXPLANATION, reason))
    return response


def _payload_too_large(api_type: str) -> GatewayResponse:
    status, body = limits.gateway_request_too_large(api_type)
    return GatewayResponse(status, [("Content-Type", "application/json")], body)


def _find_api(api_id: str, region: str | None) -> tuple[str, Any, str, str] | None:
    """("http" or "rest", the API's moto model, account, region), looked up in every account and
    region moto holds (only those it has created: nothing is instantiated here)."""
    for kind, account, api_region, backend in moto_adapter.api_gateway_backends():
        api = backend.apis.get(api_id)
        if api is None or (region and api_region != region):
            continue
        if kind == "rest" or api.protocol_type == "HTTP":
            return kind, api, account, api_region
    return None


def _proxy_request(request: Request, path: str) -> ProxyRequest:
    source_ip = request.remote_addr or "127.0.0.1"
    added = {  # what API Gateway adds on its way to the integration
        "X-Forwarded-For": source_ip, "X-Forwarded-Proto": request.scheme,
        "X-Forwarded-Port": str(request.environ.get("SERVER_PORT", "")),
        "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()}",
    }  # fmt: skip
    # Header names as the client spelled them (REST APIs pass them on unchanged).
    sent = request.environ.get(RAW_HEADERS) or list(request.headers.items())
    replaced = {name.lower() for name in added}
    headers = [(k, v) for k, v in sent if k.lower() not in replaced] + list(added.items())
    return ProxyRequest(
        method=request.method, raw_path=path,
        query_string=request.query_string.decode("latin-1"),
        headers=tuple(headers), body=read_body(request), source_ip=source_ip,
        time_epoch_ms=int(time.time() * 1000),
        protocol=request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
    )  # fmt: skip


def _to_werkzeug(response: GatewayResponse) -> Response:
    wire = Response(response.body, response.status)
    wire.headers.clear()
    for name, value in response.headers:
        wire.headers.add(name, value)
    return wire
