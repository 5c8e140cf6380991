"""Lambda concurrency: reserved concurrency, the account's limit, throttling, GetAccountSettings.

Each invoke takes one unit of concurrency while its handler runs. A function with reserved
concurrency (PutFunctionConcurrency) runs at most that many at once; the others share what the
reservations leave of the account's limit (UnreservedConcurrentExecutions). Over its limit a
synchronous invoke is refused at once with TooManyRequestsException (HTTP 429); asynchronous events
are retried later by ``lambda_async``.

AWS's default account limit (1,000) means nothing on a laptop. The local cloud's account allows
**50** concurrent executions, and keeps at least **10** unreserved (AWS keeps 100): reservations
may add up to 40. Change them with the environment variables ``LOCAL_CLOUD_LAMBDA_CONCURRENCY`` and
``LOCAL_CLOUD_LAMBDA_UNRESERVED_MINIMUM`` (read when the cloud starts). Independently, the local
runtime runs at most 8 environments per function version; more concurrent invokes wait for one.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from .. import moto_adapter
from ..server import LocalCloud, WSGIApp
from . import Plane, register

RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT = "ConcurrentInvocationLimitExceeded"
ACCOUNT_SETTINGS = re.compile(r"^/2016-08-19/account-settings/?$")
FUNCTION_CONCURRENCY = re.compile(r"^/2017-10-31/functions/(?P<name>[^/]+)/concurrency/?$")
CODE_LIMITS = {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
               "CodeSizeZipped": 52428800}  # AWS's quotas, reported as they are  # fmt: skip


@dataclass
class ConcurrencyLimits:
    """The local account's concurrency quota (see the module docstring)."""

    account: int = 50  # ConcurrentExecutions; AWS: 1,000
    unreserved_minimum: int = 10  # what reservations must leave; AWS: 100

    @classmethod
    def from_environment(cls) -> ConcurrencyLimits:
        defaults = cls()
        return cls(
            account=int(os.environ.get("LOCAL_CLOUD_LAMBDA_CONCURRENCY", defaults.account)),
            unreserved_minimum=int(os.environ.get("LOCAL_CLOUD_LAMBDA_UNRESERVED_MINIMUM",
                                                  defaults.unreserved_minimum)),
        )  # fmt: skip


class Throttled(Exception):
    """An invoke over the function's or the account's concurrency limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Rate Exceeded. ({reason})")
        self.reason = reason

    def response(self) -> Response:
        """What Invoke answers: 429 with AWS's body (the SDK reads ``Reason`` from it)."""
        body = json.dumps({"Reason": self.reason, "Type": "User", "message": "Rate Exceeded."})
        return Response(body, 429, {"x-amzn-ErrorType": "TooManyRequestsException"},
                        content_type="application/json")  # fmt: skip


class Slot:
    """One unit of concurrency held by a running invoke; ``release()`` when it ends."""

    def __init__(self, owner: Concurrency, key: tuple[str, str, str], unreserved: bool,
                 function_running: int, account_running: int) -> None:  # fmt: skip
        self.owner, self.key, self.unreserved = owner, key, unreserved
        self.function_running = function_running  # this function's executions, this one included
        self.account_running = account_running
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.owner._release(self)


class Concurrency:
    """Counts running executions per function and per account; refuses what is over a limit."""

    def __init__(self, limits: ConcurrencyLimits | None = None) -> None:
        self.limits = limits or ConcurrencyLimits.from_environment()
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str, str], int] = {}
        self._unreserved: dict[tuple[str, str], int] = {}
        self._account: dict[tuple[str, str], int] = {}

    def acquire(self, account: str, region: str, function: str) -> Slot:
        """A slot for one execution of `function`, or raises Throttled."""
        reserved = moto_adapter.reserved_concurrency(account, region, function)
        pool = None
        if reserved is None:
            reservations = moto_adapter.reserved_concurrency_by_function(account, region)
            pool = self.limits.account - sum(reservations.values())
        key, scope = (account, region, function), (account, region)
        with self._lock:
            running = self._running.get(key, 0)
            if reserved is not None and running >= reserved:
                raise Throttled(RESERVED_LIMIT)
            if pool is not None:
                if self._unreserved.get(scope, 0) >= pool:
                    raise Throttled(ACCOUNT_LIMIT)
                self._unreserved[scope] = self._unreserved.get(scope, 0) + 1
            self._running[key] = running + 1
            self._account[scope] = self._account.get(scope, 0) + 1
            return Slot(self, key, pool is not None, running + 1, self._account[scope])

    def _release(self, slot: Slot) -> None:
        scope = slot.key[:2]
        with self._lock:
            self._running[slot.key] -= 1
            if not self._running[slot.key]:
                del self._running[slot.key]
            self._account[scope] -= 1
            if slot.unreserved:
                self._unreserved[scope] -= 1

    def running(self, account: str, region: str, function: str | None = None) -> int:
        """Executions running now, of one function or of the whole account."""
        with self._lock:
            if function is None:
                return self._account.get((account, region), 0)
            return self._running.get((account, region, function), 0)

    def account_settings(self, account: str, region: str) -> dict[str, Any]:
        """GetAccountSettings' answer."""
        reserved = sum(moto_adapter.reserved_concurrency_by_function(account, region).values())
        limit = {**CODE_LIMITS, "ConcurrentExecutions": self.limits.account,
                 "UnreservedConcurrentExecutions": self.limits.account - reserved}  # fmt: skip
        return {"AccountLimit": limit, "AccountUsage": moto_adapter.account_usage(account, region)}

    def refuse_reservation(self, account: str, region: str, function: str,
                           wanted: int) -> str | None:  # fmt: skip
        """Why PutFunctionConcurrency must refuse `wanted` for `function`, or None."""
        others = moto_adapter.reserved_concurrency_by_function(account, region)
        others.pop(function, None)
        if self.limits.account - sum(others.values()) - wanted >= self.limits.unreserved_minimum:
            return None
        return ("Specified ReservedConcurrentExecutions for function decreases account's "
                "UnreservedConcurrentExecution below its minimum value of "
                f"[{self.limits.unreserved_minimum}].")  # fmt: skip


@register(order=11)
class LambdaAccountPlane(Plane):
    """GetAccountSettings (moto has none) and PutFunctionConcurrency checked against the local
    account's limits before moto stores the reservation."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp) -> None:
        self.cloud = cloud
        self.moto_app = moto_app

    def claims(self, request: Request) -> bool:
        if request.method == "GET" and ACCOUNT_SETTINGS.match(request.path):
            return True
        return request.method == "PUT" and bool(FUNCTION_CONCURRENCY.match(request.path))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from .lambda_api import LambdaPlane, _json_error

        request = Request(environ)
        lambda_plane = self.cloud.plane(LambdaPlane)
        concurrency = lambda_plane.operations.concurrency
        account, region = lambda_plane._account(request), lambda_plane._region(request)
        if ACCOUNT_SETTINGS.match(request.path):
            body = json.dumps(concurrency.account_settings(account, region))
            return Response(body, content_type="application/json")(environ, start_response)
        match = FUNCTION_CONCURRENCY.match(request.path)
        assert match is not None
        name = unquote(match["name"])
        name = name.split(":")[6] if name.startswith("arn:") else name.split(":")[0]
        body = request.get_data()
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        try:
            wanted = int(json.loads(body or b"{}").get("ReservedConcurrentExecutions", 0))
        except (ValueError, TypeError, AttributeError):
            return self.moto_app(environ, start_response)  # moto refuses it in AWS's words
        refusal = concurrency.refuse_reservation(account, region, name, wanted)
        if refusal is not None:
            return _json_error(400, "InvalidParameterValueException", refusal)(
                environ, start_response)  # fmt: skip
        return self.moto_app(environ, start_response)
