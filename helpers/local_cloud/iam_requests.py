"""Which IAM action on which resource an AWS API request asks for.

IAM authorises actions ("dynamodb:PutItem") on resource ARNs, not HTTP requests. This module
reads a request as a service receives it (JSON with ``X-Amz-Target``, query forms, REST paths)
and names what AWS would evaluate: one ``Asked`` per (action, resource), several for a batch
(each table of a ``BatchWriteItem``, each item of a transaction, the source of a copy).

Plain functions over the request; no moto (``authorization.py`` wires this in). What cannot be
mapped is evaluated as the service's action on resource ``*`` and says so (``mapped=False``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlparse

from .iam_calls import (  # re-exported: what the authorizer needs
    CBOR_OPERATION,
    Asked,
    Call,
    operation_of,
    rest_route,
    unmapped,
)
from .iam_requests_s3 import s3_asked, s3_bucket_and_key

TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}  # fmt: skip
PARTIQL = re.compile(r'^\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)\b.*?\b(?:FROM|INTO|UPDATE)\s+'
                     r'"?([\w.-]+)"?(?:\."?([\w.-]+)"?)?', re.IGNORECASE | re.DOTALL)
PARTIQL_UPDATE = re.compile(r'^\s*UPDATE\s+"?([\w.-]+)"?', re.IGNORECASE)

__all__ = ["CBOR_OPERATION", "Asked", "Call", "asked_for", "log_group_resource", "operation_of",
           "s3_bucket_and_key", "unmapped"]


def asked_for(call: Call) -> list[Asked]:
    """What AWS authorises for this request (an empty list: nothing, as for GetCallerIdentity)."""
    mapper = MAPPERS.get(call.service)
    if mapper is not None:
        return mapper(call)
    return unmapped(call)


# -- DynamoDB ------------------------------------------------------------------------------------
def _dynamodb(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    body = call.json()

    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else call.arn("dynamodb", f"table/{name}")
        return f"{arn}/index/{index}" if index else arn

    def asked(action: str, resource: str) -> Asked:
        return Asked(f"dynamodb:{action}", resource)

    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [asked(operation, table(name)) for name in body.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        # IAM has no Transact* actions: each item is authorised as what it does.
        return [asked(TRANSACT_ACTIONS[kind], table(item[kind].get("TableName", "")))
                for item in body.get("TransactItems") or [] for kind in item
                if kind in TRANSACT_ACTIONS and isinstance(item[kind], dict)]  # fmt: skip
    if operation in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
        statements = ([body.get("Statement", "")] if operation == "ExecuteStatement" else
                      [s.get("Statement", "") for s in body.get("Statements")
                       or body.get("TransactStatements") or []])  # fmt: skip
        return [_partiql(statement, table) for statement in statements]
    if body.get("TableName"):
        index = body.get("IndexName") if operation in ("Query", "Scan") else None
        return [asked(operation, table(body["TableName"], index))]
    for key in ("ResourceArn", "TableArn", "StreamArn", "BackupArn", "ExportArn", "ImportArn"):
        if body.get(key):
            return [asked(operation, body[key])]
    if body.get("GlobalTableName"):
        global_table = f"arn:aws:dynamodb::{call.account}:global-table/{body['GlobalTableName']}"
        return [asked(operation, global_table)]
    return [asked(operation, "*")]  # ListTables, DescribeLimits...: AWS evaluates "*" too


def _partiql(statement: str, table: Callable[..., str]) -> Asked:
    """PartiQL is authorised per verb: dynamodb:PartiQLSelect on the table (or index)..."""
    update = PARTIQL_UPDATE.match(statement)
    if update:
        return Asked("dynamodb:PartiQLUpdate", table(update[1]))
    found = PARTIQL.match(statement)
    if not found:
        return Asked("dynamodb:PartiQLSelect", "*", mapped=False)
    verb = {"EXISTS": "Select"}.get(found[1].upper(), found[1].capitalize())
    return Asked(f"dynamodb:PartiQL{verb}", table(found[2], found[3]))


# -- CloudWatch Logs -------------------------------------------------------------------------------
LOG_STREAM_ACTIONS = frozenset({"CreateLogStream", "PutLogEvents", "DeleteLogStream",
                                "GetLogEvents"})  # fmt: skip
LOG_GROUP_ARN = re.compile(r"^arn:[\w-]+:logs:[\w-]*:\d*:log-group:(.+?)(?::\*)?$")


def log_group_resource(region: str, account: str, group: str, stream: str | None = None) -> str:
    """The ARN AWS evaluates for Logs actions: "...:log-group:NAME:log-stream:" for group-level
    actions, "...:log-group:NAME:log-stream:STREAM" for stream-level ones (as AWS's own
    AccessDenied messages show), which is why policies need the group ARN with ``:*``."""
    return f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream or ''}"


def _logs(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    body = call.json()
    group = body.get("logGroupName") or body.get("logGroupIdentifier")
    if isinstance(group, str):
        arn = LOG_GROUP_ARN.match(group)
        group = arn[1] if arn else group
    if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
        return [Asked(f"logs:{operation}", body.get("resourceArn") or "*")]
    if isinstance(group, str) and group:
        stream = body.get("logStreamName", "") if operation in LOG_STREAM_ACTIONS else None
        return [Asked(f"logs:{operation}",
                      log_group_resource(call.region, call.account, group, stream))]
    if operation == "DescribeLogGroups":
        return [Asked("logs:DescribeLogGroups", log_group_resource(call.region, call.account, ""))]
    return [Asked(f"logs:{operation}", "*")]


# -- SQS and SNS ---------------------------------------------------------------------------------
SQS_BATCH = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
             "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}  # fmt: skip


def _sqs(call: Call) -> list[Asked]:
    json_protocol = call.target is not None
    parameters = call.json() if json_protocol else call.form()
    operation = operation_of(call) or parameters.get("Action") or "*"
    action = "sqs:" + SQS_BATCH.get(operation, operation)
    if operation in ("CreateQueue", "GetQueueUrl"):
        owner = parameters.get("QueueOwnerAWSAccountId") or call.account
        name = parameters.get("QueueName", "")
        return [Asked(action, f"arn:aws:sqs:{call.region}:{owner}:{name}")]
    url = parameters.get("QueueUrl") or ("" if json_protocol else call.path)
    parts = [part for part in urlparse(url).path.split("/") if part]
    if len(parts) >= 2 and parts[-2].isdigit():
        queue_arn = f"arn:aws:sqs:{call.region}:{parts[-2]}:{parts[-1]}"
        return [Asked(action, queue_arn, policy_of=("sqs", queue_arn))]
    return [Asked(action, "*")]  # ListQueues


def _sns(call: Call) -> list[Asked]:
    parameters = call.form()
    operation = parameters.get("Action") or "*"
    action = "sns:" + ("Publish" if operation == "PublishBatch" else operation)
    if operation == "CreateTopic":
        return [Asked(action, call.arn("sns", parameters.get("Name", "")))]
    topic = parameters.get("TopicArn") or parameters.get("TargetArn") or parameters.get(
        "ResourceArn")
    subscription = parameters.get("SubscriptionArn")
    if not topic and subscription and subscription.count(":") >= 6:
        topic = subscription.rsplit(":", 1)[0]
    if topic:
        return [Asked(action, topic, policy_of=("sns", topic))]
    return [Asked(action, "*")]


# -- Lambda --------------------------------------------------------------------------------------
LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction",
                  "InvokeWithResponseStream": "InvokeFunction",
                  "ListVersionsByFunction": "ListVersionsByFunction"}  # fmt: skip


def function_arn(region: str, account: str, name: str, qualifier: str | None = None) -> str:
    """A function name, partial or full ARN (optionally ``name:qualifier``) as its full ARN."""
    if name.startswith("arn:"):
        arn = name
    elif re.match(r"^\d{12}:function:", name):
        arn = f"arn:aws:lambda:{region}:{name}"
    else:
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
    if qualifier and arn.count(":") == 6:
        arn += f":{qualifier}"
    return arn


def _lambda(call: Call) -> list[Asked]:
    found = rest_route("lambda", call.method, call.path)
    if found is None:
        return unmapped(call)
    operation, labels = found
    action = "lambda:" + LAMBDA_ACTIONS.get(operation, operation)
    qualifier = (call.query.get("Qualifier") or [None])[0]
    name = labels.get("FunctionName")
    if operation == "CreateFunction":
        name = call.json().get("FunctionName")
    if name:
        arn = function_arn(call.region, call.account, name, qualifier)
        return [Asked(action, arn, policy_of=("lambda", arn))]
    if labels.get("Resource"):  # tags
        return [Asked(action, labels["Resource"])]
    if labels.get("LayerName"):
        layer = call.arn("lambda", f"layer:{labels['LayerName']}")
        version = labels.get("VersionNumber")
        return [Asked(action, f"{layer}:{version}" if version else layer)]
    if labels.get("UUID"):
        return [Asked(action, call.arn("lambda", f"event-source-mapping:{labels['UUID']}"))]
    return [Asked(action, "*")]  # ListFunctions, CreateEventSourceMapping...


# -- STS, EventBridge, Kinesis, SSM, Secrets Manager, IAM, API Gateway --------------------------------
def _sts(call: Call) -> list[Asked]:
    parameters = call.form()
    operation = parameters.get("Action") or "*"
    if operation == "GetCallerIdentity":  # "No permissions are required", says its reference
        return []
    if operation.startswith("AssumeRole"):
        role = parameters.get("RoleArn", "*")
        return [Asked(f"sts:{operation}", role, policy_of=("iam-role-trust", role))]
    return [Asked(f"sts:{operation}", "*")]


def _events(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    body = call.json()

    def bus(name: str | None) -> str:
        name = name or "default"
        return name if name.startswith("arn:") else call.arn("events", f"event-bus/{name}")

    if operation == "PutEvents":
        buses = {bus(entry.get("EventBusName")) for entry in body.get("Entries") or []}
        return [Asked("events:PutEvents", arn) for arn in sorted(buses)] or [
            Asked("events:PutEvents", bus(None))]
    rule = body.get("Rule") or (body.get("Name") if operation.endswith("Rule") else None)
    if rule:
        bus_name = body.get("EventBusName") or "default"
        path = f"rule/{rule}" if bus_name == "default" else f"rule/{bus_name}/{rule}"
        return [Asked(f"events:{operation}", call.arn("events", path))]
    named_bus = body.get("EventBusName") or (
        body.get("Name") if operation.endswith("EventBus") else None)
    if named_bus:
        return [Asked(f"events:{operation}", bus(named_bus))]
    return [Asked(f"events:{operation}", "*", mapped=operation.startswith("List"))]


def _kinesis(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    body = call.json()
    if body.get("StreamARN"):
        return [Asked(f"kinesis:{operation}", body["StreamARN"])]
    if body.get("StreamName"):
        return [Asked(f"kinesis:{operation}", call.arn("kinesis", f"stream/{body['StreamName']}"))]
    return [Asked(f"kinesis:{operation}", "*", mapped=operation.startswith("List"))]


def _ssm(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    body = call.json()
    names = body.get("Names") or [body[k] for k in ("Name", "Path") if body.get(k)]
    if not names:
        return [Asked(f"ssm:{operation}", "*", mapped=False)]
    return [Asked(f"ssm:{operation}", name if name.startswith("arn:") else call.arn(
        "ssm", "parameter" + (name if name.startswith("/") else f"/{name}"))) for name in names]


def _secretsmanager(call: Call) -> list[Asked]:
    operation = operation_of(call) or "*"
    secret = call.json().get("SecretId")
    if not secret:
        return [Asked(f"secretsmanager:{operation}", "*", mapped=operation.startswith("List"))]
    # A name stands for the secret's ARN, which ends in a random suffix the caller never sees.
    arn = secret if secret.startswith("arn:") else call.secret_arn(secret)
    return [Asked(f"secretsmanager:{operation}",
                  arn or call.arn("secretsmanager", f"secret:{secret}"))]


def _iam(call: Call) -> list[Asked]:
    parameters = call.form()
    operation = parameters.get("Action") or "*"
    path = parameters.get("Path", "/")
    for parameter, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group"),
                            ("InstanceProfileName", "instance-profile")):  # fmt: skip
        if parameters.get(parameter):
            arn = f"arn:aws:iam::{call.account}:{kind}{path}{parameters[parameter]}"
            return [Asked(f"iam:{operation}", arn)]
    if parameters.get("PolicyArn"):
        return [Asked(f"iam:{operation}", parameters["PolicyArn"])]
    if operation == "CreatePolicy":
        name = parameters.get("PolicyName", "")
        return [Asked("iam:CreatePolicy", f"arn:aws:iam::{call.account}:policy{path}{name}")]
    return [Asked(f"iam:{operation}", "*", mapped=operation.startswith("List"))]


def _apigateway(call: Call) -> list[Asked]:
    """API Gateway's management API is authorised by HTTP method on the path's ARN."""
    resource = f"arn:aws:apigateway:{call.region}::{call.path}"
    return [Asked(f"apigateway:{call.method}", resource)]


def _execute_api(call: Call) -> list[Asked]:
    """Calling an API: API Gateway's own authorizer decides (the local data plane has no AWS_IAM
    authorizer, and an API without one ignores the signature)."""
    return []


MAPPERS: dict[str, Callable[[Call], list[Asked]]] = {
    "dynamodb": _dynamodb, "logs": _logs, "s3": s3_asked, "sqs": _sqs, "sns": _sns,
    "lambda": _lambda, "sts": _sts, "events": _events, "kinesis": _kinesis, "ssm": _ssm,
    "secretsmanager": _secretsmanager, "iam": _iam, "apigateway": _apigateway,
    "execute-api": _execute_api,
}  # fmt: skip
