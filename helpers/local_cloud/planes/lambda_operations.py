"""What Lambda does around every invoke, whoever asks for it: take a unit of concurrency (or
throttle), run the handler, publish the metrics; and the queue that runs asynchronous events.

``LambdaPlane`` owns one ``LambdaOperations`` and calls it from Invoke, from other services'
planes (``invoke_for_service``, ``invoke_event``) and from its log sink (embedded metrics).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import moto_adapter
from ..clock import REAL_CLOCK, Clock
from ..lambda_runtime import InvocationResult
from .lambda_async import AsyncInvocations
from .lambda_concurrency import Concurrency, Throttled
from .lambda_metrics import LambdaMetrics

if TYPE_CHECKING:
    from .lambda_api import LambdaPlane


@dataclass(frozen=True)
class Invoked:
    """A function as an invoke names it: account, region, name and the qualifier, if any."""

    account: str
    region: str
    function: str
    qualifier: str | None = None

    @classmethod
    def parse(cls, account: str, region: str, name: str, qualifier: str | None) -> Invoked:
        """From Invoke's FunctionName (a name, ``name:qualifier``, ``account:name`` or an ARN)
        and its Qualifier parameter."""
        if name.startswith("arn:"):
            parts = name.split(":")
            return cls(parts[4], parts[3], parts[6], parts[7] if len(parts) > 7 else qualifier)
        parts = name.split(":")
        if len(parts) >= 2 and parts[0].isdigit() and len(parts[0]) == 12:  # account:name
            account, parts = parts[0], parts[1:]
        return cls(account, region, parts[0], parts[1] if len(parts) > 1 else qualifier)

    @classmethod
    def from_arn(cls, function_arn: str) -> Invoked:
        return cls.parse("", "", function_arn, None)

    @property
    def resource(self) -> str | None:
        """The ``Resource`` metric dimension: ``name:alias`` or ``name:version`` when qualified."""
        return f"{self.function}:{self.qualifier}" if self.qualifier else None

    @property
    def arn(self) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function}"
        return f"{arn}:{self.qualifier}" if self.qualifier else arn

    @property
    def record_arn(self) -> str:
        """The functionArn of an invocation record: always qualified (``...:$LATEST``)."""
        return self.arn if self.qualifier else f"{self.arn}:$LATEST"

    @property
    def queue_key(self) -> tuple[str, str, str]:
        return (self.account, self.region, self.function)

    def function_model(self) -> Any:
        return moto_adapter.lambda_function(self.account, self.region, self.function,
                                            self.qualifier)  # fmt: skip

    def event_invoke_config(self) -> dict[str, Any] | None:
        return moto_adapter.event_invoke_config(self.account, self.region, self.function,
                                                self.qualifier)  # fmt: skip


class LambdaOperations:
    """Concurrency, metrics and the asynchronous queue of one local cloud's Lambda."""

    def __init__(self, plane: LambdaPlane, clock: Clock | None = None) -> None:
        self.plane = plane
        self.clock = clock or getattr(plane.cloud, "clock", REAL_CLOCK)
        self.metrics = LambdaMetrics(self.clock)
        self.concurrency = Concurrency()
        self.async_invocations = AsyncInvocations(self, self.clock)

    def use_clock(self, clock: Clock) -> None:
        """Time for metrics, retries and event ages from `clock` (a FakeClock in tests)."""
        self.clock = self.metrics.clock = self.async_invocations.clock = clock

    def reset(self) -> None:
        self.async_invocations.reset()
        self.metrics.reset()

    def close(self) -> None:
        """No queued event starts any more (call ``join`` once the runtime has stopped)."""
        self.async_invocations.close()

    def join(self) -> None:
        self.async_invocations.join()

    # -- running one invoke ---------------------------------------------------------------------
    def run(self, invoked: Invoked, call: Callable[[], InvocationResult]) -> InvocationResult:
        """`call()` (one run of the handler) inside a unit of concurrency, with its metrics.
        Raises Throttled, after counting it, when no concurrency is free."""
        account, region, function = invoked.account, invoked.region, invoked.function
        try:
            slot = self.concurrency.acquire(account, region, function)
        except Throttled:
            self.metrics.put(account, region, "Throttles", 1, function=function,
                             resource=invoked.resource)  # fmt: skip
            raise
        put = self.metrics.put_value
        put(account, region, "AWS/Lambda", "ConcurrentExecutions", (("FunctionName", function),),
            slot.function_running, "Count")
        put(account, region, "AWS/Lambda", "ConcurrentExecutions", (), slot.account_running,
            "Count")
        try:
            result = call()
        finally:
            slot.release()
        for name, value in (("Invocations", 1), ("Errors", 1 if result.function_error else 0),
                            ("Duration", result.duration_ms)):  # fmt: skip
            self.metrics.put(account, region, name, value, function=function,
                             resource=invoked.resource)  # fmt: skip
        return result

    def run_model(self, invoked: Invoked, function: Any, payload: bytes, *,
                  request_id: str | None = None, client_context: str | None = None,
                  ) -> InvocationResult:  # fmt: skip
        """Run moto's `function` (a resolved version) for `invoked`, as ``run`` does."""
        spec = self.plane._spec(function, invoked.region)
        runtime = self.plane.runtime
        return self.run(invoked, lambda: runtime.invoke(
            spec, payload or b"{}", request_id=request_id, client_context=client_context))

    # -- asynchronous invokes -------------------------------------------------------------------
    def invoke_event(self, function_arn: str, payload: bytes) -> str:
        """Queue an asynchronous invoke of the function (or version/alias) the ARN names, as S3,
        SNS, EventBridge and destinations do; returns its request id. LookupError if absent."""
        invoked = Invoked.from_arn(function_arn)
        try:
            invoked.function_model()
        except Exception as error:
            raise LookupError(f"No function {function_arn}: {error}") from None
        return self.async_invocations.submit(invoked, payload)

    def count_async(self, metric: str, invoked: Invoked) -> None:
        self.metrics.put(invoked.account, invoked.region, metric, 1, function=invoked.function,
                         resource=invoked.resource)  # fmt: skip

    # -- logs -------------------------------------------------------------------------------------
    def logs_written(self, account: str, region: str, events: list[tuple[int, str]]) -> None:
        """A function's log lines reached CloudWatch Logs: publish their embedded metrics."""
        self.metrics.put_embedded(account, region, (message for _, message in events))
