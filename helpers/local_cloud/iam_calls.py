"""An AWS API request as IAM sees it, whatever its protocol: the pieces every service's mapping
(``iam_requests``) shares. ``Call`` is the request (signing service, region, account, HTTP);
``Asked`` one (action, resource) question for the policy evaluator; ``operation_of`` and
``rest_route`` name the API operation (JSON's X-Amz-Target, the query protocol's Action,
CBOR's path, or a REST path matched against botocore's service model).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote

# Signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
CBOR_OPERATION = re.compile(r"/service/[^/]+/operation/([A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asked:
    """One authorisation question: may the caller do ``action`` on ``resource``?"""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)
    policy_of: tuple[str, str] | None = None  # ("s3", bucket), ("lambda", function ARN), ...
    mapped: bool = True  # False: the local cloud does not know this call's resource (or action)


@dataclass
class Call:
    """An AWS API request as the authorizer sees it (signing service, region, account, HTTP)."""

    service: str  # the signing name from the credential scope: "dynamodb", "s3", ...
    region: str
    account: str
    method: str
    path: str  # decoded, as WSGI gives PATH_INFO
    query: dict[str, list[str]]
    host: str
    headers: Callable[[str], str | None]  # header by name, case-insensitive
    body: Callable[[], bytes]  # read once, on demand
    secret_arn: Callable[[str], str | None] = lambda name: None  # a secret's ARN from its name
    _json: Any = None

    @property
    def target(self) -> str | None:
        return self.headers("X-Amz-Target")

    def json(self) -> dict[str, Any]:
        if self._json is None:
            try:
                value = json.loads(self.body() or b"{}")
            except ValueError:
                value = {}
            self._json = value if isinstance(value, dict) else {}
        return self._json

    def form(self) -> dict[str, str]:
        """Query-protocol parameters (form body, or the query string)."""
        merged = {k: v[0] for k, v in self.query.items() if v}
        if self.method == "POST":
            body = self.body().decode("utf-8", "replace")
            merged.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
        return merged

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"


def prefix_of(service: str) -> str:
    return IAM_PREFIX.get(service, service)


# -- the fallback: the service's action, on "*" --------------------------------------------------
def operation_of(call: Call) -> str | None:
    """The API operation, for the protocols that name it: JSON's X-Amz-Target, the query
    protocol's Action, CBOR's path."""
    if call.target:
        return call.target.rsplit(".", 1)[-1]
    cbor = CBOR_OPERATION.search(call.path)
    if cbor:
        return cbor[1]
    action = call.query.get("Action")
    if action:
        return action[0]
    content_type = (call.headers("Content-Type") or "").lower()
    if call.method == "POST" and "x-www-form-urlencoded" in content_type:
        return call.form().get("Action")
    return None


def unmapped(call: Call, operation: str | None = None) -> list[Asked]:
    """The service's action (``service:*`` if even that is unknown) on resource ``*``."""
    operation = operation or operation_of(call) or rest_operation(call.service, call.method,
                                                                  call.path)
    return [Asked(f"{prefix_of(call.service)}:{operation or '*'}", "*", mapped=False)]


@lru_cache(maxsize=32)
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path regex, operation) for a REST service, from botocore's service model."""
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # no such botocore service: nothing to resolve against
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0].rstrip("/")
        regex, literal = "", 0
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):  # a label: {Name} is one segment, {Name+} the rest
                label = part.strip("{}+")
                regex += f"(?P<{label}>.+)" if part.endswith("+}") else f"(?P<{label}>[^/]+)"
            else:
                regex += re.escape(part)
                literal += len(part)
        routes.append((literal, http.get("method", "GET"), re.compile(regex + "/?$"), name))
    # More literal text first: /functions/{F}/policy before /functions/{F}.
    routes.sort(key=lambda route: -route[0])
    return tuple(route[1:] for route in routes)


def rest_route(service: str, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, regex, name in _rest_routes(service):
        if route_method == method:
            matched = regex.match(path)
            if matched:
                return name, {k: unquote(v) for k, v in matched.groupdict().items()}
    return None


def rest_operation(service: str, method: str, path: str) -> str | None:
    found = rest_route(service, method, path)
    return found[0] if found else None
