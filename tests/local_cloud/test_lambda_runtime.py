"""The local Lambda engine runs a function's zip as AWS would: through the runtime interface client,
with only what Lambda provides, warm between invokes, timing out, crashing and logging like Lambda.

Most tests run twice: with AWS's awslambdaric and with our pure-Python bootstrap.
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import http.client
import json
import math
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import helpers.local_cloud.lambda_runtime as lambda_runtime
from helpers.local_cloud.clock import FakeClock
from helpers.local_cloud.lambda_runtime import LambdaRuntime, containment, environment, reports
from helpers.local_cloud.lambda_runtime.runtime_api import (
    Invocation,
    RuntimeApiServer,
    RuntimeApiState,
    _RuntimeApiHandler,
)

REGION, ACCOUNT, ENDPOINT = "us-east-1", "123456789012", "http://127.0.0.1:4566"
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"  # this Python's runtime
REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]+)\tDuration: (?P<duration>\d+\.\d\d) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<used>\d+) MB(\tInit Duration: (?P<init>\d+\.\d\d) ms)?"
    r"(?P<rest>.*)$")
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

PID_HANDLER = """
import os, sys
calls = 0

def handler(event, context):
    global calls
    calls += 1
    return {"pid": os.getpid(), "calls": calls, "modules": sorted(sys.modules)}
"""


def payload(result) -> object:
    return json.loads(result.payload)


def environment_pids(log_stream: str) -> list[int]:
    """The host pids of an environment's processes: its runtime and whatever that started (all
    carry its log stream's name in their environment). Inside bubblewrap every runtime is PID 2 of
    its own namespace, so a handler's os.getpid() cannot tell environments apart; this can."""
    return containment.processes_mentioning(f"AWS_LAMBDA_LOG_STREAM_NAME={log_stream}\0")


def wait_until(condition, timeout: float = 3.0) -> bool:
    """A bounded wait for processes to come or go (not a duration being measured)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_until_gone(log_stream: str) -> bool:
    """True once no process of the environment is left."""
    return wait_until(lambda: not environment_pids(log_stream))


# 1. Real execution through the runtime interface client and a Runtime API.

def test_handler_runs_in_its_own_process_through_the_runtime_client(runtime, deploy, ric):
    result = runtime.invoke(deploy(PID_HANDLER), b"{}")
    body = payload(result)
    assert result.function_error is None
    assert body["pid"] != os.getpid()
    if ric == "awslambdaric":
        assert {"awslambdaric.bootstrap", "runtime_client"} <= set(body["modules"])
    else:
        assert "local_cloud_bootstrap" in body["modules"]
        assert "awslambdaric" not in body["modules"]


def test_event_and_context_reach_the_handler(runtime, deploy):
    spec = deploy("""
        import os
        def handler(event, context):
            return {
                "event": event,
                "request_id": context.aws_request_id,
                "arn": context.invoked_function_arn,
                "name": context.function_name,
                "version": context.function_version,
                "memory": context.memory_limit_in_mb,
                "group": context.log_group_name,
                "stream": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
                "custom": context.client_context.custom,
                "trace": os.environ.get("_X_AMZN_TRACE_ID"),
            }
    """, timeout=3, memory_size=256)
    context = json.dumps({"custom": {"user": "ada"}}).encode()
    result = runtime.invoke(spec, b'{"name": "world"}', request_id="11111111-2222-3333-4444-5",
                            client_context=base64.b64encode(context).decode())
    body = payload(result)
    assert body["event"] == {"name": "world"}
    assert body["request_id"] == result.request_id == "11111111-2222-3333-4444-5"
    assert body["arn"] == spec.function_arn
    assert (body["name"], body["version"], body["memory"]) == (spec.function_name, "$LATEST",
                                                              "256")
    assert body["group"] == f"/aws/lambda/{spec.function_name}"
    assert body["stream"] == result.log_stream
    assert 0 < body["remaining"] <= 3000
    assert body["custom"] == {"user": "ada"}
    assert body["trace"].startswith("Root=1-")


def test_runtime_api_hands_out_events_and_takes_responses():
    state = RuntimeApiState()
    server = RuntimeApiServer(state)
    try:
        assert _RuntimeApiHandler.disable_nagle_algorithm is True
        invocation = Invocation(request_id="req-1", payload=b'{"a": 1}',
                                invoked_function_arn="arn:aws:lambda:us-east-1:1:function:f",
                                trace_id="Root=1-abc", client_context='{"custom": {}}')
        state.submit(invocation)
        connection = http.client.HTTPConnection(server.address)
        connection.request("GET", "/2018-06-01/runtime/invocation/next")
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b'{"a": 1}'
        assert response.headers["Lambda-Runtime-Aws-Request-Id"] == "req-1"
        assert int(response.headers["Lambda-Runtime-Deadline-Ms"]) > time.time() * 1000
        assert response.headers["Lambda-Runtime-Invoked-Function-Arn"].endswith(":function:f")
        assert response.headers["Lambda-Runtime-Trace-Id"] == "Root=1-abc"
        assert response.headers["Lambda-Runtime-Client-Context"] == '{"custom": {}}'

        def post(path: str, body: bytes) -> int:
            connection.request("POST", f"/2018-06-01/runtime{path}", body)
            response = connection.getresponse()
            response.read()  # keep-alive: the runtime reuses one connection
            return response.status

        assert post("/invocation/other/response", b"{}") == 400  # not the event in flight
        assert post("/invocation/req-1/response", b'"ok"') == 202
        assert state.wait_for_outcome(invocation, time.perf_counter() + 1) == "done"
        assert invocation.response == b'"ok"'
        assert post("/init/error", b"{}") == 403  # init is over
    finally:
        server.stop()


def test_runtime_api_rules_without_sockets():
    state = RuntimeApiState()
    assert state.wait_for_init(time.perf_counter()) == "timeout"
    assert state.fail_init(b'{"errorType": "Runtime.ImportModuleError"}', None)
    assert state.wait_for_init(time.perf_counter()) == "init_error"
    crashed = RuntimeApiState()
    crashed.process_exited(3)
    assert crashed.wait_for_init(time.perf_counter() + 1) == "exited"
    ready = RuntimeApiState()
    invocation = Invocation(request_id="r", payload=b"{}", invoked_function_arn="arn")
    ready.submit(invocation)
    assert ready.next_invocation() is invocation and ready.ready_at is not None
    assert not ready.fail_init(b"{}", None)  # init is over
    assert not ready.complete("someone-else", response=b"1")
    assert ready.complete("r", error=b"{}", error_type="Unhandled")
    assert ready.wait_for_outcome(invocation, time.perf_counter()) == "done"
    ready.close()
    assert ready.next_invocation() is None  # a runtime polling a discarded environment


# 2. The pure-Python bootstrap stands in where awslambdaric cannot be imported.

def test_auto_mode_falls_back_to_the_python_bootstrap(monkeypatch, deploy):
    monkeypatch.setattr(lambda_runtime, "awslambdaric_available", lambda: False)
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                           log_sink=lambda *args: None, ric="auto")
    try:
        assert engine.ric == "python"
        assert payload(engine.invoke(deploy("def handler(e, c):\n    return 7\n"), b"")) == 7
    finally:
        engine.shutdown()
    with pytest.raises(RuntimeError, match="awslambdaric is not installed"):
        LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                      log_sink=lambda *args: None, ric="awslambdaric")


def test_python_bootstrap_uses_the_standard_library_only():
    source = Path(lambda_runtime.__file__).with_name("bootstrap.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names)


# 3. The handler sees only what Lambda provides.

def test_import_of_a_package_lambda_lacks_fails_like_on_aws(runtime, deploy):
    result = runtime.invoke(deploy("import requests\n\ndef handler(e, c):\n    return 1\n"), b"{}")
    body = payload(result)
    assert result.function_error == "Unhandled"
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'app': No module named 'requests'"


def test_the_sdk_comes_from_the_runtime_directory(runtime, deploy):
    spec = deploy("""
        import os, boto3, botocore
        def handler(event, context):
            return [boto3.__file__, os.environ["LAMBDA_RUNTIME_DIR"]]
    """)
    boto3_file, runtime_dir = payload(runtime.invoke(spec, b"{}"))
    assert boto3_file.startswith(runtime_dir + os.sep)


def test_sys_path_is_task_root_then_layers_then_runtime(runtime, deploy, build_zip):
    spec = deploy({
        "app.py": """
            import os, sys, mylib, deeplib
            def handler(event, context):
                return {"path": sys.path, "cwd": os.getcwd(), "mylib": mylib.NAME,
                        "deeplib": deeplib.NAME, "root": os.environ["LAMBDA_TASK_ROOT"],
                        "runtime": os.environ["LAMBDA_RUNTIME_DIR"]}
        """,
    }, layers=(build_zip({"python/mylib.py": "NAME = 'first'\n"}),
               build_zip({"python/mylib.py": "NAME = 'second'\n",
                          f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}"
                          "/site-packages/deeplib.py": "NAME = 'deep'\n"})))
    body = payload(runtime.invoke(spec, b"{}"))
    assert body["cwd"] == body["root"] == body["path"][0]
    assert body["mylib"] == "second" and body["deeplib"] == "deep"  # later layers win, as /opt
    runtime_index = body["path"].index(body["runtime"])
    assert [Path(p).name for p in body["path"][1:runtime_index]] == ["site-packages", "python"]
    assert not any(p.startswith(sys.prefix) and "site-packages" in p for p in body["path"])


def test_executable_bits_survive_unzipping(runtime, deploy, build_zip):
    code = build_zip({"app.py": "import os\ndef handler(e, c):\n    return os.access('run.sh', "
                      "os.X_OK)\n", "run.sh": "#!/bin/sh\n"}, modes={"run.sh": 0o755})
    spec = deploy("x = 1\n", code_zip=code)
    assert payload(runtime.invoke(spec, b"{}")) is True


def test_environment_is_lambdas_and_nothing_of_the_workbook(runtime, deploy, monkeypatch):
    monkeypatch.setenv("WORKBOOK_SECRET", "do-not-leak")
    spec = deploy("""
        import os
        def handler(event, context):
            return dict(os.environ)
    """, environment={"TABLE_NAME": "books", "AWS_REGION": "mars-1"})
    result = runtime.invoke(spec, b"{}")
    env = payload(result)
    assert "WORKBOOK_SECRET" not in env and "VIRTUAL_ENV" not in env
    assert env["TABLE_NAME"] == "books"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == REGION  # reserved: not overridden
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == spec.function_name
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == f"/aws/lambda/{spec.function_name}"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == result.log_stream
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == f"AWS_Lambda_{RUNTIME}"
    assert env["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["TZ"] == ":UTC" and env["PYTHONUNBUFFERED"] == "1"
    assert env["AWS_ENDPOINT_URL"] == ENDPOINT
    assert "AWS_LAMBDA_LOG_FORMAT" not in env
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert env[name] and not env[name].startswith(("AKIA", "ASIA"))
    lambdas_own = {"_HANDLER", "_X_AMZN_TRACE_ID", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
                   "TZ", "LANG", "PYTHONUNBUFFERED", "TABLE_NAME"}
    own_folders = {"HOME", "TMPDIR"}  # the environment's own (and its empty AWS config files)
    host_basics = {"PATH", "LC_CTYPE"}  # LC_CTYPE: PEP 538, hosts without en_US.UTF-8
    assert {name for name in env if not name.startswith("AWS_")} <= (
        lambdas_own | own_folders | host_basics)


@pytest.mark.parametrize("handler, files", [
    ("src/app.handler", {"src/app.py": "def handler(e, c):\n    return 'slash'\n"}),
    ("src.app.handler", {"src/__init__.py": "",
                         "src/app.py": "def handler(e, c):\n    return 'dot'\n"}),
])
def test_handler_module_paths_work_with_slashes_and_dots(runtime, deploy, handler, files):
    result = runtime.invoke(deploy(files, handler=handler), b"{}")
    assert result.function_error is None and payload(result) in ("slash", "dot")


# 4. Warm reuse and cold starts.

def test_warm_invokes_reuse_the_environment(runtime, deploy):
    spec = deploy(PID_HANDLER)
    first, second, third = (runtime.invoke(spec, b"{}") for _ in range(3))
    assert [payload(r)["calls"] for r in (first, second, third)] == [1, 2, 3]
    assert len({r.log_stream for r in (first, second, third)}) == 1
    assert environment_pids(first.log_stream)
    assert (first.cold_start, second.cold_start, third.cold_start) == (True, False, False)
    assert first.init_duration_ms > 0 and second.init_duration_ms is None
    assert first.log_stream == second.log_stream == third.log_stream


def test_init_duration_is_measured_from_spawn_to_the_first_next(runtime, deploy):
    spec = deploy("import time\ntime.sleep(0.5)\n\ndef handler(e, c):\n    return 1\n")
    result = runtime.invoke(spec, b"{}")
    assert result.cold_start and result.init_duration_ms >= 500  # the import's sleep is init
    assert result.duration_ms < result.init_duration_ms  # and not part of the invocation


def test_a_configuration_or_code_change_makes_the_next_invoke_cold(runtime, deploy):
    spec = deploy(PID_HANDLER)
    before = runtime.invoke(spec, b"{}")
    runtime.invoke(spec, b"{}")
    reconfigured = runtime.invoke(dataclasses.replace(spec, memory_size=256), b"{}")
    assert reconfigured.cold_start and payload(reconfigured)["calls"] == 1
    assert wait_until_gone(before.log_stream)
    new_code = deploy("def handler(e, c):\n    return 'v2'\n", name=spec.function_name,
                      memory_size=256)
    updated = runtime.invoke(new_code, b"{}")
    assert updated.cold_start and payload(updated) == "v2"


@pytest.fixture
def rendezvous():
    """A URL that answers only when two requests wait on it together: handlers that call it
    run two at a time, whatever the machine's speed (a sleep would only make that likely)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pair = threading.Barrier(2, timeout=60)

    class Meet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            pair.wait()
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Meet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/meet"
    pair.abort()
    server.shutdown()
    server.server_close()


def test_concurrent_invokes_get_their_own_environments_up_to_the_limit(ric, deploy, rendezvous):
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                           log_sink=lambda *args: None, ric=ric, max_environments_per_function=2)
    spec = deploy("""
        import os, urllib.request
        def handler(event, context):
            urllib.request.urlopen(os.environ["RENDEZVOUS"], timeout=60).read()
            return context.log_stream_name
    """, environment={"RENDEZVOUS": rendezvous}, timeout=60)
    results = []
    try:
        threads = [threading.Thread(target=lambda: results.append(engine.invoke(spec, b"{}")))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        engine.shutdown()
    assert len(results) == 4 and all(r.function_error is None for r in results)
    assert len({payload(r) for r in results}) == 2  # the 3rd and 4th waited for a free one
    assert sorted(r.cold_start for r in results) == [False, False, True, True]


def test_discard_drops_the_environments_of_a_deleted_function(runtime, deploy):
    spec = deploy(PID_HANDLER)
    stream = runtime.invoke(spec, b"{}").log_stream
    runtime.discard(spec.function_arn)
    assert wait_until_gone(stream)
    assert runtime.invoke(spec, b"{}").cold_start


def test_idle_environments_are_reclaimed(ric, deploy):
    clock = FakeClock()
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                           log_sink=lambda *args: None, ric=ric, idle_timeout=600, clock=clock)
    try:
        spec = deploy(PID_HANDLER)
        stream = engine.invoke(spec, b"{}").log_stream
        clock.advance(601)  # ten minutes idle
        engine.invoke(deploy(PID_HANDLER), b"{}")  # any invoke reaps what sat idle too long
        assert wait_until_gone(stream)
        assert engine.invoke(spec, b"{}").cold_start
    finally:
        engine.shutdown()


# 5. Timeouts.

def test_timeout_discards_the_environment(runtime, deploy, log_sink):
    spec = deploy("""
        import os, time
        def handler(event, context):
            if event.get("sleep"):
                print("going to sleep", context.log_stream_name)
                time.sleep(30)
            return context.log_stream_name
    """, timeout=1)
    stream = payload(runtime.invoke(spec, b"{}"))
    result = runtime.invoke(spec, b'{"sleep": true}')
    assert result.function_error == "Unhandled"
    assert payload(result) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds"}
    assert result.duration_ms >= 1000  # the whole timeout, as AWS reports it
    assert wait_until_gone(stream)
    lines = log_sink.calls_for(spec)[-1][2]
    messages = [message for _, message in lines]
    assert f"going to sleep {stream}" in messages
    assert any(re.fullmatch(f"{ISO} {result.request_id} Task timed out after 1.00 seconds", m)
               for m in messages)
    assert messages[-1].endswith("\tStatus: timeout")
    assert runtime.invoke(spec, b"{}").cold_start


def test_an_init_past_the_init_limit_times_out_on_the_function_timeout(runtime, deploy,
                                                                      monkeypatch):
    monkeypatch.setattr(environment, "INIT_LIMIT", 0.2)  # 10 s on AWS
    result = runtime.invoke(deploy("import time\ntime.sleep(30)\n", timeout=0.3), b"{}")
    assert result.function_error == "Unhandled"
    assert payload(result) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.30 seconds"}


# 6. Crash isolation (a hanging handler is the timeout above).

@pytest.mark.parametrize("crash, reason", [
    ("os._exit(3)", "error: exit status 3"),
    ("sys.exit(1)", "error: exit status 1"),
    ("raise SystemExit(2)", "error: exit status 2"),
    ("os.kill(os.getpid(), signal.SIGKILL)", "error: signal: killed"),
])
def test_a_crashing_runtime_never_takes_the_engine_down(runtime, deploy, log_sink, crash, reason):
    spec = deploy(f"""
        import os, signal, sys
        def handler(event, context):
            if event.get("crash"):
                {crash}
            return context.log_stream_name
    """)
    stream = payload(runtime.invoke(spec, b"{}"))
    result = runtime.invoke(spec, b'{"crash": 1}')
    assert result.function_error == "Unhandled"
    assert payload(result) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with {reason}"}
    assert wait_until_gone(stream)
    messages = log_sink.messages(spec)
    assert "Runtime.ExitError" in messages
    assert messages[-1].endswith("\tStatus: error\tError Type: Runtime.ExitError")
    assert runtime.invoke(spec, b"{}").cold_start  # a fresh environment takes over


def test_a_runtime_that_exits_during_init_is_an_exit_error(runtime, deploy):
    result = runtime.invoke(deploy("import os\nos._exit(4)\n"), b"{}")
    assert result.function_error == "Unhandled"
    assert payload(result)["errorType"] == "Runtime.ExitError"
    assert payload(result)["errorMessage"].endswith("Runtime exited with error: exit status 4")


# 7. Error payloads as AWS returns them.

def test_a_handler_exception_returns_unhandled_with_awslambdarics_error_json(runtime, deploy,
                                                                              log_sink):
    spec = deploy("""
        def handler(event, context):
            if event.get("fail"):
                raise ValueError("boom")
            return "fine"
    """)
    result = runtime.invoke(spec, b'{"fail": true}')
    body = payload(result)
    assert result.function_error == "Unhandled"
    assert set(body) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    assert (body["errorType"], body["errorMessage"]) == ("ValueError", "boom")
    assert body["requestId"] == result.request_id
    assert 'app.py", line 4, in handler' in body["stackTrace"][0]
    error_line = next(m for m in log_sink.messages(spec) if m.startswith("[ERROR]"))
    assert error_line.startswith("[ERROR] ValueError: boom\nTraceback (most recent call last):")
    following = runtime.invoke(spec, b"{}")  # a handler exception keeps the environment warm
    assert payload(following) == "fine" and not following.cold_start


@pytest.mark.parametrize("source, handler, error_type, message", [
    ("import requests\n", "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'requests'"),
    ("def handler(event, context)\n    return 1\n", "app.handler",
     "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "),
    ("def main(event, context):\n    return 1\n", "app.handler", "Runtime.HandlerNotFound",
     "Handler 'handler' missing on module 'app'"),
    ("config = {}\nTABLE = config['TABLE']\n", "app.handler", "KeyError", "'TABLE'"),
    ("def handler(e, c):\n    return 1\n", "nodots", "Runtime.MalformedHandlerName",
     "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)"),
])
def test_init_failures_return_runtime_errors_and_retry_init(runtime, deploy, log_sink, source,
                                                           handler, error_type, message):
    spec = deploy(source, handler=handler)
    first = runtime.invoke(spec, b"{}")
    second = runtime.invoke(spec, b"{}")
    for result in (first, second):
        body = payload(result)
        assert result.function_error == "Unhandled"
        assert body["errorType"] == error_type
        assert body["errorMessage"].startswith(message)
        assert result.cold_start  # the environment was discarded: init runs again
    messages = log_sink.messages(spec)
    assert any(m.startswith(f"[ERROR] {error_type}:") for m in messages)
    assert any(m.startswith("INIT_REPORT Init Duration:") and m.endswith(error_type)
               for m in messages)
    report = REPORT.fullmatch(messages[-1])  # the re-run init is billed as the invoke's Duration
    assert report["init"] is None
    assert report["rest"] == f"\tStatus: error\tError Type: {error_type}"


def test_a_response_over_6_mb_is_a_function_error(runtime, deploy):
    spec = deploy("def handler(event, context):\n    return 'x' * 7_000_000\n")
    result = runtime.invoke(spec, b"{}")
    assert result.function_error == "Unhandled"
    assert payload(result)["errorType"] == "Function.ResponseSizeTooLarge"
    assert runtime.invoke(deploy(PID_HANDLER), b"{}").function_error is None  # engine unharmed


# 8. Logs, as Lambda writes them.

LOGGING_HANDLER = """
    import logging
    logger = logging.getLogger()
    logger.setLevel(logging.INFO)
    print("cold start")

    def handler(event, context):
        print("hello from print")
        logger.info("hello from logging %s", 42)
        logger.debug("debug is filtered out")
        return "ok"
"""


def test_logs_have_start_output_end_and_report(runtime, deploy, log_sink):
    spec = deploy(LOGGING_HANDLER, memory_size=256)
    cold = runtime.invoke(spec, b"{}")
    warm = runtime.invoke(spec, b"{}")
    calls = log_sink.calls_for(spec)
    assert len(calls) == 2  # one call per invocation
    (group, stream, cold_events), (_, warm_stream, warm_events) = calls
    assert group == f"/aws/lambda/{spec.function_name}" and stream == warm_stream == cold.log_stream
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)
    messages = [m for _, m in cold_events]
    assert messages[0].startswith(
        f"INIT_START Runtime Version: {RUNTIME.replace('python', 'python:')}.local")
    assert messages[1:4] == ["cold start", f"START RequestId: {cold.request_id} Version: $LATEST",
                             "hello from print"]
    assert re.fullmatch(rf"\[INFO\]\t{ISO}\t{cold.request_id}\thello from logging 42",
                        messages[4])
    assert messages[5] == f"END RequestId: {cold.request_id}"
    report = REPORT.fullmatch(messages[6])
    assert report and report["id"] == cold.request_id and report["memory"] == "256"
    assert float(report["init"]) == round(cold.init_duration_ms, 2)
    assert int(report["billed"]) == math.ceil(cold.duration_ms + cold.init_duration_ms)
    if sys.platform == "linux":
        assert int(report["used"]) > 0
    assert len(messages) == 7
    timestamps = [t for t, _ in cold_events]
    assert timestamps == sorted(timestamps) and abs(timestamps[-1] - time.time() * 1000) < 60_000
    warm_messages = [m for _, m in warm_events]
    assert warm_messages[0] == f"START RequestId: {warm.request_id} Version: $LATEST"
    warm_report = REPORT.fullmatch(warm_messages[-1])
    assert warm_report["init"] is None and warm_report["rest"] == ""
    assert int(warm_report["billed"]) == math.ceil(warm.duration_ms)
    assert cold.log_tail == "".join(f"{m}\n" for m in messages)


def test_versions_get_their_own_log_streams(runtime, deploy):
    result = runtime.invoke(deploy(PID_HANDLER, version="3"), b"{}")
    assert result.executed_version == "3"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[3\][0-9a-f]{32}", result.log_stream)
    assert payload(result)["calls"] == 1


def test_every_line_printed_during_an_invocation_is_attributed_to_it(runtime, deploy, log_sink):
    spec = deploy("""
        import sys
        def handler(event, context):
            for i in range(2000):
                print(f"line {i} " + "x" * 100)
            sys.stderr.write("to stderr\\n")
            print("no newline at the end", end="")
            return "done"
    """)
    for _ in range(2):
        result = runtime.invoke(spec, b"{}")
        messages = [m for _, m in log_sink.calls_for(spec)[-1][2]]
        start = messages.index(f"START RequestId: {result.request_id} Version: $LATEST")
        body = messages[start + 1:-2]
        assert body[:2000] == [f"line {i} " + "x" * 100 for i in range(2000)]
        assert body[2000:] == ["to stderr", "no newline at the end"]
        assert messages[-2] == f"END RequestId: {result.request_id}"


def test_unicode_survives_output_and_payloads(runtime, deploy, log_sink):
    spec = deploy("""
        def handler(event, context):
            print("héllo ✓", event["name"])
            return {"greeting": "こんにちは " + event["name"]}
    """)
    result = runtime.invoke(spec, json.dumps({"name": "Zoë"}).encode())
    assert payload(result) == {"greeting": "こんにちは Zoë"}
    assert "héllo ✓ Zoë" in log_sink.messages(spec)


def test_log_tail_is_the_last_4_kb_cut_on_a_line(runtime, deploy):
    spec = deploy("""
        def handler(event, context):
            for i in range(500):
                print(f"line {i:04d}")
            return 1
    """)
    result = runtime.invoke(spec, b"{}")
    tail = result.log_tail.encode()
    assert 4000 < len(tail) <= 4096
    assert result.log_tail.startswith("line ") and result.log_tail.endswith("\n")
    assert result.log_tail.splitlines()[-1].startswith(f"REPORT RequestId: {result.request_id}")


def test_json_log_format_writes_platform_records_and_json_app_logs(runtime, deploy, log_sink):
    spec = deploy("""
        import logging, os
        def handler(event, context):
            logging.getLogger("app").debug("details %s", os.environ["AWS_LAMBDA_LOG_FORMAT"])
            if event.get("fail"):
                raise ValueError("boom")
            return "ok"
    """, log_format="JSON", application_log_level="DEBUG")
    cold = runtime.invoke(spec, b"{}")
    records = [json.loads(m) for m in log_sink.messages(spec)]
    types = [r.get("type") for r in records]
    assert types == ["platform.initStart", "platform.start", None, "platform.runtimeDone",
                     "platform.report"]
    assert records[1]["record"] == {"requestId": cold.request_id, "version": "$LATEST"}
    app = records[2]
    assert (app["level"], app["message"], app["logger"], app["requestId"]) == (
        "DEBUG", "details JSON", "app", cold.request_id)
    report = records[4]["record"]
    assert report["requestId"] == cold.request_id and report["status"] == "success"
    assert set(report["metrics"]) == {"durationMs", "billedDurationMs", "memorySizeMB",
                                      "maxMemoryUsedMB", "initDurationMs"}
    assert report["metrics"]["billedDurationMs"] == cold.billed_duration_ms
    failed = runtime.invoke(spec, b'{"fail": true}')
    failure = [json.loads(message) for _, message in log_sink.calls_for(spec)[-1][2]]
    error_log = next(r for r in failure if r.get("level") == "ERROR")
    assert (error_log["errorType"], error_log["requestId"]) == ("ValueError", failed.request_id)
    assert failure[-1]["type"] == "platform.report"
    assert (failure[-1]["record"]["status"], failure[-1]["record"]["errorType"]) == (
        "error", "ValueError")


def test_log_tail_and_billing_rules():
    lines = [f"line {i}" for i in range(1000)]
    tail = reports.log_tail(lines)
    assert len(tail.encode()) <= 4096 and tail.startswith("line ") and tail.endswith("line 999\n")
    assert reports.log_tail(["a", "b"]) == "a\nb\n"
    report = reports.Report(request_id="r", duration_ms=1.2, memory_size_mb=128,
                            max_memory_used_mb=30, init_duration_ms=45.67)
    assert report.billed_duration_ms == 47
    assert reports.exit_reason(3) == "error: exit status 3"
    assert reports.exit_reason(-9) == "error: signal: killed"


# 9. Shutdown leaves nothing behind.

def test_shutdown_kills_every_process_including_grandchildren(ric, deploy):
    engine = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                           log_sink=lambda *args: None, ric=ric)
    spec = deploy("""
        import subprocess
        def handler(event, context):
            subprocess.Popen(["sleep", "60"])
            subprocess.Popen(["sleep", "61"], start_new_session=True)  # leaves the process group
            return "started"
    """)
    streams = [engine.invoke(spec, b"{}").log_stream,
               engine.invoke(deploy(PID_HANDLER), b"{}").log_stream]
    # The runtime and both children (a child just started shows its environment in /proc a moment
    # after Popen returns).
    assert wait_until(lambda: len(environment_pids(streams[0])) >= 3)
    engine.shutdown()
    engine.shutdown()  # idempotent
    assert all(wait_until_gone(stream) for stream in streams)
    with pytest.raises(RuntimeError, match="shut down"):
        engine.invoke(spec, b"{}")


def test_interpreter_exit_cleans_up_without_an_explicit_shutdown(ric, deploy, tmp_path):
    spec = deploy("def handler(e, c):\n    return c.log_stream_name\n")
    spec_fields = {field.name: getattr(spec, field.name) for field in dataclasses.fields(spec)}
    script = tmp_path / "leave.py"
    script.write_text(textwrap.dedent(f"""
        import json
        from helpers.local_cloud.lambda_runtime import FunctionSpec, LambdaRuntime
        engine = LambdaRuntime(region="us-east-1", account_id="1", endpoint_url=None,
                               log_sink=lambda *a: None, ric={ric!r})
        spec = FunctionSpec(**{spec_fields!r})
        print(json.loads(engine.invoke(spec, b"{{}}").payload))
    """))
    checkout = str(Path(__file__).parents[2])  # this checkout's helpers, not an installed copy
    completed = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                               timeout=30, cwd=checkout, env={**os.environ, "PYTHONPATH": checkout})
    assert completed.returncode == 0, completed.stderr
    assert wait_until_gone(completed.stdout.strip())
