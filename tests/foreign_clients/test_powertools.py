"""Powertools for AWS Lambda (installed from PyPI, bundled into the zip as a learner would) behind
an HTTP API and a REST API on the local cloud: its routers answer, its parser accepts the events
the local API Gateway sends as AWS's own event shapes, and its JSON log lines filter by field."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

APP = Path(__file__).parent / "powertools_app"
DEPENDENCIES = ("aws-lambda-powertools", "pydantic", "pydantic-core", "typing-extensions",
                "annotated-types", "typing-inspection")  # fmt: skip


@pytest.fixture(scope="module")
def greeter(aws, bundle):
    """Two functions from one package (HTTP and REST handlers), and an API in front of each."""
    suffix = uuid.uuid4().hex[:8]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    role = aws.client("iam").create_role(RoleName=f"greeter-{suffix}",
                                         AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    logs = {"Version": "2012-10-17", "Statement": [{  # its own log groups, as on AWS
        "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                     "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/greeter-*-{suffix}:*"}]}  # fmt: skip
    aws.client("iam").put_role_policy(RoleName=f"greeter-{suffix}", PolicyName="logs",
                                      PolicyDocument=json.dumps(logs))
    lam, code = aws.client("lambda"), bundle(APP, DEPENDENCIES)
    functions = {}
    for kind in ("http", "rest"):
        name = f"greeter-{kind}-{suffix}"
        functions[kind] = lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler=f"app.{kind}_handler",
            Code={"ZipFile": code}, Timeout=30, MemorySize=256,
        )["FunctionArn"]  # fmt: skip
        lam.add_permission(FunctionName=name, StatementId="apigateway",
                           Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:us-east-1:{aws.account_id}:*/*")
    http_api = aws.client("apigatewayv2").create_api(Name=f"greeter-{suffix}", ProtocolType="HTTP",
                                                     Target=functions["http"])["ApiId"]
    rest = aws.client("apigateway")
    rest_api = rest.create_rest_api(name=f"greeter-{suffix}")["id"]
    root = rest.get_resources(restApiId=rest_api)["items"][0]["id"]
    greetings = rest.create_resource(restApiId=rest_api, parentId=root, pathPart="greetings")["id"]
    named = rest.create_resource(restApiId=rest_api, parentId=greetings, pathPart="{name}")["id"]
    uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
           f"{functions['rest']}/invocations")  # fmt: skip
    for resource, verb in ((greetings, "POST"), (named, "GET")):
        rest.put_method(restApiId=rest_api, resourceId=resource, httpMethod=verb,
                        authorizationType="NONE")
        rest.put_integration(restApiId=rest_api, resourceId=resource, httpMethod=verb,
                             type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    rest.create_deployment(restApiId=rest_api, stageName="dev")
    base = f"{aws.endpoint_url}/_aws/execute-api"
    yield {"http": (f"{base}/{http_api}", functions["http"]),
           "rest": (f"{base}/{rest_api}/dev", functions["rest"])}  # fmt: skip
    for arn in functions.values():
        lam.delete_function(FunctionName=arn)


@pytest.mark.parametrize("api", ["http", "rest"])
def test_routes_answer_and_the_parser_accepts_the_gateways_events(greeter, http_request, api):
    url, _ = greeter[api]
    created = http_request(f"{url}/greetings", "POST", {"name": "Ada", "excited": True})
    assert (created.status, created.json()) == (200, {"message": "Hello, Ada!"})
    assert http_request(f"{url}/greetings/Grace").json() == {"message": "Hello, Grace."}


@pytest.mark.parametrize("api", ["http", "rest"])
def test_the_parser_refuses_a_body_without_a_name(greeter, http_request, api):
    url, _ = greeter[api]
    refused = http_request(f"{url}/greetings", "POST", {"nom": "Ada"})
    assert refused.status == 400
    assert refused.json()["message"] == "A greeting needs a name."


@pytest.mark.parametrize("api", ["http", "rest"])
def test_json_log_fields_filter_exactly(aws, greeter, http_request, api):
    url, function_arn = greeter[api]
    for name in ("Lin", "Mae"):
        assert http_request(f"{url}/greetings", "POST", {"name": name}).status == 200
    assert http_request(f"{url}/greetings", "POST", {"nom": "nobody"}).status == 400
    group = f"/aws/lambda/{function_arn.rsplit(':', 1)[1]}"
    logs = aws.client("logs")

    def matching(pattern: str) -> list[dict]:
        events = logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]
        return [json.loads(event["message"]) for event in events]

    greeted = matching('{ $.level = "INFO" && $.message = "greeted" && $.greeted = "Lin" }')
    assert [record["greeted"] for record in greeted] == ["Lin"]
    assert greeted[0]["service"] == "greeter" and greeted[0]["function_arn"] == function_arn
    assert {r["greeted"] for r in matching('{ $.message = "greeted" }')} >= {"Lin", "Mae"}
    warnings = matching('{ $.level = "WARNING" && $.errors >= 1 }')
    assert warnings and all(record["message"] == "invalid greeting" for record in warnings)
    assert matching('{ $.level = "ERROR" }') == []


def test_the_parser_refuses_an_event_that_is_not_api_gateways(aws, greeter):
    """The handlers parse the whole event: the 200s above mean the local gateway's events have
    every field Powertools' models of AWS's events require."""
    _, function_arn = greeter["http"]
    response = aws.client("lambda").invoke(FunctionName=function_arn,
                                           Payload=json.dumps({"version": "2.0"}))
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "ValidationError"
