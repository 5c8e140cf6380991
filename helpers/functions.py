"""Lambda functions: call a handler as a plain function, deploy it, invoke it."""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .display import example_path
from .local_cloud.clock import REAL_CLOCK, Clock


@dataclass
class TestContext:
    """A stand-in for the context object Lambda passes to your handler.

    It has the attributes handlers use most; Lambda's own has a few more
    (``log_group_name``, ``identity``, ``client_context``...).
    """

    __test__ = False  # not a pytest test class, despite the name

    function_name: str = "workbook-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    timeout_seconds: float = 3.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local/test"
    invoked_function_arn: str = ""

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(example: str, handler: str) -> Callable[[Any, Any], Any]:
    """Import ``handler`` ("module.function") from ``lambda_examples/<example>/``.

    The module is loaded fresh each time, so an edited file is picked up.
    """
    module_name, _, function_name = handler.rpartition(".")
    path = example_path(example, *module_name.split(".")[:-1], module_name.split(".")[-1] + ".py")
    spec = importlib.util.spec_from_file_location(f"lambda_examples.{example}.{module_name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise AttributeError(
            f"{path.name} has no function {function_name!r}: check the handler setting "
            f"{handler!r} (file name without .py, a dot, then the function name)."
        ) from None


# -- deploying -------------------------------------------------------------------------------

ROLE_NOT_READY = "cannot be assumed by Lambda"

# The Lambda runtime of this kernel's Python: what you try here, and the dependencies packaging
# copies from this environment (compiled ones included), run on the same Python on AWS.
KERNEL_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class Invocation:
    """What ``invoke`` returned, decoded: the status, the payload, and the log tail."""

    status_code: int
    payload: Any
    function_error: str | None
    log_tail: str
    executed_version: str | None
    request_id: str

    def __repr__(self) -> str:
        error = f" FunctionError={self.function_error}" if self.function_error else ""
        return f"<Invocation {self.status_code}{error} payload={self.payload!r}>"


def deploy_function(aws: Any, name: str, package: Any, *, role_arn: str, handler: str,
                    runtime: str = KERNEL_RUNTIME, environment: dict[str, str] | None = None,
                    timeout: int = 3, memory_size: int = 128,
                    logging_config: dict[str, str] | None = None,
                    role_wait_seconds: float = 120, say: Callable[[str], None] = print,
                    clock: Clock = REAL_CLOCK) -> dict[str, Any]:  # fmt: skip
    """Create the function, or update its code and configuration; wait until it is ready.

    Creating right after creating its role can fail on AWS while IAM propagates: that error
    is retried with backoff for up to ``role_wait_seconds``, saying so each time (the waits
    ask ``clock``, so a test can pass a ``FakeClock`` and not wait).
    """
    lambda_client = aws.client("lambda")
    config: dict[str, Any] = {
        "Role": role_arn, "Handler": handler, "Runtime": runtime, "Timeout": timeout,
        "MemorySize": memory_size, "Environment": {"Variables": dict(environment or {})},
    }  # fmt: skip
    if logging_config:
        config["LoggingConfig"] = logging_config
    try:
        current = lambda_client.get_function_configuration(FunctionName=name)
    except lambda_client.exceptions.ResourceNotFoundException:
        current = None
    if current is None:
        _create_with_role_retry(lambda_client, name, package, config, aws.tags,
                                role_wait_seconds, say, clock)  # fmt: skip
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
    else:
        if current["CodeSha256"] != package.code_sha256:
            lambda_client.update_function_code(FunctionName=name, ZipFile=package.zip_bytes)
            lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
        if _config_differs(current, config):
            lambda_client.update_function_configuration(FunctionName=name, **config)
            lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name)
    return lambda_client.get_function_configuration(FunctionName=name)


def _create_with_role_retry(lambda_client: Any, name: str, package: Any, config: dict,
                            tags: dict, wait_seconds: float, say: Callable[[str], None],
                            clock: Clock) -> None:  # fmt: skip
    delay, waited, attempt = 1.0, 0.0, 1
    while True:
        try:
            lambda_client.create_function(
                FunctionName=name, Code={"ZipFile": package.zip_bytes}, Tags=tags, **config
            )
            if attempt > 1:
                say(f"attempt {attempt}: created.")
            return
        except lambda_client.exceptions.InvalidParameterValueException as error:
            if ROLE_NOT_READY not in str(error) or waited >= wait_seconds:
                raise
            say(f"attempt {attempt}: the role is not usable yet (IAM is propagating); "
                f"retrying in {delay:g} s")  # fmt: skip
            clock.sleep(delay)
            waited += delay
            delay, attempt = min(delay * 2, 16), attempt + 1


def _config_differs(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        have = current.get(key)
        if key == "Environment":
            have = (have or {}).get("Variables", {})
            value = value["Variables"]
        elif key == "LoggingConfig":
            have = {k: v for k, v in (have or {}).items() if k in value}
        if have != value:
            return True
    return False


def invoke(aws: Any, name: str, payload: Any = None, *, qualifier: str | None = None,
           invocation_type: str = "RequestResponse", tail: bool = True) -> Invocation:
    """Invoke and decode: JSON payload in, JSON payload out, the log tail as text."""
    import base64
    import json

    kwargs: dict[str, Any] = {"FunctionName": name, "InvocationType": invocation_type}
    if payload is not None:
        kwargs["Payload"] = json.dumps(payload).encode()
    if qualifier:
        kwargs["Qualifier"] = qualifier
    if tail and invocation_type == "RequestResponse":
        kwargs["LogType"] = "Tail"
    response = aws.client("lambda").invoke(**kwargs)
    raw = response["Payload"].read()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    log_tail = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    return Invocation(
        status_code=response["StatusCode"], payload=body,
        function_error=response.get("FunctionError"), log_tail=log_tail,
        executed_version=response.get("ExecutedVersion"),
        request_id=response["ResponseMetadata"]["RequestId"],
    )  # fmt: skip


def delete_function(aws: Any, name: str) -> bool:
    """Delete the function (all versions and aliases). Its log group stays: see logs."""
    lambda_client = aws.client("lambda")
    try:
        lambda_client.delete_function(FunctionName=name)
    except lambda_client.exceptions.ResourceNotFoundException:
        return False
    return True
