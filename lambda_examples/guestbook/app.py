"""Guestbook API: one Lambda function behind API Gateway, keeping messages in one DynamoDB table.

The browser reaches it through CloudFront on the same origin as the static site, so these paths
are exactly what the browser requests (the ROUTES table at the end maps them to functions):

    GET    /api/health               -> health
    GET    /api/messages             -> list_messages    ?limit=1..50&cursor=...
    POST   /api/messages             -> create_message   optional Idempotency-Key: a UUID v4
    DELETE /api/messages/{id}        -> delete_message   X-Delete-Token header

Both API Gateway payload formats work: 1.0 (REST APIs) and 2.0 (HTTP APIs). It is one file with
only the standard library and boto3 (which Lambda provides), so the deployment package is this
file alone. Handler: app.handler. Environment: TABLE_NAME (required), LOG_LEVEL (default INFO).
"""

import base64
import functools
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Self

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

Response = dict[str, Any]

MAX_BODY_BYTES = 4 * 1024
FIELD_LIMITS = {"name": 50, "text": 500}  # the only fields a new message may have, and max lengths
DEFAULT_LIMIT, MAX_LIMIT = 20, 50
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60  # a retry within a day never stores a second message
REPLAY_TOKEN_SECONDS = 10 * 60  # ...but only within 10 minutes does it get the delete token again

# Single-table design; README.md lists the access patterns these keys serve.
MESSAGES_PK = "MESSAGES"  # every message, sort key "<created_at>#<id>", so newest sorts last
POINTER_SK = "MESSAGE"  # pk "MESSAGE#<id>": finds a message's sort key by id, holds the token hash
IDEMPOTENCY_SK = "IDEMPOTENCY"  # pk "IDEMPOTENCY#<sha256 of the key>": the first answer, for 24 h

MESSAGE_ID = re.compile(r"[0-9a-f]{32}")
CREATED_AT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"
MESSAGE_SK = re.compile(f"{CREATED_AT}#{MESSAGE_ID.pattern}")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")
LIMIT = re.compile(r"[0-9]{1,3}")
# A random (version 4) UUID: 122 random bits, so nobody can guess another visitor's key.
IDEMPOTENCY_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                             re.IGNORECASE)


# --- Logging: one JSON object per line, so CloudWatch Logs Insights can filter on any field ---


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        entry = {
            "timestamp": created.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _build_logger() -> logging.Logger:
    logger = logging.getLogger("guestbook")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    logger.propagate = False  # Lambda's root handler would print every line again, unformatted
    return logger


logger = _build_logger()


# --- DynamoDB: created on first use, then reused for as long as the environment stays warm ---


@functools.cache
def dynamodb():
    # Fail fast and retry a little: API Gateway gives up on the whole request after 29 s.
    config = Config(connect_timeout=2, read_timeout=5,
                    retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("dynamodb", config=config)


def table_name() -> str:
    name = os.environ.get("TABLE_NAME")
    if not name:
        raise RuntimeError("TABLE_NAME is not set: add it to the function's environment variables.")
    return name


_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def to_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in item.items()}


def from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def cancellation_codes(error: ClientError) -> list[str]:
    """Why each item of a cancelled transaction failed ("None", "ConditionalCheckFailed", ...)."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


# --- HTTP: the request as both payload formats describe it, responses, errors, JSON ---


class ApiError(Exception):
    """A problem with the request; becomes a 4xx response {"error": {"code", "message"}}."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    query: dict[str, str]
    body: str | None
    is_base64_encoded: bool

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> Self:
        if event.get("version") == "2.0":
            method, path = event["requestContext"]["http"]["method"], event["rawPath"]
        else:
            method, path = event["httpMethod"], event["path"]
        headers = {name.lower(): values[-1] for name, values in
                   (event.get("multiValueHeaders") or {}).items() if values}
        headers.update({name.lower(): value for name, value in (event.get("headers") or {}).items()
                        if value is not None})
        return cls(
            method=method.upper(),
            path=_without_stage(event, path),
            headers=headers,
            query=dict(event.get("queryStringParameters") or {}),
            body=event.get("body"),
            is_base64_encoded=bool(event.get("isBase64Encoded")),
        )


def _without_stage(event: dict[str, Any], path: str) -> str:
    """HTTP APIs put a named stage in front of the path ("/dev/api/health"); REST APIs don't."""
    stage = (event.get("requestContext") or {}).get("stage", "$default")
    from_http_api = event.get("version") in ("1.0", "2.0")  # REST API events carry no version
    if from_http_api and stage != "$default" and (path + "/").startswith(f"/{stage}/"):
        return path[len(stage) + 1:] or "/"
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):  # DynamoDB returns every number as a Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


def respond(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
    """A proxy response that both payload formats accept."""
    response_headers = {"cache-control": "no-store", "x-content-type-options": "nosniff"}
    if body is not None:
        response_headers["content-type"] = "application/json"
    response_headers.update(headers or {})
    return {
        "statusCode": status,
        "headers": response_headers,
        "body": "" if body is None else to_json(body),
        "isBase64Encoded": False,
    }


def json_body(request: Request) -> Any:
    """The body as parsed JSON, after checking its media type, size and encoding."""
    media_type, _, parameters = request.headers.get("content-type", "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", parameters, re.IGNORECASE)
    if media_type.strip().lower() != "application/json" or (
        charset and charset.group(1).lower() not in ("utf-8", "utf8")
    ):
        raise ApiError(415, "unsupported_media_type", "Send the body as UTF-8 JSON, with the "
                                                      "header Content-Type: application/json.")
    if not request.body:
        raise ApiError(400, "missing_body", 'Send a JSON body like {"name": "...", "text": "..."}.')
    if request.is_base64_encoded:
        if len(request.body) > MAX_BODY_BYTES * 4 // 3 + 4:
            raise _too_large()
        try:
            raw = base64.b64decode(request.body, validate=True)
        except ValueError:
            raise ApiError(400, "invalid_body", "The body is marked base64 but is not.") from None
    else:
        raw = request.body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):  # also UnicodeDecodeError, a ValueError
        raise ApiError(400, "invalid_json", "The body is not valid UTF-8 JSON.") from None


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", f"The body must be at most {MAX_BODY_BYTES} bytes.")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# --- Validation: everything is checked before anything is written ---


def validate_new_message(payload: Any) -> dict[str, str]:
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_body",
                       'The body must be a JSON object: {"name": "...", "text": "..."}.')
    unknown = sorted(set(payload) - set(FIELD_LIMITS))
    if unknown:
        raise ApiError(400, "unknown_field",
                       f"Unknown field(s): {', '.join(unknown)}. Send only name and text.")
    fields = {}
    for field, max_length in FIELD_LIMITS.items():
        if field not in payload:
            raise ApiError(400, "missing_field", f"{field} is required.")
        value = payload[field]
        if not isinstance(value, str):
            raise ApiError(400, "invalid_field", f"{field} must be a string.")
        value = value.strip()
        if not 1 <= len(value) <= max_length:
            raise ApiError(400, "invalid_field",
                           f"{field} must be 1 to {max_length} characters (not counting "
                           f"surrounding spaces); it is {len(value)}.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate such as "\ud800" in the JSON
            raise ApiError(400, "invalid_field", f"{field} is not valid Unicode text.") from None
        fields[field] = value
    return fields


def page_limit(query: dict[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def encode_cursor(sort_key: str) -> str:
    key = json.dumps({"pk": MESSAGES_PK, "sk": sort_key}).encode()
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The sort key a page starts after; rejects anything encode_cursor did not produce."""
    try:
        if not CURSOR.fullmatch(cursor):
            raise ValueError
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(key, dict) and key.keys() == {"pk", "sk"} and key["pk"] == MESSAGES_PK
                and isinstance(key["sk"], str) and MESSAGE_SK.fullmatch(key["sk"])):
            raise ValueError
    except ValueError:
        raise ApiError(400, "invalid_cursor",
                       "cursor is not one this API returned; start again without it.") from None
    return key["sk"]


def idempotency_key(headers: dict[str, str]) -> str | None:
    """The Idempotency-Key header, lower-cased; it must be a random UUID, because whoever knows
    it can replay the request and, for a few minutes, receive the message's delete token."""
    key = headers.get("idempotency-key")
    if key is not None and not IDEMPOTENCY_KEY.fullmatch(key.strip()):
        raise ApiError(400, "invalid_idempotency_key",
                       "Idempotency-Key must be a random UUID (version 4), new for each message, "
                       "like crypto.randomUUID() or Python's uuid.uuid4() make.")
    return key.strip().lower() if key is not None else None


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> datetime:
    """The current time; tests replace it to step through the idempotency windows."""
    return datetime.now(UTC)


def seal_token(delete_token: str, key: str, message_id: str) -> str:
    """Encrypts a delete token with a pad only the Idempotency-Key can make (HMAC-SHA256 of the
    message id), so the table never holds a usable token. The same call unseals it."""
    pad = hmac.new(key.encode(), f"delete-token:{message_id}".encode(), hashlib.sha256).digest()
    token = base64.urlsafe_b64decode(delete_token + "=" * (-len(delete_token) % 4))
    sealed = bytes(a ^ b for a, b in zip(token, pad, strict=True))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


unseal_token = seal_token  # XOR with the same pad undoes it


def _message_not_found() -> ApiError:
    return ApiError(404, "not_found", "No message has that id; it may have been deleted.")


# --- Routes ---


def health(request: Request) -> Response:
    return respond(200, {"status": "ok"})


def list_messages(request: Request) -> Response:
    """Newest first, one page at a time; next_cursor is null on the last page."""
    limit = page_limit(request.query)
    query = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": MESSAGES_PK}},
        "ScanIndexForward": False,
        "Limit": limit + 1,  # one extra tells us whether another page exists
    }
    if "cursor" in request.query:
        start_after = decode_cursor(request.query["cursor"])
        query["ExclusiveStartKey"] = to_dynamo({"pk": MESSAGES_PK, "sk": start_after})
    result = dynamodb().query(**query)
    items = [from_dynamo(item) for item in result["Items"]]
    page = items[:limit]
    has_more = len(items) > limit or "LastEvaluatedKey" in result
    return respond(200, {
        "messages": [public_message(item) for item in page],
        "next_cursor": encode_cursor(page[-1]["sk"]) if has_more and page else None,
    })


def public_message(item: dict[str, Any]) -> dict[str, Any]:
    return {field: item.get(field) for field in ("id", "name", "text", "created_at")}


def create_message(request: Request) -> Response:
    """Stores the message and its pointer in one transaction; the delete token is shown once."""
    fields = validate_new_message(json_body(request))
    key = idempotency_key(request.headers)

    created_on = now()
    created_at = created_on.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # fixed width: sorts as text
    message = {"id": uuid.uuid4().hex, **fields, "created_at": created_at}
    sort_key = f"{message['created_at']}#{message['id']}"
    delete_token = secrets.token_urlsafe(32)  # 32 random bytes
    created = {**message, "delete_token": delete_token}
    writes = [
        _put({"pk": MESSAGES_PK, "sk": sort_key, **message}),
        _put({"pk": f"MESSAGE#{message['id']}", "sk": POINTER_SK,
              "message_sk": sort_key, "token_hash": sha256(delete_token)}),
    ]
    if key is None:
        error = _commit(writes, message["id"], sha256(delete_token))
        if error:
            raise error
        return respond(201, created)

    seconds = int(created_on.timestamp())
    record = {
        "pk": f"IDEMPOTENCY#{sha256(key)}",
        "sk": IDEMPOTENCY_SK,
        "request_hash": sha256(json.dumps(fields, sort_keys=True)),
        "response": to_json(message),  # without the token: the table never holds one usable
        "sealed_delete_token": seal_token(delete_token, key, message["id"]),
        "delete_token_until": seconds + REPLAY_TOKEN_SECONDS,
        "expires_at": seconds + IDEMPOTENCY_TTL_SECONDS,  # the table's TTL attribute
    }
    # TTL deletes lazily, so a record past expires_at counts as gone even if it is still there.
    writes.append(_put(record, "attribute_not_exists(pk) OR expires_at < :now", {":now": seconds}))
    for attempt in range(3):
        error = _commit(writes, message["id"], sha256(delete_token))
        if error is None:
            return respond(201, created)
        codes = cancellation_codes(error)
        if codes[-1:] == ["ConditionalCheckFailed"]:  # this key already has a record
            return _replay(record, key, seconds)
        if "TransactionConflict" not in codes:
            raise error
        time.sleep(0.05 * 2**attempt)  # a concurrent duplicate is mid-commit; let it finish
    raise ApiError(409, "idempotency_in_progress",
                   "A request with this Idempotency-Key is still in progress; retry shortly.")


def _put(item: dict[str, Any], condition: str = "attribute_not_exists(pk)",
         values: dict[str, Any] | None = None) -> dict[str, Any]:
    put = {"TableName": table_name(), "Item": to_dynamo(item), "ConditionExpression": condition}
    if values:
        put["ExpressionAttributeValues"] = to_dynamo(values)
    return {"Put": put}


def _commit(writes: list[dict[str, Any]], message_id: str, token_hash: str) -> ClientError | None:
    """Runs the transaction. None if it committed, also when its answer was lost: a botocore
    retry of a commit that had succeeded finds its own items and is cancelled. Otherwise the
    cancellation, for the caller to read; any other failure is raised."""
    try:
        dynamodb().transact_write_items(TransactItems=writes)
        return None
    except (ClientError, BotoCoreError) as error:
        codes = cancellation_codes(error) if isinstance(error, ClientError) else []
        # The message's id is new, so if it exists, or we cannot tell, it is ours only if the
        # pointer holds our token's hash.
        if (not codes or codes[0] == "ConditionalCheckFailed") and _stored(message_id, token_hash):
            logger.warning("commit succeeded but its answer was lost", extra={"fields": {
                "error": type(error).__name__}})
            return None
        if not codes:
            raise
        return error


def _stored(message_id: str, token_hash: str) -> bool:
    key = to_dynamo({"pk": f"MESSAGE#{message_id}", "sk": POINTER_SK})
    pointer = dynamodb().get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item")
    return pointer is not None and from_dynamo(pointer).get("token_hash") == token_hash


def _replay(record: dict[str, Any], key: str, seconds: int) -> Response:
    """Answers a request whose Idempotency-Key another request already used, as that one was
    answered, if it sent the same message. The delete token goes back only for a few minutes."""
    record_key = to_dynamo({"pk": record["pk"], "sk": record["sk"]})
    item = dynamodb().get_item(TableName=table_name(), Key=record_key,
                               ConsistentRead=True).get("Item")
    stored = from_dynamo(item) if item else None
    if stored is None or stored["expires_at"] < seconds:  # it expired since our write
        raise ApiError(409, "idempotency_in_progress", "Retry this request; it was not stored.")
    if stored["request_hash"] != record["request_hash"]:
        raise ApiError(422, "idempotency_key_reused",
                       "This Idempotency-Key was already used for a different message. "
                       "Use a new key for each new message.")
    message = json.loads(stored["response"])
    if seconds < stored["delete_token_until"]:
        message["delete_token"] = unseal_token(stored["sealed_delete_token"], key, message["id"])
    return respond(201, message, {"idempotent-replayed": "true"})


def delete_message(request: Request, message_id: str) -> Response:
    """Deletes the message and its pointer together, if X-Delete-Token matches."""
    if not MESSAGE_ID.fullmatch(message_id):
        raise _message_not_found()
    token = request.headers.get("x-delete-token")
    if not token:
        raise ApiError(403, "forbidden", "Send the X-Delete-Token header with the delete_token "
                                         "you received when you posted this message.")
    pointer_key = to_dynamo({"pk": f"MESSAGE#{message_id}", "sk": POINTER_SK})
    pointer = dynamodb().get_item(TableName=table_name(), Key=pointer_key,
                                  ConsistentRead=True).get("Item")
    if pointer is None:
        raise _message_not_found()
    pointer = from_dynamo(pointer)
    if not hmac.compare_digest(pointer["token_hash"], sha256(token)):  # constant time
        raise ApiError(403, "forbidden", "That delete token does not belong to this message.")
    token_matches = to_dynamo({":token_hash": pointer["token_hash"]})
    message_key = to_dynamo({"pk": MESSAGES_PK, "sk": pointer["message_sk"]})
    try:
        dynamodb().transact_write_items(TransactItems=[
            {"Delete": {"TableName": table_name(), "Key": pointer_key,
                        "ConditionExpression": "token_hash = :token_hash",
                        "ExpressionAttributeValues": token_matches}},
            {"Delete": {"TableName": table_name(), "Key": message_key}},
        ])
    except ClientError as error:
        if cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:  # deleted meanwhile
            raise _message_not_found() from None
        raise
    return respond(204)


# --- Routing ---

ROUTES: dict[tuple[str, str], Callable[..., Response]] = {
    ("GET", "/api/health"): health,
    ("GET", "/api/messages"): list_messages,
    ("POST", "/api/messages"): create_message,
    ("DELETE", "/api/messages/{message_id}"): delete_message,
}


@functools.cache
def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template))


def match_route(request: Request) -> tuple[Callable[..., Response], dict[str, str]]:
    allowed = []
    for (method, template), route in ROUTES.items():
        match = _path_pattern(template).fullmatch(request.path)
        if match and method == request.method:
            return route, match.groupdict()
        if match:
            allowed.append(method)
    if allowed:
        raise ApiError(405, "method_not_allowed", f"{request.path} accepts {', '.join(allowed)}.",
                       headers={"allow": ", ".join(allowed)})
    raise ApiError(404, "not_found", f"There is no route {request.method} {request.path}.")


def handler(event: dict[str, Any], context: Any) -> Response:
    started = time.perf_counter()
    request_id = getattr(context, "aws_request_id", None)
    request = None
    try:
        request = Request.from_event(event)
        route, path_parameters = match_route(request)
        response = route(request, **path_parameters)
    except ApiError as error:
        response = respond(error.status, {"error": {"code": error.code, "message": error.message}},
                           error.headers)
    except Exception:
        logger.exception("unhandled error", extra={"fields": {"request_id": request_id}})
        response = respond(500, {"error": {
            "code": "internal",
            "message": f"Something went wrong on our side. Try again; if it keeps failing, "
                       f"quote request id {request_id}.",
        }})
    logger.info("request", extra={"fields": {
        "method": request and request.method,
        "path": request and request.path,
        "status": response["statusCode"],
        "request_id": request_id,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }})
    return response
