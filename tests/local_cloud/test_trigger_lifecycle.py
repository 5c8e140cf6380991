"""The trigger planes' background work: it starts with the cloud, delivers without being asked,
forgets everything on /moto-api/reset, and leaves no thread behind when the cloud stops."""

import json
import threading
import time
import urllib.request

import boto3

from helpers.local_cloud import LocalCloud
from helpers.local_cloud.planes.event_source_mappings import EventSourceMappingsPlane
from helpers.local_cloud.planes.eventbridge import EventBridgePlane

BACKGROUND_THREADS = {"event-source-mappings", "eventbridge-schedules"}
HANDLER = "def handler(event, context):\n    print('EVENT ' + __import__('json').dumps(event))\n"
SQS_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
    "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}, {
    "Effect": "Allow", "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/lifecycle-worker:*",
    "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]}


def thread_names() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def test_background_planes_deliver_then_stop_and_leave_no_thread(build_zip):
    cloud = LocalCloud().start()
    try:
        assert BACKGROUND_THREADS <= thread_names()
        session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local",
                                region_name="us-east-1")
        client = lambda service: session.client(service, endpoint_url=cloud.endpoint)  # noqa: E731
        iam, sqs, lam = client("iam"), client("sqs"), client("lambda")
        role = iam.create_role(RoleName="lifecycle-role", AssumeRolePolicyDocument="{}")
        iam.put_role_policy(RoleName="lifecycle-role", PolicyName="sqs",
                            PolicyDocument=json.dumps(SQS_POLICY))
        lam.create_function(FunctionName="lifecycle-worker", Runtime="python3.12",
                            Role=role["Role"]["Arn"], Handler="app.handler",
                            Code={"ZipFile": build_zip({"app.py": HANDLER})})
        url = sqs.create_queue(QueueName="lifecycle-queue")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        lam.create_event_source_mapping(EventSourceArn=arn["Attributes"]["QueueArn"],
                                        FunctionName="lifecycle-worker")
        sqs.send_message(QueueUrl=url, MessageBody="no poll_once needed")
        logs, found, deadline = client("logs"), [], time.monotonic() + 20
        while not found and time.monotonic() < deadline:  # waiting for the work, not a clock
            time.sleep(0.05)
            try:
                found = logs.filter_log_events(logGroupName="/aws/lambda/lifecycle-worker",
                                               filterPattern="EVENT")["events"]
            except logs.exceptions.ResourceNotFoundException:
                continue
        assert found and "no poll_once needed" in found[0]["message"]

        request = urllib.request.Request(f"{cloud.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).read()
        assert cloud.plane(EventSourceMappingsPlane).workers == {}
        assert cloud.plane(EventBridgePlane).schedules == {}
    finally:
        started = time.monotonic()
        cloud.stop()
    assert time.monotonic() - started < 2.0  # the runtime's own shutdown included
    time.sleep(0)  # let joined threads be reaped
    assert not BACKGROUND_THREADS & thread_names()
    assert not any(name.startswith("mapping-") for name in thread_names())
