"""The local CloudFront serves what a distribution's configuration says, over real HTTP:
a private bucket through origin access control, an API behind /api/*, custom error pages,
alternate domain names and Route 53 aliases, and the control-plane checks moto skips."""

from __future__ import annotations

import http.client
import json
import uuid
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
from botocore.exceptions import ClientError
from werkzeug.wrappers import Request, Response

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.planes.cloudfront import CloudFrontPlane

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
INDEX = b"<!doctype html><title>shop</title><script src='/app.js'></script>"
APP = b"console.log('shop');"


class EchoOrigin:
    """A stand-in custom origin (the real API Gateway plane is tested on its own): the local
    cloud routes Host echo.origin.test here, and it answers with what it received."""

    host = "echo.origin.test"

    def claims(self, request: Request) -> bool:
        return request.host == self.host

    def is_public(self, request: Request) -> bool:
        return True  # like API Gateway: anyone may call it, unsigned

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        echo = {"method": request.method, "path": request.path,
                "query": request.query_string.decode(), "headers": dict(request.headers),
                "body": request.get_data(as_text=True)}
        status = 404 if request.path.endswith("/missing") else 200
        return Response(json.dumps(echo), status, content_type="application/json")(
            environ, start_response)

    def close(self) -> None:
        pass


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def s3_error_code(self) -> str | None:
        return ElementTree.fromstring(self.body).findtext("Code")


@dataclass
class Site:
    cloud: LocalCloud
    s3: Any
    cloudfront: Any
    bucket: str
    distribution_id: str
    domain_name: str
    arn: str
    alias: str
    oac_id: str

    def get(self, path: str = "/", host: str | None = None, method: str = "GET",
            body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.cloud.port, timeout=10)
        try:
            connection.request(method, path, body=body,
                               headers={"Host": host or self.domain_name, **(headers or {})})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def allow(self, *, source_arn: str | None = None, list_bucket: bool = False) -> None:
        """The bucket policy CloudFront's console proposes for an OAC, for one distribution."""
        actions = ["s3:GetObject"] + (["s3:ListBucket"] if list_bucket else [])
        resources = [f"arn:aws:s3:::{self.bucket}/*"] + ([f"arn:aws:s3:::{self.bucket}"]
                                                         if list_bucket else [])
        self.s3.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AllowCloudFrontServicePrincipalReadOnly", "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": actions, "Resource": resources,
                "Condition": {"StringEquals": {"AWS:SourceArn": source_arn or self.arn}},
            }],
        }))

    def distribution(self, *, enabled: bool = True, oac: bool = True, aliases: tuple = (),
                     **config: Any) -> dict[str, Any]:
        """A second, simpler distribution in front of the same bucket."""
        origin = {"Id": "site", "DomainName": f"{self.bucket}.s3.us-east-1.amazonaws.com",
                  "S3OriginConfig": {"OriginAccessIdentity": ""}}
        if oac:
            origin["OriginAccessControlId"] = self.oac_id
        created = self.cloudfront.create_distribution(DistributionConfig={
            "CallerReference": uuid.uuid4().hex, "Comment": "", "Enabled": enabled,
            "DefaultRootObject": "index.html",
            "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": CACHING_OPTIMIZED},
            **config,
        })
        return created["Distribution"]


@pytest.fixture(scope="module")
def site():
    cloud = LocalCloud().start()
    echo = EchoOrigin()
    cloud.planes.append(echo)
    clients = {name: boto3.client(name, endpoint_url=cloud.endpoint, region_name="us-east-1")
               for name in ("s3", "cloudfront", "route53")}
    s3, cloudfront, route53 = clients["s3"], clients["cloudfront"], clients["route53"]
    suffix = uuid.uuid4().hex[:8]
    bucket = f"shop-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_object(Bucket=bucket, Key="index.html", Body=INDEX, ContentType="text/html")
    s3.put_object(Bucket=bucket, Key="app.js", Body=APP, ContentType="application/javascript")
    s3.put_object(Bucket=bucket, Key="archive/docs/notes.txt", Body=b"old notes",
                  ContentType="text/plain")
    oac_id = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": f"shop-{suffix}", "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    alias = f"www.{suffix}.example.com"
    bucket_domain = f"{bucket}.s3.us-east-1.amazonaws.com"
    created = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": suffix, "Comment": "shop", "Enabled": True,
        "DefaultRootObject": "index.html", "Aliases": {"Quantity": 1, "Items": [alias]},
        "Origins": {"Quantity": 3, "Items": [
            {"Id": "site", "DomainName": bucket_domain,
             "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": oac_id},
            {"Id": "archive", "DomainName": bucket_domain, "OriginPath": "/archive",
             "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": oac_id},
            {"Id": "api", "DomainName": EchoOrigin.host, "OriginPath": "/prod",
             "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                    "OriginProtocolPolicy": "https-only"}},
        ]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy":
                                 "redirect-to-https", "CachePolicyId": CACHING_OPTIMIZED},
        "CacheBehaviors": {"Quantity": 2, "Items": [
            {"PathPattern": "/api/*", "TargetOriginId": "api",
             "ViewerProtocolPolicy": "https-only", "CachePolicyId": CACHING_DISABLED,
             "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
             "AllowedMethods": {"Quantity": 7, "Items": ALL_METHODS}},
            {"PathPattern": "/docs/*", "TargetOriginId": "archive",
             "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED},
        ]},
        "CustomErrorResponses": {"Quantity": 1, "Items": [
            {"ErrorCode": 404, "ResponsePagePath": "/index.html", "ResponseCode": "200",
             "ErrorCachingMinTTL": 10}]},
    })["Distribution"]
    zone = route53.create_hosted_zone(Name=f"{suffix}.example.com", CallerReference=suffix)
    changes = [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": name, "Type": "A", "AliasTarget": {
            "HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": created["DomainName"] + ".",
            "EvaluateTargetHealth": False}}} for name in (alias, f"old.{suffix}.example.com")]
    route53.change_resource_record_sets(HostedZoneId=zone["HostedZone"]["Id"],
                                        ChangeBatch={"Changes": changes})
    yield Site(cloud, s3, cloudfront, bucket, created["Id"], created["DomainName"],
               created["ARN"], alias, oac_id)
    cloud.planes.remove(echo)
    cloud.stop()


# 1. A private bucket, read through origin access control.

def test_without_a_bucket_policy_s3_refuses_cloudfront(site):
    site.s3.delete_bucket_policy(Bucket=site.bucket)
    reply = site.get("/")
    assert reply.status == 403
    assert reply.headers["Content-Type"] == "application/xml"
    assert reply.s3_error_code() == "AccessDenied"
    assert reply.headers["X-Cache"] == "Error from cloudfront"


def test_the_root_url_serves_the_default_root_object_as_html(site):
    site.allow()
    reply = site.get("/")
    assert (reply.status, reply.body) == (200, INDEX)
    assert reply.headers["Content-Type"] == "text/html"
    assert reply.headers["X-Cache"] == "Miss from cloudfront"
    assert reply.headers["ETag"] and reply.headers["Last-Modified"]
    assert len(reply.headers["X-Amz-Cf-Id"]) == 56


def test_objects_keep_their_content_type(site):
    site.allow()
    reply = site.get("/app.js")
    assert (reply.status, reply.body) == (200, APP)
    assert reply.headers["Content-Type"] == "application/javascript"


def test_an_unchanged_object_answers_304(site):
    site.allow()
    etag = site.get("/app.js").headers["ETag"]
    assert site.get("/app.js", headers={"If-None-Match": etag}).status == 304


def test_a_policy_for_another_distribution_is_refused(site):
    site.allow(source_arn=site.arn.replace(site.distribution_id, "E2OTHERDIST"))
    reply = site.get("/app.js")
    assert (reply.status, reply.s3_error_code()) == (403, "AccessDenied")


def test_an_origin_without_origin_access_control_is_refused(site):
    plain = site.distribution(oac=False)
    site.allow(source_arn=plain["ARN"])  # the policy is right; the origin does not sign
    reply = site.get("/app.js", host=plain["DomainName"])
    assert (reply.status, reply.s3_error_code()) == (403, "AccessDenied")


def test_a_missing_key_is_403_without_list_bucket_so_a_404_page_does_not_apply(site):
    site.allow()
    reply = site.get("/no/such/page")
    assert (reply.status, reply.s3_error_code()) == (403, "AccessDenied")


def test_with_list_bucket_a_missing_key_is_404_and_the_custom_error_page_answers(site):
    site.allow(list_bucket=True)
    reply = site.get("/products/42")  # a client-side route of the single-page app
    assert (reply.status, reply.body) == (200, INDEX)
    assert reply.headers["Content-Type"] == "text/html"


def test_origin_path_is_put_in_front_of_the_s3_key(site):
    site.allow()
    reply = site.get("/docs/notes.txt")  # the archive origin reads archive/docs/notes.txt
    assert (reply.status, reply.body) == (200, b"old notes")


def test_without_a_default_root_object_the_root_url_lists_the_bucket_if_allowed(site):
    bare = site.distribution(DefaultRootObject="")
    site.allow(source_arn=bare["ARN"])
    assert site.get("/", host=bare["DomainName"]).s3_error_code() == "AccessDenied"
    site.allow(source_arn=bare["ARN"], list_bucket=True)
    listing = site.get("/", host=bare["DomainName"])
    assert listing.status == 200 and b"<Key>app.js</Key>" in listing.body


# 2. How a viewer reaches a distribution.

def test_alternate_domain_names_work_with_a_localhost_suffix(site):
    site.allow()
    assert site.get("/app.js", host=f"{site.alias}.localhost:{site.cloud.port}").body == APP
    assert site.get("/app.js", host=f"{site.domain_name}.localhost").body == APP


def test_a_route53_alias_record_reaches_the_distribution(site):
    site.allow()
    name = f"{site.alias}.localhost:{site.cloud.port}"
    assert (site.get("/", host=name).status, site.get("/", host=name).body) == (200, INDEX)


def test_a_route53_record_that_is_not_an_alternate_domain_name_is_refused(site):
    site.allow()
    old_name = "old." + site.alias.split(".", 1)[1]
    reply = site.get("/", host=f"{old_name}.localhost")
    assert reply.status == 403
    assert b"The request could not be satisfied" in reply.body
    assert "Aliases" in reply.headers["X-Local-Cloud-Hint"]


def test_the_path_form_reaches_a_distribution_by_id(site):
    site.allow()
    base = f"/_aws/cloudfront/{site.distribution_id}"
    assert site.get(f"{base}/app.js", host="127.0.0.1").body == APP
    assert site.get(f"{base}/", host="127.0.0.1").body == INDEX
    redirect = site.get(base, host="127.0.0.1")
    assert (redirect.status, redirect.headers["Location"]) == (301, base + "/")


def test_a_disabled_distribution_is_not_served(site):
    disabled = site.distribution(enabled=False)
    site.allow(source_arn=disabled["ARN"])
    reply = site.get("/", host=disabled["DomainName"])
    assert reply.status == 403
    assert b"The request could not be satisfied" in reply.body


def test_a_method_the_behaviour_does_not_allow_is_refused(site):
    reply = site.get("/index.html", method="POST", body=b"{}")
    assert reply.status == 403
    assert b"not configured to allow the HTTP request method" in reply.body
    assert reply.headers["X-Cache"] == "Error from cloudfront"


def test_moto_control_plane_requests_are_never_claimed(site):
    plane = site.cloud.plane(CloudFrontPlane)
    for host in (f"127.0.0.1:{site.cloud.port}", f"localhost:{site.cloud.port}"):
        for path in ("/", f"/{site.bucket}/index.html", "/2015-03-31/functions"):
            request = Request.from_values(path, headers={"Host": host})
            assert not plane.claims(request)


# 3. A custom origin behind /api/*: an internal request to the local cloud.

def test_the_api_behaviour_forwards_everything_but_host_to_the_custom_origin(site):
    reply = site.get("/api/orders?limit=5", method="POST", body=b'{"item": "tea"}',
                     headers={"Content-Type": "application/json", "Authorization": "Bearer t"})
    echo = json.loads(reply.body)
    assert reply.status == 200
    assert (echo["method"], echo["path"], echo["query"]) == ("POST", "/prod/api/orders",
                                                             "limit=5")
    assert echo["body"] == '{"item": "tea"}'
    assert echo["headers"]["Host"] == EchoOrigin.host  # not the viewer's
    assert echo["headers"]["Authorization"] == "Bearer t"
    assert echo["headers"]["Content-Type"] == "application/json"
    assert echo["headers"]["X-Amz-Cf-Id"] == reply.headers["X-Amz-Cf-Id"]


def test_without_an_origin_request_policy_the_origin_gets_no_query_string(site):
    echo_only = site.distribution(
        Origins={"Quantity": 1, "Items": [{"Id": "api", "DomainName": EchoOrigin.host,
                                           "CustomOriginConfig": {
                                               "HTTPPort": 80, "HTTPSPort": 443,
                                               "OriginProtocolPolicy": "https-only"}}]},
        DefaultCacheBehavior={"TargetOriginId": "api", "ViewerProtocolPolicy": "https-only",
                              "CachePolicyId": CACHING_DISABLED})
    echo = json.loads(site.get("/items?limit=5", host=echo_only["DomainName"]).body)
    assert (echo["path"], echo["query"]) == ("/items", "")


def test_custom_error_pages_replace_api_errors_too(site):
    # Custom error responses are per distribution: an API 404 becomes index.html, as on AWS.
    site.allow()
    reply = site.get("/api/missing")
    assert (reply.status, reply.body) == (200, INDEX)


# 4. The control plane: what moto does not keep or check.

def test_the_origin_access_control_id_is_kept_and_shown(site):
    config = site.cloudfront.get_distribution_config(Id=site.distribution_id)
    origins = {o["Id"]: o for o in config["DistributionConfig"]["Origins"]["Items"]}
    assert origins["site"]["OriginAccessControlId"] == site.oac_id
    assert origins["site"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert origins["api"]["OriginAccessControlId"] == ""
    distribution = site.cloudfront.get_distribution(Id=site.distribution_id)["Distribution"]
    assert distribution["DistributionConfig"]["Origins"]["Items"][0]["OriginAccessControlId"] \
        == site.oac_id
    listed = site.cloudfront.list_distributions()["DistributionList"]["Items"]
    mine = next(d for d in listed if d["Id"] == site.distribution_id)
    assert mine["Origins"]["Items"][0]["OriginAccessControlId"] == site.oac_id


def test_updates_need_the_current_etag_and_get_a_new_one(site):
    other = site.distribution()
    current = site.cloudfront.get_distribution_config(Id=other["Id"])
    with pytest.raises(ClientError) as missing:
        site.cloudfront.update_distribution(Id=other["Id"],
                                            DistributionConfig=current["DistributionConfig"])
    assert missing.value.response["Error"]["Code"] == "InvalidIfMatchVersion"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as stale:
        site.cloudfront.update_distribution(Id=other["Id"], IfMatch="E2STALEETAG",
                                            DistributionConfig=current["DistributionConfig"])
    assert stale.value.response["Error"]["Code"] == "PreconditionFailed"
    assert stale.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    updated = site.cloudfront.update_distribution(
        Id=other["Id"], IfMatch=current["ETag"], DistributionConfig=current["DistributionConfig"])
    assert updated["ETag"] != current["ETag"]
    assert updated["Distribution"]["DistributionConfig"]["Origins"]["Items"][0][
        "OriginAccessControlId"] == site.oac_id  # the config round-trips


def test_an_enabled_distribution_cannot_be_deleted(site):
    other = site.distribution()
    current = site.cloudfront.get_distribution_config(Id=other["Id"])
    with pytest.raises(ClientError) as missing:
        site.cloudfront.delete_distribution(Id=other["Id"])
    assert missing.value.response["Error"]["Code"] == "InvalidIfMatchVersion"
    with pytest.raises(ClientError) as enabled:
        site.cloudfront.delete_distribution(Id=other["Id"], IfMatch=current["ETag"])
    assert enabled.value.response["Error"]["Code"] == "DistributionNotDisabled"
    assert enabled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    config = current["DistributionConfig"] | {"Enabled": False}
    disabled = site.cloudfront.update_distribution(Id=other["Id"], IfMatch=current["ETag"],
                                                   DistributionConfig=config)
    with pytest.raises(ClientError) as stale:
        site.cloudfront.delete_distribution(Id=other["Id"], IfMatch=current["ETag"])
    assert stale.value.response["Error"]["Code"] == "PreconditionFailed"
    site.cloudfront.delete_distribution(Id=other["Id"], IfMatch=disabled["ETag"])
    gone = site.get("/", host=other["DomainName"])
    assert gone.status == 404 and b"No CloudFront distribution" in gone.body


def test_invalidations_complete_at_once_as_nothing_is_cached(site):
    created = site.cloudfront.create_invalidation(DistributionId=site.distribution_id,
                                                  InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": uuid.uuid4().hex})
    assert created["Invalidation"]["Status"] == "Completed"
    site.cloudfront.get_waiter("invalidation_completed").wait(
        DistributionId=site.distribution_id, Id=created["Invalidation"]["Id"],
        WaiterConfig={"Delay": 1, "MaxAttempts": 2})
