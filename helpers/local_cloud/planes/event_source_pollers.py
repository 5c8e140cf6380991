"""Event source mappings as AWS runs them: a poller fetches batches, a sender delivers them.

(The shape of LocalStack's event-source pipeline: each part is small and testable alone; feed
a poller records, give a sender a fake function.) Pollers read moto only through
``moto_adapter`` and time only through an injected ``Clock``.

- ``SqsPoller``: receives up to BatchSize messages, waits up to MaximumBatchingWindowInSeconds
  for a full batch, deletes what succeeded; failed messages come back after the queue's
  visibility timeout, and moto's redrive policy moves them to the DLQ after maxReceiveCount.
- ``StreamPoller``: reads a DynamoDB stream in order from its starting position, and retries a
  failed batch (the shard waits: per-shard order) until it succeeds or MaximumRetryAttempts.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import moto_adapter
from ..clock import Clock
from ..moto_adapter import Mapping
from .event_shapes_rules import dynamodb_record, sqs_record
from .event_source_rules import failed_items
from .trigger_common import logger

IDLE = None  # a poller with nothing pending waits to be woken (or for the plane's idle poll)
MAX_RETRY_BACKOFF = 60.0


@dataclass
class Batch:
    """What a poller fetched: the event records, and what settling needs to know of each."""

    records: list[dict[str, Any]]
    handles: list[Any] = field(default_factory=list)  # receipt handles, sequence numbers
    identifiers: list[str] = field(default_factory=list)  # ReportBatchItemFailures' ids


class Sender(Protocol):
    def send(self, function_arn: str, event: dict[str, Any]) -> tuple[bytes, str | None]:
        """Invoke synchronously: (response payload, FunctionError or None)."""


class LambdaSender:
    """Delivers a batch through the Lambda plane, synchronously, as AWS's pollers invoke."""

    def __init__(self, lambda_plane: Any):
        self.lambda_plane = lambda_plane

    def send(self, function_arn: str, event: dict[str, Any]) -> tuple[bytes, str | None]:
        result = self.lambda_plane.invoke_for_service(function_arn, json.dumps(event).encode())
        return result.payload, result.function_error


class Poller(ABC):
    def __init__(self, mapping: Mapping, clock: Clock):
        self.mapping = mapping
        self.clock = clock

    @abstractmethod
    def poll(self) -> Batch | None:
        """The next batch to deliver, or None (nothing yet, or waiting for a window)."""

    @abstractmethod
    def settle(self, batch: Batch, payload: bytes, function_error: str | None) -> None:
        """What the function's answer means for the source (delete, checkpoint, retry)."""

    def wait_seconds(self) -> float | None:
        """How long until ``poll`` may deliver without new records arriving (None: idle)."""
        return IDLE


class SqsPoller(Poller):
    def __init__(self, mapping: Mapping, clock: Clock):
        super().__init__(mapping, clock)
        self.buffer: list[dict[str, Any]] = []  # received, waiting for the batching window
        self.first_received = 0.0

    def poll(self) -> Batch | None:
        now = self.clock.time()
        room = self.mapping.batch_size - len(self.buffer)
        while room > 0:
            received = moto_adapter.receive_messages(self.mapping.source_arn, min(room, 10))
            if not received:
                break
            if not self.buffer:
                self.first_received = now
            self.buffer += [moto_adapter.message_record_fields(m) for m in received]
            room -= len(received)
        if not self.buffer:
            return None
        window = self.mapping.batching_window
        if room > 0 and window > 0 and now - self.first_received < window:
            return None
        messages, self.buffer = self.buffer, []
        arn = self.mapping.source_arn
        return Batch([sqs_record(m, arn) for m in messages],
                     [m["receiptHandle"] for m in messages],
                     [m["messageId"] for m in messages])  # fmt: skip

    def wait_seconds(self) -> float | None:
        if not self.buffer:
            return IDLE
        return max(0.0, self.first_received + self.mapping.batching_window - self.clock.time())

    def settle(self, batch: Batch, payload: bytes, function_error: str | None) -> None:
        if function_error:
            return  # the whole batch comes back after the visibility timeout
        failed: set[str] | None = set()
        if self.mapping.report_batch_item_failures:
            failed = failed_items(payload, batch.identifiers)
            if failed is None:
                return  # an unreadable report fails the whole batch
        for handle, identifier in zip(batch.handles, batch.identifiers, strict=True):
            if identifier not in failed:
                moto_adapter.delete_message(self.mapping.source_arn, handle)


class StreamPoller(Poller):
    """One DynamoDB stream (moto keeps one shard per table), read in sequence-number order."""

    def __init__(self, mapping: Mapping, clock: Clock):
        super().__init__(mapping, clock)
        first, latest = moto_adapter.stream_positions(mapping.source_arn)
        self.position = latest if mapping.starting_position == "LATEST" else first
        self.first_seen: float | None = None
        self.attempts = 0
        self.retry_at = 0.0

    def poll(self) -> Batch | None:
        now = self.clock.time()
        if now < self.retry_at:
            return None
        stored = moto_adapter.stream_records(self.mapping.source_arn, self.position,
                                             self.mapping.batch_size)  # fmt: skip
        if not stored:
            return None
        if self.first_seen is None:
            self.first_seen = now
        window = self.mapping.batching_window
        if len(stored) < self.mapping.batch_size and window > 0 and now - self.first_seen < window:
            return None
        self.first_seen = None
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in stored]
        return Batch([dynamodb_record(r, self.mapping.source_arn) for r in stored],
                     [int(n) for n in sequence_numbers], sequence_numbers)  # fmt: skip

    def wait_seconds(self) -> float | None:
        now = self.clock.time()
        if now < self.retry_at:
            return self.retry_at - now
        if self.first_seen is not None:
            return max(0.0, self.first_seen + self.mapping.batching_window - now)
        return IDLE

    def settle(self, batch: Batch, payload: bytes, function_error: str | None) -> None:
        if not function_error and not self.mapping.report_batch_item_failures:
            return self._checkpoint(batch.handles[-1] + 1)
        failed = None if function_error else failed_items(payload, batch.identifiers)
        if failed == set():
            return self._checkpoint(batch.handles[-1] + 1)
        # Retry: the whole batch, or (with a report) from the first failed record on.
        if failed:
            self.position = min(int(identifier) for identifier in failed)
        self.attempts += 1
        limit = self.mapping.maximum_retry_attempts
        if limit is not None and limit >= 0 and self.attempts > limit:
            logger.warning("mapping %s: batch discarded after %d retries",
                           self.mapping.uuid, limit)  # fmt: skip
            return self._checkpoint(batch.handles[-1] + 1)
        self.retry_at = self.clock.time() + min(2.0 ** (self.attempts - 1), MAX_RETRY_BACKOFF)

    def _checkpoint(self, position: int) -> None:
        self.position, self.attempts, self.retry_at = position, 0, 0.0


POLLERS: dict[str, type[Poller]] = {"sqs": SqsPoller, "dynamodb": StreamPoller}


class MappingWorker:
    """One mapping: its poller and sender. ``run_once`` fetches at most one batch and
    delivers it; it never runs twice at once for the same mapping (per-shard order)."""

    def __init__(self, poller: Poller, sender: Sender):
        self.poller, self.sender = poller, sender
        self._running = threading.Lock()

    @property
    def mapping(self) -> Mapping:
        return self.poller.mapping

    def run_once(self) -> bool:
        """True when a batch was delivered (there may be more)."""
        if not self._running.acquire(blocking=False):
            return False
        try:
            if not self.mapping.enabled:
                return False
            try:
                batch = self.poller.poll()
            except LookupError:  # the queue or stream is gone
                return False
            if batch is None:
                return False
            try:
                payload, error = self.sender.send(self.mapping.function_arn,
                                                  {"Records": batch.records})  # fmt: skip
            except LookupError:  # the function is gone: the records stay in the source
                logger.warning("mapping %s: function %s not found",
                               self.mapping.uuid, self.mapping.function_arn)  # fmt: skip
                return False
            except RuntimeError:  # the local cloud is shutting down
                return False
            self.poller.settle(batch, payload, error)
            return True
        finally:
            self._running.release()
