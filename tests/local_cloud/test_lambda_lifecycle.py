"""The local cloud's lifecycle leaves nothing behind: ``/moto-api/reset`` stops every runtime, and
after ``stop()`` no thread and no process of the cloud is left. Each test runs its own cloud (a
reset wipes moto's state for the whole process)."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import urllib.request
import zipfile

import boto3

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.lambda_runtime import containment
from helpers.local_cloud.lambda_runtime.python_runtimes import host_interpreter

HANDLERS = """
import os, subprocess, time
def spawning(event, context):
    subprocess.Popen(["sleep", "60"])
    subprocess.Popen(["sleep", "61"], start_new_session=True)  # leaves the process group
    return context.log_stream_name
def slow(event, context):
    time.sleep(5)
def crash(event, context):
    os._exit(3)
"""


def zip_of(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def client(cloud: LocalCloud, service: str):
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                            region_name="us-east-1")
    return session.client(service, endpoint_url=cloud.endpoint)


def deploy(cloud: LocalCloud, name: str, handler: str, **extra) -> str:
    role = client(cloud, "iam").create_role(RoleName=f"{name}-role",
                                            AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client(cloud, "lambda").create_function(
        FunctionName=name, Runtime=host_interpreter().runtime, Role=role,
        Handler=f"app.{handler}", Code={"ZipFile": zip_of(HANDLERS)}, **extra)
    return name


def invoke(cloud: LocalCloud, name: str) -> tuple[dict, object]:
    response = client(cloud, "lambda").invoke(FunctionName=name, Payload=b"{}")
    body = response["Payload"].read()
    return response, json.loads(body) if body else None


def environment_pids(log_stream: str) -> list[int]:
    """Host pids of an environment's processes, children included (see test_lambda_runtime)."""
    return containment.processes_mentioning(f"AWS_LAMBDA_LOG_STREAM_NAME={log_stream}\0")


def children_of(pid: int) -> set[int]:
    """This process's children (zombies too: an unreaped child is a leak as well)."""
    found = set()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                if entry.isdigit() and int(stat.read().rsplit(b")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
        except (OSError, ValueError):
            continue
    return found


def wait_until(condition, timeout: float = 5.0) -> bool:
    """A bounded wait for threads and processes to finish going (not a duration measured)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_moto_reset_stops_every_runtime():
    with LocalCloud() as cloud:
        stream = invoke(cloud, deploy(cloud, "reset-spawning", "spawning"))[1]
        # The runtime and both of its children (a child just started shows its environment in
        # /proc a moment after Popen returns).
        assert wait_until(lambda: len(environment_pids(stream)) >= 3)
        reset = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).read()
        assert wait_until(lambda: not environment_pids(stream))


def test_after_stop_no_thread_and_no_process_of_the_cloud_is_left():
    threads_before = {thread.ident for thread in threading.enumerate()}
    children_before = children_of(os.getpid())
    cloud = LocalCloud().start()
    try:
        streams = [invoke(cloud, deploy(cloud, "stop-spawning", "spawning"))[1]]
        invoke(cloud, "stop-spawning")  # warm
        assert invoke(cloud, deploy(cloud, "stop-slow", "slow", Timeout=1))[0]["FunctionError"]
        assert invoke(cloud, deploy(cloud, "stop-crash", "crash"))[0]["FunctionError"]
        streams.append(invoke(cloud, "stop-spawning")[1])
        assert children_of(os.getpid()) - children_before  # runtimes are running
    finally:
        cloud.stop()

    def leftover_threads() -> list[str]:
        return [thread.name for thread in threading.enumerate()
                if thread.ident not in threads_before and thread.is_alive()]

    def leftover_children() -> set[int]:
        return children_of(os.getpid()) - children_before

    assert wait_until(lambda: not leftover_threads()), leftover_threads()
    assert wait_until(lambda: not leftover_children()), leftover_children()
    assert all(not environment_pids(stream) for stream in streams)
