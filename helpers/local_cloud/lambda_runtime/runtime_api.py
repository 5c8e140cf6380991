"""The Lambda Runtime API one execution environment's runtime client talks to.

`RuntimeApiState` holds the rules (hand out the next event, accept its response or error, record
an init error); `RuntimeApiServer` is the thin HTTP layer on 127.0.0.1 that the runtime reaches
through AWS_LAMBDA_RUNTIME_API.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # 6291556, Lambda's synchronous response limit


@dataclass
class Invocation:
    """One event on its way through the environment, and what the runtime answered."""

    request_id: str
    payload: bytes
    invoked_function_arn: str
    deadline_ms: int = 0  # epoch milliseconds, set when the event is handed over
    trace_id: str = ""
    client_context: str | None = None  # JSON, as the Lambda-Runtime-Client-Context header carries
    timeout: float = 3.0
    received_at: float | None = None  # perf_counter() when the runtime took the event
    finished_at: float | None = None
    response: bytes | None = None
    error: bytes | None = None
    error_type: str | None = None
    done: bool = False


class RuntimeApiState:
    """The Runtime API's rules, without sockets: one event at a time, as Lambda hands them out."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.ready_at: float | None = None  # first GET /next: the end of the init phase
        self.init_error: bytes | None = None
        self.init_error_type: str | None = None
        self.exit_status: int | None = None  # set by the engine when the process ends
        self.closed = False
        self._pending: Invocation | None = None
        self._current: Invocation | None = None

    # The runtime's side (called from HTTP handler threads).
    def next_invocation(self) -> Invocation | None:
        """Block until the engine submits an event; None once the environment is shut down."""
        with self.condition:
            if self.ready_at is None:
                self.ready_at = time.perf_counter()
                self.condition.notify_all()
            self.condition.wait_for(lambda: self._pending is not None or self.closed)
            if self.closed:
                return None
            invocation, self._pending = self._pending, None
            invocation.received_at = time.perf_counter()
            invocation.deadline_ms = int((time.time() + invocation.timeout) * 1000)
            self._current = invocation
            return invocation

    def complete(self, request_id: str, *, response: bytes | None = None,
                 error: bytes | None = None, error_type: str | None = None) -> bool:
        """Record the response or error for the event in flight; False for an unknown request id."""
        with self.condition:
            invocation = self._current
            if invocation is None or invocation.request_id != request_id:
                return False
            invocation.response, invocation.error = response, error
            invocation.error_type = error_type
            invocation.finished_at = time.perf_counter()
            invocation.done = True
            self._current = None
            self.condition.notify_all()
            return True

    def fail_init(self, error: bytes, error_type: str | None) -> bool:
        with self.condition:
            if self.ready_at is not None:
                return False  # Lambda answers 403 once init is over
            self.init_error, self.init_error_type = error, error_type
            self.condition.notify_all()
            return True

    # The engine's side.
    def process_exited(self, status: int) -> None:
        with self.condition:
            self.exit_status = status
            self.condition.notify_all()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()

    def wait_for_init(self, deadline: float) -> str:
        """Wait for the end of init: "ready", "init_error", "exited" or "timeout"."""
        with self.condition:
            self.condition.wait_for(
                lambda: self.ready_at is not None or self.init_error is not None
                or self.exit_status is not None,
                max(0.0, deadline - time.perf_counter()),
            )
            if self.init_error is not None:
                return "init_error"
            if self.ready_at is not None:
                return "ready"
            return "exited" if self.exit_status is not None else "timeout"

    def submit(self, invocation: Invocation) -> None:
        with self.condition:
            self._pending = invocation
            self.condition.notify_all()

    def wait_for_outcome(self, invocation: Invocation, deadline: float) -> str:
        """Wait for the runtime's answer: "done", "exited" or "timeout"."""
        with self.condition:
            self.condition.wait_for(
                lambda: invocation.done or self.exit_status is not None,
                max(0.0, deadline - time.perf_counter()),
            )
            if invocation.done:
                return "done"
            return "exited" if self.exit_status is not None else "timeout"


class _RuntimeApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the runtime reuses one connection
    disable_nagle_algorithm = True  # without it a warm invoke waits ~40 ms for a delayed ACK
    server: RuntimeApiServer

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass

    def do_GET(self) -> None:
        if self.path != f"{API_PREFIX}/invocation/next":
            return self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
        invocation = self.server.state.next_invocation()
        if invocation is None:
            return self._reply(410, {"errorType": "EnvironmentShutdown", "errorMessage": ""})
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_id,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        self._send(200, invocation.payload, headers)

    def do_POST(self) -> None:
        body = self._read_body()
        path = self.path.removeprefix(API_PREFIX)
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        state = self.server.state
        if path == "/init/error":
            accepted = state.fail_init(body, error_type)
            return self._reply(202 if accepted else 403, {"status": "OK"} if accepted else {
                "errorType": "InvalidStateTransition", "errorMessage": "init is over"})
        parts = path.split("/")  # ["", "invocation", id, "response" | "error"]
        if len(parts) != 4 or parts[1] != "invocation" or parts[3] not in ("response", "error"):
            return self._reply(404, {"errorType": "NotFound", "errorMessage": self.path})
        request_id = parts[2]
        if parts[3] == "error":
            accepted = state.complete(request_id, error=body, error_type=error_type)
        elif len(body) > MAX_RESPONSE_BYTES:
            error = {
                "errorMessage": "Response payload size exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }
            state.complete(request_id, error=json.dumps(error).encode(),
                           error_type="Function.ResponseSizeTooLarge")
            return self._reply(413, error)
        else:
            accepted = state.complete(request_id, response=body)
        if not accepted:
            return self._reply(400, {"errorType": "InvalidRequestID",
                                     "errorMessage": f"Invalid request ID: {request_id}"})
        self._reply(202, {"status": "OK"})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, body: dict) -> None:
        self._send(status, json.dumps(body).encode(), {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response_only(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class RuntimeApiServer(ThreadingHTTPServer):
    """A Runtime API on 127.0.0.1 and a free port, serving one environment."""

    daemon_threads = True
    block_on_close = False  # a runtime blocked in GET /next must not hold up shutdown

    def __init__(self, state: RuntimeApiState) -> None:
        self.state = state
        super().__init__(("127.0.0.1", 0), _RuntimeApiHandler)
        self._stopping = False
        self._stopped = threading.Event()
        self._connections: list[threading.Thread] = []  # one per connection of the runtime
        self._thread = threading.Thread(target=self._serve, daemon=True,
                                        name=f"lambda-runtime-api-{self.server_port}")
        self._thread.start()

    def process_request(self, request, client_address) -> None:
        """Serve a connection on its own thread, and keep it: stop() waits for it to end."""
        thread = threading.Thread(target=self.process_request_thread,
                                  args=(request, client_address), daemon=True,
                                  name=f"lambda-runtime-api-{self.server_port}-connection")
        self._connections = [t for t in self._connections if t.is_alive()] + [thread]
        thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_port}"

    def _serve(self) -> None:
        # serve_forever() polls for shutdown every 0.5 s; this loop blocks until a connection
        # arrives, and stop() connects once to wake it.
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self, selectors.EVENT_READ)
                while not self._stopping:
                    if selector.select() and not self._stopping:
                        self._handle_request_noblock()
        finally:
            self._stopped.set()

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a killed runtime resets its connection
            super().handle_error(request, client_address)

    def stop(self) -> None:
        """Stop serving and close the port."""
        self.state.close()
        if not self._stopping:
            self._stopping = True
            try:
                socket.create_connection(self.server_address, timeout=1).close()
            except OSError:
                pass
            self._stopped.wait(timeout=1)
            self.server_close()
            for connection in self._connections:  # they end once the runtime's socket closes
                connection.join(timeout=2)
