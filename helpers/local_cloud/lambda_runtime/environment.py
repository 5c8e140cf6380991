"""One execution environment: a runtime process, its Runtime API, and the lifecycle of an invoke.

The process runs AWS's runtime interface client (or our pure-Python stand-in) with only what Lambda
provides on sys.path and in os.environ. Init, invoke, timeout and crash follow Lambda's rules; the
lines Lambda writes around the function's output come from `reports`.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..clock import REAL_CLOCK, Clock
from . import reports
from .containment import Containment, Paths, make_environment_folder
from .memory import MemoryWatchdog, peak_resident_mb
from .output import OutputReader
from .python_runtimes import Interpreter
from .runtime_api import Invocation, RuntimeApiServer, RuntimeApiState
from .runtime_dir import LAUNCHER, layer_paths, remove_tree
from .spec import FunctionSpec, InvocationResult
from .workers import Reaper, Spawner

INIT_LIMIT = 10.0  # seconds Lambda allows the init phase before it retries it within the invoke

# Credentials for a function without a credentials provider (the engine used on its own): clearly
# not real keys (no AKIA/ASIA prefix). The local cloud gives each function its role's session.
ROLE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local-cloud-role-key",
    "AWS_SECRET_ACCESS_KEY": "local-cloud-role-secret",
    "AWS_SESSION_TOKEN": "local-cloud-role-session-token",
}

# Variables Lambda sets itself; a function's own variables cannot override them.
RESERVED_VARIABLES = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})

# What Windows needs from the host to start a process at all.
_INHERITED_VARIABLES = ("SYSTEMROOT",)


@dataclass(frozen=True)
class EngineConfig:
    """What every environment of one LambdaRuntime shares: settings, and the engine's workers."""

    region: str
    account_id: str
    endpoint_url: str | None
    runtime_dir: Path
    ric: str  # "awslambdaric" or "python" (for the cloud's own interpreter)
    root: Path  # the engine's folder: each environment gets one inside
    containment: Containment
    spawner: Spawner
    reaper: Reaper
    watchdog: MemoryWatchdog
    # The function's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, for its
    # execution role (None: ROLE_CREDENTIALS).
    credentials: Callable[[FunctionSpec], Mapping[str, str]] | None = None
    clock: Clock = REAL_CLOCK  # when an environment was last used (idle reclaiming)


@dataclass
class CodeBundle:
    """A function revision's code (LAMBDA_TASK_ROOT) and its layers (/opt), unzipped once."""

    task_root: Path
    opt_dir: Path

    def remove(self) -> None:
        remove_tree(self.task_root.parent)


def build_environment(spec: FunctionSpec, config: EngineConfig, *, paths: Paths,
                      search_path: str, api_address: str, log_stream: str) -> dict[str, str]:
    """The process environment Lambda gives a function, and nothing of the workbook's own.
    `paths` are the environment's directories as the handler sees them."""
    env = {name: os.environ[name] for name in _INHERITED_VARIABLES if name in os.environ}
    env.update({
        "PATH": search_path,
        "HOME": paths.home,  # botocore reads ~/.aws: this environment's own, empty
        "AWS_CONFIG_FILE": paths.aws_config_file,
        "AWS_SHARED_CREDENTIALS_FILE": paths.aws_credentials_file,
        "TMPDIR": paths.tmp,
    })
    env.update({
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "_HANDLER": spec.handler,
        "LAMBDA_TASK_ROOT": paths.task_root,
        "LAMBDA_RUNTIME_DIR": paths.runtime_dir,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PYTHONUNBUFFERED": "1",
        **(config.credentials(spec) if config.credentials else ROLE_CREDENTIALS),
    })
    if spec.json_logs:
        env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
        if spec.application_log_level:
            env["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level.upper()
    if config.endpoint_url:
        env["AWS_ENDPOINT_URL"] = config.endpoint_url
    env.update({k: v for k, v in spec.environment.items() if k not in RESERVED_VARIABLES})
    return env


class ExecutionEnvironment:
    """A runtime process serving one function revision, one event at a time."""

    def __init__(self, spec: FunctionSpec, bundle: CodeBundle, config: EngineConfig,
                 interpreter: Interpreter, stand_in_warning: str | None = None) -> None:
        self.spec = spec
        self.config = config
        self.created = time.time()
        self.log_stream = reports.log_stream_name(spec.version, self.created)
        self.lines = reports.PlatformLines(
            json_format=spec.json_logs, function_name=spec.function_name, version=spec.version,
            region=config.region, runtime=spec.runtime,
            interpreter_version=interpreter.version_text)
        self.stand_in_warning = stand_in_warning  # the declared Python is not installed here
        self.state = RuntimeApiState()
        self.server = RuntimeApiServer(self.state)
        self.invocations = 0
        self.discarded = False
        self.out_of_memory = False  # the watchdog (or the peak after an event) found it over
        self._discard_lock = threading.Lock()
        self._released = threading.Event()
        self.last_used = config.clock.monotonic()
        self.max_memory_mb = 0
        self.folder = config.root / "environments" / uuid.uuid4().hex[:16]
        home, tmp = make_environment_folder(self.folder)
        host = Paths(task_root=str(bundle.task_root), opt_dir=str(bundle.opt_dir),
                     runtime_dir=str(config.runtime_dir), home=home, tmp=tmp)
        containment = config.containment
        seen = containment.visible_paths(host)
        env = build_environment(spec, config, paths=seen,
                                search_path=containment.search_path(interpreter),
                                api_address=self.server.address, log_stream=self.log_stream)
        ric = config.ric if interpreter.host else "python"  # awslambdaric is built for the host
        sys_path = [seen.task_root, *layer_paths(seen.opt_dir, interpreter.version),
                    seen.runtime_dir]
        # -S -s: no site-packages; -B: read-only code, as /var/task; -X utf8: UTF-8 stdio even
        # where the host lacks the en_US.UTF-8 locale Lambda has.
        argv = [containment.executable(interpreter), "-S", "-s", "-B", "-X", "utf8", "-c",
                LAUNCHER, ric, containment.parent_death_pid(), spec.handler, *sys_path]
        read_end, write_end = os.pipe()
        self.spawned_at = time.perf_counter()
        try:
            self.process = config.spawner.spawn(
                containment.command(argv, host, interpreter), env=env, cwd=host.task_root,
                stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end,
                start_new_session=True)
        except BaseException:
            os.close(read_end)
            self.server.stop()
            remove_tree(self.folder)
            raise
        finally:
            os.close(write_end)
        self.pid = self.process.pid
        self._runtime_pid: int | None = None
        self._thorough_search_at = self.spawned_at
        self.output = OutputReader(read_end, name=f"lambda-output-{self.pid}")
        self._exit_watcher = threading.Thread(target=self._watch_exit,
                                              name=f"lambda-exit-{self.pid}", daemon=True)
        self._exit_watcher.start()
        self._watch = config.watchdog.watch(self.runtime_pid, spec.memory_size,
                                            self._exceeded_memory)  # init counts too

    @property
    def alive(self) -> bool:
        return not self.discarded and self.state.exit_status is None

    def runtime_pid(self) -> int | None:
        """The runtime's host pid (inside bubblewrap, not the pid of bwrap itself). Until found,
        a search through every process runs at most once a second, from half a second on: the
        watchdog asks every few milliseconds, and the runtime is usually where pids go next."""
        if self._runtime_pid is None:
            now = time.perf_counter()
            thorough = now - self._thorough_search_at > 0.5
            if thorough:
                self._thorough_search_at = now + 0.5
            self._runtime_pid = self.config.containment.runtime_pid(self.process, thorough)
        return self._runtime_pid

    def _watch_exit(self) -> None:
        self.state.process_exited(self.config.containment.exit_status(self.process.wait()))

    def _exceeded_memory(self) -> None:
        """Over MemorySize: Lambda kills the runtime, and the invoke fails with OutOfMemory."""
        self.out_of_memory = True
        self.discard()

    def _measure_memory(self) -> None:
        """Peak memory so far; a peak over MemorySize (between two samples) is out of memory."""
        pid = self.runtime_pid()
        used = peak_resident_mb(pid) if pid is not None else None
        if used is not None:
            self.max_memory_mb = max(self.max_memory_mb, used)
            if used > self.spec.memory_size and not self.out_of_memory:
                self._exceeded_memory()

    def invoke(self, invocation: Invocation) -> tuple[InvocationResult, list[tuple[int, str]]]:
        """Run one event; return the result and the log events Lambda would store for it."""
        events: list[tuple[int, str]] = []
        cold = self.invocations == 0
        self.invocations += 1
        init_ms: float | None = None
        deadline: float | None = None
        if cold:
            events.append((_ms(self.created), self.lines.init_start()))
            if self.stand_in_warning:
                events.append((_ms(self.created), self.lines.warning(self.stand_in_warning)))
            init_deadline = self.spawned_at + INIT_LIMIT
            outcome = self.state.wait_for_init(init_deadline)
            if outcome == "timeout":  # Lambda re-runs init inside the invoke, on its timeout
                deadline = init_deadline + self.spec.timeout
                outcome = self.state.wait_for_init(deadline)
            init_ms = ((self.state.ready_at or time.perf_counter()) - self.spawned_at) * 1000
            self.output.sync()
            self._measure_memory()
            events += self.output.take_lines()
            if self.out_of_memory:
                outcome = "exited"
            if outcome != "ready":
                return self._init_failed(invocation, outcome, init_ms, events)
        elif self._watch is None:
            self._watch = self.config.watchdog.watch(self.runtime_pid, self.spec.memory_size,
                                                     self._exceeded_memory)
        events += self.output.take_lines()  # anything printed between invokes comes first
        events.append((_ms(time.time()), self.lines.start(invocation.request_id)))
        submitted = time.perf_counter()
        if deadline is not None:
            invocation.timeout = max(0.0, deadline - submitted)
        else:
            deadline = submitted + self.spec.timeout
        self.state.submit(invocation)
        outcome = self.state.wait_for_outcome(invocation, deadline)
        self.config.watchdog.unwatch(self._watch)
        self._watch = None
        self._measure_memory()
        if self.out_of_memory:
            outcome = "exited"
        if outcome == "timeout":
            self.discard()
        self.output.sync()
        events += self.output.take_lines()
        finished = invocation.finished_at or time.perf_counter()
        report = reports.Report(
            request_id=invocation.request_id,
            duration_ms=(finished - (invocation.received_at or submitted)) * 1000,
            memory_size_mb=self.spec.memory_size, max_memory_used_mb=self.max_memory_mb,
            init_duration_ms=init_ms)
        if outcome == "done":
            payload = invocation.response if invocation.error is None else invocation.error
            function_error = None if invocation.error is None else "Unhandled"
            if invocation.error_type and invocation.error_type.startswith("Function."):
                report.status, report.error_type = "error", invocation.error_type
            elif invocation.error is not None:
                report.function_error_type = invocation.error_type or _error_type(payload)
            if invocation.error_type == "Function.ResponseSizeTooLarge":
                self.discard()  # the runtime exits once its answer is refused: next invoke is cold
        elif outcome == "timeout":
            report.status = "timeout"
            # The deadline counts from submission, the measured duration from the runtime's
            # /next: AWS reports (and bills) a timed-out invoke as the whole timeout.
            report.duration_ms = max(report.duration_ms, self.spec.timeout * 1000)
            payload = reports.timeout_payload(invocation.request_id, self.spec.timeout)
            function_error = "Unhandled"
            events.append((_ms(time.time()), self.lines.timed_out(
                invocation.request_id, self.spec.timeout)))
        else:  # the runtime exited mid-invoke: os._exit, sys.exit, a signal, out of memory
            payload, function_error = self._runtime_exited(invocation, report, events)
        return self._finish(invocation, report, payload or b"", function_error, cold, events)

    def _init_failed(self, invocation: Invocation, outcome: str, init_ms: float,
                     events: list[tuple[int, str]]):
        """Init failed: the invoke returns the init error, and the environment is discarded.

        Lambda re-runs a failed init inside the invoke, so the REPORT bills it as Duration."""
        report = reports.Report(
            request_id=invocation.request_id, duration_ms=init_ms,
            memory_size_mb=self.spec.memory_size, max_memory_used_mb=self.max_memory_mb,
            status="error")
        now = _ms(time.time())
        if outcome == "init_error":
            payload = self.state.init_error or b""
            report.error_type = self.state.init_error_type or _error_type(payload)
            events.append((now, self.lines.init_report(init_ms, report.error_type)))
            events.append((now, self.lines.start(invocation.request_id)))
        elif outcome == "timeout":
            report.status = "timeout"
            events.append((now, self.lines.init_report(init_ms, "Sandbox.Timedout")))
            events.append((now, self.lines.start(invocation.request_id)))
            events.append((now, self.lines.timed_out(invocation.request_id, self.spec.timeout)))
            payload = reports.timeout_payload(invocation.request_id, self.spec.timeout)
        else:
            events.append((now, self.lines.init_report(init_ms, self._exit_error_type)))
            events.append((now, self.lines.start(invocation.request_id)))
            payload, _ = self._runtime_exited(invocation, report, events)
        self.discard()
        result, events = self._finish(invocation, report, payload, "Unhandled", True, events)
        result.init_duration_ms = init_ms
        return result, events

    @property
    def _exit_error_type(self) -> str:
        return "Runtime.OutOfMemory" if self.out_of_memory else "Runtime.ExitError"

    def _runtime_exited(self, invocation: Invocation, report: reports.Report,
                        events: list[tuple[int, str]]) -> tuple[bytes, str]:
        status = self.state.exit_status if self.state.exit_status is not None else -9
        if self.out_of_memory:
            status = -9  # Lambda kills the runtime: "signal: killed"
        report.status, report.error_type = "error", self._exit_error_type
        now = _ms(time.time())
        for line in self.lines.runtime_exited(invocation.request_id, reports.exit_reason(status),
                                              self._exit_error_type):
            events.append((now, line))
        self.discard()
        payload = reports.exit_payload(invocation.request_id, status, self._exit_error_type)
        return payload, "Unhandled"

    def _finish(self, invocation: Invocation, report: reports.Report, payload: bytes,
                function_error: str | None, cold: bool, events: list[tuple[int, str]]):
        # Lambda's memory limit stops a runtime at MemorySize: that is all it can have used.
        report.max_memory_used_mb = (self.spec.memory_size if self.out_of_memory
                                     else self.max_memory_mb)
        now = _ms(time.time())
        events.append((now, self.lines.end(report)))
        events.append((now, self.lines.report(report)))
        events = _in_time_order(events)
        result = InvocationResult(
            request_id=invocation.request_id, payload=payload, function_error=function_error,
            log_tail=reports.log_tail([message for _, message in events]),
            executed_version=self.spec.version, cold_start=cold,
            duration_ms=report.duration_ms, init_duration_ms=report.init_duration_ms,
            billed_duration_ms=report.billed_duration_ms,
            max_memory_used_mb=report.max_memory_used_mb, log_stream=self.log_stream)
        return result, events

    def discard(self, *, wait: bool = False) -> None:
        """Kill the runtime and everything it started, now; reap it and stop the Runtime API on
        the engine's reaper thread (and wait for that if `wait`)."""
        with self._discard_lock:
            first, self.discarded = not self.discarded, True
        if first:
            self.config.watchdog.unwatch(self._watch)
            self.config.containment.kill(self.process)
            self.state.close()
            self.config.reaper.release(self._release)
        if wait:
            self._released.wait(timeout=10)

    def _release(self) -> None:
        try:
            self.process.wait()
            self._exit_watcher.join(timeout=5)
            self.output.sync(timeout=1.0)  # let the reader see EOF before it is told to stop
            self.output.close()
            self.server.stop()
            if not self.config.reaper.closing:  # else shutdown sweeps the whole engine at once
                self.config.containment.sweep(str(self.folder))
            remove_tree(self.folder)
        finally:
            self._released.set()


def _error_type(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("errorType") or "Runtime.Unknown")
    except (ValueError, AttributeError):
        return "Runtime.Unknown"


def _ms(epoch_seconds: float) -> int:
    return int(epoch_seconds * 1000)


def _in_time_order(events: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """CloudWatch wants non-decreasing timestamps within a batch: never step back in time."""
    ordered, latest = [], 0
    for timestamp, message in events:
        latest = max(latest, timestamp)
        ordered.append((latest, message))
    return ordered
