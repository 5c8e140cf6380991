"""Route 53: a name for the app, as an alias record pointing at the CloudFront distribution.

On AWS this needs a domain you own, with its hosted zone in your account
(``WORKBOOK_DOMAIN=example.com``), and, for CloudFront to answer to that name, an ACM
certificate for it in us-east-1 (``WORKBOOK_CERTIFICATE_ARN``). Without them the Route 53
step is skipped. The local cloud has its own zone, ``workbook.example``, which the workbook
creates and deletes.
"""

from __future__ import annotations

import os
import time
from typing import Any

CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"  # the same for every CloudFront distribution
LOCAL_DOMAIN = "workbook.example"
DOMAIN_VARIABLE = "WORKBOOK_DOMAIN"
CERTIFICATE_VARIABLE = "WORKBOOK_CERTIFICATE_ARN"


def configured_domain(aws: Any) -> str | None:
    """The domain whose zone the workbook may add records to, or None (then skip Route 53)."""
    if aws.is_local:
        return LOCAL_DOMAIN
    return os.environ.get(DOMAIN_VARIABLE) or None


def find_zone(aws: Any, domain: str) -> dict | None:
    route53 = aws.client("route53")
    wanted = domain.rstrip(".") + "."
    for zone in route53.list_hosted_zones_by_name(DNSName=wanted)["HostedZones"]:
        if zone["Name"] == wanted and not zone["Config"].get("PrivateZone"):
            return zone
    return None


def ensure_zone(aws: Any, domain: str) -> str:
    """The hosted zone's id. On AWS it must exist already (yours, for a domain you own: a
    new zone costs $0.50 a month and needs your registrar to delegate to it). Locally the
    workbook creates its own zone, tagged, so teardown removes it."""
    zone = find_zone(aws, domain)
    if zone is not None:
        return zone["Id"].rsplit("/", 1)[-1]
    if not aws.is_local:
        raise LookupError(
            f"No public hosted zone for {domain} in this account. Create it in Route 53 for a "
            f"domain you own (or unset {DOMAIN_VARIABLE} to skip this step)."
        )
    route53 = aws.client("route53")
    created = route53.create_hosted_zone(
        Name=domain, CallerReference=f"workbook-{time.time_ns()}",
        HostedZoneConfig={"Comment": "workbook: local zone for the guestbook", "PrivateZone": False},
    )  # fmt: skip
    zone_id = created["HostedZone"]["Id"].rsplit("/", 1)[-1]
    route53.change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id,
                                     AddTags=[{"Key": k, "Value": v} for k, v in aws.tags.items()])
    return zone_id


def certificate_for(aws: Any, name: str) -> str | None:
    """The ACM certificate (in us-east-1, where CloudFront looks) that covers ``name``.

    On AWS: ``WORKBOOK_CERTIFICATE_ARN``, a certificate you requested and validated (issuing
    needs a DNS record in your zone and minutes of waiting). Locally one is requested for you.
    """
    if not aws.is_local:
        return os.environ.get(CERTIFICATE_VARIABLE) or None
    acm = aws.session.client("acm", region_name="us-east-1", endpoint_url=aws.endpoint_url)
    for summary in acm.list_certificates()["CertificateSummaryList"]:
        if summary["DomainName"] == name:
            return summary["CertificateArn"]
    return acm.request_certificate(
        DomainName=name, ValidationMethod="DNS",
        Tags=[{"Key": k, "Value": v} for k, v in aws.tags.items()],
    )["CertificateArn"]  # fmt: skip


def delete_certificate(aws: Any, certificate_arn: str | None) -> bool:
    """Delete a certificate the workbook requested (locally). Yours, on AWS, is left alone."""
    if not aws.is_local or not certificate_arn:
        return False
    acm = aws.session.client("acm", region_name="us-east-1", endpoint_url=aws.endpoint_url)
    acm.delete_certificate(CertificateArn=certificate_arn)
    return True


def _alias_changes(action: str, record_name: str, distribution_domain: str) -> list[dict]:
    target = {"HostedZoneId": CLOUDFRONT_HOSTED_ZONE_ID, "DNSName": distribution_domain,
              "EvaluateTargetHealth": False}  # fmt: skip
    return [{"Action": action, "ResourceRecordSet": {"Name": record_name, "Type": kind,
                                                     "AliasTarget": target}}
            for kind in ("A", "AAAA")]  # fmt: skip


def ensure_alias(aws: Any, zone_id: str, record_name: str, distribution_domain: str) -> None:
    """A and AAAA alias records ``record_name`` → the distribution (alias queries are free)."""
    aws.client("route53").change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
        "Comment": "workbook: the guestbook's name",
        "Changes": _alias_changes("UPSERT", record_name, distribution_domain),
    })  # fmt: skip


def records(aws: Any, zone_id: str) -> list[dict[str, str]]:
    """The zone's records but its SOA, one row each (alias target or values)."""
    response = aws.client("route53").list_resource_record_sets(HostedZoneId=zone_id)
    rows = []
    for record in response["ResourceRecordSets"]:
        if record["Type"] == "SOA":
            continue
        alias = record.get("AliasTarget")
        value = (f"alias → {alias['DNSName']}" if alias
                 else ", ".join(r["Value"] for r in record.get("ResourceRecords", [])))  # fmt: skip
        rows.append({"name": record["Name"], "type": record["Type"], "value": value})
    return rows


def delete_alias(aws: Any, zone_id: str, record_name: str, distribution_domain: str) -> bool:
    route53 = aws.client("route53")
    try:
        route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
            "Changes": _alias_changes("DELETE", record_name, distribution_domain)})
    except route53.exceptions.InvalidChangeBatch:
        return False  # not there
    return True


def delete_zone(aws: Any, zone_id: str) -> bool:
    """Delete a zone the workbook created (its own records first). Never a learner's zone."""
    route53 = aws.client("route53")
    tags = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
    if {t["Key"] for t in tags["ResourceTagSet"].get("Tags", [])}.isdisjoint(aws.tags):
        return False  # not ours
    for record in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]:
        if record["Type"] not in ("SOA", "NS"):
            route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={
                "Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]})
    route53.delete_hosted_zone(Id=zone_id)
    return True


def local_url(aws: Any, record_name: str) -> str:
    """Where a browser opens the record's name: on the local cloud, ``name.localhost:port``."""
    if aws.is_local:
        return f"http://{record_name.rstrip('.')}.localhost:{aws.endpoint_url.rsplit(':', 1)[-1]}/"
    return f"https://{record_name.rstrip('.')}/"
