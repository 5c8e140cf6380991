"""Who may talk to the local cloud: the rules that keep it safe to leave running.

A web page on any site the learner visits can make the browser send requests to 127.0.0.1, and a
DNS-rebinding page can make them arrive with its own host name. So the cloud:
- answers only host names it serves: loopback, ``localhost``, ``*.localhost``, AWS's own service
  names (no outsider can point those at 127.0.0.1), names its planes claim (a distribution's
  alias the learner configured) and names listed in ``LOCAL_CLOUD_HOSTNAMES``;
- refuses control-plane and ``/moto-api/*`` requests that a browser sent from another origin
  (``Origin`` or ``Sec-Fetch-Site`` say so);
- refuses unsigned control-plane calls, as AWS does. Unsigned traffic is allowed only where AWS
  allows it: the data planes (API Gateway, CloudFront), anonymous S3 reads (bucket policies
  decide), and the local-only endpoints (``/_aws/...``, moto's ``/moto-api/...``) that scripts and
  moto's own test harness call without signing.

Plain functions over a WSGI environ: tested without sockets.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterable
from typing import Any

AWS_NAMES = (".amazonaws.com", ".cloudfront.net", ".amazonaws.com.cn", ".on.aws")
LOCAL_ENDPOINTS = ("/_aws/", "/moto-api/")
SAFE_FETCH_SITES = ("same-origin", "none")


def host_name(host_header: str | None) -> str:
    """The name in a Host header, lower-cased, without port or IPv6 brackets."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def configured_host_names(value: str | None = None) -> frozenset[str]:
    """Extra names from ``LOCAL_CLOUD_HOSTNAMES`` (comma-separated; ``*.name`` for subdomains)."""
    value = os.environ.get("LOCAL_CLOUD_HOSTNAMES", "") if value is None else value
    return frozenset(name.strip().lower() for name in value.split(",") if name.strip())


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def serves_host(name: str, extra: Iterable[str] = ()) -> bool:
    """True for the host names the local cloud answers without asking its planes."""
    if not name or _is_loopback(name) or name == "localhost" or name.endswith(".localhost"):
        return True
    if name.endswith(AWS_NAMES):
        return True
    for pattern in extra:
        if name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


def is_signed(environ: dict[str, Any]) -> bool:
    """A SigV4 (or SigV2) signature in the Authorization header or a presigned query string."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.startswith(("AWS4-HMAC-SHA256 ", "AWS ")):
        return True
    query = environ.get("QUERY_STRING", "")
    return "X-Amz-Signature=" in query or "Signature=" in query


def from_another_site(environ: dict[str, Any], own_origins: Iterable[str]) -> bool:
    """True when a browser sent this on behalf of a page that is not the cloud's own."""
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
    if fetch_site and fetch_site.lower() not in SAFE_FETCH_SITES:
        return True
    origin = environ.get("HTTP_ORIGIN")
    return bool(origin) and origin.rstrip("/").lower() not in {o.lower() for o in own_origins}


def is_local_endpoint(path: str) -> bool:
    return path.startswith(LOCAL_ENDPOINTS)


def is_anonymous_s3_read(environ: dict[str, Any]) -> bool:
    """An unsigned GET/HEAD of a bucket or object: S3 itself decides (bucket policies)."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    host = host_name(environ.get("HTTP_HOST"))
    virtual_hosted = ".s3." in f".{host}" and not host.startswith("s3.")
    return virtual_hosted or environ.get("PATH_INFO", "/").strip("/") != ""


def refusal(status: int, code: str, message: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """An AWS-shaped JSON error (status line, headers, body)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    reason = {400: "Bad Request", 403: "Forbidden", 421: "Misdirected Request"}[status]
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
               ("Content-Length", str(len(body)))]  # fmt: skip
    return f"{status} {reason}", headers, body
