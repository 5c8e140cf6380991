"""Asynchronous invocation (``InvocationType=Event``, and S3, SNS, EventBridge...) as Lambda does it.

Lambda puts the event in a queue of the function's own and answers 202 at once. A few workers
(not a thread per event) take due events from the queues in turn and run them:

- a function error is retried ``MaximumRetryAttempts`` times (default 2), after about one minute
  and then two (``RETRY_DELAYS``);
- a throttle (no concurrency free) puts the event back, retried after 1 s, doubling up to 5
  minutes, for as long as the event is younger than ``MaximumEventAgeInSeconds`` (default 6 h);
- a function whose reserved concurrency is 0 gets no retries: its events go straight to the
  failure destination (AWS's behaviour since August 2021);
- the outcome goes to the ``OnSuccess``/``OnFailure`` destination of the function's event invoke
  config and, on failure, to its dead-letter queue (``lambda_destinations``).

Times come from a ``Clock``: with a ``FakeClock`` a test moves time on, calls ``wake()`` and
``settle()``, and sees the retry run without waiting a minute.
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
"""

from __future__ import annotations

import itertools
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import moto_adapter
from ..clock import REAL_CLOCK, Clock
from ..lambda_runtime import InvocationResult
from . import lambda_destinations as destinations
from .lambda_concurrency import Throttled

if TYPE_CHECKING:
    from .lambda_operations import Invoked, LambdaOperations

RETRY_DELAYS = (60.0, 120.0)  # after the first and the second failed attempt
THROTTLE_FIRST_DELAY, THROTTLE_MAX_DELAY = 1.0, 300.0
DEFAULT_RETRY_ATTEMPTS, DEFAULT_MAXIMUM_AGE = 2, 21600
LOGGER = logging.getLogger(__name__)
WAIT_CAP = 1.0  # real seconds a worker sleeps at most before looking at the clock again


@dataclass
class AsyncEvent:
    """One event in a function's queue."""

    invoked: Invoked
    payload: bytes
    request_id: str
    received: float  # clock time when Lambda accepted it
    due: float
    attempts: int = 0  # runs of the function so far
    throttle_delay: float = 0.0
    last_result: InvocationResult | None = field(default=None, repr=False)


class AsyncInvocations:
    """Per-function queues and a bounded pool of workers; see the module docstring."""

    def __init__(self, operations: LambdaOperations, clock: Clock = REAL_CLOCK, *,
                 workers: int = 4, retry_delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self.operations = operations
        self.clock = clock
        self.retry_delays = retry_delays
        self.max_workers = max(1, workers)
        self._condition = threading.Condition()
        self._queues: dict[tuple[str, str, str], deque[AsyncEvent]] = {}
        self._turn = itertools.count()
        self._running = 0
        self._workers: list[threading.Thread] = []
        self._closed = False

    # -- accepting events -----------------------------------------------------------------------
    def submit(self, invoked: Invoked, payload: bytes, request_id: str | None = None) -> str:
        """Queue an event for the function (or version/alias) `invoked`; returns its request id."""
        now = self.clock.time()
        event = AsyncEvent(invoked, payload or b"{}", request_id or str(uuid.uuid4()), now, now)
        self.operations.count_async("AsyncEventsReceived", invoked)
        with self._condition:
            if self._closed:
                raise RuntimeError("the local cloud is shutting down")
            self._queues.setdefault(invoked.queue_key, deque()).append(event)
            queued = sum(len(queue) for queue in self._queues.values())
            if len(self._workers) < self.max_workers and queued > len(self._workers) - self._running:
                worker = threading.Thread(target=self._work, name="lambda-async", daemon=True)
                self._workers.append(worker)
                worker.start()
            self._condition.notify()
        return event.request_id

    def wake(self) -> None:
        """Look at the clock again now (a test moved a FakeClock on)."""
        with self._condition:
            self._condition.notify_all()

    def settle(self, timeout: float = 30.0) -> bool:
        """Wait (real time, at most `timeout`) until no event is due now and none is running;
        True if that happened. For tests and the local-only fire-now helpers."""
        deadline = REAL_CLOCK.monotonic() + timeout
        with self._condition:
            self._condition.notify_all()
            while self._running or self._due_event(self.clock.time(), take=False) is not None:
                left = deadline - REAL_CLOCK.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(min(left, 0.05))
            return True

    def pending(self) -> int:
        """Events queued (due now or later), not counting those running."""
        with self._condition:
            return sum(len(queue) for queue in self._queues.values())

    def reset(self) -> None:
        """Forget every queued event and accept new ones (moto's state was reset)."""
        with self._condition:
            self._queues.clear()
            self._closed = False

    def close(self) -> None:
        """Drop queued events and let no worker start another (running ones finish)."""
        with self._condition:
            self._closed = True
            self._queues.clear()
            self._condition.notify_all()

    def join(self, timeout: float = 5.0) -> None:
        """Wait for the workers to end, after ``close()`` (and after the runtime stopped, so
        that a worker in the middle of an invoke gets its answer)."""
        with self._condition:
            workers, self._workers = self._workers, []
        deadline = REAL_CLOCK.monotonic() + timeout
        for worker in workers:
            worker.join(timeout=max(0.0, deadline - REAL_CLOCK.monotonic()))

    # -- the workers ------------------------------------------------------------------------------
    def _due_event(self, now: float, take: bool) -> AsyncEvent | None:
        """The next due event, taking the functions' queues in turn (condition held)."""
        keys = list(self._queues)
        if not keys:
            return None
        start = next(self._turn) % len(keys) if take else 0
        for key in keys[start:] + keys[:start]:
            queue = self._queues[key]
            for index, event in enumerate(queue):
                if event.due <= now:
                    if take:
                        del queue[index]
                        if not queue:
                            del self._queues[key]
                    return event
        return None

    def _next_wait(self, now: float) -> float:
        dues = [event.due for queue in self._queues.values() for event in queue]
        return WAIT_CAP if not dues else max(0.0, min(WAIT_CAP, min(dues) - now))

    def _work(self) -> None:
        while True:
            with self._condition:
                while True:
                    if self._closed:
                        return
                    now = self.clock.time()
                    event = self._due_event(now, take=True)
                    if event is not None:
                        self._running += 1
                        break
                    self._condition.wait(self._next_wait(now))
            try:
                self._process(event)
            except Exception:  # never lose the worker; the event is dropped (and said so)
                LOGGER.exception("Asynchronous invocation %s failed unexpectedly", event)
            finally:
                with self._condition:
                    self._running -= 1
                    self._condition.notify_all()

    def _requeue(self, event: AsyncEvent, due: float) -> None:
        event.due = due
        with self._condition:
            if not self._closed:
                self._queues.setdefault(event.invoked.queue_key, deque()).append(event)
                self._condition.notify()

    # -- one attempt ----------------------------------------------------------------------------
    def _process(self, event: AsyncEvent) -> None:
        invoked, now = event.invoked, self.clock.time()
        config = invoked.event_invoke_config() or {}
        max_age = config.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_AGE)
        self.operations.metrics.put(invoked.account, invoked.region, "AsyncEventAge",
                                    (now - event.received) * 1000, function=invoked.function,
                                    resource=invoked.resource)  # fmt: skip
        if now - event.received >= max_age:
            return self._fail(event, config, destinations.EVENT_AGE_EXCEEDED)
        try:
            function = invoked.function_model()
        except (*moto_adapter.api_errors(), KeyError):  # deleted meanwhile: nothing to run
            return self.operations.count_async("AsyncEventsDropped", invoked)
        if moto_adapter.reserved_concurrency(invoked.account, invoked.region,
                                             invoked.function) == 0:  # fmt: skip
            return self._fail(event, config, destinations.RETRIES_EXHAUSTED, throttled=True)
        try:
            result = self.operations.run_model(invoked, function, event.payload,
                                               request_id=event.request_id)  # fmt: skip
        except Throttled:
            event.throttle_delay = min(THROTTLE_MAX_DELAY,
                                       max(THROTTLE_FIRST_DELAY, event.throttle_delay * 2))
            return self._requeue(event, now + event.throttle_delay)
        except RuntimeError:  # the runtime is shutting down
            return None
        event.attempts += 1
        event.last_result = result
        if result.function_error is None:
            return self._succeed(event, config, result)
        retries = config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS)
        if event.attempts > retries:
            return self._fail(event, config, destinations.RETRIES_EXHAUSTED)
        delay = self.retry_delays[min(event.attempts, len(self.retry_delays)) - 1]
        return self._requeue(event, self.clock.time() + delay)

    def _record(self, event: AsyncEvent, condition: str, throttled: bool = False) -> dict:
        return destinations.invocation_record(
            request_id=event.request_id, function_arn=event.invoked.record_arn,
            condition=condition, attempts=event.attempts, payload=event.payload,
            result=event.last_result, now=self.clock.time(), throttled=throttled,
        )  # fmt: skip

    def _succeed(self, event: AsyncEvent, config: dict[str, Any], result: InvocationResult) -> None:
        destination = (config.get("DestinationConfig") or {}).get("OnSuccess", {})
        if destination.get("Destination"):
            self._deliver(event, destination["Destination"],
                          self._record(event, destinations.SUCCESS), success=True)

    def _fail(self, event: AsyncEvent, config: dict[str, Any], condition: str,
              throttled: bool = False) -> None:  # fmt: skip
        invoked = event.invoked
        self.operations.count_async("AsyncEventsDropped", invoked)
        destination = (config.get("DestinationConfig") or {}).get("OnFailure", {})
        if destination.get("Destination"):
            self._deliver(event, destination["Destination"],
                          self._record(event, condition, throttled), success=False)
        try:
            target = moto_adapter.dead_letter_target(invoked.function_model())
        except (*moto_adapter.api_errors(), KeyError):  # the function was deleted meanwhile
            target = None
        if target:
            code = 429 if throttled and event.last_result is None else 200
            try:
                destinations.send_to_dead_letter_queue(
                    target, event.payload, request_id=event.request_id, error_code=code,
                    message=destinations.error_message(event.last_result, throttled),
                )  # fmt: skip
            except destinations.DeliveryFailed:
                self.operations.count_async("DeadLetterErrors", invoked)

    def _deliver(self, event: AsyncEvent, destination: str, record: dict, success: bool) -> None:
        try:
            destinations.deliver_record(destination, record, success=success,
                                        invoke_event=self.operations.invoke_event)
        except destinations.DeliveryFailed:
            self.operations.count_async("DestinationDeliveryFailures", event.invoked)
