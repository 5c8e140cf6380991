"""recent_logs reads its own log group's newest streams (moto stands in for CloudWatch Logs)."""

import importlib
import types
import uuid

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def group():
    return f"/aws/lambda/recent-logs-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def handler(monkeypatch, group):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", group)
    with mock_aws():
        logs = boto3.client("logs")
        logs.create_log_group(logGroupName=group)
        for day in ("01", "02", "03", "04"):
            stream = f"2026/01/{day}/[$LATEST]abc"
            logs.create_log_stream(logGroupName=group, logStreamName=stream)
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": int(day) * 86_400_000, "message": day}])
        import recent_logs

        yield importlib.reload(recent_logs).handler  # its client is made inside the mock


def test_it_reports_the_three_newest_streams_of_its_own_group(handler, group):
    answer = handler({}, types.SimpleNamespace())
    assert answer["log_group"] == group
    assert answer["newest_streams"] == [f"2026/01/{day}/[$LATEST]abc" for day in ("04", "03", "02")]


def test_a_missing_group_is_the_error_aws_gives(handler, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/never-ran")
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        handler({}, types.SimpleNamespace())
