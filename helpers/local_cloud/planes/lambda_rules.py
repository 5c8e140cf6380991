"""What Lambda's API checks in a request before it acts, as plain functions (no HTTP, no moto).

Each check raises ``LambdaError`` with the status, ``x-amzn-ErrorType`` and message AWS answers
(https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html and each action's Errors):
- a body that is not a JSON object: 400 ``InvalidRequestContentException`` ("Could not parse
  request body into json: ...", as AWS words it; also for a header that is not valid);
- a required member missing, or a header outside its allowed values: 400 ``ValidationException``
  ("1 validation error detected: Value null at 'role' failed to satisfy constraint: ...").
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

INVOCATION_TYPES = ("Event", "RequestResponse", "DryRun")
LOG_TYPES = ("None", "Tail")
CLIENT_CONTEXT_MAX_BYTES = 3583  # "Up to 3,583 bytes of base64-encoded data" (Invoke API)
REQUIRED_TO_CREATE = ("FunctionName", "Role", "Code")
# Lambda's most permissive function-name shape (NamespacedFunctionName in its API model).
FUNCTION_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
                         r"-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)"
                         r"(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")
FUNCTION_NAME_MAX = 256
# What CreateFunction's FunctionName may be (FunctionName in Lambda's API model).
NEW_FUNCTION_NAME_PATTERN = (r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|"
                             r"(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?"
                             r"([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?")
NEW_FUNCTION_NAME_MAX = 140
# The JSON type of each configuration member the local cloud reads (a wrong one made it fail).
MEMBER_TYPES: dict[str, type | tuple[type, ...]] = {
    "FunctionName": str, "Role": str, "Handler": str, "Runtime": str, "Description": str,
    "Code": dict, "Timeout": int, "MemorySize": int, "Environment": dict, "LoggingConfig": dict,
    "Layers": list, "Publish": bool, "PackageType": str, "Architectures": list,
    "EphemeralStorage": dict, "TracingConfig": dict, "DeadLetterConfig": dict, "Tags": dict,
}  # fmt: skip
JSON_NAMES = {str: "a string", int: "an integer", bool: "a boolean", dict: "an object",
              list: "an array"}  # fmt: skip


@dataclass
class LambdaError(Exception):
    """An error as Lambda's API answers it."""

    status: int
    error_type: str
    message: str


def _unparseable(detail: str) -> LambdaError:
    return LambdaError(400, "InvalidRequestContentException",
                       f"Could not parse request body into json: {detail}")


def _validation(problems: list[str]) -> LambdaError:
    count = len(problems)
    return LambdaError(400, "ValidationException",
                       f"{count} validation error{'s' if count > 1 else ''} detected: "
                       + "; ".join(problems))  # fmt: skip


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def function_name_in_path(name: str) -> None:
    """The FunctionName of a request's path: a name, an ARN or a partial ARN."""
    if name:
        _function_name(name, FUNCTION_NAME_PATTERN, FUNCTION_NAME_MAX)


def _function_name(name: str, pattern: str, longest: int) -> None:
    if len(name) > longest:
        raise _validation([f"Value '{name}' at 'functionName' failed to satisfy constraint: "
                           f"Member must have length less than or equal to {longest}"])
    if not re.fullmatch(pattern, name):
        raise _validation([f"Value '{name}' at 'functionName' failed to satisfy constraint: "
                           f"Member must satisfy regular expression pattern: {pattern}"])


def _zip_file(encoded: Any, member: str) -> None:
    """A ZipFile blob: base64 in the JSON body, and a zip archive once decoded."""
    if not isinstance(encoded, str):
        raise _unparseable(f"{member} must be a base64-encoded string")
    try:
        archive = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _unparseable(f"{member} is not valid base64") from None
    if not zipfile.is_zipfile(io.BytesIO(archive)):
        raise LambdaError(400, "InvalidParameterValueException", "Could not unzip uploaded "
                          "file. Please check your file, then try to upload again.")


def code_update(body: bytes) -> dict[str, Any]:
    """The JSON object of an UpdateFunctionCode request, checked."""
    document = _json_object(body)
    if document.get("ZipFile") is not None:
        _zip_file(document["ZipFile"], "ZipFile")
    return document


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise _unparseable(str(error)) from None
    if not isinstance(document, dict):
        raise _unparseable(f"expected a JSON object, got {type(document).__name__}")
    return document


def configuration(body: bytes, *, creating: bool) -> dict[str, Any]:
    """The JSON object of a CreateFunction or UpdateFunctionConfiguration request, checked."""
    document = _json_object(body)
    for member, expected in MEMBER_TYPES.items():
        value = document.get(member)
        if value is None:
            continue
        wrong_int = expected is int and isinstance(value, bool)
        if not isinstance(value, expected) or wrong_int:
            raise _unparseable(f"{member} must be {JSON_NAMES[expected]}, not {value!r:.40}")
    variables = (document.get("Environment") or {}).get("Variables")
    if variables is not None and not (isinstance(variables, dict) and all(
            isinstance(value, str) for value in variables.values())):  # fmt: skip
        raise _unparseable("Environment.Variables must be an object of strings")
    if creating:
        missing = [name for name in REQUIRED_TO_CREATE if document.get(name) is None]
        if missing:
            raise _validation([f"Value null at '{_camel(name)}' failed to satisfy constraint: "
                               "Member must not be null" for name in missing])
        _function_name(document["FunctionName"], NEW_FUNCTION_NAME_PATTERN, NEW_FUNCTION_NAME_MAX)
        if document["Code"].get("ZipFile") is not None:
            _zip_file(document["Code"]["ZipFile"], "Code.ZipFile")
    return document


def invoke_headers(invocation_type: str | None, log_type: str | None,
                   client_context: str | None) -> None:  # fmt: skip
    """X-Amz-Invocation-Type, X-Amz-Log-Type and X-Amz-Client-Context of an Invoke request."""
    problems = []
    if invocation_type is not None and invocation_type not in INVOCATION_TYPES:
        problems.append(f"Value '{invocation_type}' at 'invocationType' failed to satisfy "
                        f"constraint: Member must satisfy enum value set: "
                        f"[{', '.join(INVOCATION_TYPES)}]")  # fmt: skip
    if log_type is not None and log_type not in LOG_TYPES:
        problems.append(f"Value '{log_type}' at 'logType' failed to satisfy constraint: "
                        f"Member must satisfy enum value set: [{', '.join(LOG_TYPES)}]")
    if problems:
        raise _validation(problems)
    if client_context:
        problem = client_context_problem(client_context)
        if problem:
            raise LambdaError(400, "InvalidRequestContentException", problem)


def client_context_problem(client_context: str) -> str | None:
    """Why an X-Amz-Client-Context is refused (None if it is fine): AWS takes base64-encoded
    JSON, at most 3,583 bytes; boto3 passes ``ClientContext`` as given, so encode it first."""
    advice = ("Pass ClientContext as base64-encoded JSON, e.g. "
              "base64.b64encode(json.dumps({'custom': {...}}).encode()).decode().")
    if len(client_context.encode()) > CLIENT_CONTEXT_MAX_BYTES:
        return (f"X-Amz-Client-Context is {len(client_context.encode())} bytes; the limit is "
                f"{CLIENT_CONTEXT_MAX_BYTES}.")  # fmt: skip
    try:
        decoded = json.loads(base64.b64decode(client_context, validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return f"X-Amz-Client-Context is not base64-encoded JSON. {advice}"
    if not isinstance(decoded, dict):
        return f"X-Amz-Client-Context must encode a JSON object. {advice}"
    return None
