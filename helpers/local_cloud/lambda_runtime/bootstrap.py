"""A pure-Python Lambda runtime interface client, for where awslambdaric cannot be installed.

Same contract as awslambdaric's bootstrap (AWS ships it as manylinux wheels only): import the
handler, then loop over the Runtime API's next/response/error endpoints; the same error JSON,
the same log line formats (Text and JSON). Standard library only: it runs inside the execution
environment, where the workbook's packages are not importable. It speaks HTTP over a plain socket
because importing http.client (ssl, email) would add ~40 ms to every cold start.
"""

import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API = "/2018-06-01/runtime"
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as awslambdaric indents tracebacks
_JSON_LOGS = (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(
    os.environ.get("AWS_LAMBDA_LOG_LEVEL"), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")).upper()
_UNICODE_RUNTIMES = {f"AWS_Lambda_python3.{minor}" for minor in range(12, 20)}
_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r"
)
_request_id = None


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg, self.exception_type, self.trace = msg, exception_type, trace


class RuntimeClient:
    """HTTP/1.1 over one kept-alive socket to the Runtime API."""

    def __init__(self, address):
        self.address = address
        self._socket = self._file = None

    def _request(self, method, path, body=b"", headers=()):
        if self._socket is None:
            host, port = self.address.rsplit(":", 1)
            self._socket = socket.create_connection((host, int(port)))
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._file = self._socket.makefile("rb")
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.address}",
                f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers), "", ""]
        try:
            self._socket.sendall("\r\n".join(head).encode("latin-1") + body)
            status = int(self._file.readline().split()[1])
            response_headers = {}
            while (line := self._file.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                response_headers[name.strip().lower()] = value.strip()
            payload = self._file.read(int(response_headers.get("content-length", 0)))
        except (OSError, IndexError, ValueError):
            self._socket.close()
            self._socket = self._file = None
            raise
        return status, response_headers, payload

    def next(self):
        status, headers, body = self._request("GET", f"{API}/invocation/next")
        if status != 200:
            raise RuntimeError(f"GET /invocation/next failed: {status} {body!r}")
        return body, headers

    def post(self, path, body, headers=()):
        status, _, response = self._request("POST", f"{API}{path}", body, headers)
        if status != 202:
            raise RuntimeError(f"POST {path} failed: {status} {response!r}")


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME,
                             f"Bad handler '{handler}': {e}") from None
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT,
                                 f"Cannot use built-in module {modname} as a handler module")
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR,
                             f"Unable to import module '{modname}': {e}") from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR,
                             f"Syntax error in module '{modname}': {e}", trace) from None
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND,
                             f"Handler '{fname}' missing on module '{modname}'") from None


def make_error(message, error_type, stack_trace, request_id=None):
    return {"errorMessage": message or "", "errorType": error_type or "",
            "requestId": request_id if request_id is not None else "",
            "stackTrace": stack_trace or []}


def _fault_result(exc, request_id=None):
    frames = traceback.extract_tb(exc.__traceback__)
    while frames and frames[0].filename == __file__:  # hide the runtime's own frames
        frames = frames[1:]
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def _to_json(obj):
    def default(value):
        import decimal  # lazily: most handlers never return a Decimal

        if isinstance(value, decimal.Decimal):
            return float(value) if not value == value.to_integral_value() else int(value)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    ascii_only = os.environ.get("AWS_EXECUTION_ENV") not in _UNICODE_RUNTIMES
    return json.dumps(obj, default=default, ensure_ascii=ascii_only)


def log_error(error):
    if _JSON_LOGS:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        sys.stdout.write(_to_json({"timestamp": stamp, "level": "ERROR", **error}) + "\n")
        return
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        description += (":" if error.get("errorType") else "") + " " + error["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error.get("stackTrace") or []:
        for line in element.splitlines() or [""]:
            stripped = line.lstrip(" ")
            lines.append(ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped)
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


class LambdaContext:
    """The context object a handler receives (the attributes awslambdaric's has)."""

    def __init__(self, request_id, client_context, identity, deadline_ms, invoked_function_arn):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = None
        self.client_context = _Fields.of(client_context, ("custom", "env", "client"))
        if self.client_context is not None:
            self.client_context.client = _Fields.of(self.client_context.client, (
                "installation_id", "app_title", "app_version_name", "app_version_code",
                "app_package_name"))
        identity = identity or {}
        self.identity = _Fields.of({"cognito_identity_id": identity.get("cognitoIdentityId"),
                                    "cognito_identity_pool_id":
                                        identity.get("cognitoIdentityPoolId")},
                                   ("cognito_identity_id", "cognito_identity_pool_id"))
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return f"LambdaContext([aws_request_id={self.aws_request_id},function_name=" \
               f"{self.function_name},function_version={self.function_version}])"


class _Fields:
    @classmethod
    def of(cls, values, names):
        if values is None:
            return None
        obj = cls()
        for name in names:
            setattr(obj, name, values.get(name))
        return obj


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        record.tenant_id = None
        return True


class _JsonFormatter(logging.Formatter):
    _RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
                 "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
                 "relativeCreated", "thread", "threadName", "processName", "process",
                 "aws_request_id", "tenant_id", "_frame_type", "taskName"}

    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.msg if isinstance(record.msg, dict) and not record.args
            else record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        result.update((k, v) for k, v in record.__dict__.items()
                      if k not in self._RESERVED and k not in result)
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


class _StdoutHandler(logging.Handler):
    def emit(self, record):
        sys.stdout.write(self.format(record))


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    if _JSON_LOGS:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S"))
    if _LOG_LEVEL in logging._nameToLevel:
        logging.getLogger().setLevel(_LOG_LEVEL)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


class _Unbuffered:
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _parse_header_json(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError as e:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
                             f"Unable to parse {name} JSON: {e}") from None


def handle_event(client, request_handler, body, headers):
    request_id = headers.get("lambda-runtime-aws-request-id")
    try:
        context = LambdaContext(
            request_id,
            _parse_header_json(headers.get("lambda-runtime-client-context"), "Client Context"),
            _parse_header_json(headers.get("lambda-runtime-cognito-identity"),
                               "Cognito Identity"),
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"))
        if headers.get("content-type", "application/json") == "application/json":
            try:
                event = json.loads(body)
            except ValueError as e:
                raise FaultException(FaultException.UNMARSHAL_ERROR,
                                     f"Unable to unmarshal input: {e}") from None
        else:
            event = body
        response = request_handler(event, context)
        if isinstance(response, bytes):
            result, content_type = response, "application/unknown"
        else:
            try:
                result, content_type = _to_json(response).encode(), "application/json"
            except (TypeError, ValueError) as e:
                raise FaultException(FaultException.MARSHAL_ERROR,
                                     f"Unable to marshal response: {e}") from None
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, request_id)
    except Exception as e:
        error = _fault_result(e, request_id)
    else:
        client.post(f"/invocation/{request_id}/response", result,
                    [("Content-Type", content_type)])
        return
    log_error(error)
    client.post(f"/invocation/{request_id}/error", _to_json(error).encode(),
                [("Lambda-Runtime-Function-Error-Type", error["errorType"]),
                 ("Content-Type", "application/json")])


def run(handler, client):
    global _request_id
    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)
    try:
        _setup_logging()
        request_handler = _get_handler(handler)
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace)
    except Exception as e:
        error = _fault_result(e)
    else:
        error = None
    if error is not None:
        logging.warning(_WARNING)
        log_error(error)
        client.post("/init/error", _to_json(error).encode(),
                    [("Lambda-Runtime-Function-Error-Type", error["errorType"])])
        sys.exit(1)
    while True:
        body, headers = client.next()
        _request_id = headers.get("lambda-runtime-aws-request-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        handle_event(client, request_handler, body, headers)


def main(args):
    run(args[1], RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"]))
