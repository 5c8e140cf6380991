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

from werkzeug.wrappers import Request, Response

from . import access_rules as access
from . import malloc, moto_adapter  # moto_adapter checks the installed moto's version
from .clock import REAL_CLOCK, Clock
from .http_server import LocalHTTPServer

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
        """True when this plane serves the request (checked before moto). A plane may also
        define ``is_public(request)``: True for traffic AWS serves unsigned to anyone (API
        Gateway, CloudFront), which skips the control plane's signature and origin checks."""

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
    moto_adapter.configure()
    # moto logs every request at INFO through werkzeug, even with verbose=False.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _moto_app() -> WSGIApp:
    from .aws_errors import AwsShapedErrors  # whatever fails in moto answers as AWS would

    return AwsShapedErrors(moto_adapter.wsgi_app())


def _never(request: Request) -> bool:
    return False


SIGNED_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")


class Router:
    """WSGI entry point: our health check, then each data plane, then moto."""

    def __init__(self, moto_app: Any, planes: list[DataPlane], info: dict[str, Any],
                 authorizer: Any = None):
        self.moto_app = moto_app
        self.planes = planes
        self.info = info
        self.host_names = access.configured_host_names()
        self.own_origins: set[str] = set()  # the cloud's own http://host:port, once it listens
        self.authorizer = authorizer  # authorization.Authorizer: IAM for execution roles
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
        plane = next((plane for plane in self.planes if plane.claims(request)), None)
        refused = self._refusal(request, plane)
        if refused is not None:
            status, headers, body = refused
            start_response(status, headers)
            return [body]
        denied = self.authorizer.check(environ) if self.authorizer is not None else None
        if denied is not None:  # signed by a function's role, which may not do this
            return denied(environ, start_response)
        if plane is not None:
            return plane(environ, start_response)
        if request.path == "/moto-api/reset" and request.method == "POST":
            return self._reset(environ, start_response)
        return self._moto(environ, start_response)

    def _refusal(self, request: Request, plane: DataPlane | None) -> Any:
        """Why this request is refused (see ``access_rules``), or None."""
        environ = request.environ
        public = plane is not None and getattr(plane, "is_public", _never)(request)
        name = access.host_name(request.host)
        if not public and not access.serves_host(name, self.host_names):
            return access.refusal(421, "MisdirectedRequest", (
                f"The local cloud does not serve the host name {name!r}. It answers 127.0.0.1, "
                "localhost, *.localhost, AWS service names and the names in "
                "LOCAL_CLOUD_HOSTNAMES (comma-separated)."))
        if public or access.is_anonymous_s3_read(environ) and not access.is_signed(environ):
            return None  # AWS's data planes: CORS as the API or bucket configures it
        if access.from_another_site(environ, self.own_origins):
            return access.refusal(403, "AccessDeniedException", (
                "The local cloud refuses control-plane requests that a browser sends on behalf "
                "of another site (Origin or Sec-Fetch-Site). Call it from boto3 or the AWS CLI."))
        if not access.is_signed(environ) and not access.is_local_endpoint(request.path):
            return access.refusal(403, "MissingAuthenticationTokenException", (
                "Missing Authentication Token: like AWS, the local cloud refuses unsigned calls "
                "to its control plane. Use boto3 or the AWS CLI (they sign every call)."))
        return None

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

    ``enforce_iam``: functions' AWS calls are authorised against their execution role, as on
    AWS. ``False`` (or the environment variable ``LOCAL_CLOUD_ENFORCE_IAM=0``) lets them do
    anything; the default (None) reads that variable, and is on.

    ``clock`` is what schedules, pollers and SQS visibility timeouts read (a ``FakeClock`` in
    tests); ``background=False`` keeps the planes' background threads from starting, so a test
    drives pollers and schedules itself (``poll_once()``, ``tick()``).
    """

    def __init__(self, port: int = 0, host: str = "127.0.0.1", *,
                 enforce_iam: bool | None = None, clock: Clock = REAL_CLOCK,
                 background: bool = True):  # fmt: skip
        from .authorization import Authorizer

        self.host = host
        self.authorizer = Authorizer(account=ACCOUNT_ID, region=REGION, enforce=enforce_iam)
        self.requested_port = port
        self.clock = clock
        self.background = background
        self.planes: list[DataPlane] = []
        self.app: Router | None = None  # the whole cloud as one WSGI app (for internal requests)
        self._server: LocalHTTPServer | None = None
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
        malloc.cap_arenas()  # a thread per connection must not mean an arena per thread
        from . import planes

        moto = _moto_app()
        self.planes = planes.create_all(self, moto)
        info = {"account": ACCOUNT_ID, "region": REGION, "services": list(SERVICES)}
        app = self.app = Router(moto, self.planes, info, self.authorizer)
        if self.requested_port:
            _check_port_is_free(self.host, self.requested_port)
        self._server = LocalHTTPServer((self.host, self.requested_port), app)
        app.own_origins = {f"http://{name}:{self.port}" for name in (self.host, "localhost")}
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
        server, self._server = self._server, None
        server.shutdown()  # no new connections
        from .planes import lifecycle

        for plane in self.planes:  # runtimes die first, so no request waits on one
            lifecycle(plane, "close")
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
