"""Handlers are contained: their own HOME and /tmp, read-only code, MemorySize enforced, nothing
left running when the environment or the whole cloud goes.

Each test runs with bubblewrap (where it works here) and with plain processes (the fallback on
macOS, Windows and containers without namespaces; LOCAL_CLOUD_CONTAINMENT=process forces it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers.local_cloud.lambda_runtime import LambdaRuntime, containment, memory, runtime_dir

REGION, ACCOUNT = "us-east-1", "123456789012"
BUBBLEWRAP_MISSING = containment.bubblewrap_status()[0] is None
MODES = [
    pytest.param(containment.BUBBLEWRAP, marks=pytest.mark.skipif(
        BUBBLEWRAP_MISSING, reason=f"no bubblewrap here: {containment.bubblewrap_status()[1]}")),
    containment.PROCESS,
]
ROOT = os.name == "posix" and os.geteuid() == 0
LINUX = sys.platform == "linux"
MB = 1024 * 1024


@pytest.fixture(scope="module", params=MODES)
def mode(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def engine(mode, log_sink):
    runtime = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                            log_sink=log_sink, containment=mode)
    yield runtime
    runtime.shutdown()


def payload(result) -> object:
    return json.loads(result.payload)


def environment_pids(log_stream: str) -> list[int]:
    """Host pids of an environment's processes, children included (see test_lambda_runtime)."""
    return containment.processes_mentioning(f"AWS_LAMBDA_LOG_STREAM_NAME={log_stream}\0")


def running(log_stream: str, count: int) -> bool:
    """At least `count` processes of the environment show (a child that has just been started
    shows its environment in /proc a moment after Popen returns)."""
    return wait_until(lambda: len(environment_pids(log_stream)) >= count)


def wait_until(condition, timeout: float = 3.0) -> bool:
    """A bounded wait for a kill to land (not a duration being measured)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def wait_until_gone(log_stream: str) -> bool:
    return wait_until(lambda: not environment_pids(log_stream))


def process_gone(pid: int) -> bool:
    """No such process, or a zombie waiting for a reaper we don't control."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


# 1. The containment in force, said once.

def test_the_engine_says_which_containment_it_has(engine, mode):
    assert engine.containment == mode
    assert engine.containment_description


def test_containment_setting_is_read_and_checked(monkeypatch):
    monkeypatch.setenv(containment.SETTING, "process")
    assert containment.choose().name == containment.PROCESS
    with pytest.raises(ValueError, match="auto, bubblewrap or process"):
        containment.choose("docker")
    monkeypatch.setattr(containment, "bubblewrap_status",
                        lambda: (None, "bwrap is not installed (apt-get install bubblewrap)"))
    fallback = containment.choose("auto")
    assert fallback.name == containment.PROCESS and "apt-get install bubblewrap" in fallback.reason
    with pytest.raises(RuntimeError, match="apt-get install bubblewrap"):
        containment.choose("bubblewrap")


def test_bubblewrap_reports_a_killed_runtime_as_the_signal():
    sandbox = containment.Bubblewrap("/usr/bin/bwrap")
    assert sandbox.exit_status(128 + signal.SIGKILL) == -signal.SIGKILL
    assert sandbox.exit_status(3) == 3


# 2. HOME, the AWS config files and /tmp are the environment's own.

def test_home_and_aws_config_files_are_the_environments_own_and_empty(engine, mode, deploy):
    spec = deploy("""
        import os
        import botocore.session
        def handler(event, context):
            session = botocore.session.Session()
            return {
                "home": os.environ["HOME"], "expanded": os.path.expanduser("~"),
                "config_file": os.environ["AWS_CONFIG_FILE"],
                "credentials_file": os.environ["AWS_SHARED_CREDENTIALS_FILE"],
                "config": open(os.environ["AWS_CONFIG_FILE"]).read(),
                "credentials": open(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).read(),
                "profiles": session.available_profiles,
            }
    """)
    body = payload(engine.invoke(spec, b"{}"))
    assert body["home"] == body["expanded"]
    assert body["config_file"] == f"{body['home']}/.aws/config"
    assert body["credentials_file"] == f"{body['home']}/.aws/credentials"
    assert body["config"] == body["credentials"] == ""
    assert body["profiles"] == []  # not the learner's ~/.aws profiles
    if mode == containment.BUBBLEWRAP:
        assert body["home"] == "/home/sbx_user1051"  # where "~" leads on AWS
    else:
        assert body["home"] != os.path.expanduser("~")


SCRATCH = """
    import os, tempfile
    def handler(event, context):
        path = os.path.join(tempfile.gettempdir(), "scratch.txt")
        existed = os.path.exists(path)
        with open(path, "w") as scratch:
            scratch.write(context.log_stream_name)
        return {"tmp": tempfile.gettempdir(), "tmpdir": os.environ["TMPDIR"], "existed": existed}
"""


def test_every_environment_has_its_own_writable_tmp(engine, mode, deploy):
    spec = deploy(SCRATCH)
    first = payload(engine.invoke(spec, b"{}"))
    assert first["tmp"] == first["tmpdir"] and not first["existed"]
    if mode == containment.BUBBLEWRAP:
        assert first["tmp"] == "/tmp"
    assert payload(engine.invoke(spec, b"{}"))["existed"]  # warm: the same /tmp
    assert not payload(engine.invoke(deploy(SCRATCH), b"{}"))["existed"]  # another function


# 3. The task root is read-only.

def test_the_task_root_cannot_be_written(engine, mode, deploy):
    spec = deploy("""
        import errno, os
        def attempt(action):
            try:
                action()
                return "written"
            except OSError as error:
                return errno.errorcode[error.errno]
        def handler(event, context):
            root = os.environ["LAMBDA_TASK_ROOT"]
            return {
                "append": attempt(lambda: open(os.path.join(root, "app.py"), "a").write("#")),
                "create": attempt(lambda: open(os.path.join(root, "new.py"), "w").write("#")),
                "modes": oct(os.stat(os.path.join(root, "app.py")).st_mode & 0o222),
            }
    """)
    body = payload(engine.invoke(spec, b"{}"))
    if mode == containment.BUBBLEWRAP:
        # As on AWS: [Errno 30] Read-only file system.
        assert body["append"] == body["create"] == "EROFS"
    else:
        assert body["modes"] == "0o0"  # no write bits; only root ignores them
        if not ROOT:
            assert body["append"] == body["create"] == "EACCES"


# 4. Other processes are out of sight (bubblewrap only: a plain process sees what its user sees).

def test_a_sandboxed_handler_sees_no_other_process(engine, mode, deploy):
    spec = deploy("""
        import os
        def handler(event, context):
            pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
            leaked = False
            for pid in pids:
                try:
                    leaked |= b"CLOUD_SECRET=" in open(f"/proc/{pid}/environ", "rb").read()
                except OSError:
                    pass
            return {"pids": sorted(pids, key=int), "leaked": leaked, "uid": os.getuid()}
    """)
    if not LINUX:
        pytest.skip("reads /proc")
    # A process started with a secret, as the cloud is with real AWS keys from the learner's shell.
    neighbour = subprocess.Popen(["sleep", "30"], env={**os.environ, "CLOUD_SECRET": "shh"})
    try:
        body = payload(engine.invoke(spec, b"{}"))
    finally:
        neighbour.kill()
        neighbour.wait()
    if mode == containment.BUBBLEWRAP:
        assert body["pids"] == ["1", "2"]  # the sandbox's init and the runtime
        assert not body["leaked"]
        assert body["uid"] == 993  # Lambda's sbx_user1051
    else:
        assert body["leaked"]  # what the README says: no such protection without bubblewrap


# 5. MemorySize is enforced.

OUT_OF_MEMORY = """
    import os
    def handler(event, context):
        if event.get("allocate_mb"):
            block = b"x" * (event["allocate_mb"] * 1024 * 1024)
            del block  # gone again before the watchdog's next look: the peak still counts
        return context.log_stream_name
"""


@pytest.mark.skipif(not memory.enforced(), reason="memory is read from Linux's /proc")
def test_going_over_memory_size_ends_the_invoke_like_aws(engine, log_sink, deploy):
    spec = deploy(OUT_OF_MEMORY, memory_size=128)
    stream = payload(engine.invoke(spec, b"{}"))
    result = engine.invoke(spec, b'{"allocate_mb": 600}')
    assert result.function_error == "Unhandled"
    assert payload(result) == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
                        "signal: killed"}
    messages = [message for _, message in log_sink.calls_for(spec)[-1][2]]
    assert messages[-4:-2] == [
        f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed",
        "Runtime.OutOfMemory"]
    assert re.fullmatch(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                        r"Memory Size: 128 MB\tMax Memory Used: 128 MB\t"
                        r"Status: error\tError Type: Runtime.OutOfMemory", messages[-1])
    assert wait_until_gone(stream)
    assert engine.invoke(spec, b"{}").cold_start  # a fresh environment takes over


@pytest.mark.skipif(not memory.enforced(), reason="memory is read from Linux's /proc")
def test_a_peak_between_two_samples_still_counts(mode, monkeypatch, deploy):
    monkeypatch.setattr(memory, "SAMPLE_INTERVAL", 3600)  # the watchdog looks once, at the start
    runtime = LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                            log_sink=lambda *args: None, containment=mode)
    try:
        spec = deploy(OUT_OF_MEMORY, memory_size=128)
        result = runtime.invoke(spec, b'{"allocate_mb": 300}')
        assert payload(result)["errorType"] == "Runtime.OutOfMemory"
    finally:
        runtime.shutdown()


@pytest.mark.skipif(not memory.enforced(), reason="memory is read from Linux's /proc")
def test_the_sdk_fits_in_the_smallest_memory_size(engine, deploy):
    spec = deploy("""
        import boto3
        def handler(event, context):
            boto3.client("dynamodb", region_name="us-east-1")
            boto3.client("s3", region_name="us-east-1")
            return "fits"
    """, memory_size=128)
    result = engine.invoke(spec, b"{}")
    assert payload(result) == "fits" and 0 < result.max_memory_used_mb < 128


# 6. Nothing survives: not a discarded environment's children, not a cloud killed with SIGKILL.

SPAWNING = """
    import os, subprocess
    def handler(event, context):
        subprocess.Popen(["sleep", "60"])
        subprocess.Popen(["sleep", "61"], start_new_session=True)  # leaves the process group
        return os.getpid()
"""


def test_a_discarded_environment_takes_its_setsid_children_along(engine, deploy):
    spec = deploy(SPAWNING)
    stream = engine.invoke(spec, b"{}").log_stream
    assert running(stream, 3)  # the runtime and both children
    engine.discard(spec.function_arn)
    assert wait_until_gone(stream)


@pytest.mark.skipif(not LINUX, reason="parent-death signals are Linux's")
def test_nothing_outlives_a_cloud_killed_with_sigkill(mode, tmp_path, deploy):
    spec = deploy(SPAWNING)
    fields = {name: getattr(spec, name) for name in ("function_name", "function_arn", "version",
                                                     "handler", "runtime", "code_zip",
                                                     "code_sha256")}
    script = tmp_path / "cloud.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys, time
        from helpers.local_cloud.lambda_runtime import FunctionSpec, LambdaRuntime
        engine = LambdaRuntime(region="us-east-1", account_id="1", endpoint_url=None,
                               log_sink=lambda *a: None, containment={mode!r})
        result = engine.invoke(FunctionSpec(**{fields!r}), b"{{}}")
        print(json.dumps([result.log_stream, str(engine._root), json.loads(result.payload)]))
        sys.stdout.flush()
        time.sleep(600)
    """))
    checkout = str(Path(__file__).parents[2])  # this checkout's helpers, not an installed copy
    cloud = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                             cwd=checkout, env={**os.environ, "PYTHONPATH": checkout})
    try:
        stream, root, runtime_pid = json.loads(cloud.stdout.readline())
        assert running(stream, 3)
    finally:
        cloud.kill()  # SIGKILL: no atexit, no shutdown
        cloud.wait()
        cloud.stdout.close()
    if mode == containment.BUBBLEWRAP:
        assert wait_until_gone(stream)  # the sandbox died with the cloud, children and all
    else:
        # The runtime died with the cloud; its children live on until the next start finds the
        # cloud's folder ownerless.
        assert wait_until(lambda: process_gone(runtime_pid))
    assert Path(root).exists()
    LambdaRuntime(region=REGION, account_id=ACCOUNT, endpoint_url=None,
                  log_sink=lambda *args: None, containment=mode).shutdown()
    assert wait_until_gone(stream)
    assert not Path(root).exists()


def test_only_folders_of_dead_clouds_are_removed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
    dead = tmp_path / "local-lambda-dead"
    (dead / "code").mkdir(parents=True)
    (dead / "owner").write_text(f"{finished.stdout.strip()} 1")
    alive = tmp_path / "local-lambda-alive"
    alive.mkdir()
    (alive / "owner").write_text(runtime_dir._process_identity(os.getpid()))
    unknown = tmp_path / "local-lambda-unknown"  # no owner record: not ours to judge
    unknown.mkdir()
    assert runtime_dir.remove_stale_engine_roots(str(tmp_path)) == [dead]
    assert not dead.exists() and alive.exists() and unknown.exists()
