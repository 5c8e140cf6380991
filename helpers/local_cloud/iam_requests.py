"""Which IAM action on which resource an AWS API request asks for.

IAM authorises actions ("dynamodb:PutItem") on resource ARNs, not HTTP requests. This module
reads a request as a service receives it (JSON with ``X-Amz-Target``, query forms, REST paths)
and names what AWS would evaluate: one ``Asked`` per (action, resource), several for a batch
(each table of a ``BatchWriteItem``, each item of a transaction, the source of a copy).

Plain functions over the request; no moto (``authorization.py`` wires this in). What cannot be
mapped is evaluated as the service's action on resource ``*`` and says so (``mapped=False``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from xml.etree import ElementTree

# Signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}  # fmt: skip
PARTIQL = re.compile(r'^\s*(SELECT|INSERT|UPDATE|DELETE|EXISTS)\b.*?\b(?:FROM|INTO|UPDATE)\s+'
                     r'"?([\w.-]+)"?(?:\."?([\w.-]+)"?)?', re.IGNORECASE | re.DOTALL)
PARTIQL_UPDATE = re.compile(r'^\s*UPDATE\s+"?([\w.-]+)"?', re.IGNORECASE)
CBOR_OPERATION = re.compile(r"/service/[^/]+/operation/([A-Za-z0-9]+)$")


@dataclass(frozen=True)
class Asked:
    """One authorisation question: may the caller do ``action`` on ``resource``?"""

    action: str
    resource: str
    context: Mapping[str, Any] = field(default_factory=dict)
    policy_of: tuple[str, str] | None = None  # ("s3", bucket), ("lambda", function ARN), ...
    mapped: bool = True  # False: the local cloud does not know this call's resource (or action)


@dataclass
class Call:
    """An AWS API request as the authorizer sees it (signing service, region, account, HTTP)."""

    service: str  # the signing name from the credential scope: "dynamodb", "s3", ...
    region: str
    account: str
    method: str
    path: str  # decoded, as WSGI gives PATH_INFO
    query: dict[str, list[str]]
    host: str
    headers: Callable[[str], str | None]  # header by name, case-insensitive
    body: Callable[[], bytes]  # read once, on demand
    secret_arn: Callable[[str], str | None] = lambda name: None  # a secret's ARN from its name
    _json: Any = None

    @property
    def target(self) -> str | None:
        return self.headers("X-Amz-Target")

    def json(self) -> dict[str, Any]:
        if self._json is None:
            try:
                value = json.loads(self.body() or b"{}")
            except ValueError:
                value = {}
            self._json = value if isinstance(value, dict) else {}
        return self._json

    def form(self) -> dict[str, str]:
        """Query-protocol parameters (form body, or the query string)."""
        merged = {k: v[0] for k, v in self.query.items() if v}
        if self.method == "POST":
            body = self.body().decode("utf-8", "replace")
            merged.update({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
        return merged

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account}:{resource}"


def prefix_of(service: str) -> str:
    return IAM_PREFIX.get(service, service)


def asked_for(call: Call) -> list[Asked]:
    """What AWS authorises for this request (an empty list: nothing, as for GetCallerIdentity)."""
    mapper = MAPPERS.get(call.service)
    if mapper is not None:
        return mapper(call)
    return _unmapped(call)


# -- the fallback: the service's action, on "*" --------------------------------------------------
def operation_of(call: Call) -> str | None:
    """The API operation, for the protocols that name it: JSON's X-Amz-Target, the query
    protocol's Action, CBOR's path."""
    if call.target:
        return call.target.rsplit(".", 1)[-1]
    cbor = CBOR_OPERATION.search(call.path)
    if cbor:
        return cbor[1]
    action = call.query.get("Action")
    if action:
        return action[0]
    content_type = (call.headers("Content-Type") or "").lower()
    if call.method == "POST" and "x-www-form-urlencoded" in content_type:
        return call.form().get("Action")
    return None


def _unmapped(call: Call, operation: str | None = None) -> list[Asked]:
    operation = operation or operation_of(call) or rest_operation(call.service, call.method,
                                                                  call.path)
    return [Asked(f"{prefix_of(call.service)}:{operation or '*'}", "*", mapped=False)]


@lru_cache(maxsize=32)
def _rest_routes(service: str) -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path regex, operation) for a REST service, from botocore's service model."""
    try:
        import botocore.session

        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # no such botocore service: nothing to resolve against
        return ()
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0].rstrip("/")
        regex, literal = "", 0
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):  # a label: {Name} is one segment, {Name+} the rest
                label = part.strip("{}+")
                regex += f"(?P<{label}>.+)" if part.endswith("+}") else f"(?P<{label}>[^/]+)"
            else:
                regex += re.escape(part)
                literal += len(part)
        routes.append((literal, http.get("method", "GET"), re.compile(regex + "/?$"), name))
    # More literal text first: /functions/{F}/policy before /functions/{F}.
    routes.sort(key=lambda route: -route[0])
    return tuple(route[1:] for route in routes)


def rest_route(service: str, method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, regex, name in _rest_routes(service):
        if route_method == method:
            matched = regex.match(path)
            if matched:
                return name, {k: unquote(v) for k, v in matched.groupdict().items()}
    return None


def rest_operation(service: str, method: str, path: str) -> str | None:
    found = rest_route(service, method, path)
    return found[0] if found else None


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


# -- S3 ------------------------------------------------------------------------------------------
IP_HOST = re.compile(r"^(\d{1,3}\.){3}\d{1,3}$|^\[")
S3_HOST = re.compile(r"^(?P<bucket>.+?)\.s3[.-]")
# Bucket sub-resource -> (GET, PUT, DELETE) action
BUCKET_SUBRESOURCES = {
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration",
                  "PutLifecycleConfiguration"),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "notification": ("GetBucketNotification", "PutBucketNotification", None),
    "publicAccessBlock": ("GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock",
                          "PutBucketPublicAccessBlock"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration",
                   "PutEncryptionConfiguration"),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls",
                          "PutBucketOwnershipControls"),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "location": ("GetBucketLocation", None, None),
    "policyStatus": ("GetBucketPolicyStatus", None, None),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", None),
    "replication": ("GetReplicationConfiguration", "PutReplicationConfiguration",
                    "PutReplicationConfiguration"),
    "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", None),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
    "versions": ("ListBucketVersions", None, None),
    "uploads": ("ListBucketMultipartUploads", None, None),
}  # fmt: skip
# Object sub-resource -> (GET, PUT, DELETE) action, and the variant when a versionId is given
OBJECT_SUBRESOURCES = {
    "acl": (("GetObjectAcl", "PutObjectAcl", None),
            ("GetObjectVersionAcl", "PutObjectVersionAcl", None)),
    "tagging": (("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
                ("GetObjectVersionTagging", "PutObjectVersionTagging",
                 "DeleteObjectVersionTagging")),
    "retention": (("GetObjectRetention", "PutObjectRetention", None),) * 2,
    "legal-hold": (("GetObjectLegalHold", "PutObjectLegalHold", None),) * 2,
    "attributes": (("GetObjectAttributes", None, None), ("GetObjectVersionAttributes", None, None)),
}  # fmt: skip
METHOD_INDEX = {"GET": 0, "HEAD": 0, "PUT": 1, "DELETE": 2}


def s3_bucket_and_key(host: str, path: str) -> tuple[str, str]:
    """Virtual-hosted (``bucket.s3.amazonaws.com``, ``bucket.localhost``) or path style, as
    moto tells them apart."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    virtual = None
    if name and "." in name and not IP_HOST.match(name) and not name.startswith("localhost"):
        found = S3_HOST.match(name) if "amazonaws.com" in name else None
        virtual = found["bucket"] if found else (None if "amazonaws.com" in name
                                                  else name.split(".")[0])  # fmt: skip
    if virtual:
        return virtual, path.lstrip("/")
    bucket, _, key = path.lstrip("/").partition("/")
    return bucket, key


def _s3(call: Call) -> list[Asked]:
    bucket, key = s3_bucket_and_key(call.host, call.path)
    if not bucket:
        return [Asked("s3:ListAllMyBuckets", "*")]
    bucket_arn, policy_of = f"arn:aws:s3:::{bucket}", ("s3", bucket)
    query, method = call.query, call.method

    def asked(action: str, resource: str, context: Mapping[str, Any] | None = None) -> Asked:
        return Asked(f"s3:{action}", resource, context or {}, policy_of)

    if key:
        return _s3_object(call, bucket, key, asked)
    if method == "POST" and "delete" in query:  # DeleteObjects: s3:DeleteObject on each key
        keys = _deleted_keys(call.body())
        return [asked("DeleteObject", f"{bucket_arn}/{k}") for k in keys] or [
            asked("DeleteObject", f"{bucket_arn}/*")]
    for name, actions in BUCKET_SUBRESOURCES.items():
        if name in query and method in METHOD_INDEX and actions[METHOD_INDEX[method]]:
            return [asked(actions[METHOD_INDEX[method]], bucket_arn)]
    if method in ("GET", "HEAD"):
        context = {f"s3:{name}": query[name][0] for name in ("prefix", "delimiter", "max-keys")
                   if name in query}  # fmt: skip
        return [asked("ListBucket", bucket_arn, context)]
    if method == "PUT" and not query:
        return [asked("CreateBucket", bucket_arn)]
    if method == "DELETE" and not query:
        return [asked("DeleteBucket", bucket_arn)]
    return [Asked("s3:*", "*", policy_of=policy_of, mapped=False)]


def _s3_object(call: Call, bucket: str, key: str, asked: Callable[..., Asked]) -> list[Asked]:
    query, method = call.query, call.method
    object_arn = f"arn:aws:s3:::{bucket}/{key}"
    versioned = "versionId" in query
    for name, variants in OBJECT_SUBRESOURCES.items():
        if name in query and method in METHOD_INDEX:
            action = variants[1 if versioned else 0][METHOD_INDEX[method]]
            if action:
                return [asked(action, object_arn)]
    if method in ("GET", "HEAD"):
        if "uploadId" in query:
            return [asked("ListMultipartUploadParts", object_arn)]
        return [asked("GetObjectVersion" if versioned else "GetObject", object_arn)]
    if method == "DELETE":
        if "uploadId" in query:
            return [asked("AbortMultipartUpload", object_arn)]
        return [asked("DeleteObjectVersion" if versioned else "DeleteObject", object_arn)]
    if method == "POST" and "restore" in query:
        return [asked("RestoreObject", object_arn)]
    if method == "POST" and "select" in query:
        return [asked("GetObject", object_arn)]
    if method in ("PUT", "POST"):  # PutObject, multipart uploads, copies
        wanted = [asked("PutObject", object_arn)]
        source = call.headers("x-amz-copy-source")
        if source:  # a copy also reads its source
            source_path, _, source_query = unquote(source).lstrip("/").partition("?")
            source_bucket, _, source_key = source_path.partition("/")
            action = "GetObjectVersion" if "versionId=" in source_query else "GetObject"
            wanted.append(Asked(f"s3:{action}", f"arn:aws:s3:::{source_bucket}/{source_key}",
                                policy_of=("s3", source_bucket)))
        return wanted
    return [Asked("s3:*", "*", policy_of=("s3", bucket), mapped=False)]


def _deleted_keys(body: bytes) -> list[str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    return [element.text or "" for element in root.iterfind(".//{*}Object/{*}Key")]


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
        return _unmapped(call)
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


MAPPERS: dict[str, Callable[[Call], list[Asked]]] = {
    "dynamodb": _dynamodb, "logs": _logs, "s3": _s3, "sqs": _sqs, "sns": _sns,
    "lambda": _lambda, "sts": _sts, "events": _events, "kinesis": _kinesis, "ssm": _ssm,
    "secretsmanager": _secretsmanager, "iam": _iam, "apigateway": _apigateway,
}  # fmt: skip
