"""AWS's limits on the local cloud, through boto3 and HTTP: what AWS refuses, the local cloud refuses,
with AWS's error code and words. Lambda quotas:
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html; API Gateway quotas:
https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html and http-api-quotas.html."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud import limits

HANDLER = """
import json
def handler(event, context):
    size = int((event.get("queryStringParameters") or {}).get("size", 0) or event.get("size", 0))
    if size:
        return {"statusCode": 200, "body": "x" * size}
    return {"statusCode": 200, "body": str(len(event.get("body") or ""))}
"""


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def role(aws):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    name = f"limits-{uuid.uuid4().hex[:8]}"
    arn = aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return arn["Role"]["Arn"]


@pytest.fixture(scope="module")
def function(aws, role):
    name = f"limits-{uuid.uuid4().hex[:8]}"
    aws.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                         Handler="app.handler", Code={"ZipFile": zip_of(HANDLER)},
                                         Timeout=10)  # fmt: skip
    yield name
    aws.client("lambda").delete_function(FunctionName=name)


def error_of(call, *args, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    response = raised.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])  # fmt: skip


def variables_measuring(size: int) -> dict[str, str]:
    """Environment variables whose JSON (as Lambda measures it) is exactly ``size`` bytes."""
    overhead = len(json.dumps({"V": ""}, separators=(",", ":")))
    return {"V": "x" * (size - overhead)}


# -- Lambda: configuration ----------------------------------------------------------------------------
def test_environment_variables_over_4_kb_are_refused_with_the_string_measured(aws, role, function):
    lam = aws.client("lambda")
    # AWS: "InvalidParameterValueException: Lambda was unable to configure your environment
    # variables because the environment variables you have provided exceeded the 4KB limit.
    # String measured: {...}" (the JSON of the variables, as quoted in terraform-aws-github-runner
    # issue 3594).
    too_big = variables_measuring(4097)
    status, code, message = error_of(lam.update_function_configuration, FunctionName=function,
                                     Environment={"Variables": too_big})  # fmt: skip
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message == ("Lambda was unable to configure your environment variables because the "
                       "environment variables you have provided exceeded the 4KB limit. String "
                       f"measured: {json.dumps(too_big, separators=(',', ':'))}")  # fmt: skip
    status, code, _ = error_of(lam.create_function, FunctionName=f"{function}-big", Runtime="python3.12",
                               Role=role, Handler="app.handler", Code={"ZipFile": zip_of(HANDLER)},
                               Environment={"Variables": too_big})  # fmt: skip
    assert code == "InvalidParameterValueException"
    lam.update_function_configuration(FunctionName=function,
                                      Environment={"Variables": variables_measuring(4096)})


@pytest.mark.parametrize(("setting", "value", "constraint"), [
    ("Timeout", 901, "Member must have value less than or equal to 900"),
    ("MemorySize", 10_241, "Member must have value less than or equal to 10240"),
    ("Handler", "app handler", "Member must satisfy regular expression pattern: [^\\s]+"),
])  # fmt: skip
def test_settings_out_of_range_are_a_validation_exception(aws, function, setting, value, constraint):
    member = setting[0].lower() + setting[1:]
    status, code, message = error_of(aws.client("lambda").update_function_configuration,
                                     FunctionName=function, **{setting: value})  # fmt: skip
    assert (status, code) == (400, "ValidationException")
    assert message == (f"1 validation error detected: Value '{value}' at '{member}' failed to "
                       f"satisfy constraint: {constraint}")  # fmt: skip


def test_the_largest_timeout_and_memory_are_accepted(aws, function):
    lam = aws.client("lambda")
    config = lam.update_function_configuration(FunctionName=function, Timeout=900, MemorySize=10_240)
    assert (config["Timeout"], config["MemorySize"]) == (900, 10_240)
    lam.update_function_configuration(FunctionName=function, Timeout=10, MemorySize=128)


def test_below_the_minimums_is_refused_too():
    # botocore refuses these before sending; other clients reach the server.
    assert limits.function_configuration_refusal({"Timeout": 0}).code == "ValidationException"
    assert limits.function_configuration_refusal({"MemorySize": 127}).message.endswith(
        "Member must have value greater than or equal to 128")
    assert limits.function_configuration_refusal({"FunctionName": "my function"}) is not None
    assert limits.function_configuration_refusal({"FunctionName": "my-function_1"}) is None


# -- Lambda: invoke payloads --------------------------------------------------------------------------
def test_synchronous_payload_over_6_mb_is_request_entity_too_large(aws, function):
    # AWS: "RequestEntityTooLargeException: Request must be smaller than 6291456 bytes for the
    # InvokeFunction operation" (quoted in pelmers/streetwarp-web issue 14).
    payload = json.dumps({"data": "x" * limits.SYNC_REQUEST_BYTES})
    status, code, message = error_of(aws.client("lambda").invoke, FunctionName=function,
                                     Payload=payload)  # fmt: skip
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert message == ("Request must be smaller than 6291456 bytes for the InvokeFunction "
                       "operation")


def test_event_payload_over_1_mb_is_request_entity_too_large(aws, function):
    # AWS: "RequestEntityTooLargeException: 473086 byte payload is too large for the Event
    # invocation type (limit 131072 bytes)" (faultline issue 12, when the limit was 128 KB; it is
    # 1 MB since 2025).
    payload = json.dumps({"data": "x" * limits.ASYNC_REQUEST_BYTES})
    status, code, message = error_of(aws.client("lambda").invoke, FunctionName=function,
                                     InvocationType="Event", Payload=payload)  # fmt: skip
    assert (status, code) == (413, "RequestEntityTooLargeException")
    assert message == (f"{len(payload)} byte payload is too large for the Event invocation type "
                       "(limit 1048576 bytes)")


def test_a_response_over_the_limit_is_function_response_size_too_large(aws, function):
    # AWS: "Response payload size (9706999 bytes) exceeded maximum allowed payload size
    # (6291556 bytes)." with errorType Function.ResponseSizeTooLarge (pythonista-chromeless #11).
    response = aws.client("lambda").invoke(FunctionName=function,
                                           Payload=json.dumps({"size": 6_300_000}))
    body = json.loads(response["Payload"].read())
    assert response["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Function.ResponseSizeTooLarge"
    assert "(6291556 bytes)" in body["errorMessage"]
    # The runtime exits when its answer is refused; the next invoke starts a new environment.
    after = aws.client("lambda").invoke(FunctionName=function, Payload=json.dumps({"size": 3}))
    assert "FunctionError" not in after and json.loads(after["Payload"].read())["body"] == "xxx"


# -- API Gateway ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def apis(aws, function):
    """An HTTP API (quick create) and a REST API, both proxying to the function."""
    lam, rest = aws.client("lambda"), aws.client("apigateway")
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    http_api = aws.client("apigatewayv2").create_api(Name="limits", ProtocolType="HTTP",
                                                     Target=arn)["ApiId"]  # fmt: skip
    rest_api = rest.create_rest_api(name="limits")["id"]
    root = rest.get_resources(restApiId=rest_api)["items"][0]["id"]
    proxy = rest.create_resource(restApiId=rest_api, parentId=root, pathPart="{proxy+}")["id"]
    rest.put_method(restApiId=rest_api, resourceId=proxy, httpMethod="ANY",
                    authorizationType="NONE")
    rest.put_integration(restApiId=rest_api, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY",
                         integrationHttpMethod="POST",
                         uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                             f"{arn}/invocations")  # fmt: skip
    rest.create_deployment(restApiId=rest_api, stageName="prod")
    for api in (http_api, rest_api):
        lam.add_permission(FunctionName=function, StatementId=f"apigw-{api}",
                           Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:us-east-1:{aws.account_id}:{api}/*")
    return {"http": f"{aws.endpoint_url}/_aws/execute-api/{http_api}",
            "rest": f"{aws.endpoint_url}/_aws/execute-api/{rest_api}/prod"}  # fmt: skip


def http(url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(("api", "answer"), [
    ("http", b'{"message":"Request Entity Too Large"}'),
    ("rest", b'{"message":"Request Too Long"}'),  # the REQUEST_TOO_LARGE gateway response
])  # fmt: skip
def test_gateway_refuses_a_body_over_10_mb_itself(apis, api, answer):
    assert http(f"{apis[api]}/upload", b"x" * (limits.GATEWAY_REQUEST_BYTES + 1)) == (413, answer)


def test_an_event_over_lambdas_6_mb_never_reaches_the_function(apis):
    status, _ = http(f"{apis['http']}/upload", b"x" * (7 * 1024 * 1024))
    assert status == 413


@pytest.mark.parametrize(("api", "answer"), [
    ("http", (500, b'{"message":"Internal Server Error"}')),
    # REST: 502 INTEGRATION_FAILURE "Internal server error" (DataBiosphere/azul issue 8258).
    ("rest", (502, b'{"message": "Internal server error"}')),
])  # fmt: skip
def test_a_function_response_over_6_mb_is_a_gateway_error(apis, api, answer):
    assert http(f"{apis[api]}/big?size=6300000") == answer
    assert http(f"{apis[api]}/small?size=10") == (200, b"x" * 10)


def test_integration_timeouts_are_refused_outside_the_range(aws, apis, function):
    # REST: "Timeout should be between 50 ms and 29000 ms" (aws-cdk issue 31063, a 400
    # BadRequestException); HTTP APIs accept 50..30,000 ms (CreateIntegration reference).
    v2 = aws.client("apigatewayv2")
    api = apis["http"].rsplit("/", 1)[1]
    arn = aws.client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    create = dict(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                  PayloadFormatVersion="2.0")  # fmt: skip
    status, code, message = error_of(v2.create_integration, TimeoutInMillis=30_001, **create)
    assert (status, code, message) == (400, "BadRequestException",
                                       "Timeout should be between 50 ms and 30000 ms")
    integration = v2.create_integration(TimeoutInMillis=30_000, **create)["IntegrationId"]
    _, code, _ = error_of(v2.update_integration, ApiId=api, IntegrationId=integration,
                          TimeoutInMillis=40_000)  # fmt: skip
    assert code == "BadRequestException"
    rest = aws.client("apigateway")
    rest_api = rest.create_rest_api(name="timeouts")["id"]
    root = rest.get_resources(restApiId=rest_api)["items"][0]["id"]
    rest.put_method(restApiId=rest_api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    status, code, message = error_of(rest.put_integration, restApiId=rest_api, resourceId=root,
                                     httpMethod="GET", type="MOCK", timeoutInMillis=29_001)
    assert (status, code, message) == (400, "BadRequestException",
                                       "Timeout should be between 50 ms and 29000 ms")
