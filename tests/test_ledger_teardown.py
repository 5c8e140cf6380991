"""Inventory and teardown: find exactly what the workbook created, delete all of it in an order
AWS accepts, and leave everything else alone, including look-alikes and a learner's own zone."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from helpers import guardrails, ledger
from helpers.local_cloud.clock import FakeClock
from helpers.teardown import TeardownPanel, _wait_deployed, teardown

HANDLER = "def handler(event, context):\n    print('ledger test')\n    return {'ok': True}\n"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
INLINE = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}
BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LEARNER_ZONE = "ledger-learner.example."
_worlds = itertools.count(1)

# Resources that look like ours but are not: each must survive every teardown.
DECOYS = {
    "roles": ["workbook-ledger-decoy-role", "my-workbook-ledger-role"],
    "functions": ["workbook-ledger-decoy-fn", "workbookish-ledger-fn"],
    "log groups": ["/aws/lambda/workbook-ledger-decoy-fn", "/aws/lambda/workbookish-ledger-fn",
                   "/aws/lambda/my-workbook-ledger"],
    "tables": ["workbook-ledger-decoy-table", "workbookish-ledger-table"],
    "buckets": ["workbook-ledger-decoy-bucket", "my-workbook-ledger-bucket"],
    "http apis": ["workbook-ledger-decoy-http"],
    "rest apis": ["workbookish-ledger-rest"],
    "oacs": ["workbookish-ledger-oac", "my-workbook-ledger-oac"],
    "distributions": ["workbook-ledger-decoy-cdn", "my-workbook-ledger-cdn"],
    "zones": [LEARNER_ZONE],
    "learner records": [f"www.{LEARNER_ZONE} A", f"learner-cdn.{LEARNER_ZONE} A"],
    "budgets": ["my-ledger-budget"],
    "trails": ["workbook-ledger-decoy-trail", "my-workbook-ledger-trail"],
}  # fmt: skip


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def aws(empty_account_aws):  # "exactly these resources" needs an empty account to start from
    return empty_account_aws


# -- building things the workbook way, and look-alikes ------------------------------------------


def make_role(aws: Any, name: str, tags: dict[str, str]) -> str:
    iam = aws.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST),
                          Tags=tag_list(tags))["Role"]["Arn"]  # fmt: skip
    iam.attach_role_policy(RoleName=name, PolicyArn=BASIC_EXECUTION)
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(INLINE))
    return arn


def make_function(aws: Any, name: str, role_arn: str, tags: dict[str, str]) -> None:
    """Create, invoke once through boto3 (so its log group exists), allow API Gateway in."""
    lambda_client = aws.client("lambda")
    lambda_client.create_function(FunctionName=name, Runtime="python3.12", Role=role_arn,
                                  Handler="app.handler", Code={"ZipFile": zip_of({"app.py": HANDLER})},
                                  Tags=tags)  # fmt: skip
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
    assert json.loads(lambda_client.invoke(FunctionName=name)["Payload"].read()) == {"ok": True}
    lambda_client.add_permission(FunctionName=name, StatementId="apigateway",
                                 Action="lambda:InvokeFunction",
                                 Principal="apigateway.amazonaws.com")  # fmt: skip


def make_table(aws: Any, name: str, tags: dict[str, str]) -> None:
    aws.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", Tags=tag_list(tags),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )  # fmt: skip


def make_trail(aws: Any, name: str, bucket: str, tags: dict[str, str]) -> None:
    aws.client("cloudtrail").create_trail(Name=name, S3BucketName=bucket,
                                          TagsList=tag_list(tags))  # fmt: skip


def make_bucket(aws: Any, name: str, tags: dict[str, str], *, versions: bool = False) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=name)
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    if versions:  # several versions of a key, and delete markers: all must go before the bucket
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for body in (b"one", b"two", b"three"):
            s3.put_object(Bucket=name, Key="index.html", Body=body)
        s3.put_object(Bucket=name, Key="app.js", Body=b"js")
        s3.delete_object(Bucket=name, Key="index.html")
        s3.delete_object(Bucket=name, Key="app.js")
    else:
        s3.put_object(Bucket=name, Key="keep.txt", Body=b"the learner's")


def make_oac(aws: Any, name: str) -> str:
    return aws.client("cloudfront").create_origin_access_control(OriginAccessControlConfig={
        "Name": name, "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]  # fmt: skip


def make_distribution(aws: Any, comment: str, bucket: str, oac_id: str,
                      tags: dict[str, str]) -> str:
    """A distribution with an S3 origin; returns its domain name."""
    config = {
        "CallerReference": comment, "Comment": comment, "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "site", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
            "OriginAccessControlId": oac_id, "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    }  # fmt: skip
    cloudfront = aws.client("cloudfront")
    if tags:
        created = cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
            "DistributionConfig": config, "Tags": {"Items": tag_list(tags)}})
    else:
        created = cloudfront.create_distribution(DistributionConfig=config)
    return created["Distribution"]["DomainName"]


def make_zone(aws: Any, name: str, tags: dict[str, str]) -> str:
    route53 = aws.client("route53")
    zone = route53.create_hosted_zone(Name=name, CallerReference=f"workbook-{name}")
    zone_id = zone["HostedZone"]["Id"].rsplit("/", 1)[-1]
    if tags:
        route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id,
                                         AddTags=tag_list(tags))  # fmt: skip
    return zone_id


def add_record(aws: Any, zone_id: str, name: str, *, alias_to: str = "", value: str = "",
               kind: str = "A") -> None:
    record: dict[str, Any] = {"Name": name, "Type": kind}
    if alias_to:
        record["AliasTarget"] = {"HostedZoneId": ledger.CLOUDFRONT_HOSTED_ZONE_ID,
                                 "DNSName": alias_to, "EvaluateTargetHealth": False}
    else:
        record.update(TTL=60, ResourceRecords=[{"Value": value}])
    aws.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]})


def find_zone_id(aws: Any, name: str) -> str:
    for zone in aws.client("route53").list_hosted_zones()["HostedZones"]:
        if zone["Name"] == name:
            return zone["Id"].rsplit("/", 1)[-1]
    raise LookupError(name)


@pytest.fixture(scope="module")
def decoys(aws):
    tagged = aws.tags
    role = make_role(aws, "workbook-ledger-decoy-role", {})
    make_role(aws, "my-workbook-ledger-role", tagged)
    make_function(aws, "workbook-ledger-decoy-fn", role, {})
    make_function(aws, "workbookish-ledger-fn", role, tagged)
    aws.client("logs").create_log_group(logGroupName="/aws/lambda/my-workbook-ledger")
    make_table(aws, "workbook-ledger-decoy-table", {})
    make_table(aws, "workbookish-ledger-table", tagged)
    make_bucket(aws, "workbook-ledger-decoy-bucket", {})
    make_bucket(aws, "my-workbook-ledger-bucket", tagged)
    make_trail(aws, "workbook-ledger-decoy-trail", "workbook-ledger-decoy-bucket", {})
    make_trail(aws, "my-workbook-ledger-trail", "my-workbook-ledger-bucket", tagged)
    aws.client("apigatewayv2").create_api(Name="workbook-ledger-decoy-http", ProtocolType="HTTP")
    aws.client("apigateway").create_rest_api(name="workbookish-ledger-rest", tags=tagged)
    decoy_oac = make_oac(aws, "workbookish-ledger-oac")
    make_oac(aws, "my-workbook-ledger-oac")
    decoy_domain = make_distribution(aws, "workbook-ledger-decoy-cdn",
                                     "workbook-ledger-decoy-bucket", decoy_oac, {})
    make_distribution(aws, "my-workbook-ledger-cdn", "my-workbook-ledger-bucket", decoy_oac, tagged)
    learner_zone = make_zone(aws, LEARNER_ZONE, {})
    add_record(aws, learner_zone, f"www.{LEARNER_ZONE}", value="192.0.2.1")
    add_record(aws, learner_zone, f"learner-cdn.{LEARNER_ZONE}", alias_to=decoy_domain)
    aws.client("budgets").create_budget(AccountId=aws.account_id, Budget={
        "BudgetName": "my-ledger-budget", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "5", "Unit": "USD"}})  # fmt: skip
    return DECOYS


def surviving(aws: Any) -> dict[str, list[str]]:
    """Which decoys still exist, listed the way DECOYS is."""
    cloudfront, route53 = aws.client("cloudfront"), aws.client("route53")
    zone_id = find_zone_id(aws, LEARNER_ZONE)
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    found = {
        "roles": [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]],
        "functions": [f["FunctionName"] for f in aws.client("lambda").list_functions()["Functions"]],
        "log groups": [g["logGroupName"] for g in aws.client("logs").describe_log_groups()["logGroups"]],
        "tables": aws.client("dynamodb").list_tables()["TableNames"],
        "buckets": [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]],
        "http apis": [a["Name"] for a in aws.client("apigatewayv2").get_apis()["Items"]],
        "rest apis": [a["name"] for a in aws.client("apigateway").get_rest_apis()["items"]],
        "oacs": [o["Name"] for o in cloudfront.list_origin_access_controls()
                 ["OriginAccessControlList"].get("Items", [])],
        "distributions": [d["Comment"] for d in cloudfront.list_distributions()
                          ["DistributionList"].get("Items", [])],
        "zones": [z["Name"] for z in route53.list_hosted_zones()["HostedZones"]],
        "learner records": [f"{r['Name']} {r['Type']}" for r in records],
        "budgets": [b["BudgetName"] for b in aws.client("budgets").describe_budgets(
            AccountId=aws.account_id)["Budgets"]],
        "trails": [t["Name"] for t in aws.client("cloudtrail").list_trails()["Trails"]],
    }  # fmt: skip
    return {kind: [name for name in names if name in found[kind]] for kind, names in DECOYS.items()}


@pytest.fixture
def world(aws, decoys) -> Iterator[set[tuple[str, str, str]]]:
    """One of every kind the workbook creates, the workbook way; returns what inventory must say."""
    suffix = f"ledger{next(_worlds)}"
    name = aws.name_for(suffix)
    role = make_role(aws, f"{name}-role", aws.tags)
    make_function(aws, f"{name}-fn", role, aws.tags)
    make_table(aws, f"{name}-table", aws.tags)
    bucket = f"{name}-{aws.account_id}-{aws.region}"
    make_bucket(aws, bucket, aws.tags, versions=True)
    make_trail(aws, f"{name}-trail", bucket, aws.tags)
    aws.client("apigatewayv2").create_api(Name=f"{name}-http", ProtocolType="HTTP", Tags=aws.tags)
    aws.client("apigateway").create_rest_api(name=f"{name}-rest", tags=aws.tags)
    domain = make_distribution(aws, f"{name}-cdn", bucket, make_oac(aws, f"{name}-oac"), aws.tags)
    zone = f"{suffix}.workbook.example."
    zone_id = make_zone(aws, zone, aws.tags)
    add_record(aws, zone_id, f"app.{zone}", alias_to=domain)
    add_record(aws, zone_id, f"note.{zone}", value='"made by the workbook"', kind="TXT")
    add_record(aws, find_zone_id(aws, LEARNER_ZONE), f"{suffix}.{LEARNER_ZONE}", alias_to=domain)
    guardrails.budget_alert(aws, 10, "learner@example.com")
    yield {
        ("iam", "role", f"{name}-role"), ("lambda", "function", f"{name}-fn"),
        ("logs", "log-group", f"/aws/lambda/{name}-fn"), ("dynamodb", "table", f"{name}-table"),
        ("s3", "bucket", bucket), ("apigatewayv2", "api", f"{name}-http"),
        ("apigateway", "rest-api", f"{name}-rest"), ("cloudfront", "distribution", f"{name}-cdn"),
        ("cloudfront", "origin-access-control", f"{name}-oac"), ("route53", "hosted-zone", zone),
        ("route53", "record", f"app.{zone} A"), ("route53", "record", f"{suffix}.{LEARNER_ZONE} A"),
        ("budgets", "budget", "workbook-monthly"), ("cloudtrail", "trail", f"{name}-trail"),
    }  # fmt: skip
    teardown(aws, say=lambda message: None)  # whatever a test left, so the next starts clean


def names(resources: list[ledger.Resource]) -> set[tuple[str, str, str]]:
    return {(r.service, r.kind, r.name) for r in resources}


def first(kinds: list[tuple[str, str]], kind: tuple[str, str]) -> int:
    return kinds.index(kind)


def last(kinds: list[tuple[str, str]], kind: tuple[str, str]) -> int:
    return len(kinds) - 1 - kinds[::-1].index(kind)


# -- tests ---------------------------------------------------------------------------------------


def test_inventory_finds_exactly_the_workbooks_resources(aws, world):
    found = ledger.inventory(aws)
    assert names(found) == world
    how = {(r.service, r.kind): r.recognised_by for r in found}
    assert how[("route53", "record")] == "alias-target" and how[("logs", "log-group")] == "prefix"
    assert how[("lambda", "function")] == how[("iam", "role")] == "tag"
    rows = ledger.table_rows(found)
    assert len(rows) == len(world) and rows[0]["what"] == "Route 53 record"


def test_teardown_deletes_everything_in_a_safe_order_and_spares_the_rest(aws, world):
    said: list[str] = []
    report = teardown(aws, say=said.append)
    assert report.ok and not report.failed and names(report.deleted) == world
    assert ledger.inventory(aws) == []
    assert surviving(aws) == DECOYS
    kinds = [(r.service, r.kind) for r in report.deleted]
    assert last(kinds, ("route53", "record")) < first(kinds, ("cloudfront", "distribution"))
    assert last(kinds, ("cloudfront", "distribution")) < first(
        kinds, ("cloudfront", "origin-access-control"))
    assert last(kinds, ("lambda", "function")) < first(kinds, ("logs", "log-group"))
    assert last(kinds, ("cloudtrail", "trail")) < first(kinds, ("s3", "bucket"))
    assert kinds[-1] == ("iam", "role") and kinds.count(("iam", "role")) == 1
    assert any("disabling" in line for line in said)
    assert any("emptied (6 object versions and delete markers)" in line for line in said)
    assert said[-1].endswith("nothing the workbook created is left.")


def test_a_second_teardown_deletes_nothing_and_reports_ok(aws, world):
    teardown(aws, say=lambda message: None)
    said: list[str] = []
    again = teardown(aws, say=said.append)
    assert again.ok and again.deleted == [] and again.failed == []
    assert said == [f"Nothing the workbook created was found (account {aws.account_id}, "
                    f"{aws.region})."]  # fmt: skip


def test_an_interrupted_teardown_finishes_when_run_again(aws, world):
    said: list[str] = []

    def stop_once_the_bucket_is_emptied(message: str) -> None:
        said.append(message)
        if "emptied" in message:  # the kernel stops between emptying and deleting the bucket
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        teardown(aws, say=stop_once_the_bucket_is_emptied)
    left = names(ledger.inventory(aws))
    assert ("s3", "bucket") in {kind[:2] for kind in left} and left < world
    assert not any(kind[:2] == ("cloudfront", "distribution") for kind in left)
    report = teardown(aws, say=lambda message: None)
    assert report.ok and names(report.deleted) == left
    assert surviving(aws) == DECOYS


def test_a_given_list_stale_or_not_is_deleted_and_gone_ones_count_as_done(aws, world):
    planned = ledger.inventory(aws)
    function = next(r for r in planned if r.kind == "function")
    aws.client("lambda").delete_function(FunctionName=function.name)  # the learner was faster
    orphan_group = ("logs", "log-group", f"/aws/lambda/{function.name}")
    assert orphan_group in names(ledger.inventory(aws))  # log groups outlive their function
    report = teardown(aws, resources=planned, say=lambda message: None)
    assert report.ok and names(report.already_gone) == {("lambda", "function", function.name)}
    assert names(report.deleted) == world - names(report.already_gone)


def test_the_panel_deletes_only_after_confirmation(aws, world):
    panel = TeardownPanel(aws)
    assert panel.button.description == f"Delete all {len(world)} resources"
    assert panel.button.disabled and "workbook-ledger" in panel.table.value
    assert panel.delete() is None and names(ledger.inventory(aws)) == world
    assert "I understand" in panel.status.value
    panel.understand.value = True
    assert not panel.button.disabled
    panel.button.click()
    assert panel.report is not None and panel.report.ok
    assert panel.progress.value == panel.progress.max == len(world)
    assert panel.resources == [] and "Nothing the workbook created" in panel.table.value
    assert panel.button.disabled and not panel.understand.value
    assert surviving(aws) == DECOYS


def test_waiting_for_cloudfront_says_something_at_every_poll():
    statuses = iter(["InProgress", "InProgress", "Deployed"])

    class FakeCloudFront:
        def get_distribution(self, Id: str) -> dict:
            return {"Distribution": {"Status": next(statuses)}}

    class LocalTarget:
        is_local = True

    said: list[str] = []
    clock = FakeClock()
    distribution = ledger.Resource("cloudfront", "distribution", "workbook-site", "E123", "", "tag")
    _wait_deployed(LocalTarget(), FakeCloudFront(), distribution, said.append, True, clock)
    assert len(said) == 2 and all("InProgress after" in line for line in said)
    assert "CloudFront takes several minutes" in said[0]
    assert clock.slept == [0.05, 0.05]  # the local cloud is polled briefly, not every 15 s


def test_budget_alert_creates_then_updates_one_budget_with_two_alerts(aws):
    created = guardrails.budget_alert(aws, 10, "me@example.com")
    updated = guardrails.budget_alert(aws, 25, "you@example.com")
    assert (created["action"], updated["action"]) == ("created", "updated")
    budgets = aws.client("budgets")
    budget = budgets.describe_budget(AccountId=aws.account_id, BudgetName="workbook-monthly")
    assert float(budget["Budget"]["BudgetLimit"]["Amount"]) == 25
    alerts = budgets.describe_notifications_for_budget(
        AccountId=aws.account_id, BudgetName="workbook-monthly")["Notifications"]
    assert sorted((a["NotificationType"], a["Threshold"]) for a in alerts) == [
        ("ACTUAL", 80.0), ("FORECASTED", 100.0)]
    with pytest.raises(ValueError, match="not an email address"):
        guardrails.budget_alert(aws, 10, "me")
    assert teardown(aws, say=lambda message: None).ok


def test_cost_warning_says_the_local_cloud_is_free_and_names_the_aws_bill(aws, capsys):
    entry = guardrails.cost_warning(aws, "10_the_whole_app")
    assert "local cloud: free" in capsys.readouterr().out
    assert entry["notebook"] == "10" and any("hosted zone" in item for item in entry["billable"])
    assert set(guardrails.NOTEBOOK_COSTS) == {f"{n:02d}" for n in range(5, 14)}
    with pytest.raises(ValueError, match="05 to 13"):
        guardrails.cost_warning(aws, "03")
