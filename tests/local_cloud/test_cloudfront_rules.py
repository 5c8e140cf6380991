"""CloudFront's rules, without sockets: which distribution a Host reaches, which behaviour a
path takes, what S3 lets CloudFront read, and what the viewer sees when something fails."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from helpers.local_cloud.planes import cloudfront_rules as rules
from helpers.local_cloud.planes.cloudfront_rules import (
    Behavior,
    Distribution,
    DnsRecord,
    ErrorResponse,
    Origin,
    S3Caller,
)

ARN = "arn:aws:cloudfront::123456789012:distribution/E1EXAMPLE"
OTHER_ARN = "arn:aws:cloudfront::123456789012:distribution/E2OTHER"
OAC = S3Caller(rules.CLOUDFRONT_SERVICE, ARN, "123456789012")
ANONYMOUS = S3Caller()


def distribution(**overrides) -> Distribution:
    fields = dict(
        id="E1EXAMPLE", arn=ARN, domain_name="d111.cloudfront.net", enabled=True,
        default_behavior=Behavior("site"),
        origins=(Origin("site", "site.s3.us-east-1.amazonaws.com", "", "OAC1"),
                 Origin("api", "abc.execute-api.us-east-1.amazonaws.com", "/prod")),
        behaviors=(Behavior("api", "/api/*", ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST",
                                              "DELETE")),
                   Behavior("api", "*.php")),
        error_responses=(ErrorResponse(404, "/index.html", 200), ErrorResponse(500)),
        default_root_object="index.html",
    )
    fields.update(overrides)
    return Distribution(**fields)


def oac_policy(*, source_arn: str = ARN, operator: str = "StringEquals",
               actions: object = "s3:GetObject", resource: object = "arn:aws:s3:::site/*") -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": actions, "Resource": resource,
        "Condition": {operator: {"AWS:SourceArn": source_arn}},
    }]}


# 1. Which distribution a Host reaches.

@pytest.mark.parametrize("host, name", [
    ("d111.cloudfront.net", "d111.cloudfront.net"),
    ("D111.CloudFront.net:4566", "d111.cloudfront.net"),
    ("www.example.com.localhost:8080", "www.example.com"),
    ("www.example.com.", "www.example.com"),
    ("www.example.com.localhost.", "www.example.com"),
    ("localhost:4566", "localhost"),
    ("127.0.0.1:4566", "127.0.0.1"),
    ("[::1]:4566", "::1"),
])
def test_hosts_are_compared_without_port_trailing_dot_or_localhost_suffix(host, name):
    assert rules.normalise_host(host) == name


def alias_record(name: str, target: str, zone: str = rules.CLOUDFRONT_HOSTED_ZONE_ID,
                 record_type: str = "A") -> DnsRecord:
    return DnsRecord(name, record_type, zone, target)


def test_a_distribution_is_reached_by_its_domain_and_alternate_domain_names():
    index = rules.host_index([("one", "d111.cloudfront.net", ["www.example.com"])], [])
    assert index.resolve("d111.cloudfront.net") == rules.HostRoute("one")
    assert index.resolve("d111.cloudfront.net.localhost:4566") == rules.HostRoute("one")
    assert index.resolve("WWW.example.com.localhost") == rules.HostRoute("one")
    assert index.resolve("api.example.com") is None


def test_a_route53_alias_to_the_distribution_reaches_it_whatever_the_trailing_dots():
    records = [alias_record("www.example.com.", "d111.cloudfront.net."),
               alias_record("apex.example.com.", "d111.cloudfront.net", record_type="AAAA")]
    index = rules.host_index([("one", "d111.cloudfront.net", ["www.example.com",
                                                                "apex.example.com"])], records)
    assert index.resolve("www.example.com.localhost:4566") == rules.HostRoute("one")
    assert index.resolve("apex.example.com") == rules.HostRoute("one")


def test_dns_alone_reaches_cloudfront_but_not_as_a_configured_name():
    # AWS: a DNS record without the CNAME in the distribution's Aliases gets a 403.
    index = rules.host_index([("one", "d111.cloudfront.net", [])],
                             [alias_record("old.example.com.", "d111.cloudfront.net.")])
    assert index.resolve("old.example.com") == rules.HostRoute("one", configured=False)


def test_only_records_aimed_at_a_cloudfront_domain_count():
    records = [
        alias_record("elb.example.com.", "d111.cloudfront.net.", zone="Z35SXDOTRQ7X7K"),
        alias_record("other.example.com.", "d999.cloudfront.net."),
        DnsRecord("mail.example.com.", "MX", values=("d111.cloudfront.net",)),
        DnsRecord("cdn.example.com.", "CNAME", values=("d111.cloudfront.net",)),
    ]
    index = rules.host_index([("one", "d111.cloudfront.net", [])], records)
    assert index.resolve("elb.example.com") is None
    assert index.resolve("other.example.com") is None
    assert index.resolve("mail.example.com") is None
    assert index.resolve("cdn.example.com") == rules.HostRoute("one", configured=False)


def test_wildcard_names_and_records_cover_one_level():
    index = rules.host_index([("one", "d111.cloudfront.net", ["*.example.com"])],
                             [alias_record("\\052.example.org.", "d111.cloudfront.net")])
    assert index.resolve("shop.example.com.localhost") == rules.HostRoute("one")
    assert index.resolve("example.com") is None
    assert index.resolve("shop.example.org") == rules.HostRoute("one", configured=False)


# 2. Which behaviour a path takes.

@pytest.mark.parametrize("pattern, path, matches", [
    ("/api/*", "/api/items", True),
    ("api/*", "/api/items", True),  # the leading slash is optional
    ("/api/*", "/api/v1/items/7", True),  # '*' crosses slashes
    ("/api/*", "/api", False),
    ("/API/*", "/api/items", False),  # case-sensitive
    ("*.jpg", "/images/cat.jpg", True),
    ("*.jpg", "/images/cat.JPG", False),
    ("/v?/*", "/v2/app.js", True),
    ("/v?/*", "/v10/app.js", False),  # '?' is exactly one character
    ("/a+b/(x)", "/a+b/(x)", True),  # everything else is literal
    ("*", "/anything", True),
])
def test_path_patterns_use_cloudfront_wildcards(pattern, path, matches):
    assert rules.path_matches(pattern, path) is matches


def test_behaviours_match_in_order_with_the_default_last():
    site = distribution()
    assert rules.match_behavior(site, "/api/index.php").path_pattern == "/api/*"
    assert rules.match_behavior(site, "/legacy/index.php").path_pattern == "*.php"
    assert rules.match_behavior(site, "/index.html") is site.default_behavior


def test_methods_outside_allowed_methods_are_refused():
    site = distribution()
    assert rules.method_allowed(site.default_behavior, "get")
    assert not rules.method_allowed(site.default_behavior, "POST")
    assert rules.method_allowed(rules.match_behavior(site, "/api/x"), "DELETE")


def test_the_default_root_object_answers_the_root_only():
    site = distribution()
    assert rules.object_path(site, "/") == "/index.html"
    assert rules.object_path(site, "/docs/") == "/docs/"
    assert rules.object_path(distribution(default_root_object=""), "/") == "/"


def test_origin_path_goes_in_front_of_the_request_path():
    assert rules.origin_request_path(Origin("api", "x", "/prod"), "/api/items") == "/prod/api/items"
    assert rules.origin_request_path(Origin("api", "x", "/prod/"), "/a") == "/prod/a"
    assert rules.origin_request_path(Origin("site", "x"), "/a") == "/a"


def test_query_strings_reach_the_origin_only_when_a_policy_includes_them():
    caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    all_viewer_except_host = rules.ALL_VIEWER_EXCEPT_HOST_HEADER
    assert rules.forwards_query_string(Behavior("api", cache_policy_id=caching_disabled,
                                                origin_request_policy_id=all_viewer_except_host))
    assert not rules.forwards_query_string(Behavior("api", cache_policy_id=caching_disabled))
    assert rules.forwards_query_string(Behavior("api", cache_policy_id="my-own-policy"))
    assert rules.forwards_query_string(Behavior("api", forwarded_query_string=True))
    assert not rules.forwards_query_string(Behavior("api"))


def test_all_viewer_forwards_the_viewers_host_and_all_viewer_except_host_does_not():
    assert rules.forwards_viewer_host(Behavior("api", origin_request_policy_id=rules.ALL_VIEWER))
    assert not rules.forwards_viewer_host(
        Behavior("api", origin_request_policy_id=rules.ALL_VIEWER_EXCEPT_HOST_HEADER))
    assert rules.forwards_viewer_host(Behavior("api", forwarded_headers=("Host",)))


def test_custom_error_responses_map_an_origin_status_to_a_page():
    site = distribution()
    rule = rules.custom_error_response(site, 404)
    assert rule == ErrorResponse(404, "/index.html", 200)
    assert rules.custom_error_response(site, 403) is None
    assert rules.custom_error_response(site, 500) is None  # caching only, no page
    assert rules.error_page_status(rule, origin_status=404, page_status=200) == 200
    assert rules.error_page_status(ErrorResponse(404, "/e.html"), 404, 200) == 404
    # A missing error page: the viewer gets the status the page's origin returned.
    assert rules.error_page_status(rule, origin_status=404, page_status=403) == 403


# 3. S3 origins: origin access control and the bucket policy.

@pytest.mark.parametrize("domain, bucket", [
    ("site.s3.us-east-1.amazonaws.com", "site"),
    ("site.s3.amazonaws.com", "site"),
    ("www.example.com.s3.eu-west-1.amazonaws.com", "www.example.com"),
    ("site.s3-us-west-2.amazonaws.com", "site"),
    ("site.s3-website-us-east-1.amazonaws.com", None),  # a website endpoint: a custom origin
    ("site.s3-website.eu-west-1.amazonaws.com", None),
    ("abc.execute-api.us-east-1.amazonaws.com", None),
])
def test_s3_origins_are_recognised_by_their_rest_endpoint(domain, bucket):
    assert rules.s3_bucket_of(domain) == bucket


def read(policy, key="index.html", caller=OAC, exists=True, **kwargs) -> str:
    return rules.s3_read_outcome(policy, "site", key, caller, object_exists=exists, **kwargs)


def test_the_oac_policy_lets_its_distribution_read():
    assert read(oac_policy()) == "ok"
    assert read(oac_policy(operator="ArnLike",
                           source_arn="arn:aws:cloudfront::123456789012:distribution/*")) == "ok"


def test_without_a_policy_or_for_another_distribution_s3_denies():
    assert read(None) == "AccessDenied"
    assert read(oac_policy(source_arn=OTHER_ARN)) == "AccessDenied"
    assert read(oac_policy(resource="arn:aws:s3:::other-bucket/*")) == "AccessDenied"


def test_without_origin_access_control_cloudfront_is_anonymous():
    assert read(oac_policy(), caller=ANONYMOUS) == "AccessDenied"


def test_a_missing_key_is_403_unless_the_policy_also_allows_list_bucket():
    assert read(oac_policy(), exists=False) == "AccessDenied"
    both = oac_policy(actions=["s3:GetObject", "s3:ListBucket"],
                      resource=["arn:aws:s3:::site", "arn:aws:s3:::site/*"])
    assert read(both, exists=False) == "NoSuchKey"


def test_the_bucket_root_is_a_listing_which_needs_list_bucket():
    both = oac_policy(actions=["s3:GetObject", "s3:ListBucket"],
                      resource=["arn:aws:s3:::site", "arn:aws:s3:::site/*"])
    assert read(both, key="", exists=False) == "list"
    assert read(oac_policy(), key="", exists=False) == "AccessDenied"
    listing = ElementTree.fromstring(rules.s3_listing("site", [("a.html", 3), ("b&c", 0)]))
    assert [e.text for e in listing.iterfind("{*}Contents/{*}Key")] == ["a.html", "b&c"]


def test_an_explicit_deny_wins():
    policy = oac_policy()
    policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                "Resource": "arn:aws:s3:::site/private/*"})
    assert read(policy, key="private/secret.txt") == "AccessDenied"
    assert read(policy, key="index.html") == "ok"


def test_actions_match_case_insensitively_with_wildcards():
    assert read(oac_policy(actions="S3:Get*")) == "ok"
    assert read(oac_policy(actions="s3:PutObject")) == "AccessDenied"


def test_a_public_policy_serves_anonymous_callers_unless_public_buckets_are_restricted():
    public = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                             "Resource": "arn:aws:s3:::site/*"}]}
    assert read(public, caller=ANONYMOUS) == "ok"
    assert read(public, caller=ANONYMOUS, restrict_public_buckets=True) == "AccessDenied"
    # Block Public Access does not block CloudFront with OAC: it is a service principal.
    assert read(oac_policy(), restrict_public_buckets=True) == "ok"


@pytest.mark.parametrize("condition, allowed", [
    ({"StringNotEquals": {"AWS:SourceArn": OTHER_ARN}}, True),
    ({"StringNotEquals": {"AWS:SourceArn": ARN}}, False),
    ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}, True),
    ({"StringEquals": {"aws:SourceVpce": "vpce-1"}}, False),
    ({"StringLike": {"AWS:SourceArn": "*:distribution/E1*"}}, True),
    ({"ArnLike": {"AWS:SourceArn": "arn:aws:cloudfront::*:distribution/E1EXAMPLE"}}, True),
    ({"ArnLike": {"AWS:SourceArn": "arn:aws:*"}}, False),  # six parts, matched one by one
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),  # not evaluated: never holds
])
def test_conditions(condition, allowed):
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"Service": [
        "cloudfront.amazonaws.com"]}, "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::site/*",
        "Condition": condition}]}
    assert (read(policy) == "ok") is allowed


def test_conditional_get_answers_not_modified():
    etag, modified = '"abc"', "Wed, 21 Oct 2026 07:28:00 GMT"
    assert rules.not_modified({"If-None-Match": '"abc"'}, etag, modified)
    assert rules.not_modified({"If-None-Match": '"x", "abc"'}, etag, modified)
    assert not rules.not_modified({"If-None-Match": '"x"', "If-Modified-Since": modified},
                                  etag, modified)
    assert rules.not_modified({"If-Modified-Since": modified}, etag, modified)
    assert not rules.not_modified({}, etag, modified)


# 4. What the viewer sees when something fails.

def test_s3_errors_are_s3s_xml():
    status, body = rules.s3_error("AccessDenied", "REQ1")
    error = ElementTree.fromstring(body)
    assert status == 403
    assert (error.findtext("Code"), error.findtext("Message")) == ("AccessDenied", "Access Denied")
    assert error.findtext("RequestId") == "REQ1" and error.findtext("HostId")
    status, body = rules.s3_error("NoSuchKey", "REQ2", key="a<b>.html")
    assert status == 404 and ElementTree.fromstring(body).findtext("Key") == "a<b>.html"


def test_cloudfront_errors_are_its_html_pages():
    status, page = rules.cloudfront_error("MethodNotAllowed", "CFID")
    assert status == 403
    assert "The request could not be satisfied" in page
    assert "not configured to allow the HTTP request method" in page
    assert "Request ID: CFID" in page
    assert rules.cloudfront_error("BadRequest", "x")[0] == 403
    assert rules.cloudfront_error("OriginUnreachable", "x")[0] == 502
    assert len(rules.request_id()) == 56


# 5. The control plane: what moto drops, put back.

NS = 'xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"'
REQUEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<DistributionConfig {NS}><CallerReference>r</CallerReference><Origins><Quantity>2</Quantity>
<Items><Origin><Id>site</Id><DomainName>site.s3.amazonaws.com</DomainName>
<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>
<OriginAccessControlId>OAC1</OriginAccessControlId></Origin>
<Origin><Id>api</Id><DomainName>abc.execute-api.us-east-1.amazonaws.com</DomainName>
<CustomOriginConfig><HTTPPort>80</HTTPPort></CustomOriginConfig></Origin></Items></Origins>
<OriginGroups><Quantity>0</Quantity></OriginGroups></DistributionConfig>"""


def test_origin_access_control_ids_are_read_from_a_distribution_config():
    assert rules.origin_settings_in(REQUEST.encode()) == {
        "site": rules.OriginSettings("OAC1", ""),
        "api": rules.OriginSettings("", None),
    }


def moto_origin(origin_id: str) -> str:
    return (f"<Origin><Id>{origin_id}</Id><DomainName>x</DomainName><OriginShield><Enabled>"
            "false</Enabled></OriginShield></Origin>")


def test_origin_settings_go_back_into_get_distribution_config():
    moto = f'<DistributionConfig {NS}><Origins><Items>{moto_origin("site")}{moto_origin("api")}'
    moto += "</Items></Origins></DistributionConfig>"
    settings = rules.origin_settings_in(REQUEST.encode())
    shown = rules.add_origin_settings(moto, {"E1": settings}.get, "E1")
    origins = ElementTree.fromstring(shown).iterfind(".//{*}Origin")
    values = [(o.findtext("{*}Id"), o.findtext("{*}OriginAccessControlId"),
               o.find("{*}S3OriginConfig") is not None) for o in origins]
    assert values == [("site", "OAC1", True), ("api", "", False)]


def test_origin_settings_go_back_into_each_distribution_of_a_list():
    summaries = "".join(f"<DistributionSummary><Id>{i}</Id><Origins><Items>{moto_origin('site')}"
                        "</Items></Origins></DistributionSummary>" for i in ("E1", "E2"))
    moto = f"<DistributionList {NS}><Items>{summaries}</Items></DistributionList>"
    settings = {"E1": {"site": rules.OriginSettings("OAC1")},
                "E2": {"site": rules.OriginSettings("OAC2")}}
    shown = ElementTree.fromstring(rules.add_origin_settings(moto, lambda i: settings.get(i, {})))
    assert [e.text for e in shown.iterfind(".//{*}OriginAccessControlId")] == ["OAC1", "OAC2"]


def test_the_new_distribution_id_is_read_from_motos_create_response():
    created = (f'<Distribution {NS}><Id>E1NEW</Id><ARN>arn</ARN><DistributionConfig>'
               f"<Origins><Items>{moto_origin('site')}</Items></Origins></DistributionConfig>"
               "</Distribution>")
    assert rules.distribution_id_in(created) == "E1NEW"


def test_api_errors_are_cloudfront_xml_errors():
    error = ElementTree.fromstring(rules.cloudfront_api_error("PreconditionFailed", "a < b", "R"))
    assert error.findtext("{*}Error/{*}Code") == "PreconditionFailed"
    assert error.findtext("{*}Error/{*}Message") == "a < b"
