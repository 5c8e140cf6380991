"""The guestbook as a whole: its backend in one call, and (notebook 10) the whole app.

Each notebook stands alone, so notebooks 07-10 start from ``ensure_backend``: the table, the
function's role and the function itself, exactly as notebook 06 built them step by step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from . import api, cdn, dns, functions, iam, logs, packaging, site, tables
from .display import example_path


@dataclass
class Backend:
    table: str
    role: str
    function: str
    function_arn: str


def ensure_backend(aws: Any, *, say: Any = print) -> Backend:
    """DynamoDB table, least-privilege role, and the guestbook function. Idempotent."""
    table_name, function_name = aws.name_for("guestbook"), aws.name_for("guestbook")
    role_name = aws.name_for("guestbook-role")
    tables.ensure_table(aws, table_name)
    role_arn = iam.ensure_execution_role(aws, role_name)
    iam.put_inline_policy(aws, role_name, "guestbook-table",
                          tables.guestbook_policy(aws, table_name))  # fmt: skip
    iam.put_inline_policy(aws, role_name, "write-own-logs",
                          iam.logging_policy(aws, function_name))  # fmt: skip
    configuration = functions.deploy_function(
        aws, function_name, packaging.build_zip(example_path("guestbook")), role_arn=role_arn,
        handler="app.handler", environment={"TABLE_NAME": table_name}, timeout=10,
        memory_size=256, say=say,
    )  # fmt: skip
    return Backend(table_name, role_name, function_name, configuration["FunctionArn"])


def delete_backend(aws: Any, backend: Backend) -> dict[str, bool]:
    """The function, its log group, the table and the role, in that order."""
    return {
        "function": functions.delete_function(aws, backend.function),
        "log group": logs.delete_log_group(aws, logs.log_group_name(backend.function)),
        "table": tables.delete_table(aws, backend.table),
        "role": iam.delete_role(aws, backend.role),
    }


@dataclass
class App:
    """Everything the assembled guestbook is made of, and where to open it."""

    backend: Backend
    api_id: str
    bucket: str
    oac_id: str
    distribution_id: str
    domain: str  # dXXXX.cloudfront.net
    record: str | None = None  # the Route 53 name, when one is configured
    zone_id: str | None = None
    certificate: str | None = None

    @property
    def host(self) -> str:
        return self.record or self.domain

    def url(self, aws: Any) -> str:
        return dns.local_url(aws, self.record) if self.record else cdn.site_url(aws, self.domain)


def assemble(aws: Any, *, say: Any = print) -> App:
    """Route 53 → CloudFront → S3 site, and /api/* → API Gateway → Lambda → DynamoDB."""
    say("1/5 backend: table, role, function")
    backend = ensure_backend(aws, say=say)
    say("2/5 HTTP API, and its permission to invoke the function")
    api_id = api.ensure_http_api(aws, aws.name_for("guestbook-api"), backend.function_arn,
                                 routes=("ANY /api/{proxy+}",))  # fmt: skip
    api.allow_invoke(aws, backend.function, api_id)
    say("3/5 private bucket with the site")
    bucket = site.ensure_private_bucket(aws, site.bucket_name(aws, "site"))
    site.upload_site(aws, bucket, example_path("guestbook", "site"))
    say("4/5 CloudFront distribution with Origin Access Control")
    oac_id = cdn.ensure_origin_access_control(aws, aws.name_for("site-oac"))
    domain_name = dns.configured_domain(aws)
    record = f"guestbook.{domain_name}" if domain_name else None
    certificate = dns.certificate_for(aws, record) if record else None
    if certificate is None:
        record = None
    config = cdn.distribution_config(
        aws.name_for("guestbook-cdn"), bucket_domain=site.origin_domain(aws, bucket),
        oac_id=oac_id, api_domain=f"{api_id}.execute-api.{aws.region}.amazonaws.com",
        aliases=(record,) if record else (), certificate_arn=certificate,
    )  # fmt: skip
    distribution = cdn.ensure_distribution(aws, aws.name_for("guestbook-cdn"), config)
    cdn.allow_distribution_to_read(aws, bucket, distribution["Id"])
    cdn.wait_deployed(aws, distribution["Id"], say=say)
    app = App(backend, api_id, bucket, oac_id, distribution["Id"], distribution["DomainName"])
    if record:
        say("5/5 Route 53 alias record")
        app.zone_id = dns.ensure_zone(aws, domain_name)
        dns.ensure_alias(aws, app.zone_id, record, app.domain)
        app.record, app.certificate = record, certificate
    else:
        say("5/5 Route 53 skipped: no domain configured")
    return app


def smoke_test(aws: Any, app: App) -> list[dict[str, Any]]:
    """Use the app as a visitor would, through CloudFront; one row per check."""
    checks: list[dict[str, Any]] = []

    def check(name: str, response: Any, status: int, extra: bool = True) -> Any:
        checks.append({"check": name, "status": response.status,
                       "ok": response.status == status and extra})  # fmt: skip
        return response

    page = check("GET / serves the page", cdn.request(aws, app.host, "GET", "/"), 200)
    check("it is HTML", page, 200, page.headers.get("content-type", "").startswith("text/html"))
    check("GET /app.js", cdn.request(aws, app.host, "GET", "/app.js"), 200)
    created = check("POST /api/messages creates", cdn.request(
        aws, app.host, "POST", "/api/messages",
        json_body={"name": "Smoke test", "text": "Checking the whole path"}), 201)
    message = created.json or {}
    listed = cdn.request(aws, app.host, "GET", "/api/messages?limit=50")
    ids = [m["id"] for m in (listed.json or {}).get("messages", [])]
    check("GET /api/messages lists it", listed, 200, message.get("id") in ids)
    check("bad input is a 400", cdn.request(aws, app.host, "POST", "/api/messages",
                                            json_body={"name": ""}), 400)  # fmt: skip
    deleted = cdn.request(aws, app.host, "DELETE", f"/api/messages/{message.get('id')}",
                          headers={"X-Delete-Token": message.get("delete_token", "")})
    check("DELETE with its token", deleted, 204)
    return checks


def describe(aws: Any, app: App) -> list[dict[str, str]]:
    """One row per piece of the app, each read back from its own service (what is deployed,
    not what ``app`` remembers), in the order a request meets them."""
    rows = []

    def row(piece: str, name: str, facts: str) -> None:
        rows.append({"piece": piece, "name": name, "read from the cloud": facts})

    if app.record and app.zone_id:
        for record in dns.records(aws, app.zone_id):
            if record["name"].rstrip(".") == app.record and record["type"] == "A":
                row("Route 53 record", app.record, f"A {record['value']}")
    cloudfront = aws.client("cloudfront")
    distribution = cloudfront.get_distribution(Id=app.distribution_id)["Distribution"]
    config = distribution["DistributionConfig"]
    origins = config["Origins"]["Items"]
    paths = [b["PathPattern"] for b in config.get("CacheBehaviors", {}).get("Items") or []]
    row("CloudFront distribution", config["Comment"],
        f"{distribution['Status']} at {distribution['DomainName']}; origins "
        f"{', '.join(o['Id'] for o in origins)}; behaviours {', '.join([*paths, '(default)'])}")
    for origin in origins:
        if origin.get("OriginAccessControlId"):
            oac = cloudfront.get_origin_access_control(Id=origin["OriginAccessControlId"])
            oac_config = oac["OriginAccessControl"]["OriginAccessControlConfig"]
            row("Origin Access Control", oac_config["Name"],
                f"for the {origin['Id']} origin; signs {oac_config['SigningBehavior']}")
    s3 = aws.client("s3")
    blocked = all(site.public_access_block(aws, app.bucket).values())
    objects = s3.list_objects_v2(Bucket=app.bucket).get("KeyCount", 0)
    policy = json.loads(s3.get_bucket_policy(Bucket=app.bucket)["Policy"])
    readers = sorted({s["Principal"]["Service"] for s in policy["Statement"]
                      if isinstance(s.get("Principal"), dict) and "Service" in s["Principal"]})
    row("S3 bucket", app.bucket, f"Block Public Access {'all on' if blocked else 'OFF'}; "
                                 f"{objects} objects; readable by {', '.join(readers)}")
    apigw = aws.client("apigatewayv2")
    routes = sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=app.api_id)["Items"])
    stages = [f"{s['StageName']}{' (auto-deploy)' if s.get('AutoDeploy') else ''}"
              for s in apigw.get_stages(ApiId=app.api_id)["Items"]]
    row("HTTP API", apigw.get_api(ApiId=app.api_id)["Name"],
        f"routes {', '.join(routes)}; stage {', '.join(stages)}")
    function = aws.client("lambda").get_function_configuration(FunctionName=app.backend.function)
    row("Lambda function", app.backend.function,
        f"{function['State']}, {function['Runtime']}, {function['MemorySize']} MB, "
        f"{function['Timeout']} s")
    inline = aws.client("iam").list_role_policies(RoleName=app.backend.role)["PolicyNames"]
    row("IAM role", app.backend.role, f"inline policies: {', '.join(sorted(inline))}")
    table = aws.client("dynamodb").describe_table(TableName=app.backend.table)["Table"]
    keys = " + ".join(k["AttributeName"] for k in table["KeySchema"])
    row("DynamoDB table", app.backend.table,
        f"{table['TableStatus']}, {table['BillingModeSummary']['BillingMode']}, key {keys}")
    return rows


Result = TypeVar("Result")


def until(aws: Any, attempt: Callable[[], Result], done: Callable[[Result], bool], *,
          seconds: float = 90, pause: float = 3) -> Result:
    """Call ``attempt`` until ``done(result)``, for up to ``seconds``: on AWS an IAM or
    permission change takes seconds to reach every server. The local cloud applies changes
    at once, so there one call is the answer."""
    deadline = time.monotonic() + (0 if aws.is_local else seconds)
    while True:
        result = attempt()
        if done(result) or time.monotonic() >= deadline:
            return result
        time.sleep(pause)


def disassemble(aws: Any, app: App, *, say: Any = print) -> None:
    """Delete in the order AWS needs: name, distribution, OAC, bucket, API, backend."""
    if app.record and app.zone_id:
        dns.delete_alias(aws, app.zone_id, app.record, app.domain)
        dns.delete_zone(aws, app.zone_id)
    cdn.delete_distribution(aws, app.distribution_id, say=say)
    dns.delete_certificate(aws, app.certificate)
    cdn.delete_origin_access_control(aws, aws.name_for("site-oac"))
    site.delete_bucket(aws, app.bucket)
    api.delete_http_api(aws, aws.name_for("guestbook-api"))
    delete_backend(aws, app.backend)
