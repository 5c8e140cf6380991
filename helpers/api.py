"""API Gateway: put a Lambda function behind an HTTP API (or a REST API, to compare), and call it.

The same boto3 calls on both targets. Only the URL differs: on AWS an API answers at
``https://{api_id}.execute-api.{region}.amazonaws.com``; the local cloud serves the same API at
``{endpoint}/_aws/execute-api/{api_id}`` (``invoke_url`` knows which).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

LAMBDA_INTEGRATION_TIMEOUT_MS = 30_000  # HTTP APIs allow at most 30 s


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"<HttpResponse {self.status} {self.text[:80]!r}>"


def request(method: str, url: str, *, json_body: Any = None, headers: dict | None = None,
            body: bytes | None = None, timeout: float = 35) -> HttpResponse:
    """One HTTP request; 4xx and 5xx are returned, not raised (an API's errors are data)."""
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("Content-Type", "application/json")
    prepared = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return HttpResponse(response.status, {k.lower(): v for k, v in response.headers.items()},
                                response.read(), headers)  # fmt: skip
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, {k.lower(): v for k, v in error.headers.items()},
                            error.read(), headers)  # fmt: skip


def test_event(method: str, path: str, *, json_body: Any = None,
               headers: dict[str, str] | None = None, query: str = "") -> dict[str, Any]:
    """A minimal API Gateway HTTP API event (payload 2.0), to invoke a function directly as if
    a request had come through the API. Notebook 07 shows the real thing."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    body = None
    if json_body is not None:
        body = json.dumps(json_body)
        headers.setdefault("content-type", "application/json")
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": headers, "body": body, "isBase64Encoded": False,
        "queryStringParameters": dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        or None,
        "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "workbook"},
                           "requestId": "test-event", "routeKey": "$default", "stage": "$default"},
    }  # fmt: skip


def invoke_url(aws: Any, api_id: str, stage: str = "$default") -> str:
    """Where the API answers. ``$default`` serves from the root; other stages from ``/stage``."""
    suffix = "" if stage == "$default" else f"/{stage}"
    if aws.is_local:
        return f"{aws.endpoint_url}/_aws/execute-api/{api_id}{suffix}"
    return f"https://{api_id}.execute-api.{aws.region}.amazonaws.com{suffix}"


def _find_by_name(apigw: Any, operation: str, items: str, name_key: str,
                  name: str) -> dict | None:
    """APIs have ids, not unique names: the workbook finds its own by the name it gave."""
    for page in apigw.get_paginator(operation).paginate():
        for api in page[items]:
            if api[name_key] == name:
                return api
    return None


def _find_api(apigw: Any, name: str) -> dict | None:
    return _find_by_name(apigw, "get_apis", "Items", "Name", name)


def ensure_http_api(aws: Any, name: str, function_arn: str, *, routes: tuple[str, ...],
                    payload_format: str = "2.0", cors: dict | None = None) -> str:
    """An HTTP API whose ``routes`` ("GET /api/messages", "ANY /api/{proxy+}"...) all go to the
    function (an AWS_PROXY integration), served by the auto-deployed ``$default`` stage.
    Idempotent: an existing API of that name is updated. Returns the API id."""
    apigw = aws.client("apigatewayv2")
    api = _find_api(apigw, name)
    if api is None:
        kwargs = {"CorsConfiguration": cors} if cors else {}
        api = apigw.create_api(Name=name, ProtocolType="HTTP", Tags=aws.tags, **kwargs)
    elif cors is not None:
        apigw.update_api(ApiId=api["ApiId"], CorsConfiguration=cors)
    api_id = api["ApiId"]
    integration_id = _ensure_integration(apigw, api_id, function_arn, payload_format)
    existing = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id)["Items"]}
    for route_key in routes:
        target_ = f"integrations/{integration_id}"
        if route_key not in existing:
            apigw.create_route(ApiId=api_id, RouteKey=route_key, Target=target_)
        elif existing[route_key].get("Target") != target_:
            apigw.update_route(ApiId=api_id, RouteId=existing[route_key]["RouteId"], Target=target_)
    if not any(s["StageName"] == "$default" for s in apigw.get_stages(ApiId=api_id)["Items"]):
        apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    return api_id


def _ensure_integration(apigw: Any, api_id: str, function_arn: str, payload_format: str) -> str:
    for integration in apigw.get_integrations(ApiId=api_id)["Items"]:
        if integration.get("IntegrationUri") == function_arn:
            if integration.get("PayloadFormatVersion") != payload_format:
                apigw.update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"],
                                         PayloadFormatVersion=payload_format)  # fmt: skip
            return integration["IntegrationId"]
    created = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
        PayloadFormatVersion=payload_format, TimeoutInMillis=LAMBDA_INTEGRATION_TIMEOUT_MS,
    )  # fmt: skip
    return created["IntegrationId"]


def source_arn(aws: Any, api_id: str, pattern: str = "*") -> str:
    """The execute-api ARN API Gateway presents when it invokes: ``api_id/stage/METHOD/path``."""
    return f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/{pattern}"


def allow_invoke(aws: Any, function_name: str, api_id: str) -> str:
    """Let this API (any stage, method and route of it, and nothing else) invoke the function."""
    lambda_client = aws.client("lambda")
    statement_id = f"workbook-{api_id}-invoke"
    try:
        lambda_client.add_permission(
            FunctionName=function_name, StatementId=statement_id,
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=source_arn(aws, api_id), SourceAccount=aws.account_id,
        )  # fmt: skip
    except lambda_client.exceptions.ResourceConflictException:
        pass  # granted already
    return statement_id


def revoke_invoke(aws: Any, function_name: str, api_id: str) -> bool:
    lambda_client = aws.client("lambda")
    try:
        lambda_client.remove_permission(FunctionName=function_name,
                                        StatementId=f"workbook-{api_id}-invoke")  # fmt: skip
    except lambda_client.exceptions.ResourceNotFoundException:
        return False
    return True


def delete_http_api(aws: Any, name: str) -> bool:
    apigw = aws.client("apigatewayv2")
    api = _find_api(apigw, name)
    if api is None:
        return False
    apigw.delete_api(ApiId=api["ApiId"])
    return True


# -- REST APIs, for comparison ------------------------------------------------------------------

def _find_rest_api(apigw: Any, name: str) -> dict | None:
    return _find_by_name(apigw, "get_rest_apis", "items", "name", name)


def ensure_rest_api(aws: Any, name: str, function_arn: str, *, stage: str = "v1") -> str:
    """A REST API with ``ANY /api/{proxy+}`` proxied to the function, deployed to ``stage``."""
    apigw = aws.client("apigateway")
    api = _find_rest_api(apigw, name)
    if api is None:
        api = apigw.create_rest_api(name=name, tags=aws.tags,
                                    endpointConfiguration={"types": ["REGIONAL"]})  # fmt: skip
    api_id = api["id"]
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api_id)["items"]}
    parent = resources["/"]
    for part, path in (("api", "/api"), ("{proxy+}", "/api/{proxy+}")):
        if path not in resources:
            resources[path] = apigw.create_resource(restApiId=api_id, parentId=parent["id"],
                                                    pathPart=part)  # fmt: skip
        parent = resources[path]
    if "ANY" not in parent.get("resourceMethods", {}):
        apigw.put_method(restApiId=api_id, resourceId=parent["id"], httpMethod="ANY",
                         authorizationType="NONE")  # fmt: skip
    uri = (f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/functions/"
           f"{function_arn}/invocations")  # fmt: skip
    apigw.put_integration(restApiId=api_id, resourceId=parent["id"], httpMethod="ANY",
                          type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)  # fmt: skip
    apigw.create_deployment(restApiId=api_id, stageName=stage)
    return api_id


def delete_rest_api(aws: Any, name: str) -> bool:
    apigw = aws.client("apigateway")
    api = _find_rest_api(apigw, name)
    if api is None:
        return False
    apigw.delete_rest_api(restApiId=api["id"])
    return True
