"""Lambda's event source mappings: SQS queues, DynamoDB streams and Kinesis polled for real.

moto stores the mappings (create, get, list, update, delete). This plane checks a mapping
before moto stores it, as AWS does at create time (the execution role's permissions on the
source, the queue's visibility timeout against the function's timeout, batch size and window,
one mapping per source and function), and runs one poller per mapping
(``event_source_pollers``), invoking the function synchronously as AWS's pollers do.

In the running cloud a background thread polls: woken at once when a message or stream record
arrives (moto announces them through ``moto_patches``), otherwise every second while any
mapping is enabled. Tests use ``background=False`` and call ``poll_once()``.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request

from .. import moto_adapter, moto_patches
from ..server import ACCOUNT_ID, REGION, LocalCloud, WSGIApp
from . import Plane, register
from .event_source_pollers import POLLERS, LambdaSender, MappingWorker
from .event_source_rules import (
    batching_refusal,
    duplicate_refusal,
    source_kind,
    sqs_refusal,
    stream_refusal,
)
from .lambda_api import LambdaPlane
from .trigger_common import BackgroundLoop, ServiceError, forward_to_moto, logger

MAPPINGS = re.compile(r"^/2015-03-31/event-source-mappings/?(?P<uuid>[^/]*)/?$")
POLL_SECONDS = 1.0  # while a mapping is enabled; new records wake the poller at once
IDLE_SECONDS = 30.0  # with no mapping enabled at all
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")


def _invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameterValueException", message)


@register(order=41)
class EventSourceMappingsPlane(Plane):
    """Claims CreateEventSourceMapping and UpdateEventSourceMapping to check them."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app
        self.workers: dict[str, MappingWorker] = {}
        self._lock = threading.Lock()
        self._running: dict[str, threading.Thread] = {}
        self.loop = BackgroundLoop("event-source-mappings", self._step)

    # -- the control plane: checked, then stored by moto ---------------------------------------
    def claims(self, request: Request) -> bool:
        return request.method in ("POST", "PUT") and bool(MAPPINGS.match(request.path))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        match = MAPPINGS.match(request.path)
        assert match is not None
        try:
            spec = json.loads(body or b"{}")
            if request.method == "POST" and not match["uuid"]:
                self.check_create(spec, self._region(request), LambdaPlane._account(request))
            elif request.method == "PUT" and match["uuid"]:
                self.check_update(unquote(match["uuid"]), spec)
        except ServiceError as error:
            return error.json_response()(environ, start_response)
        except ValueError:
            pass  # not JSON: moto answers that
        answer = list(forward_to_moto(self.moto_app, environ, start_response, body))
        self.sync()  # a LATEST position is taken now, when the mapping is created
        self.loop.wake()
        return answer

    @staticmethod
    def _region(request: Request) -> str:
        match = CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
        return match["region"] if match else REGION

    def check_create(self, spec: dict[str, Any], region: str, account: str = ACCOUNT_ID) -> None:
        """Raise what AWS answers for a mapping it would refuse; moto checks the rest."""
        source = spec.get("EventSourceArn") or ""
        name = spec.get("FunctionName") or ""
        function_arn = name if name.startswith("arn:") else (
            f"arn:aws:lambda:{region}:{account}:function:{name}")
        kind = source_kind(source)
        try:
            function = moto_adapter.function_facts(function_arn)
        except LookupError:
            return  # moto answers ResourceNotFoundException
        for existing in moto_adapter.event_source_mappings():
            if existing.source_arn == source and existing.function_arn == function.arn:
                raise ServiceError(409, "ResourceConflictException", duplicate_refusal(
                    source, function.name, existing.uuid))
        role = moto_adapter.role_policy_documents(function.role)
        if kind == "sqs":
            refusal = batching_refusal(spec.get("BatchSize"),
                                       spec.get("MaximumBatchingWindowInSeconds"))
            if refusal is None:
                try:
                    visibility = moto_adapter.queue_visibility_timeout(source)
                except LookupError:
                    return  # moto answers that the source is not found
                refusal = sqs_refusal(role, source, visibility, function.timeout)
        elif kind in ("dynamodb", "kinesis"):
            refusal = stream_refusal(role, source, spec.get("StartingPosition"))
        else:
            return
        if refusal:
            raise _invalid(refusal)

    def check_update(self, uuid: str, spec: dict[str, Any]) -> None:
        current = next((m for m in moto_adapter.event_source_mappings() if m.uuid == uuid), None)
        if current is None or source_kind(current.source_arn) != "sqs":
            return
        refusal = batching_refusal(spec.get("BatchSize", current.batch_size),
                                   spec.get("MaximumBatchingWindowInSeconds",
                                            current.batching_window))  # fmt: skip
        if refusal:
            raise _invalid(refusal)

    # -- the pollers -----------------------------------------------------------------------------
    def sync(self) -> list[MappingWorker]:
        """Bring the workers in line with the mappings moto stores (new, changed, deleted)."""
        mappings = {m.uuid: m for m in moto_adapter.event_source_mappings()}
        with self._lock:
            for uuid in set(self.workers) - set(mappings):
                del self.workers[uuid]
            for uuid, mapping in mappings.items():
                worker = self.workers.get(uuid)
                if worker is not None:
                    worker.poller.mapping = mapping  # enabled, batch size, window...
                    continue
                poller_class = POLLERS.get(source_kind(mapping.source_arn))
                if poller_class is None:
                    continue  # Kafka, MQ...: stored, not polled
                try:
                    poller = poller_class(mapping, self.cloud.clock)
                except LookupError:
                    continue  # its source is gone
                sender = LambdaSender(self.cloud.plane(LambdaPlane))
                self.workers[uuid] = MappingWorker(poller, sender)
            return list(self.workers.values())

    def poll_once(self) -> int:
        """Every enabled mapping fetches and delivers at most one batch, here and now.
        Returns how many batches were delivered (tests call this; the cloud's thread too)."""
        return sum(worker.run_once() for worker in self.sync())

    def _step(self) -> float:
        """The background thread's turn: start each idle mapping on its own thread."""
        waits = []
        for worker in self.sync():
            if not worker.mapping.enabled:
                continue
            waits.append(worker.poller.wait_seconds())
            uuid = worker.mapping.uuid
            with self._lock:
                busy = uuid in self._running and self._running[uuid].is_alive()
                if not busy:
                    thread = threading.Thread(target=self._run, args=(worker,), daemon=True,
                                              name=f"mapping-{uuid[:8]}")  # fmt: skip
                    self._running[uuid] = thread
                    thread.start()
        if not waits:
            return IDLE_SECONDS
        return min([POLL_SECONDS] + [w for w in waits if w is not None])

    def _run(self, worker: MappingWorker) -> None:
        try:
            delivered = worker.run_once()
        except Exception:  # a safety net: one broken mapping must not stop the others
            logger.exception("mapping %s failed to poll", worker.mapping.uuid)
            return
        if delivered:
            self.loop.wake()  # there may be more

    def _records_arrived(self, source_arn: str) -> None:
        self.loop.wake()

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        moto_patches.set_hook("new_records", self._records_arrived)
        if self.cloud.background:
            self.loop.start()

    def reset(self) -> None:
        with self._lock:
            self.workers.clear()

    def close(self) -> None:
        moto_patches.remove_hook("new_records", self._records_arrived)
        self.loop.stop()
        with self._lock:
            running, self._running = list(self._running.values()), {}
        for thread in running:
            thread.join(0.5)
