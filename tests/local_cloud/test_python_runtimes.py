"""The runtime a function declares and the Python that runs it agree: a matching python3.X where
one is installed, else the cloud's own Python, saying so once. Runtimes AWS blocks are refused."""

from __future__ import annotations

import datetime
import glob
import json
import logging
import os
import stat
import sys
from pathlib import Path

import pytest

import helpers.local_cloud.lambda_runtime as lambda_runtime
from helpers.local_cloud.lambda_runtime import LambdaRuntime
from helpers.local_cloud.lambda_runtime.python_runtimes import (
    find_interpreter,
    host_interpreter,
    runtime_refusal,
)

HOST = host_interpreter()
OTHER_RUNTIMES = [f"python3.{minor}" for minor in range(10, 15) if minor != sys.version_info[1]]


# 1. AWS's deprecation table (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html,
#    "Deprecated runtimes": python3.8 blocks creation from 2025-02-28 and updates from 2025-03-31).

@pytest.mark.parametrize("runtime, creating, day, refused", [
    ("python3.8", True, datetime.date(2025, 2, 27), False),
    ("python3.8", True, datetime.date(2025, 2, 28), True),
    ("python3.8", False, datetime.date(2025, 3, 30), False),  # existing functions: a month more
    ("python3.8", False, datetime.date(2025, 3, 31), True),
    ("python3.7", True, datetime.date(2024, 1, 9), True),
    ("python2.7", False, datetime.date(2022, 5, 30), True),
    ("python3.12", True, datetime.date(2030, 1, 1), False),  # not in the table: AWS decides then
    ("nodejs22.x", True, datetime.date(2030, 1, 1), False),
])
def test_runtimes_are_refused_from_their_blocking_dates(runtime, creating, day, refused):
    message = runtime_refusal(runtime, creating=creating, today=day)
    assert (message is not None) == refused
    if refused:
        assert message == (
            f"The runtime parameter of {runtime} is no longer supported for creating or updating "
            "AWS Lambda functions. We recommend you use a supported runtime while creating or "
            "updating functions.")


# 2. Finding an installed python3.X.

def fake_python(directory: Path, name: str, script: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.mark.skipif(os.name != "posix", reason="fake interpreters are shell scripts")
def test_a_version_managers_shim_that_refuses_to_run_does_not_count(tmp_path):
    fake_python(tmp_path, "python3.42", 'echo "pyenv: python3.42: command not found" >&2; exit 127')
    assert find_interpreter("python3.42", str(tmp_path)) is None


@pytest.mark.skipif(os.name != "posix", reason="fake interpreters are shell scripts")
def test_an_interpreter_counts_only_if_it_is_the_version_asked_for(tmp_path):
    wrong, right = tmp_path / "wrong", tmp_path / "right"
    wrong.mkdir()
    right.mkdir()
    fake_python(wrong, "python3.42", "printf '3 41 0\\n/wrong/python\\n/wrong\\n'")
    fake_python(right, "python3.42", "printf '3 42 1\\n/opt/py/bin/python3.42\\n/opt/py\\n'")
    found = find_interpreter("python3.42", os.pathsep.join([str(wrong), str(right)]))
    assert found is not None and found.version == (3, 42, 1)
    assert (found.executable, found.prefix, found.runtime) == (
        "/opt/py/bin/python3.42", "/opt/py", "python3.42")
    assert find_interpreter("nodejs22.x", str(right)) is None


# 3. A declared Python that is not installed: the cloud's own runs it, and says so once.

def test_a_missing_python_is_replaced_by_the_clouds_own_and_said_once(deploy, log_sink, tmp_path,
                                                                       caplog, monkeypatch):
    monkeypatch.setattr(lambda_runtime, "_said", set())  # as in a fresh process
    declared = OTHER_RUNTIMES[0]
    source = "import sys\ndef handler(e, c):\n    return list(sys.version_info[:2])\n"
    engine = LambdaRuntime(region="us-east-1", account_id="1", endpoint_url=None,
                           log_sink=log_sink, interpreter_search_path=str(tmp_path))  # none there
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(2):  # two functions, two environments
                spec = deploy(source, runtime=declared)
                result = engine.invoke(spec, b"{}")
                assert json.loads(result.payload) == list(sys.version_info[:2])
    finally:
        engine.shutdown()
    messages = log_sink.messages(spec)
    version = declared.removeprefix("python")
    assert messages[0] == (
        f"INIT_START Runtime Version: python:{version}.local\tRuntime Version ARN: "
        f"arn:aws:lambda:us-east-1::runtime:local-python{HOST.version_text}")
    assert messages[1] == (
        f"LOCAL_CLOUD_WARNING: this function declares {declared}, but Python {version} is not "
        f"installed here (no working python{version} on PATH), so it runs on Python "
        f"{HOST.version_text}. Create the function with Runtime {HOST.runtime}, or install "
        f"Python {version}.")
    said = [record.getMessage() for record in caplog.records if declared in record.getMessage()]
    assert said == [f"Local cloud: {messages[1].removeprefix('LOCAL_CLOUD_WARNING: ')}"]


# 4. A declared Python that is installed runs the function.

def installed_other_python() -> tuple[str, str] | None:
    """(runtime, directory) of a working python3.X other than this one: on PATH, or where pyenv
    keeps its versions."""
    directories = os.environ.get("PATH", "").split(os.pathsep)
    directories += sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin")))
    for runtime in OTHER_RUNTIMES:
        for directory in directories:
            if find_interpreter(runtime, directory) is not None:
                return runtime, directory
    return None


OTHER = installed_other_python()


@pytest.mark.skipif(OTHER is None, reason="no other Python 3.10+ is installed here")
def test_a_declared_python_that_is_installed_runs_the_function(deploy, log_sink):
    runtime, directory = OTHER
    engine = LambdaRuntime(region="us-east-1", account_id="1", endpoint_url=None,
                           log_sink=log_sink, interpreter_search_path=directory)
    try:
        spec = deploy("""
            import os, sys, boto3
            def handler(event, context):
                return {"version": list(sys.version_info[:2]),
                        "env": os.environ["AWS_EXECUTION_ENV"],
                        "client": "awslambdaric" in sys.modules}
        """, runtime=runtime)
        body = json.loads(engine.invoke(spec, b"{}").payload)
    finally:
        engine.shutdown()
    assert body["version"] == [3, int(runtime.split(".")[1])]
    assert body["env"] == f"AWS_Lambda_{runtime}"
    assert body["client"] is False  # awslambdaric is built for the cloud's Python only
    init_start = log_sink.messages(spec)[0]
    declared = runtime.replace("python", "python:")
    assert init_start.startswith(f"INIT_START Runtime Version: {declared}.local")
    assert f"runtime:local-python3.{runtime.split('.')[1]}." in init_start
    assert not any(m.startswith("LOCAL_CLOUD_WARNING") for m in log_sink.messages(spec))
