"""The local cloud answers plain boto3 calls for every service the workbook uses."""

import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import pytest

from helpers.local_cloud import ACCOUNT_ID, LocalCloud, PortInUseError


def client(endpoint, service):
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip


def every_service_answers(endpoint):
    assert client(endpoint, "sts").get_caller_identity()["Account"] == ACCOUNT_ID
    iam = client(endpoint, "iam")
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert iam.get_policy(PolicyArn=basic)["Policy"]["PolicyName"] == "AWSLambdaBasicExecutionRole"
    assert "Functions" in client(endpoint, "lambda").list_functions()
    assert "logGroups" in client(endpoint, "logs").describe_log_groups()
    assert "Buckets" in client(endpoint, "s3").list_buckets()
    assert "TableNames" in client(endpoint, "dynamodb").list_tables()
    assert "items" in client(endpoint, "apigateway").get_rest_apis()
    assert "Items" in client(endpoint, "apigatewayv2").get_apis()
    assert "DistributionList" in client(endpoint, "cloudfront").list_distributions()
    assert "HostedZones" in client(endpoint, "route53").list_hosted_zones()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_service_answers_on_a_free_port():
    with LocalCloud() as cloud:
        assert cloud.endpoint.startswith("http://127.0.0.1:")
        every_service_answers(cloud.endpoint)


def test_health_endpoint_reports_account_and_region():
    with LocalCloud() as cloud:
        body = urllib.request.urlopen(f"{cloud.endpoint}/_aws/health").read().decode()
    assert '"status": "running"' in body and ACCOUNT_ID in body and "us-east-1" in body


def test_a_taken_port_gives_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"Port {port} .* already in use.*--port"):
            LocalCloud(port=port).start()


def test_module_runs_in_the_foreground_on_a_given_port():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.local_cloud", "--port", str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first_line = process.stdout.readline()
        assert first_line.strip() == f"Local cloud running at http://127.0.0.1:{port}"
        every_service_answers(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_module_exits_with_a_message_when_the_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "helpers.local_cloud", "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert result.returncode == 2, (time.monotonic() - started, result)
    assert "already in use" in result.stderr


def child_pids() -> set[int]:
    """Processes whose parent is this test process (Linux: /proc/self/task/*/children)."""
    import glob

    pids: set[int] = set()
    for path in glob.glob("/proc/self/task/*/children"):
        with open(path) as children:
            pids.update(int(pid) for pid in children.read().split())
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts children through /proc")
def test_stop_leaves_no_thread_and_no_process_behind():
    import http.client
    import io
    import json
    import threading
    import zipfile

    threads_before = {thread.ident for thread in threading.enumerate()}
    children_before = child_pids()
    cloud = LocalCloud().start()
    role = client(cloud.endpoint, "iam").create_role(
        RoleName="leftovers", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "lambda.amazonaws.com"}}]}),
    )["Role"]["Arn"]  # fmt: skip
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    functions = client(cloud.endpoint, "lambda")
    functions.create_function(FunctionName="leftovers", Runtime="python3.11", Role=role,
                              Handler="app.handler", Code={"ZipFile": package.getvalue()})
    assert functions.invoke(FunctionName="leftovers", Payload=b"{}")["StatusCode"] == 200
    idle = http.client.HTTPConnection(cloud.host, cloud.port, timeout=10)
    idle.request("GET", "/_aws/health")
    idle.getresponse().read()  # a kept-alive connection holds a thread until stop()
    assert child_pids() - children_before, "the invoke should have started a runtime process"
    cloud.stop()
    left = [t.name for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    assert left == []
    assert child_pids() - children_before == set()
