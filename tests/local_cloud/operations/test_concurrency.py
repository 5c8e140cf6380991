"""Reserved concurrency, the account's limit and throttling, through boto3.

AWS (API_Invoke, "TooManyRequestsException"): ``ReservedFunctionConcurrentInvocationLimitExceeded``
when a function with reserved concurrency is at its limit, ``ConcurrentInvocationLimitExceeded``
when a function without one finds the account's unreserved concurrency used up; HTTP 429, body
``{"Reason": ..., "Type": "User", "message": "Rate Exceeded."}``.
"""

import threading

import pytest

from helpers.local_cloud.moto_adapter import reserved_concurrency_by_function
from helpers.local_cloud.planes.lambda_api import LambdaPlane
from helpers.local_cloud.planes.lambda_concurrency import (
    ACCOUNT_LIMIT,
    RESERVED_LIMIT,
    ConcurrencyLimits,
    Throttled,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("seconds", 0))
    return "done"
"""


def throttled(aws, name):
    client = aws("lambda")
    with pytest.raises(client.exceptions.TooManyRequestsException) as caught:
        client.invoke(FunctionName=name, Payload=b"{}")
    return caught.value.response


def test_reserved_concurrency_zero_throttles_every_synchronous_invoke(aws, function):
    client, name = aws("lambda"), function("echo")
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert client.get_function(FunctionName=name)["Concurrency"] == {
        "ReservedConcurrentExecutions": 0}  # fmt: skip
    response = throttled(aws, name)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["Reason"] == RESERVED_LIMIT and response["Type"] == "User"
    assert response["Error"]["Message"] == "Rate Exceeded."
    client.delete_function_concurrency(FunctionName=name)
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200


def test_a_second_invoke_over_a_reservation_of_one_is_throttled_at_once(
        aws, role, operations, zip_of_source):  # fmt: skip
    client, name = aws("lambda"), "ops-slow-reserved"
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                           Handler="app.handler", Code={"ZipFile": zip_of_source(SLOW)})
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
    first = threading.Thread(target=client.invoke,
                             kwargs={"FunctionName": name, "Payload": b'{"seconds": 2}'})
    first.start()
    try:
        assert wait_until(lambda: operations.concurrency.running(ACCOUNT, REGION, name) == 1)
        assert throttled(aws, name)["Reason"] == RESERVED_LIMIT  # refused, not queued
    finally:
        first.join()
    assert operations.concurrency.running(ACCOUNT, REGION, name) == 0
    assert client.invoke(FunctionName=name, Payload=b"{}")["StatusCode"] == 200
    client.delete_function_concurrency(FunctionName=name)


def wait_until(condition, timeout=15.0):
    """Poll a condition on a background invoke (bounded; not a delay the code under test asks)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_functions_without_reservations_share_what_is_left_of_the_account_limit(
        aws, function, operations):  # fmt: skip
    client = aws("lambda")
    shared, reserved = function("echo"), function("echo")
    limits = operations.concurrency.limits
    elsewhere = sum(reserved_concurrency_by_function(ACCOUNT, REGION).values())  # other tests'
    operations.concurrency.limits = ConcurrencyLimits(account=elsewhere + 3, unreserved_minimum=1)
    held = []
    try:
        client.put_function_concurrency(FunctionName=reserved, ReservedConcurrentExecutions=1)
        # 3 - 1 reserved = 2 unreserved, both taken by other functions' running executions
        held = [operations.concurrency.acquire(ACCOUNT, REGION, f"other-{n}") for n in range(2)]
        assert throttled(aws, shared)["Reason"] == ACCOUNT_LIMIT
        assert client.invoke(FunctionName=reserved, Payload=b"{}")["StatusCode"] == 200
        held.pop().release()
        assert client.invoke(FunctionName=shared, Payload=b"{}")["StatusCode"] == 200
    finally:
        for slot in held:
            slot.release()
        client.delete_function_concurrency(FunctionName=reserved)
        operations.concurrency.limits = limits


def test_account_settings_report_the_local_limit_and_what_reservations_leave(aws, function):
    client, name = aws("lambda"), function("echo")
    before = client.get_account_settings()
    assert before["AccountLimit"]["ConcurrentExecutions"] == 50
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    after = client.get_account_settings()
    assert (before["AccountLimit"]["UnreservedConcurrentExecutions"]
            - after["AccountLimit"]["UnreservedConcurrentExecutions"]) == 5  # fmt: skip
    assert after["AccountUsage"]["FunctionCount"] >= 1
    client.delete_function_concurrency(FunctionName=name)


def test_a_reservation_may_not_leave_less_than_the_unreserved_minimum(aws, function):
    client, name = aws("lambda"), function("echo")
    with pytest.raises(client.exceptions.InvalidParameterValueException,
                       match=r"below its minimum value of \[10\]"):  # fmt: skip
        client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=41)
    assert client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=40)[
        "ReservedConcurrentExecutions"] == 40  # fmt: skip
    client.delete_function_concurrency(FunctionName=name)


def test_other_services_are_throttled_too(aws, function, cloud):
    client, name = aws("lambda"), function("echo")
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(Throttled):  # API Gateway answers 500 for it, as on AWS
        cloud.plane(LambdaPlane).invoke_for_service(arn, b"{}")
    client.delete_function_concurrency(FunctionName=name)
