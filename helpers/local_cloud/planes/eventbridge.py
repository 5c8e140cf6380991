"""EventBridge to Lambda: event-pattern rules on PutEvents, and schedules on the cloud's clock.

moto stores rules and targets, and matches events against patterns (exact, prefix, suffix,
anything-but, numeric, exists...). A Lambda target is delivered here, asynchronously (the
invocation type EventBridge uses), with the target's ``Input``, ``InputPath`` or
``InputTransformer`` applied, and only if the function's resource policy lets
``events.amazonaws.com`` invoke it for that rule (otherwise the event is dropped, as AWS
counts a failed invocation).

Schedules (``rate(...)``, six-field ``cron(...)`` in UTC) fire on the cloud's clock: a
background thread wakes at the next due time; tests call ``tick()``. ``PutRule`` is checked
here first, because moto accepts any ``cron(...)`` and ``rate(5 minute)``.

Local only: ``POST /_aws/events/rules/{name}/fire`` (optional ``?bus=``) fires a scheduled
rule now, with the event its schedule would send, so a notebook need not wait for the clock.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from .. import moto_adapter, moto_patches
from ..server import ACCOUNT_ID, REGION, LocalCloud, WSGIApp
from . import Plane, register
from .event_shapes_rules import delivered_event, scheduled_event
from .eventbridge_rules import Schedule, parse_schedule, target_input
from .lambda_api import LambdaPlane
from .trigger_common import BackgroundLoop, ServiceError, forward_to_moto, logger
from .trigger_permissions_rules import function_policy_allows

EVENTS_PRINCIPAL = "events.amazonaws.com"
FIRE_PATH = re.compile(r"^/_aws/events/rules/(?P<name>[^/]+)/fire/?$")
IDLE_SECONDS = 60.0  # with no schedule at all; PutRule wakes the thread


@dataclass
class Tracked:
    """A schedule the plane follows: its expression, and when it fires next."""

    expression: str
    schedule: Schedule
    next_fire: float | None


@register(order=42)
class EventBridgePlane(Plane):
    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app
        self.schedules: dict[str, Tracked] = {}
        self._lock = threading.RLock()
        self.loop = BackgroundLoop("eventbridge-schedules", self._step)

    # -- requests: PutRule (checked), and firing a schedule now ------------------------------
    def claims(self, request: Request) -> bool:
        if request.method != "POST":
            return False
        target = request.headers.get("X-Amz-Target", "")
        return target == "AWSEvents.PutRule" or bool(FIRE_PATH.match(request.path))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        match = FIRE_PATH.match(request.path)
        if match:
            name = unquote(match["name"])
            return self._fire_response(name, request.args.get("bus", "default"))(
                environ, start_response)
        body = request.get_data()
        try:
            expression = json.loads(body or b"{}").get("ScheduleExpression")
        except (ValueError, AttributeError):
            expression = None
        if expression:
            try:
                parse_schedule(expression)
            except ValueError as invalid:
                error = ServiceError(400, "ValidationException", str(invalid))
                return error.awsjson_response()(environ, start_response)
        answer = list(forward_to_moto(self.moto_app, environ, start_response, body))
        self.tick(fire=False)  # a new rate counts from now
        self.loop.wake()
        return answer

    def _fire_response(self, name: str, bus: str) -> Response:
        try:
            event = self.fire_now(name, bus)
        except ServiceError as error:
            return error.awsjson_response()
        body = {"Rule": name, "EventBusName": bus, "Event": event}
        return Response(json.dumps(body), content_type="application/json")

    def fire_now(self, name: str, bus: str = "default", account: str = ACCOUNT_ID,
                 region: str = REGION) -> dict[str, Any]:
        """Send a scheduled rule's targets the event its schedule sends; returns the event."""
        try:
            rule = moto_adapter.events_rule(account, region, name, bus)
        except LookupError as missing:
            raise ServiceError(400, "ResourceNotFoundException", str(missing)) from None
        expression, state = moto_adapter.rule_schedule(rule)
        if not expression:
            raise ServiceError(400, "ValidationException",
                               f"Rule {name} has no schedule expression: only scheduled rules "
                               "can be fired. Send an event with PutEvents instead.")
        if state != "ENABLED":
            raise ServiceError(400, "ValidationException",
                               f"Rule {name} is {state}: enable it first (EnableRule).")
        return self._fire(rule)

    # -- schedules ---------------------------------------------------------------------------------
    def tick(self, fire: bool = True) -> int:
        """Fire every enabled schedule that is due on the cloud's clock; returns how many
        fired. New rules are noted (a rate counts from when the rule was first seen)."""
        now = self.cloud.clock.time()
        fired = 0
        with self._lock:
            rules = moto_adapter.scheduled_rules()
            for gone in set(self.schedules) - {rule.arn for rule in rules}:
                del self.schedules[gone]
            for rule in rules:
                tracked = self.schedules.get(rule.arn)
                if tracked is None or tracked.expression != rule.schedule_expression:
                    try:
                        schedule = parse_schedule(rule.schedule_expression, created=now)
                    except ValueError:
                        continue
                    self.schedules[rule.arn] = Tracked(rule.schedule_expression, schedule,
                                                       schedule.next_after(now))  # fmt: skip
                    continue
                if not fire or tracked.next_fire is None or now < tracked.next_fire:
                    continue
                tracked.next_fire = tracked.schedule.next_after(now)
                if rule.enabled:
                    try:
                        self._fire(moto_adapter.events_rule(rule.account, rule.region, rule.name))
                        fired += 1
                    except LookupError:
                        continue
        return fired

    def _fire(self, rule: Any) -> dict[str, Any]:
        now = self.cloud.clock.time()
        event = scheduled_event(moto_adapter.rule_facts(rule)[0], now)
        # moto's own target code (SQS, log groups...) wants epoch times and an ingestion time;
        # Lambda targets get the event back in AWS's shape (``delivered_event``).
        moto_adapter.send_to_rule_targets(rule, {**event, "time": now, "ingestion-time": now})
        return event

    def _step(self) -> float:
        self.tick()
        now = self.cloud.clock.time()
        with self._lock:
            due = [t.next_fire for t in self.schedules.values() if t.next_fire is not None]
        if not due:
            return IDLE_SECONDS
        return min(IDLE_SECONDS, max(0.05, min(due) - now))

    # -- Lambda targets, handed over by moto_patches -------------------------------------------
    def deliver(self, rule: Any, targets: list[dict[str, Any]], event: dict[str, Any]) -> None:
        rule_arn, account, _, _ = moto_adapter.rule_facts(rule)
        shaped = delivered_event(event)
        for target in targets:
            function_arn = target["Arn"]
            policy = LambdaPlane.function_policy(function_arn)
            if not function_policy_allows(policy, EVENTS_PRINCIPAL, rule_arn, account):
                logger.warning("EventBridge may not invoke %s for rule %s: event dropped "
                               "(add a permission for events.amazonaws.com)",
                               function_arn, rule_arn)  # fmt: skip
                continue
            try:
                self.cloud.plane(LambdaPlane).invoke_event(
                    function_arn, target_input(target, shaped, rule_arn))
            except LookupError:
                logger.warning("EventBridge target %s does not exist: event dropped",
                               function_arn)  # fmt: skip

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        moto_patches.set_hook("eventbridge_lambda", self.deliver)
        if self.cloud.background:
            self.loop.start()

    def reset(self) -> None:
        with self._lock:
            self.schedules.clear()

    def close(self) -> None:
        moto_patches.remove_hook("eventbridge_lambda", self.deliver)
        self.loop.stop()
