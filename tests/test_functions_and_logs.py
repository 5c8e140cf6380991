"""The helpers notebooks 02-04 use: deploy, invoke, IAM, logs."""

import sys

import pytest

from helpers import functions, iam, logs, packaging
from helpers.display import example_path


@pytest.fixture(scope="module")
def role_arn(aws):
    # The role may write logs (Lambda writes a function's logs with it).
    return iam.ensure_execution_role(aws, "workbook-helpers-test-role",
                                     managed_policies=(iam.BASIC_EXECUTION_POLICY,))


@pytest.fixture(scope="module")
def counter():
    return packaging.build_zip(example_path("counter"))


def test_deploy_creates_an_active_tagged_function(aws, role_arn, counter):
    config = functions.deploy_function(aws, "workbook-t-create", counter, role_arn=role_arn,
                                       handler="counter.handler")  # fmt: skip
    assert config["State"] == "Active" and config["CodeSha256"] == counter.code_sha256
    # The runtime is the kernel's Python: what runs on AWS is what ran here.
    assert config["Runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
    tags = aws.client("lambda").list_tags(Resource=config["FunctionArn"])["Tags"]
    assert tags["workbook"] == "true" and tags["workbook-run"] == aws.run_id


def test_redeploying_unchanged_code_and_config_keeps_the_environment_warm(aws, role_arn, counter):
    name = "workbook-t-warm"
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler")
    assert functions.invoke(aws, name).payload["cold_start"] is True
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler")
    assert functions.invoke(aws, name).payload["cold_start"] is False


def test_changed_configuration_is_applied_and_starts_cold(aws, role_arn, counter):
    name = "workbook-t-config"
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler")
    functions.invoke(aws, name)
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler",
                              environment={"GREETING": "Hej"})  # fmt: skip
    payload = functions.invoke(aws, name).payload
    assert payload["greeting"] == "Hej" and payload["cold_start"] is True


def role_just_created(aws, clock, name):
    """A role, and the cloud's clock at the moment it was created (age 0)."""
    arn = iam.ensure_execution_role(aws, name)
    created = aws.client("iam").get_role(RoleName=name)["Role"]["CreateDate"].timestamp()
    clock.advance(created - clock.time())
    return arn


def test_deploy_retries_while_the_role_propagates(fake_clock_aws, counter):
    # The helper's backoff advances the FakeClock, and the cloud measures the role's age on it.
    aws, clock = fake_clock_aws
    said = []
    fresh_role = role_just_created(aws, clock, "workbook-helpers-fresh-role")
    iam.simulate_propagation_delay(aws, 1.5)
    try:
        functions.deploy_function(aws, "workbook-t-retry", counter, role_arn=fresh_role,
                                  handler="counter.handler", say=said.append, clock=clock)
    finally:
        iam.simulate_propagation_delay(aws, 0)
    assert said == [
        "attempt 1: the role is not usable yet (IAM is propagating); retrying in 1 s",
        "attempt 2: the role is not usable yet (IAM is propagating); retrying in 2 s",
        "attempt 3: created."]
    assert clock.slept == [1.0, 2.0]


def test_deploy_gives_up_when_the_role_never_becomes_usable(fake_clock_aws, counter):
    aws, clock = fake_clock_aws
    fresh_role = role_just_created(aws, clock, "workbook-helpers-stuck-role")
    iam.simulate_propagation_delay(aws, 60)
    try:
        with pytest.raises(aws.client("lambda").exceptions.InvalidParameterValueException):
            functions.deploy_function(aws, "workbook-t-stuck", counter, role_arn=fresh_role,
                                      handler="counter.handler", role_wait_seconds=1,
                                      say=lambda message: None, clock=clock)  # fmt: skip
    finally:
        iam.simulate_propagation_delay(aws, 0)
    assert clock.slept == [1.0]  # one wait, then the budget of 1 s was spent


def test_invoke_decodes_payload_errors_and_tail(aws, role_arn):
    name = "workbook-t-hello"
    functions.deploy_function(aws, name, packaging.build_zip(example_path("hello")),
                              role_arn=role_arn, handler="hello.handler")  # fmt: skip
    ok = functions.invoke(aws, name, {"name": "Ada"})
    assert ok.payload["message"] == "Hello, Ada!" and ok.function_error is None
    assert "REPORT RequestId: " + ok.request_id in ok.log_tail
    failed = functions.invoke(aws, name, {"name": ""})
    assert failed.function_error == "Unhandled" and failed.payload["errorType"] == "ValueError"


def test_reports_parse_every_invocation(aws, role_arn, counter):
    name = "workbook-t-reports"
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler")
    for _ in range(3):
        functions.invoke(aws, name)
    rows = logs.reports(aws, name)
    assert [row["cold"] for row in rows] == [True, False, False]
    assert rows[0]["init_ms"] > 0 and all(r["billed_ms"] >= r["duration_ms"] for r in rows)


def test_retention_defaults_to_never_and_can_be_set(aws, role_arn, counter):
    name = "workbook-t-retention"
    functions.deploy_function(aws, name, counter, role_arn=role_arn, handler="counter.handler")
    functions.invoke(aws, name)
    group = logs.log_group_name(name)
    assert logs.retention(aws, group) is None
    logs.set_retention(aws, group, 7)
    assert logs.retention(aws, group) == 7
    with pytest.raises(ValueError, match="only these retention periods"):
        logs.set_retention(aws, group, 10)


def test_delete_role_removes_policies_first_and_is_idempotent(aws):
    name = "workbook-helpers-doomed-role"
    iam.ensure_execution_role(aws, name, managed_policies=(iam.BASIC_EXECUTION_POLICY,))
    iam.put_inline_policy(aws, name, "logs", iam.logging_policy(aws, "x"))
    assert iam.delete_role(aws, name) is True
    assert iam.delete_role(aws, name) is False


def test_parse_report_reads_text_and_json_lines():
    text = ("REPORT RequestId: abc\tDuration: 1.50 ms\tBilled Duration: 40 ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 30 MB\tInit Duration: 38.20 ms")  # fmt: skip
    row = logs.parse_report(text)
    assert row == {"request_id": "abc", "duration_ms": 1.5, "billed_ms": 40.0, "memory_mb": 128.0,
                   "max_memory_mb": 30.0, "init_ms": 38.2, "cold": True}  # fmt: skip
    json_line = ('{"time": "t", "type": "platform.report", "record": {"requestId": "abc", '
                 '"metrics": {"durationMs": 1.5, "billedDurationMs": 2, "memorySizeMB": 128, '
                 '"maxMemoryUsedMB": 30}}}')  # fmt: skip
    assert logs.parse_report(json_line)["cold"] is False
    assert logs.parse_report("START RequestId: abc Version: $LATEST") is None
