"""Event source mappings as AWS runs them: a poller fetches batches, a sender delivers them.

(The shape of LocalStack's event-source pipeline: each part is small and testable alone; feed
a poller records, give a sender a fake function.) Pollers read moto only through
``moto_adapter`` and time only through an injected ``Clock``.

- ``SqsPoller``: receives up to BatchSize messages, waits up to MaximumBatchingWindowInSeconds
  for a full batch, deletes what succeeded; failed messages come back after the queue's
  visibility timeout, and moto's redrive policy moves them to the DLQ after maxReceiveCount.
- ``StreamPoller``: reads a DynamoDB or Kinesis stream shard by shard, in order, from its
  starting position, and retries a failed batch (its shard waits: per-shard order) until it
  succeeds or MaximumRetryAttempts runs out.
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
from .event_shapes_rules import dynamodb_record, kinesis_record, sqs_record
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


class ShardReader(ABC):
    """Reads one kind of stream: its shards, and records in Lambda's shape by sequence number."""

    def __init__(self, mapping: Mapping):
        self.mapping = mapping

    @abstractmethod
    def ends(self) -> dict[str, tuple[int, int]]:
        """Shard id -> (first sequence number, the next one to be written)."""

    @abstractmethod
    def read(self, shard: str, position: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` (sequence number, record) from `position` on, in order."""


class DynamoDBStreamReader(ShardReader):
    """moto keeps one shard per table stream."""

    def ends(self) -> dict[str, tuple[int, int]]:
        return {"shard": moto_adapter.stream_positions(self.mapping.source_arn)}

    def read(self, shard: str, position: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        arn = self.mapping.source_arn
        return [(int(r["dynamodb"]["SequenceNumber"]), dynamodb_record(r, arn))
                for r in moto_adapter.stream_records(arn, position, limit)]  # fmt: skip


class KinesisReader(ShardReader):
    def ends(self) -> dict[str, tuple[int, int]]:
        return moto_adapter.kinesis_shard_positions(self.mapping.source_arn)

    def read(self, shard: str, position: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        arn = self.mapping.source_arn
        role = moto_adapter.function_facts(self.mapping.function_arn).role
        return [(int(r["sequenceNumber"]), kinesis_record(r, shard, arn, role))
                for r in moto_adapter.kinesis_records(arn, shard, position, limit)]  # fmt: skip


@dataclass
class ShardState:
    """Where a mapping is in one shard, and how its current batch is doing."""

    position: int
    attempts: int = 0
    retry_at: float = 0.0
    first_seen: float | None = None  # when the batching window started


class StreamPoller(Poller):
    """A DynamoDB or Kinesis stream: each shard read in sequence-number order, one batch of one
    shard at a time; a failed batch holds its shard (and only its shard) until it is done."""

    READERS: dict[str, type[ShardReader]] = {"dynamodb": DynamoDBStreamReader,
                                             "kinesis": KinesisReader}  # fmt: skip

    def __init__(self, mapping: Mapping, clock: Clock):
        super().__init__(mapping, clock)
        self.reader = self.READERS[mapping.source_arn.split(":")[2]](mapping)
        latest = mapping.starting_position == "LATEST"
        self.shards = {shard: ShardState(after if latest else first)
                       for shard, (first, after) in self.reader.ends().items()}  # fmt: skip

    def poll(self) -> Batch | None:
        now = self.clock.time()
        for shard, (first, _) in self.reader.ends().items():
            state = self.shards.setdefault(shard, ShardState(first))  # a new shard: from its start
            if now < state.retry_at:
                continue
            records = self.reader.read(shard, state.position, self.mapping.batch_size)
            if not records:
                continue
            if state.first_seen is None:
                state.first_seen = now
            window = self.mapping.batching_window
            full = len(records) >= self.mapping.batch_size
            if not full and window > 0 and now - state.first_seen < window:
                continue
            state.first_seen = None
            return Batch([record for _, record in records],
                         [(shard, number) for number, _ in records],
                         [str(number) for number, _ in records])  # fmt: skip
        return None

    def wait_seconds(self) -> float | None:
        now, waits = self.clock.time(), []
        for state in self.shards.values():
            if now < state.retry_at:
                waits.append(state.retry_at - now)
            elif state.first_seen is not None:
                waits.append(max(0.0, state.first_seen + self.mapping.batching_window - now))
        return min(waits) if waits else IDLE

    def settle(self, batch: Batch, payload: bytes, function_error: str | None) -> None:
        shard, last = batch.handles[-1]
        state = self.shards[shard]
        if not function_error and not self.mapping.report_batch_item_failures:
            return self._checkpoint(state, last + 1)
        failed = None if function_error else failed_items(payload, batch.identifiers)
        if failed == set():
            return self._checkpoint(state, last + 1)
        # Retry: the whole batch, or (with a report) from the first failed record on.
        if failed:
            state.position = min(int(identifier) for identifier in failed)
        state.attempts += 1
        limit = self.mapping.maximum_retry_attempts
        if limit is not None and limit >= 0 and state.attempts > limit:
            logger.warning("mapping %s: batch discarded after %d retries",
                           self.mapping.uuid, limit)  # fmt: skip
            return self._checkpoint(state, last + 1)
        state.retry_at = self.clock.time() + min(2.0 ** (state.attempts - 1), MAX_RETRY_BACKOFF)

    @staticmethod
    def _checkpoint(state: ShardState, position: int) -> None:
        state.position, state.attempts, state.retry_at = position, 0, 0.0


POLLERS: dict[str, type[Poller]] = {"sqs": SqsPoller, "dynamodb": StreamPoller,
                                    "kinesis": StreamPoller}


class MappingWorker:
    """One mapping: its poller and sender. ``run_once`` fetches at most one batch and
    delivers it; it never runs twice at once for the same mapping (per-shard order)."""

    def __init__(self, poller: Poller, sender: Sender):
        self.poller, self.sender = poller, sender
        self._running = threading.Lock()
        self._warned = False  # say once that the function is gone, not every second

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
                if not self._warned:
                    logger.warning("mapping %s: function %s not found; delete the mapping",
                                   self.mapping.uuid, self.mapping.function_arn)  # fmt: skip
                self._warned = True
                return False
            except RuntimeError:  # the local cloud is shutting down
                return False
            self.poller.settle(batch, payload, error)
            return True
        finally:
            self._running.release()
