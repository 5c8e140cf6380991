"""What the workbook created: one inventory across every service it uses.

Teardown deletes exactly this list, so a resource is listed only when it proves it is ours:

- **Taggable kinds** (functions, roles, tables, buckets, APIs, distributions, trails, budgets,
  CloudWatch alarms, SNS topics): named
  ``workbook-...`` *and* tagged ``workbook=true``. A learner's ``workbook-x`` without the tag is
  not ours; neither is a tagged ``workbookish-table`` or ``my-workbook-api``.
- **Hosted zones**: tagged. A zone's name is a domain, so it cannot carry the prefix.
- **Untaggable kinds**, by exact name: Origin Access Controls named ``workbook-...``; log groups
  ``/aws/lambda/workbook-...`` whose function is ours or gone (log groups outlive functions),
  never the group of a learner's untagged ``workbook-...`` function; Route 53 alias records
  that point at one of our distributions, in any zone (a learner's own zone keeps its other
  records, and the zone itself).
- Lambda permissions and IAM policies belong to their function and role: not listed apart.
- **Belonging to something of ours** (``recognised_by`` names the owner): a function's event
  invoke configs (its async retries and destinations, one per version or alias).
- The triggers' kinds (queues, topics, subscriptions, rules, event source mappings): see
  ``event_resources``.
- Budgets: the local cloud cannot report a budget's tags, so there a ``workbook-...`` name is
  enough (``recognised_by="prefix"``). On AWS the tag is required too.

The Resource Groups Tagging API answers for functions, tables and buckets in bulk (one call,
tags included). Everything else is listed by its own service: the tagging API misses IAM and
API Gateway on the local cloud, and CloudFront and Route 53 are global (on AWS the tagging API
reports them only in us-east-1).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import event_resources
from .target import PREFIX, TAG_KEY

NAME_PREFIX = f"{PREFIX}-"
LOG_GROUP_PREFIX = f"/aws/lambda/{NAME_PREFIX}"
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # every alias record to CloudFront names this zone
TAGGING_API_TYPES = {"lambda:function": "function", "dynamodb:table": "table", "s3": "bucket"}

# The order teardown deletes in (AWS refuses most other orders): what points at a thing goes
# before the thing, and IAM last, so nothing still running loses its permissions midway.
ORDER: tuple[tuple[str, str], ...] = (
    ("route53", "record"), ("cloudfront", "distribution"),
    ("cloudfront", "origin-access-control"), ("acm", "certificate"), ("cloudtrail", "trail"),
    ("s3", "bucket"), ("apigatewayv2", "api"),
    ("apigateway", "rest-api"), ("cloudwatch", "alarm"), *event_resources.KINDS,
    ("lambda", "event-invoke-config"), ("lambda", "function"), ("logs", "log-group"),
    ("dynamodb", "table"), ("route53", "hosted-zone"), ("budgets", "budget"), ("iam", "role"),
)  # fmt: skip
KIND_LABELS = {
    ("route53", "record"): "Route 53 record", ("cloudfront", "distribution"): "CloudFront distribution",
    ("cloudfront", "origin-access-control"): "CloudFront OAC", ("s3", "bucket"): "S3 bucket",
    ("acm", "certificate"): "ACM certificate", ("cloudtrail", "trail"): "CloudTrail trail",
    ("apigatewayv2", "api"): "HTTP API", ("apigateway", "rest-api"): "REST API",
    ("lambda", "function"): "Lambda function", ("logs", "log-group"): "Log group",
    ("dynamodb", "table"): "DynamoDB table", ("route53", "hosted-zone"): "Route 53 hosted zone",
    ("budgets", "budget"): "Budget", ("iam", "role"): "IAM role",
    ("cloudwatch", "alarm"): "CloudWatch alarm",
    ("lambda", "event-invoke-config"): "Async invoke config", **event_resources.LABELS,
}  # fmt: skip


@dataclass
class Resource:
    """One thing the workbook created, with what teardown needs to delete it."""

    service: str  # boto3's name for the service: "lambda", "cloudfront"...
    kind: str  # "function", "distribution"...
    name: str
    id: str  # what the delete call takes (the name, when the service has no separate id)
    arn: str  # "" for Route 53 records, which have none
    recognised_by: str  # "tag" (prefix and tag), "prefix" (untaggable), "alias-target", or the
    # owner of a part of something ours: "function", "topic", "endpoint" (operate)
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.kind, self.id)

    @property
    def label(self) -> str:
        """``CloudFront distribution workbook-site (E2ABC...)``, for progress messages."""
        kind = KIND_LABELS.get((self.service, self.kind), f"{self.service} {self.kind}")
        return f"{kind} {self.name}" + (f" ({self.id})" if self.id != self.name else "")


def has_workbook_tag(tags: Mapping[str, str]) -> bool:
    return tags.get(TAG_KEY) == "true"


def is_ours(name: str, tags: Mapping[str, str]) -> bool:
    """The rule for taggable kinds: our prefix *and* our tag."""
    return name.startswith(NAME_PREFIX) and has_workbook_tag(tags)


def _tag_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in tags or []}


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def inventory(aws: Any) -> list[Resource]:
    """Everything the workbook created in this account and region, in deletion order."""
    tagged = _tagged_by_api(aws)
    functions, function_names = _functions(aws, tagged)
    distributions = _distributions(aws)
    found = [
        *_alias_records(aws, distributions), *distributions, *_origin_access_controls(aws),
        *_certificates(aws), *_trails(aws),
        *_buckets(aws, tagged), *_http_apis(aws), *_rest_apis(aws), *_alarms(aws),
        *event_resources.inventory(aws, {f.name for f in functions}, function_names, Resource,
                                   is_ours, NAME_PREFIX),
        *_event_invoke_configs(aws, functions), *functions,
        *_log_groups(aws, {f.name for f in functions}, function_names), *_tables(aws, tagged),
        *_hosted_zones(aws), *_budgets(aws), *_roles(aws),
    ]  # fmt: skip
    return in_deletion_order(found)


def in_deletion_order(resources: Iterable[Resource]) -> list[Resource]:
    rank = {kind: position for position, kind in enumerate(ORDER)}
    return sorted(resources, key=lambda r: rank.get((r.service, r.kind), len(ORDER)))


def table_rows(resources: Iterable[Resource]) -> list[dict[str, str]]:
    """One row per resource, for ``display.table`` or the teardown panel."""
    return [{"what": KIND_LABELS.get((r.service, r.kind), r.kind), "name": r.name,
             "id": r.id if r.id != r.name else "", "recognised by": r.recognised_by}
            for r in resources]  # fmt: skip


# -- through the Resource Groups Tagging API ------------------------------------------------


def _tagged_by_api(aws: Any) -> dict[str, dict[str, str]]:
    """ARN -> tags of every function, table and bucket tagged ``workbook=true``."""
    tagging = aws.client("resourcegroupstaggingapi")
    mappings = _pages(tagging, "get_resources", "ResourceTagMappingList",
                      TagFilters=[{"Key": TAG_KEY, "Values": ["true"]}],
                      ResourceTypeFilters=list(TAGGING_API_TYPES))  # fmt: skip
    return {m["ResourceARN"]: _tag_dict(m.get("Tags")) for m in mappings}


def _tagged_names(tagged: Mapping[str, Mapping[str, str]], arn_start: str,
                  separator: str) -> dict[str, str]:
    """Name -> ARN of the tagged resources whose ARN starts with ``arn_start``."""
    names = {}
    for arn, tags in tagged.items():
        if arn.startswith(arn_start):
            name = arn.split(separator)[-1]
            if is_ours(name, tags):
                names[name] = arn
    return names


# The tagging API lags on AWS (it may still report a bucket deleted minutes ago), so each of
# these keeps only what the service itself still lists.


def _functions(aws: Any, tagged: Mapping) -> tuple[list[Resource], set[str]]:
    """The workbook's functions, and the names of every function in the region."""
    existing = {f["FunctionName"] for f in _pages(aws.client("lambda"), "list_functions",
                                                  "Functions")}  # fmt: skip
    ours = _tagged_names(tagged, f"arn:aws:lambda:{aws.region}:", ":function:")
    return [Resource("lambda", "function", name, name, arn, "tag")
            for name, arn in sorted(ours.items()) if name in existing], existing  # fmt: skip


def _tables(aws: Any, tagged: Mapping) -> list[Resource]:
    existing = set(_pages(aws.client("dynamodb"), "list_tables", "TableNames"))
    ours = _tagged_names(tagged, f"arn:aws:dynamodb:{aws.region}:", ":table/")
    return [Resource("dynamodb", "table", name, name, arn, "tag")
            for name, arn in sorted(ours.items()) if name in existing]  # fmt: skip


def _buckets(aws: Any, tagged: Mapping) -> list[Resource]:
    existing = {b["Name"] for b in aws.client("s3").list_buckets().get("Buckets", [])}
    ours = _tagged_names(tagged, "arn:aws:s3:::", ":::")
    return [Resource("s3", "bucket", name, name, arn, "tag")
            for name, arn in sorted(ours.items()) if name in existing]  # fmt: skip


# -- through each service's own listing ---------------------------------------------------------


def _roles(aws: Any) -> list[Resource]:
    iam = aws.client("iam")
    found = []
    for role in _pages(iam, "list_roles", "Roles"):
        name = role["RoleName"]
        if name.startswith(NAME_PREFIX):  # list_roles leaves tags out: ask for ours only
            tags = _tag_dict(iam.list_role_tags(RoleName=name).get("Tags"))
            if has_workbook_tag(tags):
                found.append(Resource("iam", "role", name, name, role["Arn"], "tag"))
    return found


def _http_apis(aws: Any) -> list[Resource]:
    return [Resource("apigatewayv2", "api", api["Name"], api["ApiId"],
                     f"arn:aws:apigateway:{aws.region}::/apis/{api['ApiId']}", "tag")
            for api in _pages(aws.client("apigatewayv2"), "get_apis", "Items")
            if is_ours(api["Name"], api.get("Tags") or {})]  # fmt: skip


def _rest_apis(aws: Any) -> list[Resource]:
    return [Resource("apigateway", "rest-api", api["name"], api["id"],
                     f"arn:aws:apigateway:{aws.region}::/restapis/{api['id']}", "tag")
            for api in _pages(aws.client("apigateway"), "get_rest_apis", "items")
            if is_ours(api["name"], api.get("tags") or {})]  # fmt: skip


def _distributions(aws: Any) -> list[Resource]:
    """Distributions have no name: ours say ``workbook-...`` in their Comment, and are tagged."""
    cloudfront = aws.client("cloudfront")
    found = []
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for item in page["DistributionList"].get("Items", []):
            comment = item.get("Comment") or ""
            if not comment.startswith(NAME_PREFIX):
                continue
            tags = cloudfront.list_tags_for_resource(Resource=item["ARN"])["Tags"]
            if has_workbook_tag(_tag_dict(tags.get("Items"))):
                found.append(Resource("cloudfront", "distribution", comment, item["Id"],
                                      item["ARN"], "tag", {"domain": item["DomainName"]}))
    return found


def _origin_access_controls(aws: Any) -> list[Resource]:
    cloudfront = aws.client("cloudfront")
    found, marker = [], ""
    while True:
        page = cloudfront.list_origin_access_controls(Marker=marker)["OriginAccessControlList"]
        for item in page.get("Items", []):
            if item["Name"].startswith(NAME_PREFIX):
                arn = f"arn:aws:cloudfront::{aws.account_id}:origin-access-control/{item['Id']}"
                found.append(Resource("cloudfront", "origin-access-control", item["Name"],
                                      item["Id"], arn, "prefix"))
        marker = page.get("NextMarker") or ""
        if not page.get("IsTruncated") or not marker:
            return found


def _zones(aws: Any) -> list[dict[str, Any]]:
    return list(_pages(aws.client("route53"), "list_hosted_zones", "HostedZones"))


def _zone_id(zone: Mapping[str, Any]) -> str:
    return zone["Id"].rsplit("/", 1)[-1]


def _hosted_zones(aws: Any) -> list[Resource]:
    route53 = aws.client("route53")
    zones = {_zone_id(zone): zone for zone in _zones(aws)}
    ids = list(zones)
    found = []
    for start in range(0, len(ids), 10):  # ListTagsForResources takes ten ids at a time
        tag_sets = route53.list_tags_for_resources(ResourceType="hostedzone",
                                                   ResourceIds=ids[start:start + 10])
        for tag_set in tag_sets["ResourceTagSets"]:
            zone_id = tag_set["ResourceId"]
            if has_workbook_tag(_tag_dict(tag_set.get("Tags"))) and zone_id in zones:
                found.append(Resource("route53", "hosted-zone", zones[zone_id]["Name"], zone_id,
                                      f"arn:aws:route53:::hostedzone/{zone_id}", "tag"))
    return found


def _alias_records(aws: Any, distributions: list[Resource]) -> list[Resource]:
    """Alias records pointing at one of our distributions, in every zone (learners' too)."""
    domains = {d.details["domain"].rstrip(".").lower() for d in distributions}
    if not domains:
        return []
    route53 = aws.client("route53")
    found = []
    for zone in _zones(aws):
        zone_id = _zone_id(zone)
        for record in _pages(route53, "list_resource_record_sets", "ResourceRecordSets",
                             HostedZoneId=zone_id):  # fmt: skip
            alias = record.get("AliasTarget") or {}
            if (alias.get("HostedZoneId") == CLOUDFRONT_HOSTED_ZONE_ID
                    and alias.get("DNSName", "").rstrip(".").lower() in domains):
                record_id = "/".join([zone_id, record["Name"], record["Type"],
                                      record.get("SetIdentifier", "")])  # fmt: skip
                found.append(Resource(
                    "route53", "record", f"{record['Name']} {record['Type']}", record_id, "",
                    "alias-target", {"zone_id": zone_id, "zone_name": zone["Name"],
                                     "record": record},
                ))  # fmt: skip
    return found


def acm_client(aws: Any) -> Any:
    """ACM in us-east-1: the only region whose certificates CloudFront uses."""
    return aws.session.client("acm", region_name="us-east-1", endpoint_url=aws.endpoint_url)


def _certificates(aws: Any) -> list[Resource]:
    """Certificates the workbook requested (tagged); one you brought is never listed."""
    acm = acm_client(aws)
    found = []
    for summary in _pages(acm, "list_certificates", "CertificateSummaryList"):
        arn = summary["CertificateArn"]
        tags = _tag_dict(acm.list_tags_for_certificate(CertificateArn=arn).get("Tags"))
        if has_workbook_tag(tags):
            found.append(Resource("acm", "certificate", summary["DomainName"], arn, arn, "tag"))
    return found


def _trails(aws: Any) -> list[Resource]:
    """Trails whose home is this region (an organization trail lives in the management account),
    named ``workbook-...`` and tagged; deleted before the bucket they write to."""
    cloudtrail = aws.client("cloudtrail")
    found = []
    for trail in _pages(cloudtrail, "list_trails", "Trails"):
        if trail.get("HomeRegion") != aws.region or not trail["Name"].startswith(NAME_PREFIX):
            continue
        tag_lists = cloudtrail.list_tags(ResourceIdList=[trail["TrailARN"]])["ResourceTagList"]
        tags = _tag_dict(tag_lists[0].get("TagsList") if tag_lists else [])
        if has_workbook_tag(tags):
            found.append(Resource("cloudtrail", "trail", trail["Name"], trail["TrailARN"],
                                  trail["TrailARN"], "tag"))
    return found


def _log_groups(aws: Any, our_functions: set[str], all_functions: set[str]) -> list[Resource]:
    """``/aws/lambda/workbook-...`` groups of our functions, or of functions now gone."""
    found = []
    for group in _pages(aws.client("logs"), "describe_log_groups", "logGroups",
                        logGroupNamePrefix=LOG_GROUP_PREFIX):  # fmt: skip
        name = group["logGroupName"]
        function = name.removeprefix("/aws/lambda/")
        if function in our_functions or function not in all_functions:
            arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
            found.append(Resource("logs", "log-group", name, name, arn, "prefix"))
    return found


def _budgets(aws: Any) -> list[Resource]:
    budgets = aws.client("budgets")
    try:
        listed = list(_pages(budgets, "describe_budgets", "Budgets", AccountId=aws.account_id))
    except budgets.exceptions.NotFoundException:  # some accounts say so instead of []
        return []
    found = []
    for budget in listed:
        name = budget["BudgetName"]
        if not name.startswith(NAME_PREFIX):
            continue
        arn = f"arn:aws:budgets::{aws.account_id}:budget/{name}"
        tags = _budget_tags(aws, arn)
        if tags is None:
            found.append(Resource("budgets", "budget", name, name, arn, "prefix"))
        elif has_workbook_tag(tags):
            found.append(Resource("budgets", "budget", name, name, arn, "tag"))
    return found


def _budget_tags(aws: Any, arn: str) -> dict[str, str] | None:
    """The budget's tags, or None where the service cannot say."""
    if aws.is_local:  # moto has no ListTagsForResource for budgets (and logs a traceback)
        return None
    budgets = aws.client("budgets")
    return _tag_dict(budgets.list_tags_for_resource(ResourceARN=arn).get("ResourceTags"))


# -- operate: alarms, topics, subscriptions, event invoke configs ---------------------------------


def _alarms(aws: Any) -> list[Resource]:
    """Alarms named ``workbook-...`` and tagged; composite ones first (they watch the others)."""
    cloudwatch = aws.client("cloudwatch")
    found = []
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=NAME_PREFIX, AlarmTypes=["CompositeAlarm", "MetricAlarm"]):
        for alarm in page.get("CompositeAlarms", []) + page.get("MetricAlarms", []):
            tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
            if is_ours(alarm["AlarmName"], _tag_dict(tags)):
                found.append(Resource("cloudwatch", "alarm", alarm["AlarmName"],
                                      alarm["AlarmName"], alarm["AlarmArn"], "tag"))
    return found


def _event_invoke_configs(aws: Any, functions: list[Resource]) -> list[Resource]:
    """Our functions' async invoke configs, one per function, version or alias that has one."""
    client = aws.client("lambda")
    found = []
    for function in functions:
        for config in _pages(client, "list_function_event_invoke_configs",
                             "FunctionEventInvokeConfigs", FunctionName=function.name):  # fmt: skip
            qualifier = config["FunctionArn"].rsplit(":", 1)[-1]
            found.append(Resource("lambda", "event-invoke-config",
                                  f"{function.name}:{qualifier}", config["FunctionArn"],
                                  config["FunctionArn"], "function",
                                  {"function": function.name, "qualifier": qualifier}))
    return found
