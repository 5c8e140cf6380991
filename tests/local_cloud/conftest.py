"""Fixtures for the local Lambda engine: a runtime per runtime-client mode, and a deploy helper."""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import textwrap
import uuid
import zipfile
from collections.abc import Callable

import pytest

from helpers.local_cloud.lambda_runtime import FunctionSpec, LambdaRuntime
from helpers.local_cloud.lambda_runtime.runtime_dir import awslambdaric_available

REGION = "us-east-1"
ACCOUNT = "123456789012"
ENDPOINT = "http://127.0.0.1:4566"
# The runtime matching this Python: a function declaring another one runs on it only where that
# Python is installed (see test_python_runtimes.py).
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"


def build_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    """A deployment package from {path: source}; sources are dedented."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            if isinstance(content, str):
                content = textwrap.dedent(content)
            archive.writestr(info, content)
    return buffer.getvalue()


class ListLogSink:
    """Collects what the engine would write to CloudWatch Logs."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[tuple[int, str]]]] = []

    def __call__(self, log_group: str, log_stream: str, events: list[tuple[int, str]]) -> None:
        self.calls.append((log_group, log_stream, list(events)))

    def calls_for(self, spec: FunctionSpec) -> list[tuple[str, str, list[tuple[int, str]]]]:
        return [call for call in self.calls if call[0] == spec.log_group_name]

    def messages(self, spec: FunctionSpec) -> list[str]:
        return [message for _, _, events in self.calls_for(spec) for _, message in events]


RIC_MODES = [
    pytest.param("awslambdaric", marks=pytest.mark.skipif(
        not awslambdaric_available(), reason="awslambdaric ships Linux wheels only")),
    "python",
]


@pytest.fixture(scope="module", params=RIC_MODES)
def ric(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def log_sink() -> ListLogSink:
    return ListLogSink()


@pytest.fixture(scope="module")
def runtime(ric: str, log_sink: ListLogSink):
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=ENDPOINT,
                           log_sink=log_sink, ric=ric)
    yield engine
    engine.shutdown()


def make_spec(files: dict[str, str | bytes] | str, *, handler: str = "app.handler",
              name: str | None = None, **overrides) -> FunctionSpec:
    """A FunctionSpec for `files` (or the source of app.py), with a fresh function name."""
    if isinstance(files, str):
        files = {"app.py": files}
    code = build_zip(files)
    name = name or f"fn-{uuid.uuid4().hex[:10]}"
    fields = {
        "function_name": name,
        "function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "version": "$LATEST",
        "handler": handler,
        "runtime": RUNTIME,
        "code_zip": code,
        "code_sha256": base64.b64encode(hashlib.sha256(code).digest()).decode(),
    }
    fields.update(overrides)
    return FunctionSpec(**fields)


@pytest.fixture
def deploy() -> Callable[..., FunctionSpec]:
    """deploy(files_or_app_source, handler=..., **FunctionSpec fields) -> FunctionSpec"""
    return make_spec


@pytest.fixture(name="build_zip")
def build_zip_fixture() -> Callable[..., bytes]:
    return build_zip
