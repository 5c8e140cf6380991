"""CloudFront's data plane: each enabled distribution serves traffic from its stored config.

moto keeps distributions, origin access controls, buckets and Route 53 records but serves no
traffic. This plane answers a request whose Host is a distribution's domain (dXXXX.cloudfront.net),
one of its alternate domain names, or a Route 53 record pointing at it (each also with
``.localhost`` appended, which browsers resolve to loopback), and ``/_aws/cloudfront/{id}/{path}``.
As on AWS, a Route 53 name that is not among the distribution's Aliases gets CloudFront's 403.
The rules live in ``cloudfront_rules.py``; this module reads moto's state and speaks HTTP.

- S3 origins are read in-process from moto's S3 backend, allowed only as S3 would allow
  CloudFront: origin access control plus a bucket policy for cloudfront.amazonaws.com with the
  distribution's ARN as AWS:SourceArn. Otherwise the viewer gets S3's 403 AccessDenied.
- Custom origins (API Gateway, say) are an internal WSGI call to the local cloud itself, with
  Host set to the origin's domain, OriginPath + path, and the viewer's method, headers and body.
- Never cached (so invalidations take effect at once). ViewerProtocolPolicy is not enforced
  (the local cloud speaks http only); signed URLs, geo restrictions, functions, Lambda@Edge,
  Range requests and header allow-lists of policies are not modelled.

The control plane goes on to moto, with what moto lacks added: OriginAccessControlId is kept
and shown, If-Match is checked against a distribution's ETag (which changes on update), an
enabled distribution cannot be deleted, and invalidations read ``Completed``.
"""

from __future__ import annotations

import io
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from werkzeug.wrappers import Request, Response

from .. import moto_adapter
from ..aws_errors import RAISE_MOTO_ERRORS
from ..http_server import RAW_HEADERS
from ..server import ACCOUNT_ID, LocalCloud, WSGIApp
from . import Plane, register
from . import cloudfront_rules as rules
from .body import UnreadableBody, read_body

CONTROL_PLANE = re.compile(r"^/2020-05-31/distribution"
                           r"(?:/(?P<id>[^/]+)(?P<rest>/config|/invalidation(?:/[^/]+)?)?)?/?$")
PATH_FORM = re.compile(r"^/_aws/cloudfront/(?P<id>[^/]+)(?P<path>/.*)?$")
CLOUDFRONT_SIGNATURE = re.compile(r"Credential=(?P<key>[^/]+)/\d{8}/[^/]+/cloudfront/")
LOOPBACK_NAMES = {"", "localhost"}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "content-length"}
HOPS = "local_cloud.cloudfront_hops"  # environ key: CloudFront in front of CloudFront, bounded
MAX_HOPS = 3
VIA = "1.1 local.cloudfront.net (CloudFront)"
S3_OBJECT_HEADERS = ("content-type", "cache-control", "content-encoding", "content-disposition",
                     "content-language", "expires")

# What moto raises when a request document lacks a member it reads (a KeyError, mostly).
MOTO_INPUT_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
# (account, distribution id) -> {origin id: settings}. Process-wide, like moto's own state.
ORIGIN_SETTINGS: dict[tuple[str, str], dict[str, rules.OriginSettings]] = {}


@dataclass
class Fetched:
    """An origin's answer (or CloudFront's own error) before it goes back to the viewer."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


def _cloudfront_backends() -> Iterator[tuple[str, Any]]:
    return moto_adapter.cloudfront_backends()


def _hosted_zones() -> Iterator[Any]:
    return moto_adapter.hosted_zones()


def _find_distribution(distribution_id: str) -> tuple[str, Any] | None:
    for account, backend in _cloudfront_backends():
        if distribution_id in backend.distributions:
            return account, backend.distributions[distribution_id]
    return None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _behavior(model: Any) -> rules.Behavior:
    forwarded = vars(model.forwarded_values)
    return rules.Behavior(
        target_origin_id=model.target_origin_id,
        path_pattern=getattr(model, "path_pattern", "*") or "*",
        allowed_methods=tuple(method.upper() for method in model.allowed_methods.items),
        cache_policy_id=model.cache_policy_id or "",
        origin_request_policy_id=model.origin_request_policy_id or "",
        forwarded_query_string=_truthy(forwarded.get("QueryString")),
        forwarded_headers=tuple((forwarded.get("Headers") or {}).get("Items") or ()),
        viewer_protocol_policy=model.viewer_protocol_policy or "allow-all",
    )


def _distribution(account: str, model: Any) -> rules.Distribution:
    """moto's Distribution as the rules see it, with the origin settings moto dropped."""
    config = model.distribution_config
    settings = ORIGIN_SETTINGS.get((account, model.distribution_id), {})
    origins = tuple(
        rules.Origin(origin.id, origin.domain_name, origin.origin_path or "",
                     settings.get(origin.id, rules.OriginSettings()).origin_access_control_id)
        for origin in config.Origins["Items"]
    )
    errors = tuple(
        rules.ErrorResponse(int(item["ErrorCode"]), item.get("ResponsePagePath") or "",
                            int(item["ResponseCode"]) if item.get("ResponseCode") else None)
        for item in config.CustomErrorResponses.get("Items") or ()
    )
    return rules.Distribution(
        id=model.distribution_id, arn=model.arn, domain_name=model.domain_name,
        enabled=_truthy(config.Enabled), default_behavior=_behavior(config.DefaultCacheBehavior),
        origins=origins, behaviors=tuple(map(_behavior, config.CacheBehaviors.get("Items") or ())),
        error_responses=errors, aliases=tuple(config.Aliases.get("Items") or ()),
        default_root_object=config.DefaultRootObject or "",
    )


@register(order=30)
class CloudFrontPlane(Plane):
    """Claims distribution hosts, ``/_aws/cloudfront/...`` and CloudFront's distribution API."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app
        self._lock = threading.Lock()
        self._index = rules.HostIndex()
        self._index_signature: Any = None

    def close(self) -> None:
        pass

    # -- which requests are ours --------------------------------------------------------------
    def claims(self, request: Request) -> bool:
        if request.path.startswith("/_aws/cloudfront/"):
            return True
        if CONTROL_PLANE.match(request.path):
            return self._is_cloudfront_call(request)
        name = rules.normalise_host(request.host)
        if name in LOOPBACK_NAMES or _is_ip(name):
            return False  # moto's own control plane: never ours
        return name.endswith(".cloudfront.net") or self.host_index().resolve(name) is not None

    def is_public(self, request: Request) -> bool:
        """Viewer traffic is public; CloudFront's own API (distributions, OAC) is not."""
        return not (CONTROL_PLANE.match(request.path) and self._is_cloudfront_call(request))

    @staticmethod
    def _is_cloudfront_call(request: Request) -> bool:
        signed = CLOUDFRONT_SIGNATURE.search(request.headers.get("Authorization", ""))
        return bool(signed) or request.host.startswith("cloudfront.")

    def host_index(self) -> rules.HostIndex:
        """Rebuilt only when a distribution's config or a hosted zone's records change."""
        distributions = [(account, model) for account, backend in _cloudfront_backends()
                         for model in list(backend.distributions.values())]
        zones = list(_hosted_zones())
        signature = (
            [(model.distribution_id, model.distribution_config) for _, model in distributions],
            [(zone.id, len(zone.rr_changes), id(zone.rrsets)) for zone in zones],
        )
        with self._lock:
            if signature != self._index_signature:
                records = [rules.DnsRecord(r.name, r.type or "", *_alias(r.alias_target),
                                           tuple(map(str, r.records or ())))
                           for zone in zones for r in list(zone.rrsets)]
                names = [(model.distribution_id, model.domain_name,
                          model.distribution_config.Aliases.get("Items") or ())
                         for _, model in distributions]
                self._index = rules.host_index(names, records)
                self._index_signature = signature
            return self._index

    # -- serving ----------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        control = CONTROL_PLANE.match(request.path)
        try:
            if control:
                return self._control_plane(request, environ, control)(environ, start_response)
            return self._data_plane(request)(environ, start_response)
        except UnreadableBody as error:
            if control:
                return _api_refusal("MalformedXML", str(error))(environ, start_response)
            return self._error("MalformedRequest", rules.request_id(), str(error))(
                environ, start_response)

    def _data_plane(self, request: Request) -> Response:
        path_form = PATH_FORM.match(request.path)
        if path_form and path_form["path"] is None:  # relative links need the trailing slash
            query = f"?{request.query_string.decode()}" if request.query_string else ""
            return Response("", 301, {"Location": f"{request.path}/{query}"})
        if path_form:
            wanted, path, configured = path_form["id"], path_form["path"], True
        else:
            route = self.host_index().resolve(request.host)
            wanted, path = (route.distribution if route else ""), request.path
            configured = route is not None and route.configured
        found = _find_distribution(wanted) if wanted else None
        if found is None:
            name = wanted or rules.normalise_host(request.host)
            return Response(f"No CloudFront distribution {name} in the local cloud (on AWS "
                            "this name would not resolve).\n", 404, content_type="text/plain")
        return self._serve(request, *found, path, configured)

    def _serve(self, request: Request, account: str, model: Any, path: str,
               configured: bool) -> Response:
        cf_id = rules.request_id()
        distribution = _distribution(account, model)
        if not distribution.enabled:
            return self._error("BadRequest", cf_id, f"Distribution {distribution.id} is "
                               "disabled: update it with Enabled=True.")
        if not configured:
            host = rules.normalise_host(request.host)
            return self._error("BadRequest", cf_id, f"DNS points {host} at distribution "
                               f"{distribution.id}, but {host} is not one of its alternate "
                               "domain names (Aliases).")
        behavior = rules.match_behavior(distribution, path)
        if not rules.method_allowed(behavior, request.method):
            return self._error("MethodNotAllowed", cf_id, f"{request.method} is not in the "
                               f"AllowedMethods of the behaviour for {behavior.path_pattern}.")
        fetched = self._fetch(distribution, behavior, request,
                              rules.object_path(distribution, path), cf_id)
        rule = rules.custom_error_response(distribution, fetched.status)
        if rule is not None:
            page_behavior = rules.match_behavior(distribution, rule.response_page_path)
            page = self._fetch(distribution, page_behavior, request, rule.response_page_path,
                               cf_id, method="GET")
            status = rules.error_page_status(rule, fetched.status, page.status)
            fetched = Fetched(status, page.headers, page.body)
        return self._viewer_response(fetched, cf_id)

    def _fetch(self, distribution: rules.Distribution, behavior: rules.Behavior,
               request: Request, path: str, cf_id: str, method: str | None = None) -> Fetched:
        origin = distribution.origin(behavior.target_origin_id)
        if origin is None:
            return self._error_fetched("OriginUnreachable", cf_id, "No origin with Id "
                                       f"{behavior.target_origin_id}.")
        bucket = rules.s3_bucket_of(origin.domain_name)
        if bucket is not None:
            return self._fetch_s3(distribution, origin, bucket, method or request.method,
                                  rules.origin_request_path(origin, path), request)
        return self._fetch_custom(origin, behavior, request, path, cf_id, method)

    # -- S3 origins ---------------------------------------------------------------------------
    def _fetch_s3(self, distribution: rules.Distribution, origin: rules.Origin,
                  bucket_name: str, method: str, path: str, request: Request) -> Fetched:
        s3_request_id = secrets.token_hex(8).upper()
        headers = [("Server", "AmazonS3"), ("x-amz-request-id", s3_request_id)]
        backend, bucket = moto_adapter.s3_bucket(bucket_name)
        key, s3_object = path[1:], None
        if bucket is None:
            outcome = "NoSuchBucket"
        elif method not in ("GET", "HEAD"):
            outcome = "AccessDenied"  # writing to S3 through CloudFront is not modelled
        else:
            s3_object = backend.get_object(bucket_name, key) if key else None
            policy = bucket.policy or None  # the stored text: parsed once, cached by the evaluator
            block = bucket.public_access_block
            outcome = rules.s3_read_outcome(
                policy, bucket_name, key, self._s3_caller(distribution, origin),
                object_exists=s3_object is not None,
                restrict_public_buckets=bool(block and block.restrict_public_buckets))
        headers.append(("Content-Type", "application/xml"))
        if outcome == "list":
            objects = sorted((name, s3_key.size) for name, s3_key in list(bucket.keys.items())
                             if getattr(s3_key, "size", None) is not None)[:1000]
            return Fetched(200, headers, rules.s3_listing(bucket_name, objects))
        if outcome != "ok":
            status, body = rules.s3_error(outcome, s3_request_id,
                                          key=key if outcome == "NoSuchKey" else None,
                                          bucket=bucket_name if bucket is None else None)
            return Fetched(status, headers, body)
        metadata = dict(s3_object.metadata)
        headers = headers[:2] + [(name.title(), metadata[name]) for name in S3_OBJECT_HEADERS
                                 if name in metadata]
        headers += [(name, value) for name, value in metadata.items()
                    if name.startswith("x-amz-meta-")]
        etag, modified = s3_object.etag, s3_object.last_modified_RFC1123
        headers += [("ETag", etag), ("Last-Modified", modified), ("Accept-Ranges", "bytes")]
        if rules.not_modified(request.headers, etag, modified):
            return Fetched(304, [(n, v) for n, v in headers if n != "Content-Type"])
        return Fetched(200, headers, s3_object.value)

    @staticmethod
    def _s3_caller(distribution: rules.Distribution, origin: rules.Origin) -> rules.S3Caller:
        """CloudFront signs as itself only through an existing OAC, for S3, that signs."""
        account = distribution.arn.split(":")[4]
        control = next((backend.origin_access_controls[origin.origin_access_control_id]
                        for _, backend in _cloudfront_backends_of(account)
                        if origin.origin_access_control_id in backend.origin_access_controls),
                       None)
        if control is None or (control.origin_type or "s3") != "s3":
            return rules.S3Caller()
        if control.signing_behavior == "never":
            return rules.S3Caller()
        return rules.S3Caller(rules.CLOUDFRONT_SERVICE, distribution.arn, account)

    # -- custom origins: an internal call to the local cloud ------------------------------------
    def _fetch_custom(self, origin: rules.Origin, behavior: rules.Behavior, request: Request,
                      path: str, cf_id: str, method: str | None) -> Fetched:
        if request.environ.get(HOPS, 0) >= MAX_HOPS or self.cloud.app is None:
            return self._error_fetched("OriginUnreachable", cf_id, "Distributions loop.")
        if ".execute-api." in origin.domain_name and rules.forwards_viewer_host(behavior):
            # API Gateway refuses a Host that is not its own: use AllViewerExceptHostHeader.
            return Fetched(403, [("Content-Type", "application/json"),
                                 ("x-amzn-ErrorType", "ForbiddenException")],
                           b'{"message":"Forbidden"}')
        inner = self._origin_environ(origin, behavior, request, path, cf_id, method)
        probe = Request(inner)
        if not any(plane.claims(probe) for plane in self.cloud.planes):
            return self._error_fetched("OriginUnreachable", cf_id, "The local cloud does not "
                                       f"serve {origin.domain_name}.")
        return _call(self.cloud.app, inner)

    @staticmethod
    def _origin_environ(origin: rules.Origin, behavior: rules.Behavior, request: Request,
                        path: str, cf_id: str, method: str | None) -> dict[str, Any]:
        """The viewer's request as CloudFront sends it on: every header but Host. An error
        page (``method`` given) is a plain GET: no body, no query string."""
        environ, body = request.environ, b"" if method else read_body(request)
        inner = {name: value for name, value in environ.items()
                 if not name.startswith("HTTP_") and not (method and name == "CONTENT_TYPE")}
        dropped = HOP_BY_HOP | {"host", "content-type", "content-length", "x-forwarded-for"}
        sent = environ.get(RAW_HEADERS) or list(request.headers.items())
        forwarded = [(name, value) for name, value in sent if name.lower() not in dropped]
        for name, value in forwarded:
            key = "HTTP_" + name.upper().replace("-", "_")
            inner[key] = f"{inner[key]},{value}" if key in inner else value
        origin_path = rules.origin_request_path(origin, path)
        forwards_query = rules.forwards_query_string(behavior) and not method
        query = request.query_string.decode("latin-1") if forwards_query else ""
        uri = quote(origin_path) + (f"?{query}" if query else "")
        viewer = environ.get("REMOTE_ADDR", "127.0.0.1")
        forwarded_for = request.headers.get("X-Forwarded-For")
        inner.update({
            "REQUEST_METHOD": method or request.method, "SCRIPT_NAME": "",
            "PATH_INFO": origin_path.encode().decode("latin-1"), "QUERY_STRING": query,
            "RAW_URI": uri, "REQUEST_URI": uri, "wsgi.url_scheme": "https",
            "HTTP_HOST": origin.domain_name, "SERVER_NAME": origin.domain_name,
            "SERVER_PORT": "443", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_FORWARDED_FOR": f"{forwarded_for}, {viewer}" if forwarded_for else viewer,
            "HTTP_VIA": VIA, "HTTP_X_AMZ_CF_ID": cf_id, HOPS: environ.get(HOPS, 0) + 1,
        })
        if not method and "CONTENT_TYPE" in inner:
            forwarded.append(("Content-Type", inner["CONTENT_TYPE"]))
        inner[RAW_HEADERS] = [("Host", origin.domain_name), *forwarded,
                              ("Content-Length", str(len(body))),
                              ("X-Forwarded-For", inner["HTTP_X_FORWARDED_FOR"]),
                              ("Via", VIA), ("X-Amz-Cf-Id", cf_id)]
        return inner

    # -- responses ------------------------------------------------------------------------------
    @staticmethod
    def _viewer_response(fetched: Fetched, cf_id: str) -> Response:
        headers = [(n, v) for n, v in fetched.headers if n.lower() not in HOP_BY_HOP]
        headers += [("X-Cache", "Error from cloudfront" if fetched.status >= 400
                     else "Miss from cloudfront"),
                    ("Via", VIA), ("X-Amz-Cf-Pop", "LOCAL1-C1"), ("X-Amz-Cf-Id", cf_id)]
        return Response(fetched.body, fetched.status, headers)

    @staticmethod
    def _error_fetched(kind: str, cf_id: str, hint: str) -> Fetched:
        status, page = rules.cloudfront_error(kind, cf_id)
        return Fetched(status, [("Content-Type", "text/html"), ("Server", "CloudFront"),
                                ("X-Local-Cloud-Hint", hint)], page.encode())

    def _error(self, kind: str, cf_id: str, hint: str) -> Response:
        return self._viewer_response(self._error_fetched(kind, cf_id, hint), cf_id)

    # -- the control plane, passed on to moto ---------------------------------------------------
    def _control_plane(self, request: Request, environ: dict[str, Any],
                       match: re.Match[str]) -> Response:
        account = _account(request)
        distribution_id, rest = match["id"], match["rest"] or ""
        body = read_body(request)
        model = next((backend.distributions.get(distribution_id)
                      for _, backend in _cloudfront_backends_of(account)
                      if distribution_id in backend.distributions), None)
        updating = request.method == "PUT" and rest == "/config"
        deleting = request.method == "DELETE" and not rest
        if model is not None and (updating or deleting):
            refusal = _precondition_refusal(model, request.headers.get("If-Match"), deleting)
            if refusal is not None:
                return refusal
        creating = request.method == "POST" and distribution_id is None
        invalidating = request.method == "POST" and rest == "/invalidation"
        if creating or updating or invalidating:
            refusal = _malformed_xml(body, "invalidationBatch" if invalidating
                                     else "distributionConfig")  # fmt: skip
            if refusal is not None:
                return refusal
        settings = _origin_settings(body) if (creating or updating) else None
        previous_etag = model.etag if model is not None and updating else None
        if model is not None and updating:
            model.etag = "E" + secrets.token_hex(7).upper()  # AWS gives every update a new ETag
        try:
            response = self._pass_to_moto(environ, body)
        except MOTO_INPUT_ERRORS as error:  # moto read a member the document lacks
            response = _api_refusal("MalformedXML", "The XML you provided did not validate "
                                    "against the CloudFront API's schema (the local cloud could "
                                    f"not read it: {type(error).__name__} {error}).")
        if response.status_code >= 300:
            if previous_etag is not None:
                model.etag = previous_etag
            return response
        text = response.get_data(as_text=True)
        if settings is not None:
            target = distribution_id or rules.distribution_id_in(text)
            ORIGIN_SETTINGS[(account, target or "")] = settings
        if deleting:
            ORIGIN_SETTINGS.pop((account, distribution_id), None)
        elif rest.startswith("/invalidation"):  # moto says COMPLETED; boto3's waiter wants this
            response.set_data(text.replace("<Status>COMPLETED</Status>",
                                           "<Status>Completed</Status>"))
        elif text:
            response.set_data(rules.add_origin_settings(
                text, lambda dist_id: ORIGIN_SETTINGS.get((account, dist_id), {}),
                distribution_id))
        return response

    def _pass_to_moto(self, environ: dict[str, Any], body: bytes) -> Response:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ[RAISE_MOTO_ERRORS] = MOTO_INPUT_ERRORS  # moto's KeyError on a thin document: MalformedXML
        answer = _call(self.moto_app, environ)
        return Response(answer.body, answer.status, answer.headers)


def _call(app: WSGIApp, environ: dict[str, Any]) -> Fetched:
    """Call a WSGI app in-process (no socket) and collect its answer."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured.update(status=status, headers=headers)
        return lambda data: None

    answer = app(environ, start_response)
    try:
        body = b"".join(answer)
    finally:
        getattr(answer, "close", lambda: None)()
    headers = [(name, value) for name, value in captured["headers"]
               if name.lower() not in HOP_BY_HOP]
    return Fetched(int(captured["status"].split()[0]), headers, body)


def _precondition_refusal(model: Any, if_match: str | None, deleting: bool) -> Response | None:
    """What AWS checks before UpdateDistribution and DeleteDistribution (moto does not)."""
    if not if_match:
        error = ("InvalidIfMatchVersion", "The If-Match version is missing or not valid.", 400)
    elif if_match != model.etag:
        error = ("PreconditionFailed", "The precondition in one or more of the request fields "
                 "evaluated to false.", 412)
    elif deleting and _truthy(model.distribution_config.Enabled):
        error = ("DistributionNotDisabled", "The specified CloudFront distribution is not "
                 "disabled. You must disable the distribution before you can delete it.", 409)
    else:
        return None
    code, message, status = error
    return _api_refusal(code, message, status)


def _api_refusal(code: str, message: str, status: int = 400) -> Response:
    """An error of the CloudFront API (XML, as boto3 expects it)."""
    body = rules.cloudfront_api_error(code, message, rules.request_id())
    return Response(body, status, {"x-amzn-ErrorType": code}, content_type="text/xml")


def _malformed_xml(body: bytes, member: str) -> Response | None:
    """CloudFront's 400 MalformedXML for a missing or not well-formed request document."""
    if not body.strip():
        return _api_refusal("MalformedXML", f"1 validation error detected: Value null at "
                            f"'{member}' failed to satisfy constraint: Member must not be null")
    try:
        ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        return _api_refusal("MalformedXML", "The XML you provided was not well-formed or did "
                            f"not validate against our published schema ({error}).")
    return None


def _origin_settings(body: bytes) -> dict[str, rules.OriginSettings] | None:
    try:
        return rules.origin_settings_in(body) if body else None
    except Exception:  # not XML we understand: moto will say what is wrong with it
        return None


def _cloudfront_backends_of(account: str) -> Iterator[tuple[str, Any]]:
    return ((a, backend) for a, backend in _cloudfront_backends() if a == account)


def _account(request: Request) -> str:
    signed = CLOUDFRONT_SIGNATURE.search(request.headers.get("Authorization", ""))
    return moto_adapter.account_of_access_key(signed["key"]) if signed else ACCOUNT_ID


def _alias(alias_target: Any) -> tuple[str, str]:
    target = alias_target or {}
    return str(target.get("HostedZoneId", "")), str(target.get("DNSName", ""))


def _is_ip(name: str) -> bool:
    try:
        ip_address(name)
    except ValueError:
        return False
    return True
