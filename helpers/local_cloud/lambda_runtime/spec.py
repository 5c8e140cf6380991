"""What the engine runs (FunctionSpec) and what one invocation returns (InvocationResult)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class FunctionSpec:
    """One version of a Lambda function: its code and the configuration the runtime sees."""

    function_name: str
    function_arn: str  # unqualified: arn:aws:lambda:REGION:ACCOUNT:function:NAME
    version: str  # "$LATEST" or "1", "2", ...
    handler: str  # "app.handler"; the module path may contain "/" or "." as on AWS
    runtime: str  # "python3.12"...; run with the current interpreter
    code_zip: bytes
    code_sha256: str  # base64 sha256, like Lambda's CodeSha256
    layers: tuple[bytes, ...] = ()  # layer zips, extracted like /opt
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 3
    memory_size: int = 128
    log_group: str = ""  # default /aws/lambda/NAME
    log_format: str = "Text"  # or "JSON" (LoggingConfig.LogFormat)
    application_log_level: str | None = None  # LoggingConfig.ApplicationLogLevel (JSON only)
    role_arn: str = ""  # the execution role: its session's credentials are the function's

    @property
    def log_group_name(self) -> str:
        return self.log_group or f"/aws/lambda/{self.function_name}"

    @property
    def json_logs(self) -> bool:
        return self.log_format.upper() == "JSON"

    def revision(self) -> str:
        """A fingerprint that changes whenever the code or the configuration changes."""
        return self._revision

    @cached_property
    def _revision(self) -> str:  # cached: hashing large layers on every invoke would cost
        config = {
            "handler": self.handler,
            "runtime": self.runtime,
            "code": self.code_sha256,
            "layers": [hashlib.sha256(layer).hexdigest() for layer in self.layers],
            "environment": dict(sorted(self.environment.items())),
            "timeout": self.timeout,
            "memory_size": self.memory_size,
            "log_group": self.log_group_name,
            "log_format": self.log_format,
            "application_log_level": self.application_log_level,
            "role": self.role_arn,
        }
        return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


@dataclass
class InvocationResult:
    """What Invoke returns, plus what the REPORT line says about it."""

    request_id: str
    payload: bytes  # the response body, or the error JSON
    function_error: str | None  # None or "Unhandled"
    log_tail: str  # the last 4 KB of this invocation's log lines, as LogType=Tail returns
    executed_version: str
    cold_start: bool
    duration_ms: float
    init_duration_ms: float | None
    billed_duration_ms: int = 0
    max_memory_used_mb: int = 0
    log_stream: str = ""
