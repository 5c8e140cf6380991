"""moto's own attempts to run a function (here a CloudWatch Logs subscription filter) run the
deployed code in the local runtime, never in Docker."""

import base64
import gzip
import json
import time


def test_a_log_subscription_filter_runs_the_function_locally(triggers):
    logs = triggers.client("logs")
    arn = triggers.function("logs-subscriber")
    logs.create_log_group(logGroupName="/workbook/source")
    logs.create_log_stream(logGroupName="/workbook/source", logStreamName="s")
    logs.put_subscription_filter(logGroupName="/workbook/source", filterName="all",
                                 filterPattern="hello", destinationArn=arn)
    logs.put_log_events(logGroupName="/workbook/source", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "hello"}])
    [event] = triggers.wait_for_events("logs-subscriber", 1)
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    assert data["logGroup"] == "/workbook/source"
    assert [e["message"] for e in data["logEvents"]] == ["hello"]
