"""``make bench``: how fast the local cloud is, beside floors measured in the same run.

IAM enforcement is measured as a ratio: the same warm invoke (one DynamoDB call inside) on a cloud
that enforces execution roles and on one started with ``LOCAL_CLOUD_ENFORCE_IAM=0``.

The local cloud runs in its own process, as under ``make lab``; this process is the client.
Numbers, not assertions: tests never time things.

``python tests/bench.py [lambda] [web] [soak]`` runs some sections only. The soak (10,000
guestbook requests, a few minutes) runs when named, or with ``BENCH_SOAK=1 make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import functions, iam, packaging, target  # noqa: E402
from helpers.display import example_path  # noqa: E402


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def timed(call: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def row(label: str, samples: list[float]) -> tuple[str, float, float]:
    median, p95 = percentiles(samples)
    print(f"  {label:<52} median {median:8.3f} ms   p95 {p95:8.3f} ms   (n={len(samples)})")
    return label, median, p95


def start_cloud(**environment: str) -> subprocess.Popen:
    cloud = subprocess.Popen([sys.executable, "-m", "helpers.local_cloud"],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             env={**os.environ, **environment})  # fmt: skip
    os.environ["AWS_ENDPOINT_URL"] = cloud.stdout.readline().rsplit(" ", 1)[-1].strip()
    return cloud


def stop_cloud(cloud: subprocess.Popen) -> None:
    cloud.terminate()
    cloud.wait(timeout=30)


def bench_lambda(aws: target.Target) -> None:
    print("Lambda invoke (issue: warm within 1.5x a no-op round trip; cold median <= 80 ms)")
    role = iam.ensure_execution_role(aws, aws.name_for("bench-role"))
    package = packaging.build_zip(example_path("hello"))
    name = aws.name_for("bench-hello")
    functions.deploy_function(aws, name, package, role_arn=role, handler="hello.handler")
    client = aws.client("lambda")
    payload = json.dumps({"name": "bench"}).encode()

    handler = functions.load_handler("hello", "hello.handler")
    context = functions.TestContext()
    import logging

    logging.disable(logging.INFO)  # the plain call would otherwise log through the root logger
    row("floor: the handler called as a plain function", timed(lambda: handler({}, context), 2000))
    logging.disable(logging.NOTSET)
    _, trip, _ = row("floor: boto3 get_function round trip (runs no code)",
                     timed(lambda: client.get_function(FunctionName=name), 300))  # fmt: skip
    sts = aws.client("sts")
    row("floor: boto3 sts get_caller_identity round trip", timed(sts.get_caller_identity, 300))

    def invoke() -> None:
        response = client.invoke(FunctionName=name, Payload=payload)
        response["Payload"].read()

    invoke()  # make sure an environment is warm
    _, warm, _ = row("lambda.invoke, warm", timed(invoke, 300))

    cold_samples = []
    for run in range(30):
        client.update_function_configuration(FunctionName=name,
                                             Environment={"Variables": {"RUN": str(run)}})
        client.get_waiter("function_updated_v2").wait(FunctionName=name)
        cold_samples += timed(invoke, 1)  # the first invoke after a change is cold
    _, cold, _ = row("lambda.invoke, cold (after a configuration change)", cold_samples)
    print(f"  warm / round trip = {warm / trip:.2f}x (target <= 1.5x); "
          f"cold median {cold:.1f} ms (target <= 80 ms)")
    functions.delete_function(aws, name)
    iam.delete_role(aws, aws.name_for("bench-role"))


def bench_invoke_bookkeeping(repeat: int = 20000) -> None:
    """What the local cloud adds to every invoke besides running it: a unit of concurrency taken
    and given back, and its AWS/Lambda metrics (in this process, against moto's backends)."""
    from types import SimpleNamespace

    from helpers.local_cloud.lambda_runtime import InvocationResult
    from helpers.local_cloud.planes.lambda_operations import Invoked, LambdaOperations

    print("Invoke bookkeeping (concurrency and metrics; must stay far below a warm invoke)")
    operations = LambdaOperations(SimpleNamespace(cloud=None))
    result = InvocationResult(request_id="r", payload=b"{}", function_error=None, log_tail="",
                              executed_version="$LATEST", cold_start=False, duration_ms=1.5,
                              init_duration_ms=None)  # fmt: skip
    for invoked in (Invoked("123456789012", "us-east-1", "bench-bookkeeping"),
                    Invoked("123456789012", "us-east-1", "bench-bookkeeping", "live")):
        label = "qualified" if invoked.qualifier else "unqualified"
        row(f"operations.run around a finished invoke ({label})",
            timed(lambda: operations.run(invoked, lambda: result), repeat))  # noqa: B023
    operations.close()


def bench_web_app(aws: target.Target, clients: int = 8, total: int = 2000) -> None:
    """GET /api/messages through CloudFront → API Gateway → Lambda → DynamoDB."""
    import http.client
    import threading

    from helpers import webapp

    print(f"Web app: GET /api/messages through the local CloudFront, {clients} concurrent clients"
          " (issue: >= 150 requests/s, zero errors)")
    app = webapp.assemble(aws, say=lambda message: None)
    host, port = "127.0.0.1", int(aws.endpoint_url.rsplit(":", 1)[-1])
    for number in range(20):
        webapp.cdn.request(aws, app.host, "POST", "/api/messages",
                           json_body={"name": "bench", "text": f"message {number}"})

    # The plain call reads the same table, through the same cloud, with the same settings.
    os.environ.update({"TABLE_NAME": app.backend.table, "AWS_DEFAULT_REGION": aws.region,
                       "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"})
    handler = functions.load_handler("guestbook", "app.handler")
    event = webapp.api.test_event("GET", "/api/messages", query="limit=20")
    import logging

    logging.disable(logging.CRITICAL)  # its structured request log would flood the report
    row("floor: the handler called as a plain function (its DynamoDB query included)",
        timed(lambda: handler(event, functions.TestContext()), 200))
    logging.disable(logging.NOTSET)

    health = http.client.HTTPConnection(host, port, timeout=30)

    def health_round_trip() -> None:  # the server alone: one keep-alive connection
        health.request("GET", "/_aws/health")
        health.getresponse().read()

    row("floor: bare HTTP round trip to /_aws/health (keep-alive)", timed(health_round_trip, 500))
    health.close()

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = total // clients

    def client() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine, failures = [], []
        for _ in range(per_client):
            started = time.perf_counter()
            connection.request("GET", "/api/messages?limit=20", headers={"Host": app.host})
            response = connection.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or b'"messages"' not in body:
                failures.append(f"{response.status} {body[:80]!r}")
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
        with lock:
            latencies.extend(mine)
            errors.extend(failures)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    row(f"GET /api/messages via CloudFront, {clients} clients", latencies)
    print(f"  throughput {len(latencies) / elapsed:.0f} requests/s over {elapsed:.1f} s; "
          f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    webapp.disassemble(aws, app, say=lambda message: None)


DYNAMODB_HANDLER = """
import os
import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    item = dynamodb.get_item(TableName=os.environ["TABLE"], Key={"pk": {"S": "bench"}})
    return {"found": "Item" in item}
"""


def deploy_dynamodb_reader(aws: target.Target, build: Path) -> str:
    """A function whose every invoke makes one DynamoDB call, with a least-privilege role."""
    table, name = aws.name_for("bench-table"), aws.name_for("bench-reader")
    role = aws.name_for("bench-reader-role")
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "bench"}})
    role_arn = iam.ensure_execution_role(aws, role)
    iam.put_inline_policy(aws, role, "read-table", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "dynamodb:GetItem",
        "Resource": f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{table}"}]})
    iam.put_inline_policy(aws, role, "write-own-logs", iam.logging_policy(aws, name))
    build.mkdir(parents=True, exist_ok=True)
    (build / "app.py").write_text(DYNAMODB_HANDLER)
    functions.deploy_function(aws, name, packaging.build_zip(build), role_arn=role_arn,
                              handler="app.handler", environment={"TABLE": table},
                              say=lambda message: None)  # fmt: skip
    return name


def bench_iam_enforcement(rounds: int = 10, per_round: int = 30) -> None:
    """The same warm invoke (one DynamoDB GetItem inside) on a cloud enforcing IAM and on one
    that does not, measured in alternating rounds so that drift on a shared machine hits both."""
    import tempfile

    print("IAM enforcement: warm invoke making one DynamoDB call (issue: enforced <= 1.3x not)")
    clouds, invokers = {}, {}
    try:
        for label, enforce in (("enforcement off", "0"), ("enforcement on", "1")):
            clouds[label] = start_cloud(LOCAL_CLOUD_ENFORCE_IAM=enforce)
            aws = target.connect(quiet=True)
            name = deploy_dynamodb_reader(aws, Path(tempfile.mkdtemp()) / "reader")
            client = aws.client("lambda")

            def invoke(client=client, name=name) -> None:
                answer = json.loads(client.invoke(FunctionName=name)["Payload"].read())
                assert answer == {"found": True}, answer  # allowed, and the call really ran

            invoke()
            invokers[label] = invoke
        samples: dict[str, list[float]] = {label: [] for label in invokers}
        for _ in range(rounds):
            for label, invoke in invokers.items():
                samples[label] += timed(invoke, per_round)
        medians = {label: row(f"lambda.invoke, warm, one GetItem inside, {label}", values)[1]
                   for label, values in samples.items()}  # fmt: skip
        ratio = medians["enforcement on"] / medians["enforcement off"]
        print(f"  enforced / not enforced = {ratio:.2f}x (target <= 1.3x)")
    finally:
        for cloud in clouds.values():
            stop_cloud(cloud)
    bench_policy_evaluation()


def bench_policy_evaluation() -> None:
    """What one authorisation costs the evaluator, in this process (no HTTP, no moto)."""
    from helpers.local_cloud.iam_policy import Principal, Request, evaluate

    role = "arn:aws:iam::123456789012:role/guestbook-role"
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/guestbook"
    from types import SimpleNamespace

    aws = SimpleNamespace(region="us-east-1", account_id="123456789012")
    documents = [json.dumps(iam.logging_policy(aws, "guestbook")), json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": table, "Action": [
            "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]}]})]
    session = Principal.role_session(role, "guestbook")
    context = {"aws:PrincipalArn": role, "aws:RequestedRegion": "us-east-1",
               "aws:SecureTransport": "true"}  # fmt: skip

    def one() -> None:
        evaluate(Request(session, "dynamodb:PutItem", table, context), identity=documents)

    repeat = 20000
    started = time.perf_counter()
    for _ in range(repeat):
        one()
    print(f"  policy evaluation (guestbook role, PutItem): "
          f"{(time.perf_counter() - started) / repeat * 1e6:.1f} us per request")
TRIGGER_HANDLER = """
import os, time, boto3
dynamodb = boto3.client("dynamodb")
def handler(event, context):
    started = time.time()  # the moment the handler starts, on the machine's one clock
    record = event["Records"][0]
    key = record["s3"]["object"]["key"] if "s3" in record else record["body"]
    dynamodb.put_item(TableName=os.environ["TABLE"],
                      Item={"pk": {"S": key}, "started": {"N": repr(started)}})
"""


def bench_triggers(aws: target.Target, samples: int = 40) -> None:
    """From S3 PutObject or SQS SendMessage until the handler starts, and idle CPU."""
    import io
    import zipfile

    print("Triggers: from the client's call until the handler starts (issue: median <= 100 ms)")
    lam, s3, sqs, dynamodb = (aws.client(s) for s in ("lambda", "s3", "sqs", "dynamodb"))
    table, bucket = aws.name_for("bench-triggers"), aws.name_for("bench-uploads")
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    role = iam.ensure_execution_role(aws, aws.name_for("bench-trigger-role"), managed_policies=(
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",))
    iam.put_inline_policy(aws, aws.name_for("bench-trigger-role"), "record-starts", {
        "Version": "2012-10-17", "Statement": [{  # the handler notes when it started
            "Effect": "Allow", "Action": "dynamodb:PutItem",
            "Resource": f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{table}"}]})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", TRIGGER_HANDLER)
    name = aws.name_for("bench-trigger")
    arn = lam.create_function(FunctionName=name, Runtime=functions.KERNEL_RUNTIME, Role=role,
                              Handler="app.handler", Code={"ZipFile": buffer.getvalue()},
                              Environment={"Variables": {"TABLE": table}})["FunctionArn"]
    lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn,
                                          "Events": ["s3:ObjectCreated:*"]}]})
    url = sqs.create_queue(QueueName=aws.name_for("bench-queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    lam.create_event_source_mapping(EventSourceArn=queue_arn["Attributes"]["QueueArn"],
                                    FunctionName=name, BatchSize=1)

    def until_started(key: str, send: Callable[[], object]) -> float:
        sent = time.time()
        send()
        while True:
            item = dynamodb.get_item(TableName=table, Key={"pk": {"S": key}}).get("Item")
            if item:
                return (float(item["started"]["N"]) - sent) * 1000
            time.sleep(0.002)

    until_started("warm-up", lambda: s3.put_object(Bucket=bucket, Key="warm-up", Body=b"x"))
    row("S3 PutObject -> handler starts (async invoke, warm)", [
        until_started(f"object-{n}", lambda n=n: s3.put_object(Bucket=bucket, Key=f"object-{n}",
                                                               Body=b"x"))
        for n in range(samples)])  # fmt: skip
    row("SQS SendMessage -> handler starts (mapping, BatchSize 1)", [
        until_started(f"message-{n}", lambda n=n: sqs.send_message(QueueUrl=url,
                                                                   MessageBody=f"message-{n}"))
        for n in range(samples)])  # fmt: skip
    events = aws.client("events")
    events.put_rule(Name=aws.name_for("bench-schedule"), ScheduleExpression="rate(1 hour)")
    print(f"  idle CPU of the cloud process with a mapping and a schedule: {idle_cpu():.2f}% "
          "over 5 s (target ~0%)")


def idle_cpu(seconds: float = 5.0) -> float:
    """CPU use of the local cloud's process while nobody calls it, in percent of one core."""
    pid = CLOUD_PID[0]

    def cpu_seconds() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    time.sleep(1.0)  # let the last invocations settle
    before, started = cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds() - before) / (time.monotonic() - started)


CLOUD_PID: list[int] = [0]
def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_soak(aws: target.Target, cloud_pid: int, clients: int = 8, total: int = 10_000,
               window: int = 1_000) -> None:
    """The guestbook left running: POSTs and GETs through the front door (CloudFront → API
    Gateway → Lambda → DynamoDB), the cloud's memory and throughput every ``window`` requests."""
    import http.client
    import threading
    import uuid

    from helpers import webapp

    print(f"Soak: {total:,} guestbook requests (half POST with an Idempotency-Key, half GET) "
          f"through the local CloudFront, {clients} clients (issue: RSS growth after the first "
          f"{window:,} <= 50 MB; last {window:,} within 10% of the first's throughput)")
    app = webapp.assemble(aws, say=lambda message: None)
    host, port = "127.0.0.1", int(aws.endpoint_url.rsplit(":", 1)[-1])
    lock = threading.Lock()
    done, errors = 0, []
    marks = [(time.perf_counter(), rss_mb(cloud_pid), 0)]  # (time, RSS, errors so far)

    numbers = iter(range(total))  # shared, so every client stays busy until the end

    def client(number: int) -> None:
        nonlocal done
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                sent = next(numbers, None)
            if sent is None:
                break
            if sent % 2 == 0:
                body = json.dumps({"name": f"soak {number}", "text": f"message {sent}"})
                headers = {"Host": app.host, "Content-Type": "application/json",
                           "Idempotency-Key": str(uuid.uuid4())}
                connection.request("POST", "/api/messages", body=body, headers=headers)
                expected = 201
            else:
                connection.request("GET", "/api/messages?limit=20", headers={"Host": app.host})
                expected = 200
            response = connection.getresponse()
            answer = response.read()
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
            with lock:
                done += 1
                if response.status != expected:
                    errors.append(f"{response.status} {answer[:80]!r}")
                if done % window == 0:
                    marks.append((time.perf_counter(), rss_mb(cloud_pid), len(errors)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"  {'requests':>13}  {'requests/s':>10}  {'cloud RSS':>10}  {'errors':>6}")
    for index in range(1, len(marks)):
        (then, _, errors_before), (now, rss, errors_now) = marks[index - 1], marks[index]
        print(f"  {(index - 1) * window:>6,}-{index * window:<6,}  {window / (now - then):>10.1f}"
              f"  {rss:>7.0f} MB  {errors_now - errors_before:>6}")
    if len(marks) > 2:
        first, last = window / (marks[1][0] - marks[0][0]), window / (marks[-1][0] - marks[-2][0])
        print(f"  RSS growth after the first {window:,}: {marks[-1][1] - marks[1][1]:.0f} MB "
              f"(target <= 50 MB); last {window:,} at {last / first:.0%} of the first's "
              f"throughput (target >= 90%); errors: {len(errors)}"
              + (f" (first: {errors[0]})" if errors else ""))
    webapp.disassemble(aws, app, say=lambda message: None)


SECTIONS = ("lambda", "web", "triggers", "iam", "soak")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help=f"what to measure, of {', '.join(SECTIONS)} (default: all but soak; "
                             "soak too with BENCH_SOAK=1)")
    parser.add_argument("--soak-requests", type=int, default=10_000, metavar="N",
                        help="requests in the soak (default 10,000, reported per 1,000)")
    arguments = parser.parse_args()
    unknown = set(arguments.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    wanted = arguments.sections or [
        section for section in SECTIONS if section != "soak" or os.environ.get("BENCH_SOAK") == "1"]
    if {"lambda", "web", "triggers", "soak"} & set(wanted):
        cloud = start_cloud()
        CLOUD_PID[0] = cloud.pid
        try:
            aws = target.connect(quiet=True)
            print(f"Local cloud at {aws.endpoint_url}; {os.cpu_count()} cores; "
                  f"Python {sys.version.split()[0]}")
            if "lambda" in wanted:
                bench_lambda(aws)
                bench_invoke_bookkeeping()
            if "web" in wanted:
                bench_web_app(aws)
            if "triggers" in wanted:
                bench_triggers(aws)
            if "soak" in wanted:
                bench_soak(aws, cloud.pid, total=arguments.soak_requests,
                           window=max(1, arguments.soak_requests // 10))
        finally:
            stop_cloud(cloud)
    if "iam" in wanted:
        bench_policy_evaluation()
        bench_iam_enforcement()
    return 0


if __name__ == "__main__":
    sys.exit(main())
