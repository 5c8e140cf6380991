"""IAM for execution roles: every AWS call a function makes is authorised before anything runs.

Lambda gives each function temporary credentials for its execution role; so does the local
cloud (``RoleSessions``: the session is ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION``).
``Authorizer.check`` sees every request first: signed with such credentials, it maps the request
to IAM actions and resources (``iam_requests``), evaluates the role's policies, permissions
boundary and the resource's policy (``iam_policy``), and answers a denial the way the service
does (``AccessDeniedException``, S3's ``AccessDenied``, SNS's ``AuthorizationError``...), so moto
never sees, and never writes, what AWS would refuse.

The learner's own credentials are an account administrator's, as in a sandbox account: only role
sessions are checked. ``LOCAL_CLOUD_ENFORCE_IAM=0`` (or ``LocalCloud(enforce_iam=False)``) turns
checking off, for tools whose test roles carry no permissions.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response
from werkzeug.wsgi import get_input_stream

from . import iam_policy, iam_requests, moto_adapter
from .clock import REAL_CLOCK, Clock
from .iam_policy import Decision, Principal, Request
from .iam_requests import Asked, Call

ENFORCE_VARIABLE = "LOCAL_CLOUD_ENFORCE_IAM"
# Not an AWS key id (those are AKIA/ASIA and 16 more): clearly the local cloud's, never a secret.
# Still 20 upper-case characters in all, the only shape moto reads an access key id in.
SESSION_KEY_PREFIX = "LOCALROLE"
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
INVALID_TOKEN = "The security token included in the request is invalid."


def enforcement_from_environment() -> bool:
    """On unless ``LOCAL_CLOUD_ENFORCE_IAM`` is 0, false, no or off."""
    return os.environ.get(ENFORCE_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


# -- the credentials Lambda gives a function -------------------------------------------------------
@dataclass(frozen=True)
class RoleSession:
    access_key_id: str
    secret_access_key: str
    session_token: str
    role_arn: str
    session_name: str
    function_arn: str | None  # set for sessions Lambda made for a function
    principal: Principal

    def environment(self) -> dict[str, str]:
        """The variables Lambda sets for the function's code."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_SESSION_TOKEN": self.session_token}  # fmt: skip


class RoleSessions:
    """Temporary credentials for role sessions, and who they belong to (one session per role
    and session name, as long as the cloud runs)."""

    def __init__(self, region: str,
                 register: Callable[..., None] = moto_adapter.register_role_session) -> None:
        self.region = region
        self._register = register
        self._by_key: dict[str, RoleSession] = {}
        self._by_name: dict[tuple[str, str], RoleSession] = {}
        self._lock = threading.Lock()

    def issue(self, role_arn: str, session_name: str,
              function_arn: str | None = None) -> RoleSession:  # fmt: skip
        with self._lock:
            session = self._by_name.get((role_arn, session_name))
            if session is None:
                session = RoleSession(
                    access_key_id=SESSION_KEY_PREFIX + secrets.token_hex(6).upper()[:11],
                    secret_access_key=secrets.token_urlsafe(30),
                    session_token="local-cloud-session-" + secrets.token_urlsafe(48),
                    role_arn=role_arn, session_name=session_name, function_arn=function_arn,
                    principal=Principal.role_session(role_arn, session_name),
                )  # fmt: skip
                self._by_name[(role_arn, session_name)] = session
                self._by_key[session.access_key_id] = session
        # moto forgets the session when reset: tell it (again) whenever credentials go out.
        self._register(role_arn, session_name, self.region, session.access_key_id,
                       session.secret_access_key, session.session_token)
        return session

    def find(self, access_key_id: str) -> RoleSession | None:
        return self._by_key.get(access_key_id)


# -- the service's own way of saying no ------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    status_for_json: int = 400


def _xml_error(code: str, message: str, namespace: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{namespace}"><Error><Type>Sender'
            f"</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()  # fmt: skip


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    head = (bytes([0x60 + size]) if size < 24 else bytes([0x78, size]) if size < 256
            else bytes([0x79]) + size.to_bytes(2, "big"))  # fmt: skip
    return head + data


def _cbor_map(values: dict[str, str]) -> bytes:
    """A CBOR map of text to text (RFC 8949): all an rpc-v2-cbor error body needs."""
    return bytes([0xA0 + len(values)]) + b"".join(
        _cbor_text(key) + _cbor_text(value) for key, value in values.items())


def refusal_response(call: Call, code: str, message: str) -> Response:
    """``code``/``message`` in the wire format of the service ``call`` went to."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if call.service == "s3":
        code = "AccessDenied" if code == "AccessDeniedException" else code
        status = 400 if code == "InvalidToken" else 403
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code + "</Code>"
                f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
                f"<HostId>{base64.b64encode(os.urandom(32)).decode()}</HostId></Error>")
        return Response(body, status, {"x-amz-request-id": request_id},
                        content_type="application/xml")  # fmt: skip
    target = call.target
    if target:  # the JSON protocols
        if call.service == "sqs":  # SQS's JSON protocol keeps its query error codes
            query_code = "AccessDenied" if code == "AccessDeniedException" else "InvalidClientTokenId"
            headers["x-amzn-query-error"] = f"{query_code};Sender"
            body = {"__type": f"com.amazon.coral.service#{code}", "Message": message}
            return Response(json.dumps(body), 403, headers,
                            content_type="application/x-amz-json-1.0")  # fmt: skip
        if target.startswith("DynamoDB"):
            body = {"__type": f"com.amazon.coral.service#{code}", "Message": message}
        else:
            body = {"__type": code, "message": message}
        return Response(json.dumps(body), 400, headers, content_type="application/x-amz-json-1.1")
    if iam_requests.CBOR_OPERATION.search(call.path):
        headers["smithy-protocol"] = "rpc-v2-cbor"
        return Response(_cbor_map({"__type": code, "message": message}), 400, headers,
                        content_type="application/cbor")  # fmt: skip
    if _query_protocol(call):
        query_code = {"AccessDeniedException": "AccessDenied"}.get(code, code)
        if call.service == "sns" and query_code == "AccessDenied":
            query_code = "AuthorizationError"
        namespace = QUERY_NAMESPACES.get(call.service,
                                         f"https://{call.service}.amazonaws.com/doc/")
        return Response(_xml_error(query_code, message, namespace), 403, headers,
                        content_type="text/xml")  # fmt: skip
    headers["x-amzn-ErrorType"] = code
    body = {"Type": "User", "Message": message} if call.service == "lambda" else {
        "message": message}
    return Response(json.dumps(body), 403, headers, content_type="application/json")


def _query_protocol(call: Call) -> bool:
    """Form-encoded ``Action=...`` requests (SNS, STS, IAM, SQS before JSON...)."""
    return not call.target and bool(iam_requests.operation_of(call)) and not (
        iam_requests.CBOR_OPERATION.search(call.path))


QUERY_NAMESPACES = {
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
    "sqs": "http://queue.amazonaws.com/doc/2012-11-05/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "monitoring": "http://monitoring.amazonaws.com/doc/2010-08-01/",
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "email": "http://ses.amazonaws.com/doc/2010-12-01/",
}  # fmt: skip


def denial_message(call: Call, principal_arn: str, asked: Asked, decision: Decision) -> str:
    """AWS's sentence, with each service's quirks: SQS lower-cases the action, SNS capitalises
    its prefix, S3 quotes the resource."""
    action = asked.action
    if call.service == "sqs":
        action = action.lower()
    elif call.service == "sns":
        action = "SNS:" + action.split(":", 1)[1]
    resource = f'"{asked.resource}"' if call.service == "s3" else asked.resource
    message = (f"User: {principal_arn} is not authorized to perform: {action} on resource: "
               f"{resource} {decision.because(action)}")  # fmt: skip
    if not asked.mapped:
        message += (". (The local cloud does not know which resource this call acts on, so it "
                    f"evaluated {action} on resource \"*\": grant it on \"*\" to allow the call.)")
    return message


# -- the authorizer --------------------------------------------------------------------------------
class Authorizer:
    """Checks every request signed with a role session's credentials (see the module docstring)."""

    def __init__(self, *, account: str, region: str, enforce: bool | None = None,
                 clock: Clock = REAL_CLOCK) -> None:  # fmt: skip
        self.account = account
        self.region = region
        self.enforce = enforcement_from_environment() if enforce is None else enforce
        self.clock = clock
        self.sessions = RoleSessions(region)

    # -- the WSGI side ----------------------------------------------------------------------------
    def check(self, environ: dict[str, Any]) -> Response | None:
        """None when the request may go on; else the service's error response."""
        if not self.enforce:
            return None
        key, region, service = _credential(environ)
        if key is None or not key.startswith(SESSION_KEY_PREFIX):
            return None  # the learner's own credentials, or an unsigned request
        call = self._call(environ, service, region)
        session = self.sessions.find(key)
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or _query_value(
            environ, "X-Amz-Security-Token")
        if session is None or token != session.session_token:
            code = "InvalidToken" if service == "s3" else (
                "InvalidClientTokenId" if _query_protocol(call) else "UnrecognizedClientException")
            message = ("The provided token is malformed or otherwise invalid."
                       if service == "s3" else INVALID_TOKEN)  # fmt: skip
            return refusal_response(call, code, message)
        call.account = session.principal.account or self.account
        try:
            wanted = iam_requests.asked_for(call)
        except Exception:  # a request too odd to map: the service's action on "*"
            wanted = iam_requests.unmapped(call)
        for asked in wanted:
            decision = self.decide(session, asked, region)
            if not decision.allowed:
                message = denial_message(call, session.principal.arn or "", asked, decision)
                return refusal_response(call, "AccessDeniedException", message)
        if wanted and wanted[0].action == "sts:AssumeRole":
            return self._assume_role(call)
        return None

    def _assume_role(self, call: Call) -> Response:
        """A role session assuming another role gets a session the cloud knows, so that what it
        does is checked too (moto's own credentials would be an administrator's)."""
        parameters = call.form()
        session = self.sessions.issue(parameters.get("RoleArn", ""),
                                      parameters.get("RoleSessionName", "session"))
        policies = moto_adapter.role_policies(session.role_arn)
        role_id = policies.role_id if policies else "AROA"
        expires = datetime.fromtimestamp(
            self.clock.time() + int(parameters.get("DurationSeconds") or 3600), UTC)
        body = (f'<AssumeRoleResponse xmlns="{QUERY_NAMESPACES["sts"]}"><AssumeRoleResult>'
                f"<Credentials><AccessKeyId>{session.access_key_id}</AccessKeyId>"
                f"<SecretAccessKey>{session.secret_access_key}</SecretAccessKey>"
                f"<SessionToken>{session.session_token}</SessionToken>"
                f"<Expiration>{expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration>"
                f"</Credentials><AssumedRoleUser><AssumedRoleId>{role_id}:"
                f"{escape(session.session_name)}</AssumedRoleId><Arn>{session.principal.arn}"
                "</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>"
                f"{uuid.uuid4()}</RequestId></ResponseMetadata></AssumeRoleResponse>")
        return Response(body, 200, content_type="text/xml")

    def _call(self, environ: dict[str, Any], service: str, region: str) -> Call:
        def header(name: str) -> str | None:
            name = name.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                return environ.get(name)
            return environ.get("HTTP_" + name)

        return Call(
            service=service, region=region, account=self.account,
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "/") or "/",
            query=parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            host=environ.get("HTTP_HOST", ""), headers=header, body=_body_reader(environ),
            secret_arn=lambda name: moto_adapter.secret_arn(self.account, region, name),
        )  # fmt: skip

    # -- the decision -----------------------------------------------------------------------------
    def decide(self, session: RoleSession, asked: Asked, region: str | None = None) -> Decision:
        """May this role session do ``asked``? Reads the role's policies as stored now."""
        policies = moto_adapter.role_policies(session.role_arn)
        if policies is None:  # the role was deleted: its sessions may do nothing
            return Decision(False, "implicit_deny", iam_policy.IDENTITY)
        context = self._context(session, policies, region or self.region)
        context.update(asked.context)
        resource_policy, resource_account = self._resource_policy(asked)
        request = Request(session.principal, asked.action, asked.resource, context,
                          resource_account=resource_account)  # fmt: skip
        try:
            decision = iam_policy.evaluate(request, identity=_parsed(policies.documents),
                                           resource=_parsed_one(resource_policy),
                                           boundary=_boundary(policies.boundary))  # fmt: skip
        except iam_policy.MalformedPolicyError:
            return Decision(False, "implicit_deny", iam_policy.IDENTITY)
        if decision.allowed and asked.policy_of and asked.policy_of[0] == "iam-role-trust":
            if not _trust_names(request, resource_policy):  # a trust policy must always agree
                return Decision(False, "implicit_deny", iam_policy.RESOURCE)
        return decision

    def allows(self, role_arn: str, session_name: str, action: str, resource: str) -> Decision:
        """For the local cloud's own work done with a role (Lambda writing a function's logs)."""
        if not self.enforce:
            return iam_policy.ALLOWED
        session = self.sessions.issue(role_arn, session_name)
        return self.decide(session, Asked(action, resource))

    def _context(self, session: RoleSession, policies: moto_adapter.RolePolicies,
                 region: str) -> dict[str, Any]:  # fmt: skip
        now = self.clock.time()
        context: dict[str, Any] = {
            "aws:PrincipalArn": session.role_arn,
            "aws:PrincipalAccount": session.principal.account,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": f"{policies.role_id}:{session.session_name}",
            "aws:RequestedRegion": region,
            "aws:SecureTransport": "true",  # functions call AWS over HTTPS
            "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now)),
        }  # fmt: skip
        if session.function_arn:
            context["lambda:SourceFunctionArn"] = session.function_arn
        for key, value in policies.tags.items():
            context[f"aws:PrincipalTag/{key}"] = value
        return context

    @staticmethod
    def _resource_policy(asked: Asked) -> tuple[str | bytes | None, str | None]:
        if asked.policy_of is None:
            return None, None
        kind, name = asked.policy_of
        if kind == "s3":
            found = moto_adapter.bucket_policy(name)
            return (found[1], found[0]) if found else (None, None)
        if kind == "lambda":
            return moto_adapter.function_policy(name), name.split(":")[4]
        if kind == "sqs":
            return moto_adapter.queue_policy(name), name.split(":")[4]
        if kind == "sns":
            return moto_adapter.topic_policy(name), name.split(":")[4]
        if kind == "iam-role-trust":
            return moto_adapter.role_trust_policy(name), name.split(":")[4] or None
        return None, None


def _parsed(documents: tuple[str, ...]) -> list[iam_policy.Policy]:
    """Each document parsed; one IAM would have refused counts as granting nothing."""
    parsed = []
    for document in documents:
        try:
            parsed.append(iam_policy.parse(document))
        except iam_policy.MalformedPolicyError:
            continue
    return parsed


def _parsed_one(document: str | bytes | None) -> iam_policy.Policy | None:
    return (_parsed((document,)) or [None])[0] if document else None  # type: ignore[arg-type]


def _boundary(document: str | None) -> iam_policy.Policy | None:
    if document is None:
        return None
    return _parsed_one(document) or iam_policy.parse(moto_adapter.EMPTY_POLICY)


def _trust_names(request: Request, trust: str | bytes | None) -> bool:
    """Does the role's trust policy allow this principal (AssumeRole always needs it to)?"""
    policy = _parsed_one(trust)
    if policy is None:
        return False
    asked = Request(request.principal, request.action, None, request.context)
    return any(statement.effect == "Allow" and statement.names(request.principal)
               and statement.applies(asked) for statement in policy.statements)  # fmt: skip


def _credential(environ: dict[str, Any]) -> tuple[str | None, str, str]:
    """(access key id, region, signing service) of a SigV4 header or presigned URL."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Credential=" in authorization:
        found = CREDENTIAL.search(authorization)
        return (found[1], found[2], found[3]) if found else (None, "", "")
    query = environ.get("QUERY_STRING", "")
    if "X-Amz-Credential=" in query:
        credential = (parse_qs(query).get("X-Amz-Credential") or [""])[0].split("/")
        if len(credential) >= 4:
            return credential[0], credential[2], credential[3]
    if "AWSAccessKeyId=" in query:  # SigV2 presigned URLs: S3 only
        return (parse_qs(query).get("AWSAccessKeyId") or [None])[0], "us-east-1", "s3"
    return None, "", ""


def _query_value(environ: dict[str, Any], name: str) -> str | None:
    query = environ.get("QUERY_STRING", "")
    return (parse_qs(query).get(name) or [None])[0] if name in query else None


def _body_reader(environ: dict[str, Any]) -> Callable[[], bytes]:
    """Read the body once, and put it back for whoever serves the request next."""
    cache: list[bytes] = []

    def body() -> bytes:
        if not cache:
            length = environ.get("CONTENT_LENGTH") or ""
            if length.isdigit() and not environ.get("wsgi.input_terminated"):
                data = environ["wsgi.input"].read(int(length))
            else:  # chunked, or no length given: werkzeug knows where the body ends
                data = get_input_stream(environ).read()
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("wsgi.input_terminated", None)
            cache.append(data)
        return cache[0]

    return body
