"""The local Lambda execution engine: runs a function's zip as AWS would, in milliseconds.

Each execution environment is a subprocess running AWS's runtime interface client (awslambdaric),
or a pure-Python stand-in where it cannot be installed, against a Lambda Runtime API served on
127.0.0.1. Environments stay warm between invokes, time out, crash and log as on AWS.

    runtime = LambdaRuntime(region="us-east-1", account_id="123456789012",
                            endpoint_url="http://127.0.0.1:4566", log_sink=store_log_events)
    result = runtime.invoke(spec, b'{"name": "world"}')

Plain Python over configuration: no moto here (the local cloud wires it in).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from .environment import EngineConfig
from .pool import FunctionPool, PoolRetired
from .runtime_api import Invocation
from .runtime_dir import awslambdaric_available, build_runtime_dir
from .spec import FunctionSpec, InvocationResult

__all__ = ["FunctionSpec", "InvocationResult", "LambdaRuntime", "LogSink"]

# log_sink(log_group, log_stream, events, spec): spec says whose logs they are (its role may or
# may not be allowed to write them).
LogSink = Callable[[str, str, list[tuple[int, str]], FunctionSpec], None]
Credentials = Callable[[FunctionSpec], Mapping[str, str]]
RIC_MODES = ("auto", "awslambdaric", "python")


class LambdaRuntime:
    """Runs Lambda functions locally; one instance serves the whole local cloud."""

    def __init__(self, *, region: str, account_id: str, endpoint_url: str | None,
                 log_sink: LogSink, max_environments_per_function: int = 8,
                 ric: str = "auto", idle_timeout: float = 600.0,
                 credentials: Credentials | None = None) -> None:
        if ric not in RIC_MODES:
            raise ValueError(f"ric must be one of {RIC_MODES}, not {ric!r}")
        if ric == "auto":
            ric = "awslambdaric" if awslambdaric_available() else "python"
        elif ric == "awslambdaric" and not awslambdaric_available():
            raise RuntimeError(
                "awslambdaric is not installed (AWS ships it for Linux only): "
                "use ric='python' or ric='auto' for the pure-Python runtime client")
        self.region = region
        self.account_id = account_id
        self.ric = ric
        self.max_environments_per_function = max_environments_per_function
        self.idle_timeout = idle_timeout  # Lambda reclaims idle environments after minutes
        self._last_reap = time.monotonic()
        self._log_sink = log_sink
        self._root = Path(tempfile.mkdtemp(prefix="local-lambda-"))
        self._config = EngineConfig(
            region=region, account_id=account_id, endpoint_url=endpoint_url,
            runtime_dir=build_runtime_dir(self._root / "runtime"), ric=ric,
            credentials=credentials)
        self._pools: dict[tuple[str, str], FunctionPool] = {}
        self._lock = threading.Lock()
        self._closed = False
        atexit.register(self.shutdown)

    def invoke(self, spec: FunctionSpec, payload: bytes, *, invoked_function_arn: str | None = None,
               request_id: str | None = None, client_context: str | None = None,
               ) -> InvocationResult:
        """Run one synchronous invocation (RequestResponse) of `spec` with `payload` as the event.

        `client_context` is the Invoke API's ClientContext: base64-encoded JSON (plain JSON works).
        """
        if not invoked_function_arn:
            invoked_function_arn = spec.function_arn
            if spec.version != "$LATEST":
                invoked_function_arn += f":{spec.version}"
        invocation = Invocation(
            request_id=request_id or str(uuid.uuid4()), payload=payload or b"{}",
            invoked_function_arn=invoked_function_arn, trace_id=_trace_id(),
            client_context=_client_context_json(client_context), timeout=float(spec.timeout))
        self._reap_idle_environments()
        while True:
            pool = self._pool_for(spec)
            try:
                environment = pool.acquire(spec)
                break
            except PoolRetired:  # a newer revision replaced the pool meanwhile
                continue
        try:
            result, events = environment.invoke(invocation)
        finally:
            pool.release(environment)
        self._log_sink(spec.log_group_name, environment.log_stream, events, spec)
        return result

    def discard(self, function_arn: str) -> None:
        """Drop every environment of a function (it was deleted)."""
        function_arn = ":".join(function_arn.split(":")[:7])  # unqualified
        with self._lock:
            keys = [key for key in self._pools if key[0] == function_arn]
            pools = [self._pools.pop(key) for key in keys]
        for pool in pools:
            pool.retire()

    def shutdown(self) -> None:
        """Kill every runtime process and stop every Runtime API; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        environments = [env for pool in pools for env in pool.environments()]
        for pool in pools:
            pool.retire()
        stoppers = []
        for environment in environments:
            stopper = threading.Thread(target=environment.discard, kwargs={"wait": True},
                                       daemon=True)
            stopper.start()
            stoppers.append(stopper)
        for stopper in stoppers:
            stopper.join(timeout=5)
        shutil.rmtree(self._root, ignore_errors=True)
        atexit.unregister(self.shutdown)

    def _reap_idle_environments(self) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_reap < min(5.0, self.idle_timeout):
                return
            self._last_reap = now
            pools = list(self._pools.values())
        for pool in pools:
            pool.reap(idle_since=now - self.idle_timeout)

    def _pool_for(self, spec: FunctionSpec) -> FunctionPool:
        revision = spec.revision()
        with self._lock:
            if self._closed:
                raise RuntimeError("this LambdaRuntime has been shut down")
            key = (spec.function_arn, spec.version)
            pool = self._pools.get(key)
            if pool is not None and pool.revision == revision:
                return pool
            new_pool = FunctionPool(spec, self._config, self._root / "code",
                                    self.max_environments_per_function)
            self._pools[key] = new_pool
        if pool is not None:
            pool.retire()  # code or configuration changed: the next invoke is cold
        return new_pool


def _trace_id() -> str:
    """An X-Ray trace header, as Lambda passes one to every invocation (not sampled)."""
    return (f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()};"
            f"Parent={os.urandom(8).hex()};Sampled=0")


def _client_context_json(client_context: str | None) -> str | None:
    if not client_context:
        return None
    if client_context.lstrip().startswith("{"):
        return client_context
    try:
        return base64.b64decode(client_context, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("ClientContext must be base64-encoded JSON") from None
