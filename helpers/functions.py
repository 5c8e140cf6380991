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
