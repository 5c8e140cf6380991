"""API Gateway control-plane calls that moto leaves incomplete, made to behave as on AWS: quick
create of HTTP APIs, and importing a Swagger 2.0 REST API (what ``chalice deploy`` sends)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

ECHO = """
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"routeKey": event.get("routeKey"),
            "version": event.get("version"), "path": event.get("rawPath") or event.get("path")})}
"""


@pytest.fixture(scope="module")
def function_arn(aws):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    suffix = uuid.uuid4().hex[:8]
    role = aws.client("iam").create_role(RoleName=f"fidelity-{suffix}",
                                         AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", ECHO)
    lam = aws.client("lambda")
    arn = lam.create_function(FunctionName=f"fidelity-{suffix}", Runtime="python3.12", Role=role,
                              Handler="app.handler",
                              Code={"ZipFile": buffer.getvalue()})["FunctionArn"]  # fmt: skip
    lam.add_permission(FunctionName=arn, StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:us-east-1:{aws.account_id}:*")
    return arn


def get(aws, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{aws.endpoint_url}/_aws/execute-api/{path}", timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- quick create --------------------------------------------------------------------------------------
def test_quick_create_makes_a_default_route_a_lambda_proxy_and_an_auto_deploying_stage(aws, function_arn):
    # CreateApi reference: "Quick create produces an API with an integration, a default catch-all
    # route, and a default stage which is configured to automatically deploy changes. [...] For
    # Lambda integrations, specify a function ARN. The type of the integration will be [...]
    # AWS_PROXY."
    v2 = aws.client("apigatewayv2")
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=function_arn)["ApiId"]
    (integration,) = v2.get_integrations(ApiId=api)["Items"]
    assert (integration["IntegrationType"], integration["IntegrationUri"]) == ("AWS_PROXY",
                                                                               function_arn)
    assert (integration["PayloadFormatVersion"], integration["TimeoutInMillis"]) == ("2.0", 30000)
    (route,) = v2.get_routes(ApiId=api)["Items"]
    assert (route["RouteKey"], route["Target"]) == ("$default",
                                                    f"integrations/{integration['IntegrationId']}")
    (stage,) = v2.get_stages(ApiId=api)["Items"]
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    assert get(aws, f"{api}/anything/at/all") == (200, {"routeKey": "$default", "version": "2.0",
                                                        "path": "/anything/at/all"})


def test_quick_create_with_a_route_key_routes_only_that(aws, function_arn):
    v2 = aws.client("apigatewayv2")
    api = v2.create_api(Name="quick-route", ProtocolType="HTTP", Target=function_arn,
                        RouteKey="GET /hello")["ApiId"]  # fmt: skip
    assert get(aws, f"{api}/hello") == (200, {"routeKey": "GET /hello", "version": "2.0",
                                              "path": "/hello"})
    assert get(aws, f"{api}/other") == (404, {"message": "Not Found"})


def test_quick_create_is_for_http_apis_only(aws, function_arn):
    with pytest.raises(ClientError) as raised:
        aws.client("apigatewayv2").create_api(Name="ws", ProtocolType="WEBSOCKET",
                                              RouteSelectionExpression="$request.body.action",
                                              Target=function_arn)  # fmt: skip
    assert raised.value.response["Error"]["Code"] == "BadRequestException"


# -- ImportRestApi with Swagger 2.0 ----------------------------------------------------------------------
def swagger(function_arn: str) -> dict:
    """A Swagger 2.0 definition shaped as ``chalice deploy`` sends it (no info.description)."""
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    operation = {
        "consumes": ["application/json"], "produces": ["application/json"],
        "responses": {"200": {"description": "200 response",
                              "schema": {"$ref": "#/definitions/Empty"}}},
        "x-amazon-apigateway-integration": {
            "responses": {"default": {"statusCode": "200"}}, "uri": uri,
            "passthroughBehavior": "when_no_match", "httpMethod": "POST",
            "contentHandling": "CONVERT_TO_TEXT", "type": "aws_proxy"},
    }  # fmt: skip
    with_id = {**operation, "parameters": [{"name": "id", "in": "path", "required": True,
                                            "type": "string"}]}  # fmt: skip
    return {
        "swagger": "2.0", "info": {"version": "1.0", "title": "two-routes"}, "schemes": ["https"],
        "paths": {"/": {"get": operation}, "/items/{id}": {"get": with_id, "put": with_id}},
        "definitions": {"Empty": {"type": "object", "title": "Empty Schema"}},
        "x-amazon-apigateway-binary-media-types": ["application/octet-stream"],
    }  # fmt: skip


def test_swagger_2_import_builds_the_resources_and_proxies_requests(aws, function_arn):
    rest = aws.client("apigateway")
    api = rest.import_rest_api(body=json.dumps(swagger(function_arn)),
                               parameters={"endpointConfigurationTypes": "EDGE"})  # fmt: skip
    assert (api["name"], api["binaryMediaTypes"]) == ("two-routes", ["application/octet-stream"])
    resources = {r["path"]: r for r in rest.get_resources(restApiId=api["id"])["items"]}
    assert sorted(resources) == ["/", "/items", "/items/{id}"]
    assert sorted(resources["/items/{id}"]["resourceMethods"]) == ["GET", "PUT"]
    integration = rest.get_integration(restApiId=api["id"], resourceId=resources["/"]["id"],
                                       httpMethod="GET")  # fmt: skip
    assert integration["type"] == "AWS_PROXY"
    rest.create_deployment(restApiId=api["id"], stageName="api")
    assert get(aws, f"{api['id']}/api/") == (200, {"routeKey": None, "version": None, "path": "/"})
    assert get(aws, f"{api['id']}/api/items/7") == (200, {"routeKey": None, "version": None,
                                                          "path": "/items/7"})


def test_put_rest_api_overwrites_from_swagger_2(aws, function_arn):
    rest = aws.client("apigateway")
    api = rest.import_rest_api(body=json.dumps(swagger(function_arn)))["id"]
    smaller = swagger(function_arn)
    del smaller["paths"]["/items/{id}"]
    rest.put_rest_api(restApiId=api, mode="overwrite", body=json.dumps(smaller))
    assert [r["path"] for r in rest.get_resources(restApiId=api)["items"]] == ["/"]


def test_a_definition_without_a_version_is_a_bad_request(aws):
    with pytest.raises(ClientError) as raised:
        aws.client("apigateway").import_rest_api(body=json.dumps({"info": {"title": "x"},
                                                                  "paths": {}}))
    assert raised.value.response["Error"]["Code"] == "BadRequestException"
