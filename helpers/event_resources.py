"""What the workbook's triggers leave behind: listed for the ledger, deleted by teardown.

- **SQS queues, SNS topics, EventBridge rules**: named ``workbook-...`` *and* tagged
  ``workbook=true``, like every taggable kind. A rule's targets, and a topic's subscriptions,
  go with it (teardown removes the targets first: EventBridge refuses to delete a rule that has
  some; deleting a topic deletes its subscriptions).
- **SNS subscriptions** of one of our functions to *someone else's* topic: listed by their
  endpoint (``recognised_by="endpoint"``), so the learner's topic stays and only our
  subscription goes.
- **Event source mappings**: they have no name; a mapping is ours when its function is ours, or
  is a ``workbook-...`` function that is gone (mappings outlive their function, as log groups
  do). A mapping AWS is already deleting is not listed again.

S3 event notifications are part of their bucket and go with it; Lambda permissions go with
their function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

KINDS: tuple[tuple[str, str], ...] = (
    ("events", "rule"), ("lambda", "event-source-mapping"), ("sns", "subscription"),
    ("sns", "topic"), ("sqs", "queue"),
)  # fmt: skip
LABELS = {
    ("events", "rule"): "EventBridge rule", ("lambda", "event-source-mapping"): "Event source mapping",
    ("sns", "subscription"): "SNS subscription", ("sns", "topic"): "SNS topic",
    ("sqs", "queue"): "SQS queue",
}  # fmt: skip


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _tags(pairs: Any) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in pairs or []}


def inventory(aws: Any, function_names: set[str], all_function_names: set[str],
              make: Callable[..., Any], is_ours: Callable[[str, dict[str, str]], bool],
              prefix: str) -> list[Any]:
    """Resources of the trigger kinds. ``make`` builds a ``ledger.Resource``; the function names
    say which functions are ours and which exist at all."""
    topics = _topics(aws, make, is_ours)
    our_topics = {topic.arn for topic in topics}
    return [*_rules(aws, make, is_ours),
            *_mappings(aws, make, function_names, all_function_names, prefix),
            *_subscriptions(aws, make, function_names, our_topics), *topics,
            *_queues(aws, make, is_ours, prefix)]  # fmt: skip


def _queues(aws: Any, make: Callable[..., Any], is_ours: Callable, prefix: str) -> list[Any]:
    sqs = aws.client("sqs")
    found = []
    for url in sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", []):
        name = url.rsplit("/", 1)[-1]
        try:
            tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        except sqs.exceptions.QueueDoesNotExist:  # AWS lists a deleted queue for a minute
            continue
        if is_ours(name, tags):
            found.append(make("sqs", "queue", name, url, arn["Attributes"]["QueueArn"], "tag"))
    return found


def _topics(aws: Any, make: Callable[..., Any], is_ours: Callable) -> list[Any]:
    sns = aws.client("sns")
    found = []
    for topic in _pages(sns, "list_topics", "Topics"):
        arn = topic["TopicArn"]
        name = arn.rsplit(":", 1)[-1]
        if name.startswith("workbook-"):  # ask for tags only when the name could be ours
            tags = _tags(sns.list_tags_for_resource(ResourceArn=arn).get("Tags"))
            if is_ours(name, tags):
                found.append(make("sns", "topic", name, arn, arn, "tag"))
    return found


def _subscriptions(aws: Any, make: Callable[..., Any], function_names: set[str],
                   our_topics: set[str]) -> list[Any]:
    """Subscriptions of our functions to topics that are not ours (ours take theirs along)."""
    found = []
    for subscription in _pages(aws.client("sns"), "list_subscriptions", "Subscriptions"):
        endpoint = subscription.get("Endpoint", "")
        function = endpoint.split(":function:", 1)[-1].split(":", 1)[0]
        arn = subscription["SubscriptionArn"]
        if (subscription.get("Protocol") == "lambda" and function in function_names
                and subscription["TopicArn"] not in our_topics and arn.startswith("arn:")):
            topic = subscription["TopicArn"].rsplit(":", 1)[-1]
            found.append(make("sns", "subscription", f"{topic} -> {function}", arn, arn,
                              "endpoint"))
    return found


def _rules(aws: Any, make: Callable[..., Any], is_ours: Callable) -> list[Any]:
    events = aws.client("events")
    found = []
    for rule in _pages(events, "list_rules", "Rules", NamePrefix="workbook-"):
        tags = _tags(events.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags"))
        if is_ours(rule["Name"], tags):
            found.append(make("events", "rule", rule["Name"], rule["Name"], rule["Arn"], "tag",
                              {"bus": rule.get("EventBusName", "default")}))
    return found


def _mappings(aws: Any, make: Callable[..., Any], function_names: set[str],
              all_function_names: set[str], prefix: str) -> list[Any]:
    found = []
    for mapping in _pages(aws.client("lambda"), "list_event_source_mappings",
                          "EventSourceMappings"):  # fmt: skip
        function = mapping["FunctionArn"].split(":function:", 1)[-1].split(":", 1)[0]
        gone = function.startswith(prefix) and function not in all_function_names
        if mapping.get("State") == "Deleting" or not (function in function_names or gone):
            continue
        source = mapping["EventSourceArn"].split(":", 5)[-1]
        found.append(make("lambda", "event-source-mapping", f"{source} -> {function}",
                          mapping["UUID"], mapping.get("EventSourceMappingArn", ""), "function"))
    return found


# -- deleters (teardown): each returns "deleted", or raises ClientError -----------------------


def delete_rule(aws: Any, rule: Any) -> str:
    """EventBridge deletes only a rule without targets: remove them first."""
    events = aws.client("events")
    bus = rule.details.get("bus", "default")
    targets = list(_pages(events, "list_targets_by_rule", "Targets", Rule=rule.name,
                          EventBusName=bus))  # fmt: skip
    if targets:
        events.remove_targets(Rule=rule.name, EventBusName=bus,
                              Ids=[target["Id"] for target in targets], Force=True)
    events.delete_rule(Name=rule.name, EventBusName=bus, Force=True)
    return "deleted"


def delete_mapping(aws: Any, mapping: Any) -> str:
    aws.client("lambda").delete_event_source_mapping(UUID=mapping.id)
    return "deleted"


def delete_subscription(aws: Any, subscription: Any) -> str:
    aws.client("sns").unsubscribe(SubscriptionArn=subscription.id)
    return "deleted"


def delete_topic(aws: Any, topic: Any) -> str:
    sns = aws.client("sns")
    sns.get_topic_attributes(TopicArn=topic.id)  # NotFound when gone (delete_topic never says)
    sns.delete_topic(TopicArn=topic.id)
    return "deleted"


def delete_queue(aws: Any, queue: Any) -> str:
    aws.client("sqs").delete_queue(QueueUrl=queue.id)
    return "deleted"


DELETERS: dict[tuple[str, str], Callable[[Any, Any], str]] = {
    ("events", "rule"): delete_rule,
    ("lambda", "event-source-mapping"): delete_mapping,
    ("sns", "subscription"): delete_subscription,
    ("sns", "topic"): delete_topic,
    ("sqs", "queue"): delete_queue,
}
