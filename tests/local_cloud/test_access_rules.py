"""Safe to leave running: host names, other sites' pages and unsigned calls are refused."""

from __future__ import annotations

import http.client
import json

import boto3
import pytest

from helpers.local_cloud import LocalCloud
from helpers.local_cloud import access_rules as access

SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/dynamodb/aws4_request, x"


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:4566", "127.0.0.1"), ("LocalHost", "localhost"), ("[::1]:80", "::1"),
    ("app.localhost:4566", "app.localhost"), ("", ""),
])  # fmt: skip
def test_host_name_drops_port_and_case(header, name):
    assert access.host_name(header) == name


@pytest.mark.parametrize(("name", "served"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("localhost", True),
    ("guestbook.localhost", True), ("abc.execute-api.us-east-1.amazonaws.com", True),
    ("d111.cloudfront.net", True), ("bucket.s3.amazonaws.com", True),
    ("evil.example", False), ("localhost.evil.example", False), ("10.0.0.5", False),
    ("amazonaws.com.evil.example", False),
])  # fmt: skip
def test_served_host_names(name, served):
    assert access.serves_host(name) is served


def test_configured_host_names_add_exact_and_wildcard_names():
    extra = access.configured_host_names("shop.test, *.dev.test")
    assert access.serves_host("shop.test", extra) and access.serves_host("a.dev.test", extra)
    assert not access.serves_host("other.test", extra)


@pytest.mark.parametrize(("environ", "signed"), [
    ({"HTTP_AUTHORIZATION": SIGNED}, True),
    ({"QUERY_STRING": "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc"}, True),
    ({"HTTP_AUTHORIZATION": "Bearer token"}, False), ({}, False),
])  # fmt: skip
def test_signed_requests(environ, signed):
    assert access.is_signed(environ) is signed


@pytest.mark.parametrize(("environ", "foreign"), [
    ({}, False), ({"HTTP_SEC_FETCH_SITE": "none"}, False),
    ({"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://127.0.0.1:4566"}, False),
    ({"HTTP_SEC_FETCH_SITE": "cross-site"}, True), ({"HTTP_SEC_FETCH_SITE": "same-site"}, True),
    ({"HTTP_ORIGIN": "https://evil.example"}, True), ({"HTTP_ORIGIN": "null"}, True),
])  # fmt: skip
def test_requests_from_another_site(environ, foreign):
    assert access.from_another_site(environ, {"http://127.0.0.1:4566"}) is foreign


# -- through the running cloud ----------------------------------------------------------------
@pytest.fixture(scope="module")
def cloud():
    with LocalCloud() as running:
        s3 = boto3.client("s3", endpoint_url=running.endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket="access-rules-bucket")
        s3.put_object(Bucket="access-rules-bucket", Key="note.txt", Body=b"private")
        yield running


def request(cloud, method, path, headers=None, body=b""):
    connection = http.client.HTTPConnection(cloud.host, cloud.port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_a_foreign_host_name_is_refused_with_a_clear_421(cloud):
    status, _, body = request(cloud, "GET", "/", {"Host": "rebound.evil.example"})
    assert status == 421 and "does not serve the host name" in json.loads(body)["message"]


def test_a_page_on_another_site_cannot_reset_the_cloud(cloud):
    status, headers, body = request(cloud, "POST", "/moto-api/reset",
                                    {"Origin": "https://evil.example"})
    assert status == 403 and "another site" in json.loads(body)["message"]
    assert "Access-Control-Allow-Origin" not in headers
    s3 = boto3.client("s3", endpoint_url=cloud.endpoint, region_name="us-east-1")
    assert s3.get_object(Bucket="access-rules-bucket", Key="note.txt")["Body"].read()


def test_a_browser_preflight_to_the_control_plane_gets_no_cors_grant(cloud):
    status, headers, _ = request(cloud, "OPTIONS", "/", {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Sec-Fetch-Site": "cross-site"})  # fmt: skip
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_even_a_signed_call_from_another_site_is_refused(cloud):
    status, _, _ = request(cloud, "POST", "/", {
        "Authorization": SIGNED, "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0", "Sec-Fetch-Site": "cross-site",
    }, body=b"{}")  # fmt: skip
    assert status == 403


def test_unsigned_control_plane_calls_are_refused(cloud):
    status, _, body = request(cloud, "POST", "/", {
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0"}, body=b"{}")  # fmt: skip
    assert status == 403
    assert json.loads(body)["__type"] == "MissingAuthenticationTokenException"


def test_an_anonymous_bucket_listing_of_the_account_is_refused(cloud):
    status, _, body = request(cloud, "GET", "/")
    assert status == 403 and b"access-rules-bucket" not in body


def test_anonymous_s3_reads_reach_s3_which_applies_the_bucket_policy(cloud):
    status, _, body = request(cloud, "GET", "/access-rules-bucket/note.txt")
    assert status == 403 and b"private" not in body  # S3's own AccessDenied: no public policy


def test_local_endpoints_stay_usable_by_scripts(cloud):
    status, _, body = request(cloud, "GET", "/_aws/health")
    assert status == 200 and json.loads(body)["status"] == "running"
