"""Bad input to our planes gets the error AWS gives, in the service's shape, never an HTML 500.

Lambda answers JSON with ``x-amzn-ErrorType``: InvalidRequestContentException ("The request
body could not be parsed as JSON, or a request header is invalid", its API reference) and
ValidationException for a missing member or a value outside its constraints. CloudFront's
API answers XML (MalformedXML); its data plane answers its "request could not be satisfied" page.
"""

import base64
import io
import json
import socket
import uuid
import zipfile

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def signed(aws, method, path, body=b"", service="lambda", headers=None):
    """An HTTP request signed like boto3's, whatever its body: (status, headers, body)."""
    import http.client

    request = AWSRequest(method=method, url=f"{aws.endpoint_url}{path}", data=body,
                         headers=headers or {})  # fmt: skip
    SigV4Auth(Credentials("local", "local"), service, aws.region).add_auth(request)
    host, port = aws.endpoint_url.rsplit("/", 1)[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(method, path, body=body, headers=dict(request.headers))
    response = connection.getresponse()
    return response.status, response.headers, response.read()


SIGNATURE = ("AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/lambda/aws4_request, "
             "SignedHeaders=host, Signature=0")


def raw(aws, request: bytes) -> tuple[int, bytes]:
    """Bytes sent as they are (a body cut short, broken chunks), then our half closed."""
    host, port = aws.endpoint_url.rsplit("/", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), head + b"\r\n\r\n" + body


def lambda_error(status, headers, body):
    return status, headers.get("x-amzn-ErrorType"), json.loads(body)["message"]


def a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def function(aws):
    """A function to invoke and reconfigure."""
    from helpers import iam

    role = iam.ensure_execution_role(aws, aws.name_for("bad-input-role"))
    name = f"bad-input-{uuid.uuid4().hex[:8]}"
    client = aws.client("lambda")
    client.create_function(FunctionName=name, Role=role, Runtime="python3.12",
                           Handler="app.handler", Code={"ZipFile": a_zip()})  # fmt: skip
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    yield name
    client.delete_function(FunctionName=name)


# -- Lambda's control plane -------------------------------------------------------------------
@pytest.mark.parametrize("body", [b"not json", b"{", b"[]", b'"text"'])
def test_create_function_with_a_body_that_is_not_a_json_object(aws, body):
    status, error_type, message = lambda_error(*signed(aws, "POST", "/2015-03-31/functions", body))
    assert (status, error_type) == (400, "InvalidRequestContentException")
    assert message.startswith("Could not parse request body into json: ")


def test_create_function_without_its_required_members_lists_them(aws):
    status, error_type, message = lambda_error(*signed(aws, "POST", "/2015-03-31/functions", b"{}"))
    assert (status, error_type) == (400, "ValidationException")
    assert message == (
        "3 validation errors detected: "
        "Value null at 'functionName' failed to satisfy constraint: Member must not be null; "
        "Value null at 'role' failed to satisfy constraint: Member must not be null; "
        "Value null at 'code' failed to satisfy constraint: Member must not be null")


@pytest.mark.parametrize(("code", "error_type"), [
    ("not an object", "InvalidRequestContentException"),
    ({"ZipFile": "!!! not base64"}, "InvalidRequestContentException"),
    ({"ZipFile": base64.b64encode(b"not a zip").decode()}, "InvalidParameterValueException"),
    ({}, "InvalidParameterValueException"),  # no source of code: moto fails, we answer 400
])  # fmt: skip
def test_create_function_with_code_aws_cannot_read(aws, code, error_type):
    body = json.dumps({"FunctionName": "unreadable-code", "Code": code, "Runtime": "python3.12",
                       "Role": f"arn:aws:iam::{aws.account_id}:role/any", "Handler": "a.b"})
    status, got, _ = lambda_error(*signed(aws, "POST", "/2015-03-31/functions", body.encode()))
    assert (status, got) == (400, error_type)


def test_create_function_with_a_name_lambda_refuses(aws):
    body = json.dumps({"FunctionName": "not a name!", "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
                       "Role": f"arn:aws:iam::{aws.account_id}:role/any"})  # fmt: skip
    status, error_type, message = lambda_error(*signed(aws, "POST", "/2015-03-31/functions",
                                                       body.encode()))  # fmt: skip
    assert (status, error_type) == (400, "ValidationException")
    assert "Value 'not a name!' at 'functionName' failed to satisfy constraint" in message


@pytest.mark.parametrize("body", [b"{", b'{"Timeout": "soon"}', b'{"Environment": 5}',
                                  b'{"Environment": {"Variables": {"N": 1}}}'])
def test_update_function_configuration_with_a_body_aws_cannot_parse(aws, function, body):
    path = f"/2015-03-31/functions/{function}/configuration"
    status, error_type, _ = lambda_error(*signed(aws, "PUT", path, body))
    assert (status, error_type) == (400, "InvalidRequestContentException")
    client = aws.client("lambda")
    assert client.invoke(FunctionName=function, Payload=b'{"still": "works"}')["StatusCode"] == 200


def test_update_function_code_that_is_not_a_zip(aws, function):
    body = json.dumps({"ZipFile": base64.b64encode(b"plain text").decode()}).encode()
    status, error_type, message = lambda_error(
        *signed(aws, "PUT", f"/2015-03-31/functions/{function}/code", body))
    assert (status, error_type) == (400, "InvalidParameterValueException")
    assert message.startswith("Could not unzip uploaded file.")


def test_a_function_name_lambda_cannot_have_is_a_validation_error(aws):
    status, error_type, _ = lambda_error(*signed(aws, "GET", "/2015-03-31/functions/%ff%fe"))
    assert (status, error_type) == (400, "ValidationException")


# -- Invoke ------------------------------------------------------------------------------------
@pytest.mark.parametrize("client_context", [
    '{"custom": {"plain": "json"}}',  # AWS wants it base64-encoded
    "bm90IGpzb24=",  # base64, but of "not json"
    base64.b64encode(b"[1, 2]").decode(),  # JSON, but not an object
    base64.b64encode(json.dumps({"custom": {"x": "y" * 4000}}).encode()).decode(),  # > 3,583 B
])  # fmt: skip
def test_invoke_with_a_client_context_aws_refuses(aws, function, client_context):
    with pytest.raises(ClientError) as refused:
        aws.client("lambda").invoke(FunctionName=function, ClientContext=client_context)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidRequestContentException"
    assert "X-Amz-Client-Context" in error["Error"]["Message"]


def test_invoke_with_a_base64_json_client_context_runs(aws, function):
    context = base64.b64encode(json.dumps({"custom": {"from": "test"}}).encode()).decode()
    response = aws.client("lambda").invoke(FunctionName=function, ClientContext=context)
    assert response["StatusCode"] == 200


@pytest.mark.parametrize(("header", "value", "member"), [
    ("InvocationType", "Sometimes", "invocationType"), ("LogType", "All", "logType")])
def test_invoke_with_a_header_outside_its_values(aws, function, header, value, member):
    with pytest.raises(ClientError) as refused:
        aws.client("lambda").invoke(FunctionName=function, **{header: value})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert f"Value '{value}' at '{member}'" in refused.value.response["Error"]["Message"]


def test_invoke_signed_for_a_region_that_does_not_exist(aws, function):
    client = boto3.client("lambda", endpoint_url=aws.endpoint_url, region_name="nowhere-9",
                          aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    with pytest.raises(ClientError) as refused:
        client.invoke(FunctionName=function)
    assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_invoke_with_a_body_cut_short(aws, function):
    status, answer = raw(aws, (
        f"POST /2015-03-31/functions/{function}/invocations HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: {SIGNATURE}\r\n"  # signed, as boto3 would: unsigned is refused first
        "Content-Length: 100\r\n\r\n{\"cut\":").encode())  # fmt: skip
    assert status == 400
    assert b"x-amzn-ErrorType: InvalidRequestContentException" in answer


def test_the_iam_propagation_switch_refuses_what_is_not_a_number(aws):
    status, error_type, _ = lambda_error(*signed(
        aws, "POST", "/_aws/lambda/simulate-iam-propagation", b'{"seconds": "a while"}'))
    assert (status, error_type) == (400, "InvalidRequestContentException")


# -- CloudFront's API ------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/2020-05-31/distribution", b"<DistributionConfig><Unclosed>"),
    ("POST", "/2020-05-31/distribution", b""),
    ("POST", "/2020-05-31/distribution", b"<DistributionConfig/>"),  # well-formed, but empty
    ("POST", "/2020-05-31/distribution/ENOSUCHID/invalidation", b"not xml"),
])  # fmt: skip
def test_cloudfront_api_refuses_a_document_it_cannot_read(aws, method, path, body):
    status, headers, answer = signed(aws, method, path, body, service="cloudfront")
    assert (status, headers.get("x-amzn-ErrorType")) == (400, "MalformedXML")
    assert b"<Code>MalformedXML</Code>" in answer and answer.startswith(b"<?xml")


# -- the data planes: bodies cut short or badly chunked -----------------------------------------
BROKEN_BODIES = {
    "cut short": "Content-Length: 100\r\n\r\n{\"name\":",
    "a chunk size that is not hex": "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "a chunk cut short": "Transfer-Encoding: chunked\r\n\r\n10\r\nabc",
}


@pytest.mark.parametrize("broken", BROKEN_BODIES, ids=list(BROKEN_BODIES))
def test_cloudfront_answers_a_broken_body_with_its_400_page(aws, app, broken):
    status, answer = raw(aws, (f"POST /api/messages HTTP/1.1\r\nHost: {app.host}\r\n"
                               f"Content-Type: application/json\r\n{BROKEN_BODIES[broken]}"
                               ).encode())  # fmt: skip
    assert status == 400
    assert b"The request could not be satisfied" in answer and b"Bad request." in answer
    assert b"X-Amz-Cf-Id: " in answer


@pytest.mark.parametrize("broken", BROKEN_BODIES, ids=list(BROKEN_BODIES))
def test_api_gateway_answers_a_broken_body_with_a_json_400(aws, app, broken):
    host = f"{app.api_id}.execute-api.localhost"
    status, answer = raw(aws, (f"POST /api/messages HTTP/1.1\r\nHost: {host}\r\n"
                               f"Content-Type: application/json\r\n{BROKEN_BODIES[broken]}"
                               ).encode())  # fmt: skip
    assert status == 400
    assert answer.endswith(b'{"message":"Bad Request"}')


def test_a_well_formed_post_still_goes_through(aws, app):
    from helpers import cdn

    created = cdn.request(aws, app.host, "POST", "/api/messages",
                          json_body={"name": "after", "text": "the broken ones"})
    assert created.status == 201
