"""CloudFront's rules as plain functions over plain data: no sockets, no moto.

Which distribution a Host reaches (its domain, its alternate domain names, or a Route 53
record pointing at it), which cache behaviour a path takes, whether the method is allowed,
which custom error response applies, what the origin is asked for, whether S3 lets CloudFront
read an object (origin access control and the bucket policy), and the error bodies S3 and
CloudFront send. ``cloudfront.py`` turns moto's state into these dataclasses and back into HTTP.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from ..iam_policy import ANONYMOUS, MalformedPolicyError, Principal, Request, evaluate

CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # every alias record to CloudFront uses this zone
CLOUDFRONT_SERVICE = "cloudfront.amazonaws.com"
LOCALHOST = ".localhost"  # browsers resolve *.localhost to loopback
PolicyText = str | bytes | Mapping[str, Any] | None  # a bucket policy, as stored or parsed

# Managed policies (by ID) that send the viewer's query strings to the origin.
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_VIEWER_AND_CLOUDFRONT_HEADERS = "33f36d7e-f396-46d9-90e0-52428a34d9dc"
QUERY_STRING_ORIGIN_REQUEST_POLICIES = {ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST_HEADER,
                                        ALL_VIEWER_AND_CLOUDFRONT_HEADERS}
HOST_FORWARDING_ORIGIN_REQUEST_POLICIES = {ALL_VIEWER, ALL_VIEWER_AND_CLOUDFRONT_HEADERS}
# Managed cache policies whose cache key (and so the origin request) has no query strings.
CACHE_POLICIES_WITHOUT_QUERY_STRINGS = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6",  # CachingOptimized
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",  # CachingDisabled
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d",  # CachingOptimizedForUncompressedObjects
    "83da9c7e-98b4-4e11-a168-04f0df8e2c65",  # UseOriginCacheControlHeaders
}


# -- configuration, as CloudFront sees it ---------------------------------------------------
@dataclass(frozen=True)
class Origin:
    id: str
    domain_name: str
    origin_path: str = ""
    origin_access_control_id: str = ""


@dataclass(frozen=True)
class Behavior:
    target_origin_id: str
    path_pattern: str = "*"  # the default behaviour's pattern
    allowed_methods: tuple[str, ...] = ("GET", "HEAD")
    cache_policy_id: str = ""
    origin_request_policy_id: str = ""
    forwarded_query_string: bool = False  # legacy ForwardedValues, used without a cache policy
    forwarded_headers: tuple[str, ...] = ()
    viewer_protocol_policy: str = "allow-all"  # kept for display: the local cloud is http only


@dataclass(frozen=True)
class ErrorResponse:
    error_code: int
    response_page_path: str = ""
    response_code: int | None = None


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    domain_name: str
    enabled: bool
    default_behavior: Behavior
    origins: tuple[Origin, ...]
    behaviors: tuple[Behavior, ...] = ()
    error_responses: tuple[ErrorResponse, ...] = ()
    aliases: tuple[str, ...] = ()
    default_root_object: str = ""

    def origin(self, origin_id: str) -> Origin | None:
        return next((origin for origin in self.origins if origin.id == origin_id), None)


# -- which distribution a Host reaches ------------------------------------------------------
@dataclass(frozen=True)
class DnsRecord:
    """A Route 53 record: an alias (A/AAAA) or a CNAME."""

    name: str
    type: str
    alias_hosted_zone_id: str = ""
    alias_dns_name: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostRoute:
    """Where a Host lands. ``configured`` is False when only DNS points at the distribution:
    CloudFront then refuses the request, as the name is not one of its alternate domain names."""

    distribution: Any  # whatever key the caller gave host_index
    configured: bool = True


def normalise_host(host: str) -> str:
    """'WWW.Example.com.localhost:8080' -> 'www.example.com' (port, trailing dot, .localhost)."""
    host = host.strip().lower().replace("\\052", "*")  # Route 53 writes '*' as \052
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.rstrip(".")
    if host.endswith(LOCALHOST):
        host = host[: -len(LOCALHOST)].rstrip(".")
    return host


@dataclass
class HostIndex:
    names: dict[str, Any] = field(default_factory=dict)  # domain names and CNAMEs -> key
    records: dict[str, Any] = field(default_factory=dict)  # Route 53 names -> key

    def resolve(self, host: str) -> HostRoute | None:
        name = normalise_host(host)
        candidates = [name]
        if "." in name:
            candidates.append("*." + name.split(".", 1)[1])  # wildcard CNAMEs and records
        for candidate in candidates:
            if candidate in self.names:
                return HostRoute(self.names[candidate])
        for candidate in candidates:
            if candidate in self.records:
                return HostRoute(self.records[candidate], configured=False)
        return None


def host_index(distributions: Iterable[tuple[Any, str, Iterable[str]]],
               records: Iterable[DnsRecord]) -> HostIndex:
    """Index (key, domain name, alternate domain names) triples and Route 53 records."""
    index = HostIndex()
    by_domain: dict[str, Any] = {}
    for key, domain_name, aliases in distributions:
        by_domain[normalise_host(domain_name)] = key
        index.names[normalise_host(domain_name)] = key
        for alias in aliases:
            index.names.setdefault(normalise_host(alias), key)
    for record in records:
        target = record_target(record)
        if target in by_domain:
            index.records.setdefault(normalise_host(record.name), by_domain[target])
    return index


def record_target(record: DnsRecord) -> str | None:
    """The CloudFront domain a Route 53 record points at, if it points at one."""
    if record.type in ("A", "AAAA") and record.alias_hosted_zone_id == CLOUDFRONT_HOSTED_ZONE_ID:
        return normalise_host(record.alias_dns_name)
    if record.type == "CNAME" and record.values:
        return normalise_host(record.values[0])
    return None


# -- which behaviour, which method, which object --------------------------------------------
@lru_cache(maxsize=512)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """'*' any characters (slashes too), '?' exactly one; CloudFront's and IAM's wildcards."""
    return _wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


def path_matches(path_pattern: str, path: str) -> bool:
    """A cache behaviour's PathPattern, case-sensitive; the leading '/' is optional."""
    return _wildcard(path_pattern if path_pattern.startswith("/") else "/" + path_pattern, path)


def match_behavior(distribution: Distribution, path: str) -> Behavior:
    """The first ordered cache behaviour whose pattern matches, else the default."""
    for behavior in distribution.behaviors:
        if path_matches(behavior.path_pattern, path):
            return behavior
    return distribution.default_behavior


def method_allowed(behavior: Behavior, method: str) -> bool:
    return method.upper() in behavior.allowed_methods


def object_path(distribution: Distribution, path: str) -> str:
    """The default root object answers the root URL only, never a subdirectory."""
    if path == "/" and distribution.default_root_object:
        return "/" + distribution.default_root_object.lstrip("/")
    return path


def origin_request_path(origin: Origin, path: str) -> str:
    """OriginPath is put in front of the path CloudFront asks the origin for."""
    return origin.origin_path.rstrip("/") + path


def forwards_query_string(behavior: Behavior) -> bool:
    """Query strings reach the origin only if a policy (or the legacy setting) includes them."""
    if behavior.origin_request_policy_id in QUERY_STRING_ORIGIN_REQUEST_POLICIES:
        return True
    if not behavior.cache_policy_id:
        return behavior.forwarded_query_string
    return behavior.cache_policy_id not in CACHE_POLICIES_WITHOUT_QUERY_STRINGS


def forwards_viewer_host(behavior: Behavior) -> bool:
    """AllViewer sends the viewer's Host to the origin; API Gateway then answers 403."""
    if behavior.origin_request_policy_id in HOST_FORWARDING_ORIGIN_REQUEST_POLICIES:
        return True
    legacy = {header.lower() for header in behavior.forwarded_headers}
    return not behavior.cache_policy_id and bool(legacy & {"host", "*"})


def custom_error_response(distribution: Distribution, status: int) -> ErrorResponse | None:
    """The custom error response with a page for an origin's error status, if any."""
    for rule in distribution.error_responses:
        if rule.error_code == status and rule.response_page_path:
            return rule
    return None


def error_page_status(rule: ErrorResponse, origin_status: int, page_status: int) -> int:
    """A missing error page gives the status its origin returned for it (AWS documents this)."""
    if page_status >= 400:
        return page_status
    return rule.response_code or origin_status


# -- S3 origins: origin access control and the bucket policy --------------------------------
S3_REST_ENDPOINT = re.compile(
    r"^(?P<bucket>.+?)\.s3(?:\.(?P<region>[a-z0-9-]+)|-(?!website)(?P<legacy>[a-z0-9-]+))?"
    r"\.amazonaws\.com$"
)


def s3_bucket_of(domain_name: str) -> str | None:
    """'site.s3.us-east-1.amazonaws.com' -> 'site'; None for custom origins and S3 websites."""
    match = S3_REST_ENDPOINT.match(domain_name.lower().rstrip("."))
    return match["bucket"] if match else None


@dataclass(frozen=True)
class S3Caller:
    """Who asks S3: CloudFront signing with an origin access control, or nobody (anonymous)."""

    service: str | None = None
    source_arn: str | None = None
    source_account: str | None = None

    def context(self) -> dict[str, str]:
        keys = {"aws:sourcearn": self.source_arn, "aws:sourceaccount": self.source_account,
                "aws:principalservicename": self.service, "aws:securetransport": "true"}
        return {key: value for key, value in keys.items() if value is not None}


def policy_allows(policy: PolicyText, action: str, resource: str, caller: S3Caller) -> bool:
    """A bucket policy's verdict for CloudFront or an anonymous viewer (neither has identity
    policies, so only the bucket policy can allow); asked of ``iam_policy``."""
    if not policy:
        return False
    principal = Principal.aws_service(caller.service) if caller.service else ANONYMOUS
    try:
        return evaluate(Request(principal, action, resource, caller.context()),
                        resource=policy).allowed  # fmt: skip
    except MalformedPolicyError:  # S3 refuses to store one; a broken policy grants nothing
        return False


def s3_read_outcome(policy: PolicyText, bucket: str, key: str, caller: S3Caller,
                    *, object_exists: bool, restrict_public_buckets: bool = False) -> str:
    """'ok', 'list', 'AccessDenied' or 'NoSuchKey' for a GET from CloudFront.

    Without s3:ListBucket S3 answers 403 for a missing key, so as not to reveal what exists.
    An empty key (the root URL without a default root object) lists the bucket, if allowed.
    Block Public Access (RestrictPublicBuckets) shuts out anonymous callers even when the
    policy is public; CloudFront with origin access control is a service principal, not public.
    """
    if caller.service is None and restrict_public_buckets:
        return "AccessDenied"
    if not key:
        listing = policy_allows(policy, "s3:ListBucket", f"arn:aws:s3:::{bucket}", caller)
        return "list" if listing else "AccessDenied"
    if not policy_allows(policy, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}", caller):
        return "AccessDenied"
    if object_exists:
        return "ok"
    if policy_allows(policy, "s3:ListBucket", f"arn:aws:s3:::{bucket}", caller):
        return "NoSuchKey"
    return "AccessDenied"


def not_modified(request_headers: Mapping[str, str], etag: str, last_modified: str) -> bool:
    """S3's conditional GET: If-None-Match wins over If-Modified-Since (compared as text)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    return request_headers.get("If-Modified-Since") == last_modified


# -- what the viewer sees when something fails -----------------------------------------------
S3_ERRORS = {
    "AccessDenied": (403, "Access Denied"),
    "NoSuchKey": (404, "The specified key does not exist."),
    "NoSuchBucket": (404, "The specified bucket does not exist."),
}


def s3_error(code: str, request_id: str, *, key: str | None = None,
             bucket: str | None = None) -> tuple[int, bytes]:
    """S3's REST error body (application/xml), as S3 returns it through CloudFront."""
    status, message = S3_ERRORS[code]
    extra = f"<Key>{escape(key)}</Key>" if key is not None else ""
    extra += f"<BucketName>{escape(bucket)}</BucketName>" if bucket is not None else ""
    host_id = base64.b64encode(os.urandom(48)).decode()
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
            f"<RequestId>{request_id}</RequestId><HostId>{host_id}</HostId></Error>")
    return status, body.encode()


def s3_listing(bucket: str, objects: Iterable[tuple[str, int]]) -> bytes:
    """S3's ListBucketResult for GET / on a bucket (keys and sizes only)."""
    contents = "".join(f"<Contents><Key>{escape(key)}</Key><Size>{size}</Size></Contents>"
                       for key, size in objects)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.'
            f'amazonaws.com/doc/2006-03-01/"><Name>{escape(bucket)}</Name><Prefix></Prefix>'
            "<Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>"
            f"{contents}</ListBucketResult>").encode()


CANT_CONNECT = ("We can't connect to the server for this app or website at this time. There "
                "might be too much traffic or a configuration error. Try again later, or "
                "contact the app or website owner.")
CLOUDFRONT_ERRORS = {
    "BadRequest": (403, "Bad request."),
    "MalformedRequest": (400, "Bad request."),  # a body cut short or badly chunked
    "MethodNotAllowed": (403, "This distribution is not configured to allow the HTTP request "
                              "method that was used for this request. The distribution "
                              "supports only cachable requests."),
    "OriginUnreachable": (502, "CloudFront wasn't able to connect to the origin."),
}


ERROR_PAGE = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" \
"http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>{status} ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
{reason}
{cant_connect}
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: {request_id}
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>"""


def cloudfront_error(kind: str, request_id: str) -> tuple[int, str]:
    """CloudFront's own HTML error page ('The request could not be satisfied')."""
    status, reason = CLOUDFRONT_ERRORS[kind]
    return status, ERROR_PAGE.format(status=status, reason=reason, cant_connect=CANT_CONNECT,
                                     request_id=request_id)


def request_id() -> str:
    """An X-Amz-Cf-Id-shaped identifier (56 URL-safe base64 characters)."""
    return base64.urlsafe_b64encode(os.urandom(42)).decode()


# -- the control plane: what moto drops from distribution configs ---------------------------
@dataclass(frozen=True)
class OriginSettings:
    origin_access_control_id: str = ""
    origin_access_identity: str | None = None  # None: the origin had no S3OriginConfig


def origin_settings_in(config_xml: bytes) -> dict[str, OriginSettings]:
    """Each origin's OriginAccessControlId (and S3OriginConfig) from a distribution config."""
    settings: dict[str, OriginSettings] = {}
    for origin in ElementTree.fromstring(config_xml).iterfind(".//{*}Origin"):
        s3_config = origin.find("{*}S3OriginConfig")
        identity = None if s3_config is None else s3_config.findtext("{*}OriginAccessIdentity", "")
        settings[origin.findtext("{*}Id", "")] = OriginSettings(
            origin.findtext("{*}OriginAccessControlId", ""), identity)
    return settings


DISTRIBUTION_BLOCK = re.compile(r"<(DistributionSummary|Distribution)\b[^>]*>.*?</\1>", re.S)
ORIGIN_BLOCK = re.compile(r"<Origin>(.*?)</Origin>", re.S)
FIRST_ID = re.compile(r"<Id>([^<]*)</Id>")


def distribution_id_in(response_xml: str) -> str | None:
    block = DISTRIBUTION_BLOCK.search(response_xml)
    match = FIRST_ID.search(block.group(0)) if block else None
    return match[1] if match else None


def _with_settings(xml: str, settings: Mapping[str, OriginSettings]) -> str:
    def origin(match: re.Match[str]) -> str:
        body = match[1]
        found = FIRST_ID.search(body)
        setting = settings.get(found[1] if found else "", OriginSettings())
        if setting.origin_access_identity is not None and "<S3OriginConfig>" not in body:
            body += ("<S3OriginConfig><OriginAccessIdentity>"
                     f"{escape(setting.origin_access_identity)}"
                     "</OriginAccessIdentity></S3OriginConfig>")
        if "<OriginAccessControlId>" not in body:
            body += (f"<OriginAccessControlId>{escape(setting.origin_access_control_id)}"
                     "</OriginAccessControlId>")
        return f"<Origin>{body}</Origin>"

    return ORIGIN_BLOCK.sub(origin, xml)


def add_origin_settings(response_xml: str,
                        settings_of: Callable[[str], Mapping[str, OriginSettings]],
                        distribution_id: str | None = None) -> str:
    """Put each origin's OriginAccessControlId back into moto's XML. ``settings_of(id)`` gives
    a distribution's {origin id: OriginSettings}; ``distribution_id`` is for bare configs."""
    if DISTRIBUTION_BLOCK.search(response_xml) is None:
        return _with_settings(response_xml, settings_of(distribution_id or ""))

    def block(match: re.Match[str]) -> str:
        found = FIRST_ID.search(match.group(0))
        return _with_settings(match.group(0), settings_of(found[1] if found else ""))

    return DISTRIBUTION_BLOCK.sub(block, response_xml)


def cloudfront_api_error(code: str, message: str, request_id: str) -> bytes:
    """The CloudFront API's XML error body (what boto3 turns into ClientError)."""
    return ('<?xml version="1.0"?>\n<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/'
            f'2020-05-31/"><Error><Type>Sender</Type><Code>{code}</Code><Message>'
            f"{escape(message)}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>").encode()
