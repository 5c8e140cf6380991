"""A safety net around moto: whatever fails inside it reaches the caller as an AWS error, never as an
HTML page. The error takes the shape of the service's protocol, so SDKs parse it:

- ``json`` (DynamoDB, Logs, ...): ``{"__type": "InternalFailure", "message": ...}``;
- ``rest-json`` (Lambda, API Gateway): ``{"message": ...}`` with an ``x-amzn-ErrorType`` header;
- ``query`` (IAM, STS): ``<ErrorResponse><Error><Type>Receiver</Type><Code>...``;
- ``rest-xml`` (S3, CloudFront, Route 53): ``<Error><Code>...`` (S3's code is ``InternalError``).

The service comes from the request's SigV4 credential scope; its protocol from botocore's model.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from . import moto_adapter

CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[a-z0-9-]+/([a-z0-9-]+)/")
EXPLANATION = ("The local cloud failed on this request ({}). This is a gap in the local cloud "
               "(moto), not necessarily in your call; it may work on AWS.")  # fmt: skip


@lru_cache(maxsize=64)
def protocol_of(signing_name: str) -> str | None:
    """botocore's protocol for a service, by the name requests are signed with (None if unknown)."""
    import botocore.session

    names = {"apigateway": "apigateway", "execute-api": "apigateway"}
    try:
        model = botocore.session.get_session().get_service_model(names.get(signing_name,
                                                                            signing_name))
    except Exception:  # no botocore model by that name
        return None
    return str(model.metadata.get("protocol"))


def request_protocol(environ: dict[str, Any]) -> tuple[str, str | None]:
    """(protocol, service signing name) for a request, guessed from its shape when unsigned."""
    scope = CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope[1] if scope else None
    protocol = protocol_of(service) if service else None
    if protocol:
        return protocol, service
    content_type = environ.get("CONTENT_TYPE", "")
    if environ.get("HTTP_X_AMZ_TARGET") or "x-amz-json" in content_type:
        return "json", service
    if "x-www-form-urlencoded" in content_type:
        return "query", service
    return "rest-json", service


def error_response(environ: dict[str, Any], status: int, code: str,
                   message: str) -> tuple[str, list[tuple[str, str]], bytes]:  # fmt: skip
    """(status line, headers, body) of an AWS error for this request's protocol."""
    protocol, service = request_protocol(environ)
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id)]
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers.append(("Content-Type", "application/x-amz-json-1.1"))
    elif protocol in ("rest-json", "smithy-rpc-v2-cbor"):
        body = json.dumps({"message": message}).encode()
        headers += [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    elif protocol in ("query", "ec2"):
        body = (f"<ErrorResponse><Error><Type>{'Receiver' if status >= 500 else 'Sender'}</Type>"
                f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode()  # fmt: skip
        headers.append(("Content-Type", "text/xml"))
    else:  # rest-xml
        if service == "s3" and code == "InternalFailure":
            code = "InternalError"
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{escape(code)}</Code>'
                f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
                "</Error>").encode()  # fmt: skip
        headers.append(("Content-Type", "application/xml"))
    headers.append(("Content-Length", str(len(body))))
    reason = {500: "Internal Server Error"}.get(status, "Error")
    return f"{status} {reason}", headers, body


# A plane that calls moto itself and turns some of moto's exceptions into a 4xx of its own (moto
# read a member the request lacks) puts their types here, in the environ: those reach it.
RAISE_MOTO_ERRORS = "local_cloud.raise_moto_errors"


class AwsShapedErrors:
    """WSGI middleware around moto's app: an exception escaping it, or an HTML 500 page it renders,
    becomes an AWS-shaped 500 ``InternalFailure`` for the request's protocol (unless the caller
    asked for the exception: ``RAISE_MOTO_ERRORS``)."""

    def __init__(self, app: Any, log: logging.Logger | None = None):
        self.app = app
        self.log = log or logging.getLogger(__name__)  # tracebacks go there, at DEBUG

    def get_application(self, environ: dict[str, Any]) -> AwsShapedErrors:
        """moto's per-service app (the Router's fast path), guarded the same way."""
        return AwsShapedErrors(moto_adapter.service_app(self.app, environ), self.log)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: captured.setdefault("written", []).append(data)

        try:
            result = self.app(environ, capture)
            try:
                body = b"".join(captured.get("written", [])) + b"".join(result)
            finally:
                getattr(result, "close", lambda: None)()
        except Exception as error:  # anything moto raises instead of answering
            if isinstance(error, environ.get(RAISE_MOTO_ERRORS) or ()):
                raise
            self.log.debug("moto failed on %s %s", environ.get("REQUEST_METHOD"),
                           environ.get("PATH_INFO"), exc_info=True)
            summary = f"{type(error).__name__}: {error}".replace("\n", " ")[:300]
            return self._answer(environ, start_response, EXPLANATION.format(summary))
        status, headers = captured["status"], captured["headers"]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if status.startswith("500") and "text/html" in content_type:
            return self._answer(environ, start_response, EXPLANATION.format("an HTML error page"))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _answer(environ: dict[str, Any], start_response: Callable[..., Any],
                message: str) -> list[bytes]:  # fmt: skip
        status, headers, body = error_response(environ, 500, "InternalFailure", message)
        start_response(status, headers)
        return [body]
