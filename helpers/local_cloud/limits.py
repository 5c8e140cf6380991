"""AWS's limits on what the workbook touches, and the errors AWS answers when they are crossed.

Plain functions over request values: the Lambda plane, the API Gateway plane and the moto patches
call them. Each returns a ``Refusal`` (status, error code, message, as AWS words them) or None.

Sources:
- Lambda quotas: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
  (timeout 1..900 s, memory 128..10,240 MB, environment variables 4 KB in total, invocation
  payload 6 MB synchronous and 1 MB asynchronous);
- API Gateway quotas: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
  and http-api-quotas.html (payload 10 MB; integration timeout 50 ms..29 s for REST APIs and
  50 ms..30 s for HTTP APIs);
- the exact error texts AWS returns, as quoted in the tests that protect them.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

# -- Lambda ----------------------------------------------------------------------------------------
SYNC_REQUEST_BYTES = 6 * 1024 * 1024  # "Request must be smaller than 6291456 bytes ..."
SYNC_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # "... maximum allowed payload size (6291556 bytes)."
ASYNC_REQUEST_BYTES = 1024 * 1024  # Event invocations (256 KB until 2025)
ENVIRONMENT_BYTES = 4 * 1024
TIMEOUT_SECONDS = (1, 900)
MEMORY_MB = (128, 10_240)
HANDLER = re.compile(r"^[^\s]+$")
HANDLER_MAX = 128
FUNCTION_NAME = re.compile(
    r"^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?"
    r"(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$"
)  # the pattern in Lambda's API model (CreateFunction FunctionName), 1..140 characters
FUNCTION_NAME_MAX = 140

# -- API Gateway -----------------------------------------------------------------------------------
GATEWAY_REQUEST_BYTES = 10 * 1024 * 1024
HTTP_API_TIMEOUT_MS = (50, 30_000)
REST_API_TIMEOUT_MS = (50, 29_000)


class Refusal(NamedTuple):
    """What AWS answers instead of doing the call."""

    status: int
    code: str
    message: str


def _validation(value: Any, member: str, constraint: str) -> Refusal:
    return Refusal(400, "ValidationException", f"1 validation error detected: Value '{value}' at "
                   f"'{member}' failed to satisfy constraint: {constraint}")  # fmt: skip


# -- Lambda: invoke --------------------------------------------------------------------------------
def invoke_request_refusal(size: int, invocation_type: str) -> Refusal | None:
    """An Invoke payload over Lambda's limit. AWS answers ``RequestEntityTooLargeException`` (413),
    worded differently for synchronous and ``Event`` invocations."""
    if invocation_type == "Event":
        if size > ASYNC_REQUEST_BYTES:
            return Refusal(413, "RequestEntityTooLargeException",
                           f"{size} byte payload is too large for the Event invocation type "
                           f"(limit {ASYNC_REQUEST_BYTES} bytes)")  # fmt: skip
        return None
    if size > SYNC_REQUEST_BYTES:
        return Refusal(413, "RequestEntityTooLargeException",
                       f"Request must be smaller than {SYNC_REQUEST_BYTES} bytes for the "
                       "InvokeFunction operation")  # fmt: skip
    return None


def response_too_large(payload: bytes) -> bytes | None:
    """The error payload Lambda returns (with ``X-Amz-Function-Error: Unhandled``) in place of a
    synchronous response over the limit, or None when the response fits."""
    if len(payload) <= SYNC_RESPONSE_BYTES:
        return None
    return json.dumps({
        "errorMessage": f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                        f"payload size ({SYNC_RESPONSE_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }).encode()  # fmt: skip


# -- Lambda: CreateFunction and UpdateFunctionConfiguration ----------------------------------------
def function_configuration_refusal(config: dict[str, Any]) -> Refusal | None:
    """The first limit a CreateFunction or UpdateFunctionConfiguration body crosses, if any."""
    name = config.get("FunctionName")
    if isinstance(name, str) and (len(name) > FUNCTION_NAME_MAX or not FUNCTION_NAME.match(name)):
        return _validation(name, "functionName", "Member must satisfy regular expression pattern: "
                           + FUNCTION_NAME.pattern.strip("^$"))  # fmt: skip
    handler = config.get("Handler")
    if isinstance(handler, str):
        if len(handler) > HANDLER_MAX:
            return _validation(handler, "handler",
                               f"Member must have length less than or equal to {HANDLER_MAX}")
        if not HANDLER.match(handler):
            return _validation(handler, "handler",
                               "Member must satisfy regular expression pattern: [^\\s]+")
    for member, key, (low, high) in (("timeout", "Timeout", TIMEOUT_SECONDS),
                                     ("memorySize", "MemorySize", MEMORY_MB)):  # fmt: skip
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            if value < low:
                return _validation(value, member,
                                   f"Member must have value greater than or equal to {low}")
            if value > high:
                return _validation(value, member,
                                   f"Member must have value less than or equal to {high}")
    variables = (config.get("Environment") or {}).get("Variables")
    if isinstance(variables, dict):
        measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
        if len(measured.encode()) > ENVIRONMENT_BYTES:
            return Refusal(400, "InvalidParameterValueException",
                           "Lambda was unable to configure your environment variables because the "
                           "environment variables you have provided exceeded the 4KB limit. "
                           f"String measured: {measured}")  # fmt: skip
    return None


# -- API Gateway -----------------------------------------------------------------------------------
def integration_timeout_refusal(timeout_ms: Any, api_type: str) -> Refusal | None:
    """``TimeoutInMillis`` outside 50..30,000 (HTTP APIs) or 50..29,000 (REST APIs, the default
    quota): AWS answers ``BadRequestException``."""
    if timeout_ms is None:
        return None
    low, high = HTTP_API_TIMEOUT_MS if api_type == "http" else REST_API_TIMEOUT_MS
    try:
        value = int(timeout_ms)
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        return Refusal(400, "BadRequestException",
                       f"Timeout should be between {low} ms and {high} ms")
    return None


def gateway_request_too_large(api_type: str) -> tuple[int, bytes]:
    """What API Gateway answers, itself, for a request body over its 10 MB payload limit (or an
    event over Lambda's 6 MB invoke limit): 413 with ``Request Entity Too Large`` (HTTP APIs) or
    ``Request Too Long`` (REST APIs, the REQUEST_TOO_LARGE gateway response)."""
    if api_type == "http":
        return 413, b'{"message":"Request Entity Too Large"}'
    return 413, b'{"message":"Request Too Long"}'
