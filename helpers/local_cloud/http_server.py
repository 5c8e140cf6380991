"""The local cloud's HTTP server: HTTP/1.1 keep-alive, raw header names, bounded idle time.

werkzeug's development server closes every connection (a new TCP connection and thread per
request) and hands WSGI only upper-cased ``HTTP_*`` keys, so a client's ``day`` header arrives
as ``Day``. AWS keeps header names as sent (REST APIs pass them to Lambda unchanged), so this
server adds them to the environ as ``local_cloud.raw_headers``: ``[(name, value), ...]`` in the
order received, repeats included.

It is the standard library's threading HTTP server with a WSGI layer that drains each request
body before reading the next request line (the reason werkzeug gave up on keep-alive), closes
connections idle for ``idle_timeout`` seconds, caps open connections, and on ``stop()`` closes
every connection and joins every thread it started.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import ClientDisconnected, HTTPException

RAW_HEADERS = "local_cloud.raw_headers"
DRAIN_LIMIT = 16 * 1024 * 1024  # an unread body larger than this closes the connection
log = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _BodyReader(io.RawIOBase):
    """``wsgi.input``: exactly the request's body, however the app reads it.

    A body shorter than its Content-Length (the client hung up) raises ``ClientDisconnected``,
    a 400, instead of handing the app a silently truncated body."""

    def __init__(self, rfile: Any, length: int | None, chunked: bool) -> None:
        self._rfile = rfile
        self._remaining = length or 0
        self._chunked = chunked
        self._chunk_left = 0
        self._done = not chunked and not length

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        line = self._rfile.readline(1024)
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise ClientDisconnected("Malformed chunked request body.") from None
        if size == 0:  # last chunk: skip trailers up to the blank line
            while self._rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
            self._done = True
        self._chunk_left = size

    def readinto(self, buffer: Any) -> int:
        if self._done or not len(buffer):
            return 0
        if self._chunked:
            if self._chunk_left == 0:
                self._next_chunk()
                if self._done:
                    return 0
            wanted = min(len(buffer), self._chunk_left)
        else:
            wanted = min(len(buffer), self._remaining)
        data = self._rfile.read(wanted)
        if not data:
            raise ClientDisconnected("The request body ended before its declared length.")
        buffer[: len(data)] = data
        if self._chunked:
            self._chunk_left -= len(data)
            if self._chunk_left == 0:
                self._rfile.readline(8)  # the CRLF after a chunk
        else:
            self._remaining -= len(data)
            self._done = self._remaining == 0
        return len(data)

    def drain(self, limit: int) -> bool:
        """Read and drop what the app left unread; False if more than `limit` remains."""
        if not self._chunked and self._remaining > limit:
            return False
        total = 0
        while not self._done:
            chunk = self.read(65536)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                return False
        return True


class _RequestHandler(BaseHTTPRequestHandler):
    """One connection: many requests while the client keeps it alive."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else a response in two writes waits on a delayed ACK
    server_version = "LocalCloud"
    sys_version = ""
    server: LocalHTTPServer

    def setup(self) -> None:
        self.timeout = self.server.idle_timeout  # applies to every read: idle and slow clients
        super().setup()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            self.close_connection = True
            return
        if not self.parse_request():  # answers malformed requests itself
            return
        try:
            self._run_wsgi()
        except (TimeoutError, ConnectionError, BrokenPipeError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # a quiet server: the planes say what matters

    # -- WSGI ---------------------------------------------------------------------------------
    def _environ(self, body: _BodyReader) -> dict[str, Any]:
        from . import moto_adapter

        (PRESERVED_HEADER_NAMES_ENVIRON_KEY, environ_key_for_header,
         should_preserve_original_header_name) = moto_adapter.preserved_header_names()

        url = urlsplit(self.path)
        path = url.path if not url.netloc or url.scheme else f"//{url.netloc}{url.path}"
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": body,
            "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False,
            "wsgi.run_once": False, "wsgi.input_terminated": True,
            "SERVER_SOFTWARE": self.server_version, "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "", "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": url.query, "REQUEST_URI": self.path, "RAW_URI": self.path,
            "REMOTE_ADDR": self.client_address[0], "REMOTE_PORT": self.client_address[1],
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            RAW_HEADERS: list(self.headers.items()),
        }  # fmt: skip
        preserved: dict[str, str] = {}
        for name, value in self.headers.items():
            value = value.replace("\r\n", "")
            key = environ_key_for_header(name)
            if "_" in name:
                # WSGI cannot tell X_Foo from X-Foo: drop underscored names (as werkzeug does)
                # except S3 metadata keys, which moto needs spelled as sent.
                if not should_preserve_original_header_name(name) or key in environ:
                    continue
                preserved.setdefault(key, name)
            if key in environ and key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                value = f"{environ[key]},{value}"
            environ[key] = value
        if preserved:
            environ[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = preserved
        return environ

    def _run_wsgi(self) -> None:
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        try:
            length = None if chunked else int(self.headers.get("Content-Length") or 0)
            if length is not None and length < 0:
                raise ValueError
        except ValueError:
            self._send_plain(400, "Bad Content-Length header.")
            self.close_connection = True
            return
        body = _BodyReader(self.rfile, length, chunked)
        environ = self._environ(body)
        state: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if exc_info and state.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            state["status"], state["headers"] = status, headers
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        except HTTPException as error:  # ClientDisconnected and friends: the client's fault
            code = error.code or 400
            chunks = [json.dumps({"message": error.description}).encode()]
            state["status"] = f"{code} {HTTPStatus(code).phrase}"
            state["headers"] = [("Content-Type", "application/json")]
            self.close_connection = True
        except Exception as error:  # a bug of ours or moto's: say so in AWS's JSON shape
            log.exception("Unhandled error serving %s %s", self.command, self.path)
            chunks = [json.dumps({"__type": "InternalFailure",
                                  "message": f"The local cloud failed: {error!r}"}).encode()]
            state["status"] = "500 Internal Server Error"
            state["headers"] = [("Content-Type", "application/json"),
                                ("x-amzn-ErrorType", "InternalFailure")]
        try:
            drained = body.drain(DRAIN_LIMIT)
        except (ClientDisconnected, OSError):
            drained = False
        if not drained:
            self.close_connection = True
        self._send(state["status"], state["headers"], chunks)

    def _send(self, status: str, headers: list[tuple[str, str]], chunks: list[bytes]) -> None:
        body = b"".join(chunks)
        code = int(status.split(None, 1)[0])
        lines = [f"{self.protocol_version} {status}\r\n"]
        has_length = False
        for name, value in headers:
            lowered = name.lower()
            if lowered == "connection":
                if value.lower() == "close":
                    self.close_connection = True
                continue
            if lowered == "content-length":
                has_length = True
            elif lowered == "transfer-encoding":
                continue  # the body is whole here: send it with a length
            lines.append(f"{name}: {value}\r\n")
        if not has_length and not (100 <= code < 200 or code in (204, 304)):
            lines.append(f"Content-Length: {len(body)}\r\n")
        lines.append(f"Date: {self.date_time_string()}\r\n")
        if self.close_connection:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        head = "".join(lines).encode("latin-1", "replace")
        self.wfile.write(head if self.command == "HEAD" else head + body)
        self.wfile.flush()

    def _send_plain(self, code: int, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        self._send(f"{code} {HTTPStatus(code).phrase}",
                   [("Content-Type", "application/json")], [body])


class LocalHTTPServer(socketserver.ThreadingMixIn, HTTPServer):
    """A thread per connection (not per request); see the module docstring."""

    daemon_threads = True
    block_on_close = False  # stop() closes connections and joins threads itself
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: WSGIApp, *, idle_timeout: float = 30.0,
                 max_connections: int = 256) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            refused = len(self._connections) >= self.max_connections
            target = self._refuse if refused else self.process_request_thread
            thread = threading.Thread(target=target, args=(request, client_address),
                                      name=f"local-cloud-connection-{client_address[1]}",
                                      daemon=True)  # fmt: skip
            self._connections[request] = thread
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(request, None)

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        """Over the cap: read the request's head (briefly), answer 503, close."""
        try:
            request.settimeout(1.0)
            received = b""
            while b"\r\n\r\n" not in received and len(received) < 65536:
                chunk = request.recv(65536)
                if not chunk:
                    break
                received += chunk
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                            b"Connection: close\r\n\r\n")  # fmt: skip
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            request.close()
            with self._connections_lock:
                self._connections.pop(request, None)

    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def close_all(self, timeout: float = 5.0) -> None:
        """Close every open connection and wait for its thread (after ``shutdown()``)."""
        with self._connections_lock:
            connections = list(self._connections.items())
        for connection, _ in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in connections:
            thread.join(timeout)
