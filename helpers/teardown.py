"""Delete everything the workbook created, in an order AWS accepts, then prove nothing is left.

``teardown(aws)`` deletes exactly what ``ledger.inventory`` finds (never anything else), in
``ledger.ORDER``: Route 53 alias records, CloudFront distributions (disable, wait until
deployed, delete with a fresh ETag), Origin Access Controls, CloudTrail trails, S3 buckets (every object version
first), APIs, CloudWatch alarms, EventBridge rules (targets first), event source mappings, SNS
subscriptions and topics, SQS queues, functions' async invoke configs, functions, their log
groups, tables, hosted zones, budgets, and IAM roles last.

It is safe to run again at any time: something already gone counts as done, and an
interrupted run (a closed laptop, a stopped kernel) is finished by running it again, because
each run starts from a fresh inventory. It ends with that inventory once more, so ``.ok``
means nothing the workbook created is left.

``TeardownPanel(aws)`` is the same with a table and a confirmed button, for notebook 12.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, WaiterError

from . import event_resources
from .ledger import ORDER, Resource, in_deletion_order, inventory, table_rows
from .local_cloud.clock import REAL_CLOCK, Clock

Say = Callable[[str], None]
CLOUDFRONT_POLL_SECONDS = 15  # CloudFront takes minutes to deploy a change on AWS
CLOUDFRONT_TIMEOUT_SECONDS = 30 * 60
NOT_FOUND = {
    "NoSuchEntity", "NotFoundException", "ResourceNotFoundException", "NoSuchBucket",
    "NoSuchHostedZone", "NoSuchDistribution", "NoSuchOriginAccessControl", "NotFound",
    "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
    "TrailNotFoundException",
}  # fmt: skip
HINTS = {
    "AccessDenied": "Your identity may not delete this: run teardown as an administrator.",
    "DeleteConflict": "Something still uses it: run teardown again once the rest is gone.",
    "OriginAccessControlInUse": "A distribution still uses it: run teardown again in a few "
                                "minutes, or check the CloudFront console for other users.",
    "HostedZoneNotEmpty": "The zone still has records: run teardown again.",
}  # fmt: skip
DELETED, ALREADY_GONE = "deleted", "already gone"


class StillDeploying(Exception):
    """A distribution is disabled but not yet deployed, and the caller chose not to wait."""


@dataclass
class Report:
    """What one teardown run did, and what the final inventory still found."""

    deleted: list[Resource] = field(default_factory=list)
    already_gone: list[Resource] = field(default_factory=list)
    waiting: list[Resource] = field(default_factory=list)  # finishes on a later run
    failed: list[tuple[Resource, str]] = field(default_factory=list)
    remaining: list[Resource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the final inventory found nothing the workbook created."""
        return not self.remaining

    def summary(self) -> str:
        text = (f"{len(self.deleted)} deleted, {len(self.already_gone)} already gone, "
                f"{len(self.remaining)} remaining")  # fmt: skip
        if self.ok:
            return f"{text}: nothing the workbook created is left."
        return f"{text}: run teardown again (it resumes where it stopped)."

    def __repr__(self) -> str:
        return f"<Report {self.summary()}>"


def teardown(aws: Any, *, resources: list[Resource] | None = None, say: Say = print,
             wait: bool = True, on_progress: Callable[[int, int], None] | None = None) -> Report:
    """Delete ``resources`` (default: a fresh ``inventory(aws)``), then check what is left.

    ``wait=False`` does not wait the minutes CloudFront needs to deploy a disabled
    distribution: it is disabled and left for the next run. ``on_progress(done, total)`` is
    called after each resource (the panel's progress bar uses it).
    """
    planned = inventory(aws) if resources is None else in_deletion_order(resources)
    where = f"account {aws.account_id}, {aws.region}"
    if not planned:
        say(f"Nothing the workbook created was found ({where}).")
    else:
        say(f"Deleting {len(planned)} resources the workbook created ({where})...")
    report = Report()
    for done, resource in enumerate(planned, 1):
        _delete_one(aws, resource, say, wait, report)
        if on_progress:
            on_progress(done, len(planned))
    left = inventory(aws)
    if resources is not None:  # asked for some: report on those
        asked = {r.key for r in resources}
        left = [r for r in left if r.key in asked]
    report.remaining = left
    for resource in left:
        say(f"still there: {resource.label}")
    if planned or left:
        say(report.summary())
    return report


def _delete_one(aws: Any, resource: Resource, say: Say, wait: bool, report: Report) -> None:
    deleter = DELETERS[(resource.service, resource.kind)]
    try:
        outcome = deleter(aws, resource, say, wait)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        code = "AccessDenied" if code == "AccessDeniedException" else code
        if code not in NOT_FOUND:
            message = error.response.get("Error", {}).get("Message", str(error))
            report.failed.append((resource, f"{code}: {message}"))
            say(f"{resource.label}: could not delete ({code}: {message}). "
                f"{HINTS.get(code, 'Run teardown again; if it fails again, delete it in the console.')}")
            return
        outcome = ALREADY_GONE
    except StillDeploying as pending:
        report.waiting.append(resource)
        say(f"{resource.label}: {pending}")
        return
    except (TimeoutError, WaiterError) as error:  # waited longer than AWS ever needs
        report.failed.append((resource, str(error)))
        say(f"{resource.label}: {error}")
        return
    (report.deleted if outcome == DELETED else report.already_gone).append(resource)
    say(f"{resource.label}: {outcome}")


def _poll_seconds(aws: Any, seconds: float) -> float:
    return 0.05 if aws.is_local else seconds  # the local cloud changes state at once


# -- one deleter per kind: each returns DELETED or ALREADY_GONE, or raises ClientError --------


def _delete_record(aws: Any, record: Resource, say: Say, wait: bool) -> str:
    route53 = aws.client("route53")
    try:
        route53.change_resource_record_sets(HostedZoneId=record.details["zone_id"], ChangeBatch={
            "Comment": "workbook teardown",
            "Changes": [{"Action": "DELETE", "ResourceRecordSet": record.details["record"]}],
        })  # fmt: skip
    except route53.exceptions.InvalidChangeBatch as error:
        if "not found" in str(error).lower():
            return ALREADY_GONE
        raise
    return DELETED


def _delete_distribution(aws: Any, distribution: Resource, say: Say, wait: bool) -> str:
    """AWS deletes only a disabled, deployed distribution, and only with its current ETag."""
    cloudfront = aws.client("cloudfront")
    for _ in range(3):  # start over if someone changed it meanwhile (the ETag moved on)
        current = cloudfront.get_distribution_config(Id=distribution.id)
        config = current["DistributionConfig"]
        if config["Enabled"]:
            say(f"{distribution.label}: disabling (CloudFront deletes only disabled ones)")
            cloudfront.update_distribution(Id=distribution.id, IfMatch=current["ETag"],
                                           DistributionConfig={**config, "Enabled": False})
        _wait_deployed(aws, cloudfront, distribution, say, wait)
        etag = cloudfront.get_distribution_config(Id=distribution.id)["ETag"]  # fresh
        try:
            cloudfront.delete_distribution(Id=distribution.id, IfMatch=etag)
            return DELETED
        except ClientError as error:
            if error.response["Error"]["Code"] not in ("PreconditionFailed",
                                                       "DistributionNotDisabled"):
                raise
    raise TimeoutError("it kept changing while teardown deleted it; run teardown again.")


def _wait_deployed(aws: Any, cloudfront: Any, distribution: Resource, say: Say,
                   wait: bool, clock: Clock = REAL_CLOCK) -> None:
    """Poll until Deployed, saying so at every poll (boto3's waiter is silent for minutes)."""
    started = clock.monotonic()
    poll = _poll_seconds(aws, CLOUDFRONT_POLL_SECONDS)
    while True:
        status = cloudfront.get_distribution(Id=distribution.id)["Distribution"]["Status"]
        if status == "Deployed":
            return
        elapsed = clock.monotonic() - started
        if not wait:
            raise StillDeploying("disabled; CloudFront is deploying that. Run teardown again "
                                 "in a few minutes to delete it.")  # fmt: skip
        if elapsed > CLOUDFRONT_TIMEOUT_SECONDS:
            raise TimeoutError(f"still {status} after {elapsed / 60:.0f} minutes. Run teardown "
                               "again later: it picks up where it stopped.")  # fmt: skip
        say(f"{distribution.label}: {status} after {elapsed:.0f} s; CloudFront takes several "
            f"minutes to deploy a change (checking every {poll:g} s)...")
        clock.sleep(poll)


def _delete_origin_access_control(aws: Any, oac: Resource, say: Say, wait: bool) -> str:
    cloudfront = aws.client("cloudfront")
    etag = cloudfront.get_origin_access_control(Id=oac.id)["ETag"]
    cloudfront.delete_origin_access_control(Id=oac.id, IfMatch=etag)
    return DELETED


def _delete_trail(aws: Any, trail: Resource, say: Say, wait: bool) -> str:
    aws.client("cloudtrail").delete_trail(Name=trail.name)  # it stops logging with it
    return DELETED


def _delete_bucket(aws: Any, bucket: Resource, say: Say, wait: bool) -> str:
    """S3 deletes only an empty bucket: with versioning, every version and delete marker."""
    from .site import empty_bucket

    removed = empty_bucket(aws, bucket.name)
    if removed:
        say(f"{bucket.label}: emptied ({removed} object versions and delete markers)")
    aws.client("s3").delete_bucket(Bucket=bucket.name)
    return DELETED


def _delete_http_api(aws: Any, api: Resource, say: Say, wait: bool) -> str:
    apigw = aws.client("apigatewayv2")
    apigw.get_api(ApiId=api.id)  # NotFoundException when gone
    apigw.delete_api(ApiId=api.id)
    return DELETED


def _delete_rest_api(aws: Any, api: Resource, say: Say, wait: bool) -> str:
    apigw = aws.client("apigateway")
    apigw.get_rest_api(restApiId=api.id)  # NotFoundException when gone
    for _ in range(4):
        try:
            apigw.delete_rest_api(restApiId=api.id)
            return DELETED
        except apigw.exceptions.TooManyRequestsException:
            say(f"{api.label}: API Gateway allows one REST API deletion every 30 s; waiting...")
            time.sleep(_poll_seconds(aws, 30))
    apigw.delete_rest_api(restApiId=api.id)  # the last try: its error is reported
    return DELETED


def _delete_function(aws: Any, function: Resource, say: Say, wait: bool) -> str:
    aws.client("lambda").delete_function(FunctionName=function.name)  # permissions go with it
    return DELETED


def _delete_log_group(aws: Any, group: Resource, say: Say, wait: bool) -> str:
    aws.client("logs").delete_log_group(logGroupName=group.name)
    return DELETED


def _delete_table(aws: Any, table: Resource, say: Say, wait: bool) -> str:
    dynamodb = aws.client("dynamodb")
    waiter_config = {"Delay": _poll_seconds(aws, 5), "MaxAttempts": 120}
    try:
        dynamodb.delete_table(TableName=table.name)
    except dynamodb.exceptions.ResourceInUseException:  # still being created or updated
        dynamodb.get_waiter("table_exists").wait(TableName=table.name, WaiterConfig=waiter_config)
        dynamodb.delete_table(TableName=table.name)
    dynamodb.get_waiter("table_not_exists").wait(TableName=table.name, WaiterConfig=waiter_config)
    return DELETED


def _delete_hosted_zone(aws: Any, zone: Resource, say: Say, wait: bool) -> str:
    """Route 53 deletes only an empty zone: all records but the zone's own SOA and NS."""
    route53 = aws.client("route53")
    paginator = route53.get_paginator("list_resource_record_sets")
    records = [record for page in paginator.paginate(HostedZoneId=zone.id)
               for record in page["ResourceRecordSets"]
               if not (record["Type"] in ("SOA", "NS") and record["Name"] == zone.name)]  # fmt: skip
    for start in range(0, len(records), 100):
        route53.change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": [
            {"Action": "DELETE", "ResourceRecordSet": record}
            for record in records[start:start + 100]]})  # fmt: skip
    route53.delete_hosted_zone(Id=zone.id)
    return DELETED


def _delete_certificate(aws: Any, certificate: Resource, say: Say, wait: bool) -> str:
    from .ledger import acm_client

    acm_client(aws).delete_certificate(CertificateArn=certificate.arn)
    return DELETED


def _delete_budget(aws: Any, budget: Resource, say: Say, wait: bool) -> str:
    aws.client("budgets").delete_budget(AccountId=aws.account_id, BudgetName=budget.name)
    return DELETED


def _delete_role(aws: Any, role: Resource, say: Say, wait: bool) -> str:
    from .iam import delete_role

    return DELETED if delete_role(aws, role.name) else ALREADY_GONE


# operate: alarms and event invoke configs (their delete calls do not say whether anything was
# there, so each looks first)


def _delete_alarm(aws: Any, alarm: Resource) -> str:
    cloudwatch = aws.client("cloudwatch")
    listed = cloudwatch.describe_alarms(AlarmNames=[alarm.name],
                                        AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    if not listed.get("MetricAlarms") and not listed.get("CompositeAlarms"):
        return ALREADY_GONE
    cloudwatch.delete_alarms(AlarmNames=[alarm.name])
    return DELETED


def _delete_event_invoke_config(aws: Any, config: Resource) -> str:
    aws.client("lambda").delete_function_event_invoke_config(
        FunctionName=config.details["function"], Qualifier=config.details["qualifier"])
    return DELETED


def _without_progress(delete: Callable[[Any, Resource], str]) -> Callable[..., str]:
    """The triggers' deleters (``event_resources``) need neither ``say`` nor ``wait``."""
    return lambda aws, resource, say, wait: delete(aws, resource)


DELETERS: dict[tuple[str, str], Callable[[Any, Resource, Say, bool], str]] = {
    ("route53", "record"): _delete_record,
    ("cloudfront", "distribution"): _delete_distribution,
    ("cloudfront", "origin-access-control"): _delete_origin_access_control,
    ("acm", "certificate"): _delete_certificate,
    ("cloudtrail", "trail"): _delete_trail,
    ("s3", "bucket"): _delete_bucket,
    ("apigatewayv2", "api"): _delete_http_api,
    ("apigateway", "rest-api"): _delete_rest_api,
    ("lambda", "function"): _delete_function,
    ("logs", "log-group"): _delete_log_group,
    ("dynamodb", "table"): _delete_table,
    ("route53", "hosted-zone"): _delete_hosted_zone,
    ("budgets", "budget"): _delete_budget,
    ("iam", "role"): _delete_role,
    ("cloudwatch", "alarm"): lambda aws, alarm, say, wait: _delete_alarm(aws, alarm),
    ("lambda", "event-invoke-config"): lambda aws, config, say, wait: _delete_event_invoke_config(
        aws, config),
    **{kind: _without_progress(delete) for kind, delete in event_resources.DELETERS.items()},
}
assert set(DELETERS) == set(ORDER), "every kind the ledger lists needs a deleter"


# -- the notebook panel ---------------------------------------------------------------------------


def _html_table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "<i>Nothing the workbook created was found.</i>"
    head = "".join(f"<th style='text-align:left'>{html.escape(key)}</th>" for key in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(value))}</td>"
                                    for value in row.values()) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class TeardownPanel:
    """The inventory as a table, and a delete button that needs "I understand" ticked first.

    A cell can drive it too: ``panel.refresh()``, ``panel.delete(confirm=True)``. It deletes
    what the table shows, updates its own widgets, and never prints.
    """

    def __init__(self, aws: Any):
        import ipywidgets as w

        self.aws = aws
        self.resources: list[Resource] = []
        self.report: Report | None = None
        self.table = w.HTML()
        self.understand = w.Checkbox(value=False, indent=False,
                                     description="I understand: this deletes them for good")
        self.button = w.Button(button_style="danger", icon="trash", disabled=True,
                               layout=w.Layout(width="auto"))  # fmt: skip
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Deleted")
        self.status = w.HTML()
        self.understand.observe(lambda _: self._update_button(), names="value")
        self.button.on_click(lambda _: self.delete())
        self.refresh_button.on_click(lambda _: self.refresh())
        self.widget = w.VBox([self.table, self.understand,
                              w.HBox([self.button, self.refresh_button]),
                              self.progress, self.status])  # fmt: skip
        self.refresh()

    def refresh(self) -> list[Resource]:
        """List again what the workbook created, and show it."""
        self.resources = inventory(self.aws)
        self.table.value = _html_table(table_rows(self.resources))
        self.button.description = f"Delete all {len(self.resources)} resources"
        self._update_button()
        return self.resources

    def delete(self, confirm: bool = False) -> Report | None:
        """Delete what the table shows; needs the box ticked, or ``confirm=True``."""
        if not (confirm or self.understand.value):
            self._show(['Tick "I understand" first (or call panel.delete(confirm=True)).'])
            return None
        lines: list[str] = []

        def say(message: str) -> None:
            lines.append(message)
            self._show(lines[-12:])

        def progress(done: int, total: int) -> None:
            self.progress.max, self.progress.value = max(total, 1), done

        self.button.disabled = True
        self.progress.value = 0
        try:
            self.report = teardown(self.aws, resources=self.resources, say=say,
                                   on_progress=progress)  # fmt: skip
        finally:  # interrupted or not, ask again before the next deletion
            self.understand.value = False
            self.refresh()
        return self.report

    def _show(self, lines: list[str]) -> None:
        text = html.escape("\n".join(lines))
        self.status.value = f"<pre style='white-space: pre-wrap; margin: 0'>{text}</pre>"

    def _update_button(self) -> None:
        self.button.disabled = not (self.understand.value and self.resources)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
