"""The one door to moto's internals: every read or write of moto's models and backends that the
local cloud needs, as small functions over plain values. Nothing else in ``helpers/local_cloud``
imports moto; patches of moto's behaviour live beside this package, in ``moto_patches``.

moto is a library of mocks, not an API: its backends, models and private attributes move between
releases. Keeping every use here means one package to read when moto is upgraded, and
``tests/local_cloud/test_moto_adapter.py`` fails first, naming what moved.

One module per concern: ``iam`` (roles, sessions, resource policies), ``lambda_`` (functions,
concurrency, event source mappings), ``cloudwatch`` (metrics, alarms, Logs), ``events`` (SQS,
SNS, EventBridge, DynamoDB Streams, Kinesis), ``apigateway``, ``cloudfront`` (with Route 53 and
S3 origins), ``wsgi`` (moto's server, settings and errors), ``version``. Callers write
``moto_adapter.name``: everything public is re-exported here.

Supported: moto 5.2.5 and later 5.2 releases (``>=5.2.5,<5.3``). Importing this package (and so
``helpers.local_cloud``) with any other moto raises ``MotoVersionError``, saying what to install.
"""

from __future__ import annotations

from .apigateway import (
    api_gateway_backends,
)
from .cloudfront import (
    cloudfront_backends,
    hosted_zones,
    s3_bucket,
)
from .cloudwatch import (
    add_to_datum,
    alarm_dimensions,
    cloudwatch_aggregate_datum,
    cloudwatch_regions,
    datum_statistics,
    log_stream_exists,
    logs_backend,
    metric_alarms,
    metric_values,
    set_alarm_state,
)
from .events import (
    ScheduledRule,
    delete_message,
    detach_mapping_from_moto_push,
    events_put_events,
    events_rule,
    kinesis_records,
    kinesis_shard_positions,
    message_for_protocol,
    message_record_fields,
    queue_visibility_timeout,
    receive_messages,
    rule_facts,
    rule_schedule,
    scheduled_rules,
    send_to_rule_targets,
    sns_publish,
    sqs_is_fifo,
    sqs_queue,
    sqs_send_message,
    stream_positions,
    stream_records,
    stream_shard,
    subscription_accepts,
    subscription_facts,
)
from .iam import (
    EMPTY_POLICY,
    RolePolicies,
    bucket_policy,
    function_policy,
    iam_role,
    queue_policy,
    register_role_session,
    role_policies,
    role_policy_documents,
    role_trust_policy,
    secret_arn,
    topic_policy,
)
from .lambda_ import (
    FunctionFacts,
    Mapping,
    account_usage,
    dead_letter_target,
    event_invoke_config,
    event_source_mappings,
    function_facts,
    lambda_backend,
    lambda_function,
    lambda_function_runtime,
    layer_code,
    reserved_concurrency,
    reserved_concurrency_by_function,
)
from .version import (
    FIX,
    MOTO_VERSION_TESTED,
    SUPPORTED_RANGE,
    MotoVersionError,
    check_version,
    moto_version,
)
from .wsgi import (
    account_of_access_key,
    api_errors,
    configure,
    preserved_header_names,
    service_app,
    wsgi_app,
)

check_version()

__all__ = [
    "FIX",
    "SUPPORTED_RANGE",
    "MotoVersionError",
    "check_version",
    "EMPTY_POLICY",
    "FunctionFacts",
    "MOTO_VERSION_TESTED",
    "Mapping",
    "RolePolicies",
    "ScheduledRule",
    "account_of_access_key",
    "account_usage",
    "add_to_datum",
    "alarm_dimensions",
    "api_errors",
    "api_gateway_backends",
    "bucket_policy",
    "cloudfront_backends",
    "cloudwatch_aggregate_datum",
    "cloudwatch_regions",
    "configure",
    "datum_statistics",
    "dead_letter_target",
    "delete_message",
    "detach_mapping_from_moto_push",
    "event_invoke_config",
    "event_source_mappings",
    "events_put_events",
    "events_rule",
    "function_facts",
    "function_policy",
    "hosted_zones",
    "iam_role",
    "kinesis_records",
    "kinesis_shard_positions",
    "lambda_backend",
    "lambda_function",
    "lambda_function_runtime",
    "layer_code",
    "log_stream_exists",
    "logs_backend",
    "message_for_protocol",
    "message_record_fields",
    "metric_alarms",
    "metric_values",
    "moto_version",
    "preserved_header_names",
    "queue_policy",
    "queue_visibility_timeout",
    "receive_messages",
    "register_role_session",
    "reserved_concurrency",
    "reserved_concurrency_by_function",
    "role_policies",
    "role_policy_documents",
    "role_trust_policy",
    "rule_facts",
    "rule_schedule",
    "s3_bucket",
    "scheduled_rules",
    "secret_arn",
    "send_to_rule_targets",
    "service_app",
    "set_alarm_state",
    "sns_publish",
    "sqs_is_fifo",
    "sqs_queue",
    "sqs_send_message",
    "stream_positions",
    "stream_records",
    "stream_shard",
    "subscription_accepts",
    "subscription_facts",
    "topic_policy",
    "wsgi_app",
]
