"""The lines Lambda itself writes around a function's own output: INIT_START, START, END, REPORT.

Plain functions over numbers, in Lambda's Text format or as JSON platform records (LogFormat JSON),
plus the error payloads Lambda returns when the runtime itself fails (timeouts, crashes).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

TAIL_BYTES = 4096


@dataclass
class Report:
    """The numbers behind one REPORT line."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    status: str = "success"  # "success", "error", "timeout" (platform.report's status)
    error_type: str | None = None  # for a failed runtime: Runtime.ExitError, ...
    function_error_type: str | None = None  # the handler raised: JSON records say so, Text not

    @property
    def record_status(self) -> tuple[str, str | None]:
        """status and errorType for the JSON platform records."""
        if self.status == "success" and self.function_error_type:
            return "error", self.function_error_type
        return self.status, self.error_type

    @property
    def billed_duration_ms(self) -> int:
        """Rounded up to the millisecond; since August 2025 AWS also bills the INIT phase."""
        return math.ceil(self.duration_ms + (self.init_duration_ms or 0.0))


def iso_timestamp(epoch_seconds: float) -> str:
    """2024-05-01T12:34:56.789Z, as Lambda and awslambdaric write times."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def log_stream_name(version: str, created: float | None = None) -> str:
    """YYYY/MM/DD/[VERSION]<32 hex>: one stream per execution environment."""
    day = time.strftime("%Y/%m/%d", time.gmtime(created or time.time()))
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def runtime_version(runtime: str, region: str, interpreter: str | None = None) -> tuple[str, str]:
    """The runtime version and its ARN, as INIT_START names them: the version names the runtime
    the function declares, the ARN the interpreter that really runs it here ("3.11.7")."""
    interpreter = interpreter or ".".join(map(str, sys.version_info[:3]))
    name = f"{runtime.replace('python', 'python:')}.local"
    return name, f"arn:aws:lambda:{region}::runtime:local-python{interpreter}"


class PlatformLines:
    """Lambda's own log lines for one environment, in its function's log format."""

    def __init__(self, *, json_format: bool, function_name: str, version: str, region: str,
                 runtime: str, interpreter_version: str | None = None) -> None:
        self.json_format = json_format
        self.function_name = function_name
        self.version = version
        self.region = region
        self.runtime = runtime
        self.interpreter_version = interpreter_version

    def _record(self, kind: str, record: dict) -> str:
        return json.dumps({"time": iso_timestamp(time.time()), "type": kind, "record": record})

    def init_start(self) -> str:
        name, arn = runtime_version(self.runtime, self.region, self.interpreter_version)
        if self.json_format:
            return self._record("platform.initStart", {
                "initializationType": "on-demand", "phase": "init", "runtimeVersion": name,
                "runtimeVersionArn": arn, "functionName": self.function_name,
                "functionVersion": self.version})
        return f"INIT_START Runtime Version: {name}\tRuntime Version ARN: {arn}"

    def warning(self, message: str) -> str:
        """A line of the local cloud's own, about how it runs this function (not Lambda's)."""
        if self.json_format:
            return json.dumps({"timestamp": iso_timestamp(time.time()), "level": "WARN",
                               "message": f"LOCAL_CLOUD_WARNING: {message}"})
        return f"LOCAL_CLOUD_WARNING: {message}"

    def init_report(self, init_duration_ms: float, error_type: str) -> str:
        if self.json_format:
            return self._record("platform.initReport", {
                "initializationType": "on-demand", "phase": "init", "status": "error",
                "errorType": error_type, "metrics": {"durationMs": round(init_duration_ms, 3)}})
        return (f"INIT_REPORT Init Duration: {init_duration_ms:.2f} ms\tPhase: init\t"
                f"Status: error\tError Type: {error_type}")

    def start(self, request_id: str) -> str:
        if self.json_format:
            return self._record("platform.start", {"requestId": request_id,
                                                   "version": self.version})
        return f"START RequestId: {request_id} Version: {self.version}"

    def end(self, report: Report) -> str:
        if self.json_format:
            status, error_type = report.record_status
            record = {"requestId": report.request_id, "status": status,
                      "metrics": {"durationMs": round(report.duration_ms, 3)}}
            if error_type:
                record["errorType"] = error_type
            return self._record("platform.runtimeDone", record)
        return f"END RequestId: {report.request_id}"

    def report(self, report: Report) -> str:
        if self.json_format:
            metrics = {
                "durationMs": round(report.duration_ms, 2),
                "billedDurationMs": report.billed_duration_ms,
                "memorySizeMB": report.memory_size_mb,
                "maxMemoryUsedMB": report.max_memory_used_mb,
            }
            if report.init_duration_ms is not None:
                metrics["initDurationMs"] = round(report.init_duration_ms, 2)
            status, error_type = report.record_status
            record = {"requestId": report.request_id, "metrics": metrics, "status": status}
            if error_type:
                record["errorType"] = error_type
            return self._record("platform.report", record)
        line = (
            f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
            f"Billed Duration: {report.billed_duration_ms} ms\t"
            f"Memory Size: {report.memory_size_mb} MB\t"
            f"Max Memory Used: {report.max_memory_used_mb} MB"
        )
        if report.init_duration_ms is not None:
            line += f"\tInit Duration: {report.init_duration_ms:.2f} ms"
        if report.status != "success":
            line += f"\tStatus: {report.status}"
        if report.error_type:
            line += f"\tError Type: {report.error_type}"
        return line

    def timed_out(self, request_id: str, timeout: float) -> str:
        message = f"Task timed out after {timeout:.2f} seconds"
        if self.json_format:
            return json.dumps({"timestamp": iso_timestamp(time.time()), "level": "ERROR",
                               "requestId": request_id, "message": message})
        return f"{iso_timestamp(time.time())} {request_id} {message}"

    def runtime_exited(self, request_id: str, reason: str,
                       error_type: str = "Runtime.ExitError") -> list[str]:
        message = f"RequestId: {request_id} Error: Runtime exited with {reason}"
        if self.json_format:
            return [json.dumps({"timestamp": iso_timestamp(time.time()), "level": "ERROR",
                                "requestId": request_id, "message": message,
                                "errorType": error_type})]
        return [message, error_type]


def exit_reason(status: int) -> str:
    """How Lambda words a runtime's exit: "error: exit status 3" or "error: signal: killed"
    (as in "RequestId: … Error: Runtime exited with error: signal: killed")."""
    if status >= 0:
        return f"error: exit status {status}"
    try:
        name = signal.strsignal(-status) or f"signal {-status}"
    except ValueError:
        name = f"signal {-status}"
    return f"error: signal: {name.lower()}"


def error_payload(error_type: str, message: str) -> bytes:
    """The body Invoke returns when the sandbox, not the handler, failed."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def timeout_payload(request_id: str, timeout: float) -> bytes:
    message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return error_payload("Sandbox.Timedout", message)


def exit_payload(request_id: str, status: int, error_type: str = "Runtime.ExitError") -> bytes:
    """The runtime died mid-invoke: Runtime.ExitError, or Runtime.OutOfMemory when Lambda killed
    it for going over MemorySize (then the reason is always "signal: killed")."""
    message = f"RequestId: {request_id} Error: Runtime exited with {exit_reason(status)}"
    return error_payload(error_type, message)


def log_tail(messages: list[str]) -> str:
    """The last 4 KB of an invocation's log, cut on a line boundary, as LogType=Tail returns."""
    text = "".join(f"{message}\n" for message in messages).encode()
    if len(text) <= TAIL_BYTES:
        return text.decode()
    tail = text[-TAIL_BYTES:]
    if text[-TAIL_BYTES - 1] != ord("\n"):  # the tail starts mid-line: drop that partial line
        newline = tail.find(b"\n")
        if 0 <= newline < len(tail) - 1:
            tail = tail[newline + 1:]
    return tail.decode(errors="ignore")
