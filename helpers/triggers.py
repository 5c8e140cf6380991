"""Triggers: what makes a function run without anyone calling it. S3 uploads, SQS queues,
EventBridge schedules and DynamoDB streams, each with the permission it needs.

Two kinds of permission, and the helpers keep them apart:
- **push** sources (S3, EventBridge, SNS) invoke the function themselves: the *function's*
  resource policy must allow their service principal (``allow_service``);
- **poll** sources (SQS, streams) are read by Lambda on the function's behalf: the *execution
  role* must allow reading them (the example's ``policy.json``), checked when the mapping is made.

Everything is named ``workbook-...`` and tagged, so notebook 12's teardown finds it. On AWS a
mapping takes seconds to become Enabled and a schedule minutes to fire: the waits here poll
with an injectable clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from string import Template
from typing import Any

from .display import example_path
from .local_cloud.clock import REAL_CLOCK, Clock


def example_policy(aws: Any, example: str, **names: str) -> dict[str, Any]:
    """The example's ``policy.json`` with its ``${...}`` placeholders filled in: the
    least-privilege policy its execution role needs."""
    text = example_path(example, "policy.json").read_text()
    filled = Template(text).substitute(Region=aws.region, Account=aws.account_id, **names)
    return json.loads(filled)


def wait_for(aws: Any, check: Callable[[], Any], *, timeout: float = 60,
             clock: Clock = REAL_CLOCK) -> Any:
    """Poll ``check`` until it returns something truthy (then return it) or ``timeout`` passes
    (then return its last answer). Triggers run in the background, on AWS seconds later."""
    deadline = clock.monotonic() + timeout
    while True:
        result = check()
        if result or clock.monotonic() > deadline:
            return result
        clock.sleep(0.1 if aws.is_local else 2)


# -- push sources: the function's resource policy -----------------------------------------------


def allow_service(aws: Any, function_name: str, principal: str, source_arn: str,
                  statement_id: str) -> bool:
    """Let ``principal`` (``s3.amazonaws.com``, ``events.amazonaws.com``...) invoke the function,
    for ``source_arn`` only and only from this account. False if it was allowed already."""
    lambda_client = aws.client("lambda")
    try:
        lambda_client.add_permission(
            FunctionName=function_name, StatementId=statement_id,
            Action="lambda:InvokeFunction", Principal=principal, SourceArn=source_arn,
            SourceAccount=aws.account_id)  # fmt: skip
    except lambda_client.exceptions.ResourceConflictException:
        return False  # this statement id exists: the cell ran before
    return True


def notify_function(aws: Any, bucket: str, function_arn: str, *, prefix: str = "",
                    suffix: str = "", events: tuple[str, ...] = ("s3:ObjectCreated:*",)) -> None:
    """Make the bucket invoke the function for new objects matching the filters. This replaces
    the bucket's whole notification configuration (S3 keeps one per bucket)."""
    rules = [{"Name": name, "Value": value}
             for name, value in (("prefix", prefix), ("suffix", suffix)) if value]
    configuration: dict[str, Any] = {"Id": "invoke-function", "LambdaFunctionArn": function_arn,
                                     "Events": list(events)}
    if rules:
        configuration["Filter"] = {"Key": {"FilterRules": rules}}
    aws.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [configuration]})


# -- queues ---------------------------------------------------------------------------------------


def ensure_queue(aws: Any, name: str, *, dead_letter_arn: str | None = None,
                 max_receive_count: int = 3, visibility_timeout: int = 30) -> tuple[str, str]:
    """Create (or update) a tagged queue; with ``dead_letter_arn``, a redrive policy that moves a
    message there after ``max_receive_count`` receives. Returns (url, arn)."""
    sqs = aws.client("sqs")
    attributes = {"VisibilityTimeout": str(visibility_timeout)}
    if dead_letter_arn:
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dead_letter_arn,
                                                  "maxReceiveCount": max_receive_count})
    try:
        url = sqs.create_queue(QueueName=name, Attributes=attributes, tags=aws.tags)["QueueUrl"]
    except sqs.exceptions.QueueNameExists:  # same name, other attributes: this cell ran before
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def receive_all(aws: Any, queue_url: str, *, at_least: int = 1, timeout: float = 30,
                clock: Clock = REAL_CLOCK) -> list[dict[str, Any]]:
    """Receive (and delete) messages until ``at_least`` arrived or ``timeout`` passed."""
    sqs = aws.client("sqs")
    received: list[dict[str, Any]] = []

    def more() -> bool:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                    AttributeNames=["All"], WaitTimeSeconds=0 if aws.is_local else 5)
        for message in batch.get("Messages", []):
            received.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(received) >= at_least

    wait_for(aws, more, timeout=timeout, clock=clock)
    return received


def delete_queue(aws: Any, url_or_name: str) -> bool:
    sqs = aws.client("sqs")
    try:
        url = url_or_name if "/" in url_or_name else sqs.get_queue_url(
            QueueName=url_or_name)["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
    except sqs.exceptions.QueueDoesNotExist:
        return False
    return True


# -- event source mappings (SQS, streams) ---------------------------------------------------------


def ensure_mapping(aws: Any, function_name: str, source_arn: str, *, timeout: float = 120,
                   clock: Clock = REAL_CLOCK, **settings: Any) -> dict[str, Any]:
    """Create (or reuse) the mapping from ``source_arn`` to the function and wait until it is
    Enabled (on AWS: Creating, then Enabled, seconds later). ``settings`` are
    ``create_event_source_mapping``'s (BatchSize, FunctionResponseTypes, StartingPosition...)."""
    lambda_client = aws.client("lambda")
    existing = lambda_client.list_event_source_mappings(
        FunctionName=function_name, EventSourceArn=source_arn)["EventSourceMappings"]
    existing = [m for m in existing if m["State"] not in ("Deleting",)]
    if existing:
        mapping = existing[0]
    else:
        mapping = _create_mapping(aws, function_name, source_arn, settings, timeout, clock)

    def enabled() -> dict[str, Any] | None:
        current = lambda_client.get_event_source_mapping(UUID=mapping["UUID"])
        return current if current["State"] == "Enabled" else None

    return wait_for(aws, enabled, timeout=timeout, clock=clock) or mapping


def _create_mapping(aws: Any, function_name: str, source_arn: str, settings: dict[str, Any],
                    timeout: float, clock: Clock) -> dict[str, Any]:
    """Lambda checks the role can read the source when the mapping is made; on AWS a policy
    just added takes seconds to propagate, so that refusal is retried there."""
    lambda_client = aws.client("lambda")
    deadline = clock.monotonic() + (0 if aws.is_local else timeout)
    while True:
        try:
            return lambda_client.create_event_source_mapping(
                FunctionName=function_name, EventSourceArn=source_arn, **settings)
        except lambda_client.exceptions.InvalidParameterValueException as error:
            if "permission" not in str(error) or clock.monotonic() > deadline:
                raise
            clock.sleep(5)


def delete_mappings(aws: Any, function_name: str) -> int:
    """Delete every mapping of the function (they outlive it otherwise). Returns how many."""
    lambda_client = aws.client("lambda")
    try:
        mappings = lambda_client.list_event_source_mappings(
            FunctionName=function_name)["EventSourceMappings"]
    except lambda_client.exceptions.ResourceNotFoundException:
        return 0
    for mapping in mappings:
        lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])
    return len(mappings)


def enable_stream(aws: Any, table: str, view_type: str = "KEYS_ONLY") -> str:
    """Turn on the table's stream (idempotent) and return its ARN once the table is ACTIVE."""
    dynamodb = aws.client("dynamodb")
    described = dynamodb.describe_table(TableName=table)["Table"]
    if not described.get("StreamSpecification", {}).get("StreamEnabled"):
        dynamodb.update_table(TableName=table, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": view_type})
        dynamodb.get_waiter("table_exists").wait(TableName=table)  # back to ACTIVE
        described = dynamodb.describe_table(TableName=table)["Table"]
    return described["LatestStreamArn"]


# -- schedules -------------------------------------------------------------------------------------


def ensure_schedule(aws: Any, rule: str, schedule: str, function_arn: str) -> str:
    """A tagged EventBridge rule on ``schedule`` whose target is the function, which may be
    invoked by EventBridge for this rule only. Returns the rule's ARN."""
    events = aws.client("events")
    rule_arn = events.put_rule(Name=rule, ScheduleExpression=schedule, State="ENABLED",
                               Tags=[{"Key": k, "Value": v} for k, v in aws.tags.items()],
                               Description="Created by the workbook")["RuleArn"]
    allow_service(aws, function_arn, "events.amazonaws.com", rule_arn, f"events-{rule}")
    events.put_targets(Rule=rule, Targets=[{"Id": "function", "Arn": function_arn}])
    return rule_arn


def scheduled_event(aws: Any, rule_arn: str, now: datetime | None = None) -> dict[str, Any]:
    """The event a schedule sends (``detail-type`` "Scheduled Event"), for the time ``now``."""
    moment = now or datetime.now(UTC)
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": aws.account_id,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": aws.region,
            "resources": [rule_arn], "detail": {}}  # fmt: skip


def run_schedule_now(aws: Any, rule: str) -> dict[str, Any]:
    """Run a scheduled rule's targets now, instead of waiting for its schedule; returns the event.

    The local cloud fires the rule itself (``POST /_aws/events/rules/NAME/fire``, local only).
    AWS has no such call: its function targets are invoked asynchronously with the same
    Scheduled Event, as EventBridge would."""
    events = aws.client("events")
    if aws.is_local:
        import urllib.request

        request = urllib.request.Request(f"{aws.endpoint_url}/_aws/events/rules/{rule}/fire",
                                         data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["Event"]
    rule_arn = events.describe_rule(Name=rule)["Arn"]
    event = scheduled_event(aws, rule_arn)
    for target in events.list_targets_by_rule(Rule=rule)["Targets"]:
        if ":lambda:" in target["Arn"]:
            aws.client("lambda").invoke(FunctionName=target["Arn"], InvocationType="Event",
                                        Payload=json.dumps(event).encode())
    return event


def delete_rule(aws: Any, rule: str) -> bool:
    """Remove the rule's targets (EventBridge refuses to delete a rule that has some), then it."""
    events = aws.client("events")
    try:
        targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    except events.exceptions.ResourceNotFoundException:
        return False
    if targets:
        events.remove_targets(Rule=rule, Ids=[target["Id"] for target in targets])
    events.delete_rule(Name=rule)
    return True


# -- the guestbook's messages, as the examples read and write them ---------------------------------


def put_message(aws: Any, table: str, name: str, text: str, created_at: datetime) -> str:
    """Write a guestbook message (and its pointer item) dated ``created_at``; returns its id."""
    message_id = uuid.uuid4().hex
    stamp = created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    dynamodb = aws.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={
        "pk": {"S": "MESSAGES"}, "sk": {"S": f"{stamp}#{message_id}"}, "id": {"S": message_id},
        "name": {"S": name}, "text": {"S": text}, "created_at": {"S": stamp}})
    dynamodb.put_item(TableName=table, Item={
        "pk": {"S": f"MESSAGE#{message_id}"}, "sk": {"S": "MESSAGE"}, "id": {"S": message_id}})
    return message_id


def messages(aws: Any, table: str) -> list[dict[str, str]]:
    """The guestbook's messages, oldest first: name, text and created_at."""
    items = aws.client("dynamodb").query(
        TableName=table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})["Items"]
    return [{key: item[key]["S"] for key in ("name", "text", "created_at")} for item in items]


def message_count(aws: Any, table: str) -> int | None:
    """The count the change feed keeps (``message_counter``), or None before its first write."""
    item = aws.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": "STATS"}, "sk": {"S": "MESSAGE_COUNT"}}).get("Item")
    return int(item["count"]["N"]) if item else None


# -- deploying an example with its own role --------------------------------------------------------


def deploy_example(aws: Any, example: str, function_name: str, *,
                   policy: dict[str, Any] | None = None, environment: dict[str, str] | None = None,
                   timeout: int = 3, logging_config: dict[str, str] | None = None,
                   say: Callable[[str], None] = print) -> str:
    """Deploy ``lambda_examples/<example>`` as ``function_name`` (handler ``<example>.handler``)
    with a role of its own, ``<function_name>-role``, allowed to log to its own group and, with
    ``policy``, to do what the example needs. Returns the function's ARN."""
    from . import functions, iam, packaging

    role = f"{function_name}-role"
    role_arn = iam.ensure_execution_role(aws, role)
    iam.put_inline_policy(aws, role, "logs", iam.logging_policy(aws, function_name))
    if policy:
        iam.put_inline_policy(aws, role, example, policy)
    configuration = functions.deploy_function(
        aws, function_name, packaging.build_zip(example_path(example)), role_arn=role_arn,
        handler=f"{example}.handler", environment=environment, timeout=timeout,
        logging_config=logging_config, say=say)
    return configuration["FunctionArn"]


def delete_example(aws: Any, function_name: str) -> bool:
    """Delete the function, its mappings, its log group and its role."""
    from . import functions, iam, logs

    delete_mappings(aws, function_name)
    deleted = functions.delete_function(aws, function_name)
    logs.delete_log_group(aws, logs.log_group_name(function_name))
    iam.delete_role(aws, f"{function_name}-role")
    return deleted
