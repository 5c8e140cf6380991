"""What the trigger planes (S3 events, mappings, EventBridge, SNS) share: a background loop
that sleeps until woken, passing a checked request on to moto, and the services' error shapes.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

logger = logging.getLogger("helpers.local_cloud.triggers")
SIGNED_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


def signed_service(request: Request) -> str:
    """The service a SigV4-signed request names in its credential scope ("" if unsigned)."""
    match = SIGNED_SCOPE.search(request.headers.get("Authorization", ""))
    return match[2] if match else ""


def forward_to_moto(moto_app: Any, environ: dict[str, Any], start_response: Any,
                    body: bytes) -> Any:  # fmt: skip
    """Serve a request we have read (and checked) with moto, as if we had never touched it."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return moto_app(environ, start_response)


class ServiceError(Exception):
    """An error as one AWS service spells it: ``json_response()`` for Lambda-style REST JSON,
    ``awsjson_response()`` for JSON 1.1 protocols (EventBridge), ``xml_response()`` for S3."""

    def __init__(self, status: int, code: str, message: str, **extra: str):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def json_response(self) -> Response:
        body = json.dumps({"Type": "User", "message": self.message})
        return Response(body, self.status, {"x-amzn-ErrorType": self.code},
                        content_type="application/json")  # fmt: skip

    def awsjson_response(self) -> Response:
        body = json.dumps({"__type": self.code, "message": self.message})
        return Response(body, self.status, content_type="application/x-amz-json-1.1")

    def xml_response(self) -> Response:
        extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in self.extra.items())
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{self.code}</Code>'
                f"<Message>{escape(self.message)}</Message>{extra}"
                f"<RequestId>{secrets.token_hex(8).upper()}</RequestId>"
                f"<HostId>{secrets.token_urlsafe(48)}</HostId></Error>")  # fmt: skip
        return Response(body, self.status, content_type="application/xml")


class BackgroundLoop:
    """One daemon thread that calls ``step()`` again and again, waiting between calls as long
    as ``step`` asks (seconds), or until ``wake()``. Idle, it sleeps: no CPU is spent."""

    def __init__(self, name: str, step: Callable[[], float]):
        self.name, self.step = name, step
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 1.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._wake.set()
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before the step: a wake-up during the step is not lost
            try:
                delay = self.step()
            except Exception:  # a bug in one step must not end the plane's work for good
                logger.exception("%s: a background step failed", self.name)
                delay = 1.0
            self._wake.wait(max(0.0, delay))
