"""What moto would deliver itself (S3 notifications, SNS, EventBridge, mappings, SQS time)
lands in the local cloud's planes, through hooks the planes set."""

from __future__ import annotations

import json
from typing import Any


def install() -> None:
    _route_moto_deliveries_to_the_planes()


# -- events (issue 9): what moto would deliver itself lands in the local cloud's planes ---------
#
# moto delivers S3 notifications, SNS messages and EventBridge events to Lambda by "invoking"
# the function in the request thread (Docker, or an echo), pushes SQS messages and stream
# records to mapped functions itself, and keeps SQS time on the wall clock. Each patch below
# hands that work to a hook a plane registers while it runs; with no hook (no local cloud in
# this process, say under moto's mock_aws) moto behaves as it always did.

HOOKS: dict[str, Any] = {}


def set_hook(name: str, hook: Any) -> None:
    """Route one of moto's deliveries to `hook` (a plane calls this in ``start``)."""
    HOOKS[name] = hook


def remove_hook(name: str, hook: Any) -> None:
    """Undo ``set_hook``, unless another cloud has set its own hook meanwhile."""
    if HOOKS.get(name) is hook:
        del HOOKS[name]


def _route_moto_deliveries_to_the_planes() -> None:
    from moto.awslambda.models import LambdaBackend, LambdaFunction

    if getattr(LambdaFunction, "_workbook_routed", False):
        return
    _route_s3_notifications()
    _route_sns_lambda_subscriptions()
    _route_eventbridge_lambda_targets()
    _route_function_invocations(LambdaFunction)
    _keep_mappings_out_of_moto_push(LambdaBackend)
    _announce_new_messages_and_records()
    _sqs_time_from_the_cloud_clock()
    LambdaFunction._workbook_routed = True


def _route_s3_notifications() -> None:
    """Full AWS-shaped S3 records (also for queues and topics), sent to Lambda asynchronously."""
    from moto.s3 import notifications

    from ..planes.event_shapes_rules import s3_notification_event

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        clock = HOOKS.get("clock")
        now = clock.time() if clock is not None else None
        return s3_notification_event(event_name, bucket, key, notification_id, now)

    original_invoke = notifications._invoke_awslambda

    def invoke_awslambda(account_id: str, event_body: Any, fn_arn: str, region: str) -> None:
        hook = HOOKS.get("s3_lambda")
        if hook is None:
            return original_invoke(account_id, event_body, fn_arn, region)
        hook(fn_arn, event_body)

    notifications._get_s3_event = get_s3_event
    notifications._invoke_awslambda = invoke_awslambda
    _announce_delete_markers()


def _announce_delete_markers() -> None:
    """Deleting from a versioned bucket without a version id leaves a delete marker: AWS
    notifies ``s3:ObjectRemoved:DeleteMarkerCreated``; moto notifies nothing."""
    from moto.s3 import notifications
    from moto.s3.models import S3Backend

    set_delete_marker = S3Backend._set_delete_marker

    def announced(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = set_delete_marker(self, bucket_name, key_name)
        event = notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT
        notifications.send_event(self.account_id, event, self.get_bucket(bucket_name), marker)
        return marker

    S3Backend._set_delete_marker = announced


def _route_sns_lambda_subscriptions() -> None:
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, group_id: str | None = None,
                deduplication_id: str | None = None,
                message_structure: str | None = None) -> None:  # fmt: skip
        hook = HOOKS.get("sns_lambda")
        if hook is None or self.protocol != "lambda":
            return original(self, message, message_id, subject, message_attributes, group_id,
                            deduplication_id, message_structure)  # fmt: skip
        hook(self, message, message_id, subject, message_attributes, message_structure)

    Subscription.publish = publish


def _route_eventbridge_lambda_targets() -> None:
    """moto raises NotImplementedError for a Lambda target (and stops at it): Lambda targets
    go to the EventBridge plane, every other target to moto, in one pass."""
    from moto.events.models import Rule

    original = Rule.send_to_targets

    def send_to_targets(self: Any, event: Any, transform_input: bool = True) -> None:
        hook = HOOKS.get("eventbridge_lambda")
        if hook is None:
            return original(self, event, transform_input)
        if not self.event_pattern.matches_event(event):
            return
        functions = [t for t in self.targets if ":lambda:" in t.get("Arn", "")]
        others = [t for t in self.targets if ":lambda:" not in t.get("Arn", "")]
        if others:
            # A shallow stand-in with the other targets: object.__new__ skips moto's
            # BaseModel.__new__, which would keep every stand-in alive forever.
            stand_in = object.__new__(type(self))
            stand_in.__dict__.update(self.__dict__, targets=others)
            original(stand_in, event, transform_input)
        if functions:
            hook(self, functions, event)

    Rule.send_to_targets = send_to_targets


def _route_function_invocations(function_class: Any) -> None:
    """Whatever else in moto runs a function (log subscription filters, EventBridge's own
    notifications, CloudFormation...) runs it in the local runtime, never in Docker."""
    original = function_class.invoke

    def invoke(self: Any, body: Any, request_headers: Any, response_headers: Any) -> Any:
        hook = HOOKS.get("invoke")
        if hook is None:
            return original(self, body, request_headers, response_headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        payload, function_error = hook(self.function_arn, (body or "{}").encode())
        if function_error:
            response_headers["x-amz-function-error"] = function_error
        return payload

    function_class.invoke = invoke


def _keep_mappings_out_of_moto_push(backend_class: Any) -> None:
    from ..moto_adapter import detach_mapping_from_moto_push

    original = backend_class.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = original(self, spec)
        detach_mapping_from_moto_push(esm)
        return esm

    backend_class.create_event_source_mapping = create_event_source_mapping


def _announce_new_messages_and_records() -> None:
    """Wake the pollers when a message or stream record arrives, so they need not poll often."""
    from moto.dynamodb.models.table import StreamShard
    from moto.sqs.models import Queue

    add_message = Queue.add_message

    def announced_add_message(self: Any, message: Any) -> None:
        add_message(self, message)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.queue_arn)

    add_record = StreamShard.add

    def announced_add(self: Any, old: Any, new: Any) -> None:
        add_record(self, old, new)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.table.table_arn)

    from moto.kinesis.models import Stream

    put_record = Stream.put_record

    def announced_put_record(self: Any, *args: Any, **kwargs: Any) -> Any:
        written = put_record(self, *args, **kwargs)
        hook = HOOKS.get("new_records")
        if hook is not None:
            hook(self.arn)
        return written

    Queue.add_message = announced_add_message
    StreamShard.add = announced_add
    Stream.put_record = announced_put_record


def _sqs_time_from_the_cloud_clock() -> None:
    """Visibility timeouts, delays and receive timestamps follow the cloud's clock, so a test
    with a fake clock sees a failed batch come back without waiting for it."""
    from moto.sqs import models

    wall_time, wall_millis = models.unix_time, models.unix_time_millis

    def unix_time(dt: Any = None) -> float:
        clock = HOOKS.get("clock")
        return clock.time() if clock is not None and dt is None else wall_time(dt)

    def unix_time_millis(dt: Any = None) -> float:
        clock = HOOKS.get("clock")
        return clock.time() * 1000 if clock is not None and dt is None else wall_millis(dt)

    models.unix_time, models.unix_time_millis = unix_time, unix_time_millis
