"""The local cloud: moto in server mode on loopback, plus the data plane moto lacks.

moto answers the control plane (create a function, a table, a distribution). The data
plane (running a function, routing a request through API Gateway or CloudFront) is ours:
each piece is a ``DataPlane`` that claims the requests it serves before moto sees them.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from .clock import REAL_CLOCK, Clock

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
SERVICES = (
    "iam", "sts", "lambda", "logs", "s3", "dynamodb",
    "apigateway", "apigatewayv2", "cloudfront", "route53",
    "sqs", "sns", "events", "dynamodbstreams",
)  # fmt: skip

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class PortInUseError(RuntimeError):
    """The port asked for is taken by another process."""


class DataPlane(Protocol):
    """A piece of the local cloud that serves traffic moto does not."""

    def claims(self, request: Request) -> bool:
        """True when this plane serves the request (checked before moto)."""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Serve a claimed request (a WSGI application)."""

    def close(self) -> None:
        """Release processes and threads (optional, as are ``start`` and ``reset``: see
        ``planes/__init__.py`` for the lifecycle)."""


def _check_port_is_free(host: str, port: int) -> None:
    # werkzeug prints and exits the process when a port is taken; say it our way instead.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUseError(
                f"Port {port} on {host} is already in use. Stop the program using it, "
                "or choose another port (python -m helpers.local_cloud --port N, "
                "or make lab PORT=N)."
            ) from None


def _configure_moto() -> None:
    """Settings that must be in place before moto creates its backends."""
    from moto import settings

    from . import moto_patches

    moto_patches.install()
    # So AWSLambdaBasicExecutionRole and friends can be attached, as on AWS.
    settings.default_user_config.setdefault("iam", {})["load_aws_managed_policies"] = True
    # moto logs every request at INFO through werkzeug, even with verbose=False.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _moto_app() -> WSGIApp:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


SIGNED_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


class Router:
    """WSGI entry point: our health check, then each data plane, then moto."""

    def __init__(self, moto_app: Any, planes: list[DataPlane], info: dict[str, Any]):
        self.moto_app = moto_app
        self.planes = planes
        self.info = info
        self._json_apps: dict[tuple[str, str, str], Any] = {}

    def _moto(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """moto, skipping its per-request search for the backend when the request says which
        (signed JSON-protocol calls name their service, region and API: DynamoDB, Logs...)."""
        target = environ.get("HTTP_X_AMZ_TARGET")
        scope = SIGNED_SCOPE.search(environ.get("HTTP_AUTHORIZATION", "")) if target else None
        if scope is None:
            return self.moto_app(environ, start_response)
        key = (scope[1], scope[2], target.split(".", 1)[0])
        app = self._json_apps.get(key)
        if app is None:
            app = self._json_apps[key] = self.moto_app.get_application(environ)
        return app(environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if request.path == "/_aws/health":
            body = json.dumps({"status": "running", **self.info})
            return Response(body, content_type="application/json")(environ, start_response)
        for plane in self.planes:
            if plane.claims(request):
                return plane(environ, start_response)
        if request.path == "/moto-api/reset" and request.method == "POST":
            return self._reset(environ, start_response)
        return self._moto(environ, start_response)

    def _reset(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """moto forgets every resource; the planes forget theirs (runtimes, timers, queues)."""
        from .planes import lifecycle

        body = b"".join(self.moto_app(environ, start_response))
        for plane in self.planes:
            lifecycle(plane, "reset")
        return [body]


class LocalCloud:
    """moto's server and our data planes on 127.0.0.1, in a background thread.

    ``port=0`` takes a free port. Use ``endpoint`` as ``endpoint_url`` (or as the
    ``AWS_ENDPOINT_URL`` environment variable) for any boto3 client.

    ``clock`` is what schedules, pollers and SQS visibility timeouts read (a ``FakeClock`` in
    tests); ``background=False`` keeps the planes' background threads from starting, so a test
    drives pollers and schedules itself (``poll_once()``, ``tick()``).
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *, clock: Clock = REAL_CLOCK,
                 background: bool = True):  # fmt: skip
        self.host = host
        self.requested_port = port
        self.clock = clock
        self.background = background
        self.planes: list[DataPlane] = []
        self.app: Router | None = None  # the whole cloud as one WSGI app (for internal requests)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The local cloud is not running: call start() first.")
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def plane(self, kind: type) -> Any:
        """The data plane of a given class (planes use each other: API Gateway invokes Lambda)."""
        for plane in self.planes:
            if isinstance(plane, kind):
                return plane
        raise LookupError(f"No {kind.__name__} in this local cloud.")

    def start(self) -> LocalCloud:
        if self._server is not None:
            return self
        _configure_moto()
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        from . import planes

        moto = _moto_app()
        self.planes = planes.create_all(self, moto)
        info = {"account": ACCOUNT_ID, "region": REGION, "services": list(SERVICES)}
        app = self.app = Router(moto, self.planes, info)
        if self.requested_port:
            _check_port_is_free(self.host, self.requested_port)
        class RequestHandler(MotoRequestHandler):
            # Without it, a response written in two parts waits on a delayed ACK (~40 ms).
            disable_nagle_algorithm = True

        self._server = make_server(
            self.host, self.requested_port, app, threaded=True, request_handler=RequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-cloud", daemon=True
        )
        self._thread.start()
        from .planes import lifecycle

        for plane in self.planes:
            lifecycle(plane, "start")
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        from .planes import lifecycle

        for plane in self.planes:
            lifecycle(plane, "close")
        self._server = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
