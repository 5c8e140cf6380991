"""The target switch: local by default, AWS only on explicit opt-in."""

import boto3
import pytest
from botocore.stub import Stubber

from helpers import target


def test_local_is_the_default_and_joins_the_cloud_in_aws_endpoint_url(monkeypatch, capsys):
    aws = target.connect()
    assert aws.is_local
    assert aws.account_id == "123456789012"
    assert aws.endpoint_url == target.os.environ["AWS_ENDPOINT_URL"]
    assert "Target: local" in capsys.readouterr().out
    assert aws.client("s3").meta.endpoint_url == aws.endpoint_url


def test_lambda_clients_never_retry_and_wait_out_the_longest_function():
    config = target.connect(quiet=True).client("lambda").meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.read_timeout > 900


def test_local_starts_a_cloud_in_the_process_when_no_endpoint_is_given(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setattr(target, "_local_cloud", None)
    aws = target.connect(quiet=True)
    try:
        assert aws.endpoint_url == target._local_cloud.endpoint
        assert aws.client("sts").get_caller_identity()["Account"] == "123456789012"
    finally:
        target._local_cloud.stop()


def test_an_unreachable_endpoint_says_how_to_start_the_cloud(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(target.TargetError, match="make lab"):
        target.connect(quiet=True)


def test_aws_without_opt_in_refuses_and_says_how_to_opt_in(monkeypatch):
    monkeypatch.delenv(target.OPT_IN_VARIABLE, raising=False)
    with pytest.raises(target.TargetError, match=f"{target.OPT_IN_VARIABLE}=yes"):
        target.connect("aws")


def test_unknown_target_is_refused():
    with pytest.raises(target.TargetError, match="'local'.*'aws'"):
        target.connect("azure")


class StubbedSession(boto3.Session):
    """A real boto3 session whose STS answers from a stub: no request leaves the machine."""

    account = "111122223333"
    endpoints_seen: list = []

    def client(self, service, **kwargs):
        real = super().client(service, **kwargs)
        StubbedSession.endpoints_seen.append(real.meta.endpoint_url)
        stubber = Stubber(real)
        arn = f"arn:aws:iam::{self.account}:user/learner"
        response = {"Account": self.account, "Arn": arn, "UserId": "AIDEXAMPLE"}
        stubber.add_response("get_caller_identity", response)
        stubber.activate()
        return real


@pytest.fixture
def opted_in(monkeypatch):
    monkeypatch.setenv(target.OPT_IN_VARIABLE, "yes")
    monkeypatch.setenv(target.REGION_VARIABLE, "eu-west-1")
    monkeypatch.setattr(target.boto3, "Session", StubbedSession)
    StubbedSession.endpoints_seen = []


def test_aws_prints_who_you_are_and_never_uses_the_local_endpoint(opted_in, capsys):
    aws = target.connect("aws")
    out = capsys.readouterr().out
    assert "account: 111122223333" in out and "user/learner" in out and "eu-west-1" in out
    assert "budget_alert" in out  # the offer of a budget alert, before any notebook runs
    assert "AWS_ENDPOINT_URL" not in target.os.environ
    assert aws.endpoint_url is None
    assert StubbedSession.endpoints_seen == ["https://sts.eu-west-1.amazonaws.com"]


def test_aws_refuses_an_account_outside_the_allowlist(opted_in, monkeypatch, capsys):
    monkeypatch.setenv(target.ALLOWLIST_VARIABLE, "444455556666, 777788889999")
    with pytest.raises(target.TargetError, match="111122223333 is not in"):
        target.connect("aws")
    assert "account: 111122223333" in capsys.readouterr().out  # shown before refusing


def test_aws_accepts_an_allowlisted_account(opted_in, monkeypatch):
    monkeypatch.setenv(target.ALLOWLIST_VARIABLE, "111122223333")
    assert target.connect("aws", quiet=True).account_id == "111122223333"
