"""Lambda's data plane: Invoke runs the deployed code for real, in the local runtime.

moto keeps functions, versions and aliases (the control plane) but cannot run them without
Docker. This plane claims Lambda's API paths: it answers Invoke itself, from moto's stored
configuration, and passes every other call on to moto, keeping what moto drops
(``LoggingConfig``) and simulating IAM propagation when asked to.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import re
import threading
import uuid
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from .. import limits, moto_adapter
from ..aws_errors import RAISE_MOTO_ERRORS
from ..clock import REAL_CLOCK, Clock
from ..lambda_runtime import FunctionSpec, InvocationResult, LambdaRuntime
from ..lambda_runtime.python_runtimes import runtime_refusal
from ..server import ACCOUNT_ID, REGION, LocalCloud, WSGIApp
from . import Plane, register
from . import lambda_rules as rules
from .body import UnreadableBody, read_body
from .lambda_concurrency import Throttled
from .lambda_operations import Invoked, LambdaOperations

FUNCTIONS = re.compile(r"^/2015-03-31/functions(?:/(?P<name>[^/]+)(?P<rest>/.*)?)?/?$")
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")
SIMULATION_PATH = "/_aws/lambda/simulate-iam-propagation"
# What moto raises when a request lacks a member it reads (a KeyError, mostly).
MOTO_INPUT_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _json_error(status: int, error_type: str, message: str) -> Response:
    body = json.dumps({"Type": "User", "message": message})
    return Response(body, status, {"x-amzn-ErrorType": error_type}, content_type="application/json")


def _lambda_error(error: rules.LambdaError) -> Response:
    return _json_error(error.status, error.error_type, error.message)


def _unreadable(error: UnreadableBody) -> Response:
    return _json_error(400, "InvalidRequestContentException", str(error))


def _moto_error(error: Exception) -> Response:
    status = getattr(error, "code", 500)
    body = error.get_body() if hasattr(error, "get_body") else str(error)
    headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
    headers.pop("Content-Type", None)
    return Response(body, status, headers, content_type="application/json")


@register(order=10)
class LambdaPlane(Plane):
    """Claims ``/2015-03-31/functions...``; see the module docstring."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app
        self._runtime: LambdaRuntime | None = None
        self._closed = False
        self._lock = threading.Lock()
        self.logging_configs: dict[tuple[str, str, str], dict[str, str]] = {}
        self.iam_propagation_seconds = 0.0
        # today's date decides which runtimes AWS still takes
        self.clock: Clock = getattr(cloud, "clock", REAL_CLOCK)
        # operate: concurrency, metrics and the asynchronous queue (lambda_operations.py)
        self.operations = LambdaOperations(self)

    # -- plumbing ---------------------------------------------------------------------------
    def claims(self, request: Request) -> bool:
        return request.path == SIMULATION_PATH or bool(FUNCTIONS.match(request.path))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            if request.path == SIMULATION_PATH:
                return self._configure_simulation(request)(environ, start_response)
            match = FUNCTIONS.match(request.path)
            assert match is not None
            name, rest = unquote(match["name"] or ""), match["rest"] or ""
            rules.function_name_in_path(name)
            region = self._region(request)
            if request.method == "POST" and rest.rstrip("/") == "/invocations":
                response = self._invoke(request, name, region)
                return response(environ, start_response)
            return self._control_plane(request, environ, start_response, name, rest, region)
        except rules.LambdaError as error:
            return _lambda_error(error)(environ, start_response)
        except UnreadableBody as error:
            return _unreadable(error)(environ, start_response)

    @property
    def runtime(self) -> LambdaRuntime:
        with self._lock:
            if self._closed:
                raise RuntimeError("The local cloud is stopping: no new invocations.")
            if self._runtime is None:
                self._runtime = LambdaRuntime(
                    region=REGION, account_id=ACCOUNT_ID,
                    endpoint_url=self.cloud.endpoint, log_sink=self._store_logs,
                    credentials=self._role_credentials,
                    clock=self.clock,
                )  # fmt: skip
            return self._runtime

    def _role_credentials(self, spec: FunctionSpec) -> dict[str, str]:
        """Temporary credentials for the function's execution role, as Lambda gives each
        function: the session is named after the function, and the cloud knows whose it is."""
        session = self.cloud.authorizer.sessions.issue(spec.role_arn, spec.function_name,
                                                       spec.function_arn)  # fmt: skip
        return session.environment()

    def close(self) -> None:
        self.operations.close()  # operate: queued events are dropped, no new one starts
        with self._lock:
            self._closed = True
        self._stop_runtime()
        self.operations.join()  # operate: the async workers end with the runtime

    def reset(self) -> None:
        """moto forgot every function: stop their environments, forget what moto drops."""
        self.operations.close()
        self._stop_runtime()
        self.operations.join()
        self.operations.reset()  # operate: ready for new events, fresh metric cells
        self.logging_configs.clear()

    def _stop_runtime(self) -> None:
        with self._lock:
            runtime, self._runtime = self._runtime, None
        if runtime is not None:
            runtime.shutdown()

    @staticmethod
    def _region(request: Request) -> str:
        match = CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
        return match["region"] if match else REGION

    @staticmethod
    def _account(request: Request) -> str:
        match = re.search(r"Credential=([^/]+)/", request.headers.get("Authorization", ""))
        return moto_adapter.account_of_access_key(match[1]) if match else ACCOUNT_ID

    def _backend(self, request: Request, region: str) -> Any:
        return moto_adapter.lambda_backend(self._account(request), region)

    # -- the control plane, passed on to moto -------------------------------------------------
    def _control_plane(self, request: Request, environ: dict[str, Any], start_response: Any,
                       name: str, rest: str, region: str) -> Any:  # fmt: skip
        body = read_body(request)
        account = self._account(request)
        config_call = request.method in ("POST", "PUT") and rest in ("", "/configuration")
        creating = request.method == "POST" and not rest
        if request.method == "PUT" and rest == "/code":
            rules.code_update(body)
            refused = self._refuse_blocked_runtime(account, region, name, None, creating=False)
            if refused is not None:
                return refused(environ, start_response)
        if config_call and (body or creating):
            spec = rules.configuration(body, creating=creating)
            if (refused := limits.function_configuration_refusal(spec)) is not None:
                return _json_error(*refused)(environ, start_response)
            name = name or spec.get("FunctionName", "")
            refused = self._refuse_blocked_runtime(account, region, name, spec.get("Runtime"),
                                                   creating=request.method == "POST" and not rest)
            if refused is not None:
                return refused(environ, start_response)
            if request.method == "POST" and not rest:
                refused = self._refuse_unpropagated_role(account, spec.get("Role", ""))
                if refused is not None:
                    return refused(environ, start_response)
            key = (account, region, name.split(":")[-1])
            if "LoggingConfig" in spec:
                self.logging_configs[key] = dict(spec["LoggingConfig"])
            elif request.method == "POST" and not rest:  # a new function starts from defaults
                self.logging_configs.pop(key, None)
        if request.method == "DELETE" and not rest:
            self.logging_configs.pop((account, region, name.split(":")[-1]), None)
            if self._runtime is not None:
                arn = f"arn:aws:lambda:{region}:{account}:function:{name.split(':')[-1]}"
                self._runtime.discard(arn)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ[RAISE_MOTO_ERRORS] = MOTO_INPUT_ERRORS  # moto's KeyError on a thin request: a 400 here
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: None

        try:
            chunks = b"".join(self.moto_app(environ, capture))
        except MOTO_INPUT_ERRORS as error:  # moto read a member the request lacks
            return _json_error(400, "InvalidParameterValueException", "One of the parameters "
                               "in the request is not valid (the local cloud could not read it: "
                               f"{type(error).__name__} {error}).")(environ, start_response)
        response = Response(chunks, captured["status"], captured["headers"])
        if "Content-Type" not in dict(captured["headers"]):  # moto leaves some out
            response.headers["Content-Type"] = "application/json"
        if response.status_code < 300 and request.method != "DELETE":
            self._add_logging_config(response, account, region)
        return response(environ, start_response)

    def _add_logging_config(self, response: Response, account: str, region: str) -> None:
        """moto drops LoggingConfig; AWS always reports it (Text and /aws/lambda/NAME by default)."""
        try:
            document = json.loads(response.get_data())
        except ValueError:
            return
        configs = [document.get("Configuration"), document]
        configs += document.get("Functions", []) + document.get("Versions", [])
        changed = False
        for config in configs:
            if isinstance(config, dict) and "FunctionName" in config and "Runtime" in config:
                config["LoggingConfig"] = self._logging_config(
                    account, region, config["FunctionName"]
                )
                changed = True
        if changed:
            response.set_data(json.dumps(document))

    def _logging_config(self, account: str, region: str, name: str) -> dict[str, str]:
        config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
        config.update(self.logging_configs.get((account, region, name), {}))
        return config

    def _refuse_blocked_runtime(self, account: str, region: str, name: str, runtime: str | None,
                                *, creating: bool) -> Response | None:
        """AWS refuses a runtime past its deprecation's blocking dates: for new functions (and
        functions switched to it) from "Block function create", for any change to a function
        already on it from "Block function update" (see python_runtimes)."""
        current = None if creating else moto_adapter.lambda_function_runtime(account, region, name)
        switching = creating or (runtime is not None and runtime != current)
        today = datetime.datetime.fromtimestamp(self.clock.time(), datetime.UTC).date()
        message = runtime_refusal(runtime or current, creating=switching, today=today)
        if message is None:
            return None
        return _json_error(400, "InvalidParameterValueException", message)

    # -- IAM propagation, simulated on request ----------------------------------------------
    def _configure_simulation(self, request: Request) -> Response:
        try:
            seconds = json.loads(read_body(request) or b"{}").get("seconds", 0)
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
                raise ValueError(seconds)
        except (ValueError, AttributeError, UnicodeDecodeError):
            return _json_error(400, "InvalidRequestContentException",
                               'Send {"seconds": N}: how long a new role takes to propagate.')
        self.iam_propagation_seconds = float(seconds)
        return Response(json.dumps({"seconds": self.iam_propagation_seconds}),
                        content_type="application/json")  # fmt: skip

    def _refuse_unpropagated_role(self, account: str, role_arn: str) -> Response | None:
        if self.iam_propagation_seconds <= 0 or not role_arn:
            return None
        role_name = role_arn.rsplit("/", 1)[-1]
        try:
            role = moto_adapter.iam_role(account, role_name)
        except moto_adapter.api_errors():
            return None  # moto reports an unknown role itself (NoSuchEntity)
        age = self.clock.time() - role.create_date.timestamp()
        if age >= self.iam_propagation_seconds:
            return None
        return _json_error(400, "InvalidParameterValueException",
                           "The role defined for the function cannot be assumed by Lambda.")

    # -- Invoke ----------------------------------------------------------------------------
    def _invoke(self, request: Request, name: str, region: str) -> Response:
        request_id = str(uuid.uuid4())
        rules.invoke_headers(request.headers.get("X-Amz-Invocation-Type"),
                             request.headers.get("X-Amz-Log-Type"),
                             request.headers.get("X-Amz-Client-Context"))  # fmt: skip
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        qualifier = request.args.get("Qualifier")
        try:
            backend = self._backend(request, region)
        except KeyError:  # moto knows no such region
            return _json_error(403, "InvalidSignatureException",
                               f"Credential should be scoped to a valid region, not '{region}'.")
        try:
            function = backend.get_function(name, qualifier)
        except moto_adapter.api_errors() as error:  # moto's ResourceNotFound..., AWS-shaped
            return _moto_error(error)
        if function.package_type == "Image":
            return _json_error(400, "InvalidParameterValueException",
                               "Container image functions cannot run on the local cloud.")
        payload = read_body(request) or b"{}"
        if (refused := limits.invoke_request_refusal(len(payload), invocation_type)) is not None:
            return _json_error(*refused)
        try:
            json.loads(payload)
        except ValueError as error:
            return _json_error(400, "InvalidRequestContentException",
                               f"Could not parse request body into json: {error}")
        headers = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": function.version}
        if invocation_type == "DryRun":
            return Response(b"", 204, headers)
        # operate: concurrency, metrics, and Event invocations queued (lambda_operations.py)
        invoked = Invoked.parse(self._account(request), region, name, qualifier)
        if invocation_type == "Event":
            self.operations.async_invocations.submit(invoked, payload, request_id)
            return Response(b"", 202, headers)
        try:
            result = self.operations.run_model(
                invoked, function, payload, request_id=request_id,
                client_context=request.headers.get("X-Amz-Client-Context"),
            )  # fmt: skip
        except Throttled as throttled:
            return throttled.response()
        return self._response(result, request.headers.get("X-Amz-Log-Type") == "Tail")

    def invoke_event(self, function_arn: str, payload: bytes) -> str:
        """Queue an asynchronous invoke for another service's plane (S3, SNS, EventBridge...):
        retries, event age, destinations and the dead-letter queue apply as for
        ``InvocationType=Event``. Returns the request id; raises LookupError if there is no such
        function (or version/alias)."""
        return self.operations.invoke_event(function_arn, payload)

    def invoke_for_service(self, function_arn: str, payload: bytes) -> InvocationResult:
        """Run a function for another service's data plane (API Gateway, say): a synchronous
        invoke of the function (or version/alias) the ARN names. Raises LookupError if absent.
        Checking the function's resource policy is the caller's job (see ``function_policy``)."""
        parts = function_arn.split(":")
        account, name = parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else None
        function, region = self._function_for_arn(function_arn)
        # operate: raises Throttled (a 500 from API Gateway, as on AWS) when no concurrency is free
        return self.operations.run_model(Invoked(account, region, name, qualifier), function,
                                         payload or b"{}")  # fmt: skip

    @staticmethod
    def _function_for_arn(function_arn: str) -> tuple[Any, str]:
        parts = function_arn.split(":")
        region, account, name = parts[3], parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else None
        try:
            return moto_adapter.lambda_backend(account, region).get_function(name, qualifier), region
        except (*moto_adapter.api_errors(), KeyError) as error:  # no function; unknown region
            raise LookupError(f"No function {function_arn}: {error}") from None

    @staticmethod
    def function_policy(function_arn: str) -> dict[str, Any] | None:
        """The function's resource-based policy document (what add_permission built), or None."""
        parts = function_arn.split(":")
        region, account, name = parts[3], parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else None
        try:
            wire = json.loads(moto_adapter.lambda_backend(account, region).get_policy(name, qualifier))
            return json.loads(wire["Policy"])
        except (*moto_adapter.api_errors(), KeyError):  # no such function (or region), no policy
            return None

    @staticmethod
    def _response(result: InvocationResult, tail: bool) -> Response:
        headers = {"x-amzn-RequestId": result.request_id,
                   "X-Amz-Executed-Version": result.executed_version}  # fmt: skip
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        if tail:
            headers["X-Amz-Log-Result"] = base64.b64encode(result.log_tail.encode()).decode()
        payload = result.payload
        if (too_large := limits.response_too_large(payload)) is not None:
            payload, headers["X-Amz-Function-Error"] = too_large, "Unhandled"
        return Response(payload, 200, headers, content_type="application/json")

    def _spec(self, function: Any, region: str) -> FunctionSpec:
        layers = tuple(moto_adapter.layer_code(function.account_id, region, layer["Arn"])
                       for layer in function.layers)  # fmt: skip
        logging_config = self._logging_config(function.account_id, region, function.function_name)
        unqualified = f"arn:aws:lambda:{region}:{function.account_id}:function:"
        return FunctionSpec(
            function_name=function.function_name,
            function_arn=unqualified + function.function_name,
            version=str(function.version),
            handler=function.handler,
            runtime=function.run_time or "python3.12",
            code_zip=function.code_bytes,
            code_sha256=function.code_sha_256,
            layers=layers,
            environment=dict(function.environment_vars or {}),
            timeout=float(function.timeout),
            memory_size=int(function.memory_size),
            log_group=logging_config["LogGroup"],
            log_format=logging_config["LogFormat"],
            application_log_level=logging_config.get("ApplicationLogLevel"),
            role_arn=function.role,
        )

    # -- logs --------------------------------------------------------------------------------
    def _store_logs(self, log_group: str, log_stream: str, events: list[tuple[int, str]],
                    spec: FunctionSpec | None = None) -> None:
        """Lambda writes a function's logs with its execution role: the group is created (if
        missing), then the stream, then the events go in, each only if the role may; otherwise
        the invoke still succeeds and the logs are lost, as on AWS."""
        from ..iam_requests import log_group_resource

        region, account = REGION, ACCOUNT_ID
        if spec is not None:
            region, account = spec.function_arn.split(":")[3:5]

        def may(action: str, stream: str | None) -> bool:
            if spec is None or not spec.role_arn:
                return True
            resource = log_group_resource(region, account, log_group, stream)
            decision = self.cloud.authorizer.allows(spec.role_arn, spec.function_name, action,
                                                    resource)  # fmt: skip
            return decision.allowed

        logs = moto_adapter.logs_backend(account, region)
        group_exists, stream_exists = moto_adapter.log_stream_exists(account, region, log_group,
                                                                     log_stream)  # fmt: skip
        if not group_exists:
            if not may("logs:CreateLogGroup", None):
                return
            logs.ensure_log_group(log_group)
        if not stream_exists:
            if not may("logs:CreateLogStream", log_stream):
                return
            logs.create_log_stream(log_group, log_stream)
        if events and may("logs:PutLogEvents", log_stream):
            logs.put_log_events(
                log_group, log_stream, [{"timestamp": t, "message": m} for t, m in events]
            )
            self.operations.logs_written(ACCOUNT_ID, REGION, events)  # operate: EMF metrics
