"""The handler is a plain Python function: test it like one, with a stand-in context."""

import time
from dataclasses import dataclass

import hello
import pytest


@dataclass
class FakeContext:
    """The attributes of Lambda's context object that the handler uses."""

    aws_request_id: str = "test-request-id"
    function_name: str = "hello"
    memory_limit_in_mb: str = "128"
    timeout_seconds: float = 3.0

    def __post_init__(self):
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def test_greets_the_name_in_the_event():
    result = hello.handler({"name": "Ada"}, FakeContext())
    assert result["message"] == "Hello, Ada!"


def test_greets_the_world_when_no_name_is_given():
    assert hello.handler({}, FakeContext())["message"] == "Hello, world!"


def test_reports_what_the_context_says():
    result = hello.handler({"name": "Ada"}, FakeContext(aws_request_id="abc", function_name="f"))
    assert result["request_id"] == "abc"
    assert result["function_name"] == "f"
    assert result["memory_limit_in_mb"] == 128
    assert 0 < result["remaining_time_in_ms"] <= 3000


def test_rejects_an_empty_name():
    with pytest.raises(ValueError, match="non-empty"):
        hello.handler({"name": "  "}, FakeContext())
