"""The local Lambda execution engine: runs a function's zip as AWS would, in milliseconds.

Each execution environment is a subprocess running AWS's runtime interface client (awslambdaric),
or a pure-Python stand-in where it cannot be installed, against a Lambda Runtime API served on
127.0.0.1. Environments stay warm between invokes, time out, crash, run out of memory and log as
on AWS, each in a bubblewrap sandbox where Linux offers one (see ``containment``).

    runtime = LambdaRuntime(region="us-east-1", account_id="123456789012",
                            endpoint_url="http://127.0.0.1:4566", log_sink=store_log_events)
    result = runtime.invoke(spec, b'{"name": "world"}')

Plain Python over configuration: no moto here (the local cloud wires it in).
"""

from __future__ import annotations

import atexit
import base64
import binascii
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping

from ..clock import REAL_CLOCK, Clock
from . import containment as containments
from .environment import EngineConfig
from .memory import MemoryWatchdog
from .memory import enforced as memory_enforced
from .pool import FunctionPool, PoolRetired
from .python_runtimes import (
    PYTHON_RUNTIME,
    Interpreter,
    find_interpreter,
    host_interpreter,
)
from .runtime_api import Invocation
from .runtime_dir import (
    awslambdaric_available,
    build_runtime_dir,
    make_engine_root,
    remove_stale_engine_roots,
    remove_tree,
)
from .spec import FunctionSpec, InvocationResult
from .workers import EngineClosed, Reaper, Spawner

__all__ = ["FunctionSpec", "InvocationResult", "LambdaRuntime", "LogSink"]

# log_sink(log_group, log_stream, events, spec): spec says whose logs they are (its role may or
# may not be allowed to write them).
LogSink = Callable[[str, str, list[tuple[int, str]], FunctionSpec], None]
Credentials = Callable[[FunctionSpec], Mapping[str, str]]
RIC_MODES = ("auto", "awslambdaric", "python")
logger = logging.getLogger(__name__)
_said: set[str] = set()


def _say_once(level: int, message: str) -> None:
    """Log `message` the first time this process has it to say."""
    if message not in _said:
        _said.add(message)
        logger.log(level, message)


class LambdaRuntime:
    """Runs Lambda functions locally; one instance serves the whole local cloud."""

    def __init__(self, *, region: str, account_id: str, endpoint_url: str | None,
                 log_sink: LogSink, max_environments_per_function: int = 8,
                 ric: str = "auto", idle_timeout: float = 600.0, containment: str | None = None,
                 interpreter_search_path: str | None = None,
                 credentials: Credentials | None = None,
                 clock: Clock = REAL_CLOCK) -> None:
        """`containment`: "auto" (bubblewrap where it works, the default), "bubblewrap" or
        "process"; None reads LOCAL_CLOUD_CONTAINMENT. `interpreter_search_path`: where to look for
        the python3.X a function declares (default: PATH). `credentials(spec)`: the role session
        credentials an environment of `spec` gets (None: none)."""
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
        self._clock = clock  # idle reclaiming asks it, so a test can skip the ten minutes
        self._last_reap = clock.monotonic()
        self._log_sink = log_sink
        chosen = containments.choose(containment)
        self.containment = chosen.name  # "bubblewrap" or "process"
        self.containment_description = chosen.describe()
        if not memory_enforced():
            self.containment_description += " MemorySize is reported, not enforced, here."
        on_linux_without_bwrap = chosen.name == containments.PROCESS and sys.platform == "linux"
        _say_once(logging.WARNING if on_linux_without_bwrap and not containment else logging.INFO,
                  self.containment_description)
        self._interpreter_search_path = interpreter_search_path
        self._interpreters: dict[str, tuple[Interpreter, str | None]] = {}
        self._interpreters_lock = threading.Lock()
        remove_stale_engine_roots()
        self._root = make_engine_root()
        chosen.prepare(self._root)
        self._config = EngineConfig(
            region=region, account_id=account_id, endpoint_url=endpoint_url,
            runtime_dir=build_runtime_dir(self._root / "runtime"), ric=ric, root=self._root,
            containment=chosen, spawner=Spawner(), reaper=Reaper(), watchdog=MemoryWatchdog(),
            credentials=credentials, clock=clock)
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
        """Kill every runtime process and everything they started, stop every Runtime API and
        every thread of the engine, and remove its folder; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pools, self._pools = list(self._pools.values()), {}
        environments = [env for pool in pools for env in pool.environments()]
        for pool in pools:
            pool.retire()
        for environment in environments:  # busy ones too: their invokes end as crashes
            environment.discard()
        config = self._config
        config.reaper.close()  # every environment released: processes reaped, servers stopped
        config.watchdog.close()
        config.spawner.close()
        config.containment.sweep(str(self._root))
        remove_tree(self._root)
        atexit.unregister(self.shutdown)

    def _reap_idle_environments(self) -> None:
        now = self._clock.monotonic()
        with self._lock:
            if now - self._last_reap < min(5.0, self.idle_timeout):
                return
            self._last_reap = now
            pools = list(self._pools.values())
        for pool in pools:
            pool.reap(idle_since=now - self.idle_timeout)

    def _pool_for(self, spec: FunctionSpec) -> FunctionPool:
        revision = spec.revision()
        interpreter, stand_in_warning = self._interpreter_for(spec.runtime)
        with self._lock:
            if self._closed:
                raise EngineClosed("this LambdaRuntime has been shut down")
            key = (spec.function_arn, spec.version)
            pool = self._pools.get(key)
            if pool is not None and pool.revision == revision:
                return pool
            new_pool = FunctionPool(spec, self._config, self._root / "code",
                                    self.max_environments_per_function, interpreter,
                                    stand_in_warning)
            self._pools[key] = new_pool
        if pool is not None:
            pool.retire()  # code or configuration changed: the next invoke is cold
        return new_pool

    def _interpreter_for(self, runtime: str) -> tuple[Interpreter, str | None]:
        """The Python that runs `runtime`, and a warning when the cloud's own stands in for it.
        Each runtime is looked up once (a look-up runs each python3.X found on PATH)."""
        with self._interpreters_lock:
            if runtime not in self._interpreters:
                self._interpreters[runtime] = self._look_up_interpreter(runtime)
            return self._interpreters[runtime]

    def _look_up_interpreter(self, runtime: str) -> tuple[Interpreter, str | None]:
        host = host_interpreter()
        if runtime == host.runtime:
            return host, None
        if PYTHON_RUNTIME.match(runtime):
            found = find_interpreter(runtime, self._interpreter_search_path)
            if found is not None:
                return found, None
            wanted = runtime.removeprefix("python")
            reason = (f"but Python {wanted} is not installed here (no working python{wanted} "
                      "on PATH)")
            advice = f", or install Python {wanted}."
        else:
            reason, advice = "and the local cloud runs Python only", "."
        warning = (f"this function declares {runtime}, {reason}, so it runs on Python "
                   f"{host.version_text}. Create the function with Runtime {host.runtime}{advice}")
        _say_once(logging.WARNING, f"Local cloud: {warning}")
        return host, warning


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
