"""CloudFront: one distribution serving the private S3 site, and ``/api/*`` from API Gateway.

What AWS makes slow, these helpers make visible: a distribution takes minutes to deploy
(progress is printed while waiting), and deleting one is a dance: disable, wait until
deployed, fetch a fresh ETag, delete.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from .local_cloud.clock import REAL_CLOCK, Clock

# AWS managed policies, the same ids in every account.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # origin request policy
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]


def _methods(items: list[str]) -> dict[str, Any]:
    cached = {"Quantity": 2, "Items": ["GET", "HEAD"]}
    return {"Quantity": len(items), "Items": items, "CachedMethods": cached}


def ensure_origin_access_control(aws: Any, name: str) -> str:
    """An OAC lets CloudFront sign its requests to S3, so the bucket can stay private."""
    cloudfront = aws.client("cloudfront")
    for item in cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", []):
        if item["Name"] == name:
            return item["Id"]
    created = cloudfront.create_origin_access_control(OriginAccessControlConfig={
        "Name": name, "Description": "workbook: CloudFront reads the private site bucket",
        "SigningProtocol": "sigv4", "SigningBehavior": "always",
        "OriginAccessControlOriginType": "s3",
    })  # fmt: skip
    return created["OriginAccessControl"]["Id"]


def distribution_config(name: str, *, bucket_domain: str, oac_id: str, api_domain: str | None,
                        aliases: tuple[str, ...] = (),
                        certificate_arn: str | None = None) -> dict[str, Any]:
    """The site from S3 by default; ``/api/*`` to API Gateway, never cached, every method,
    every viewer header but Host (API Gateway routes on its own Host name). ``aliases`` are
    other names the distribution answers to; CloudFront requires an ACM certificate
    (us-east-1) covering them."""
    if aliases and not certificate_arn:
        raise ValueError("CloudFront serves aliases only with an ACM certificate (us-east-1) "
                         "covering them: pass certificate_arn.")
    certificate = ({"ACMCertificateArn": certificate_arn, "SSLSupportMethod": "sni-only",
                    "MinimumProtocolVersion": "TLSv1.2_2021"} if aliases
                   else {"CloudFrontDefaultCertificate": True})  # fmt: skip
    origins = [{
        "Id": "site", "DomainName": bucket_domain, "OriginPath": "",
        "OriginAccessControlId": oac_id, "S3OriginConfig": {"OriginAccessIdentity": ""},
    }]  # fmt: skip
    behaviors: list[dict[str, Any]] = []
    if api_domain:
        origins.append({
            "Id": "api", "DomainName": api_domain, "OriginPath": "",
            "CustomOriginConfig": {
                "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only",
                "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
            },
        })  # fmt: skip
        behaviors.append({
            "PathPattern": "/api/*", "TargetOriginId": "api",
            "ViewerProtocolPolicy": "redirect-to-https", "AllowedMethods": _methods(ALL_METHODS),
            "CachePolicyId": CACHING_DISABLED,
            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER, "Compress": True,
        })  # fmt: skip
    return {
        "CallerReference": name, "Comment": name, "Enabled": True,
        "DefaultRootObject": "index.html",
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": {
            "TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": _methods(["GET", "HEAD"]), "CachePolicyId": CACHING_OPTIMIZED,
            "Compress": True,
        },
        "CacheBehaviors": {"Quantity": len(behaviors), "Items": behaviors},
        "PriceClass": "PriceClass_100", "HttpVersion": "http2", "IsIPV6Enabled": True,
        "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
        "ViewerCertificate": certificate,
    }  # fmt: skip


def behaviour_for(config: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront applies to ``path``: the first whose PathPattern matches
    (``*`` any characters, ``?`` one), else the default."""
    import fnmatch

    for behaviour in config.get("CacheBehaviors", {}).get("Items") or []:
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return behaviour
    return {"PathPattern": "(default)", **config["DefaultCacheBehavior"]}


def find_distribution(aws: Any, name: str) -> dict | None:
    """The workbook's distribution whose Comment is ``name`` (distributions have no names)."""
    cloudfront = aws.client("cloudfront")
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for item in page["DistributionList"].get("Items", []):
            if item.get("Comment") == name:
                return item
    return None


def ensure_distribution(aws: Any, name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Create the distribution (tagged), or bring an existing one to ``config``."""
    cloudfront = aws.client("cloudfront")
    existing = find_distribution(aws, name)
    if existing is None:
        tags = {"Items": [{"Key": k, "Value": v} for k, v in aws.tags.items()]}
        created = cloudfront.create_distribution_with_tags(
            DistributionConfigWithTags={"DistributionConfig": config, "Tags": tags}
        )
        return created["Distribution"]
    current = cloudfront.get_distribution_config(Id=existing["Id"])
    wanted = {**current["DistributionConfig"], **config,
              "CallerReference": current["DistributionConfig"]["CallerReference"]}  # fmt: skip
    if wanted != current["DistributionConfig"]:
        cloudfront.update_distribution(Id=existing["Id"], IfMatch=current["ETag"],
                                       DistributionConfig=wanted)  # fmt: skip
    return cloudfront.get_distribution(Id=existing["Id"])["Distribution"]


def distribution_arn(aws: Any, distribution_id: str) -> str:
    return f"arn:aws:cloudfront::{aws.account_id}:distribution/{distribution_id}"


def bucket_policy_for(aws: Any, bucket: str, distribution_id: str) -> dict[str, Any]:
    """Let CloudFront read the bucket's objects, but only on behalf of this distribution."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowCloudFrontServicePrincipalReadOnly", "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
            "Condition": {"StringEquals": {
                "AWS:SourceArn": distribution_arn(aws, distribution_id)}},
        }],
    }  # fmt: skip


def allow_distribution_to_read(aws: Any, bucket: str, distribution_id: str) -> dict[str, Any]:
    policy = bucket_policy_for(aws, bucket, distribution_id)
    aws.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return policy


def wait_deployed(aws: Any, distribution_id: str, *, say: Callable[[str], None] = print,
                  timeout: float = 1800, clock: Clock = REAL_CLOCK) -> None:
    """Wait for ``Deployed``: instant locally, several minutes on AWS (progress every 30 s)."""
    cloudfront = aws.client("cloudfront")
    started = clock.monotonic()
    while True:
        status = cloudfront.get_distribution(Id=distribution_id)["Distribution"]["Status"]
        if status == "Deployed":
            return
        elapsed = clock.monotonic() - started
        if elapsed > timeout:
            raise TimeoutError(f"Distribution {distribution_id} is still {status} after "
                               f"{elapsed:.0f} s; check the CloudFront console.")  # fmt: skip
        say(f"{distribution_id}: {status} after {elapsed:.0f} s (CloudFront takes minutes)...")
        clock.sleep(30)


def invalidate(aws: Any, distribution_id: str, paths: tuple[str, ...] = ("/*",), *,
               say: Callable[[str], None] = print, clock: Clock = REAL_CLOCK) -> str:
    """Ask the edge caches to drop ``paths``; wait until done. Returns the invalidation id."""
    cloudfront = aws.client("cloudfront")
    invalidation = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": len(paths), "Items": list(paths)},
        "CallerReference": f"workbook-{time.time_ns()}",
    })["Invalidation"]  # fmt: skip
    while invalidation["Status"].lower() != "completed":  # moto says COMPLETED, AWS Completed
        say(f"invalidation {invalidation['Id']}: {invalidation['Status']}...")
        clock.sleep(10)
        invalidation = cloudfront.get_invalidation(DistributionId=distribution_id,
                                                   Id=invalidation["Id"])["Invalidation"]
    return invalidation["Id"]


def site_url(aws: Any, domain: str) -> str:
    """Where a browser opens the distribution (``*.localhost`` resolves to this machine)."""
    if aws.is_local:
        return f"http://{domain}.localhost:{aws.endpoint_url.rsplit(':', 1)[-1]}/"
    return f"https://{domain}/"


def request(aws: Any, domain: str, method: str, path: str, **kwargs: Any) -> Any:
    """An HTTP request to the distribution, as a browser would send it."""
    from . import api

    if aws.is_local:  # connect to the local cloud, naming the distribution in Host
        headers = {**(kwargs.pop("headers", None) or {}), "Host": domain}
        return api.request(method, f"{aws.endpoint_url}{path}", headers=headers, **kwargs)
    return api.request(method, f"https://{domain}{path}", **kwargs)


def delete_distribution(aws: Any, distribution_id: str, *,
                        say: Callable[[str], None] = print) -> bool:
    """Disable, wait until deployed, then delete with a fresh ETag (AWS refuses otherwise)."""
    cloudfront = aws.client("cloudfront")
    try:
        current = cloudfront.get_distribution_config(Id=distribution_id)
    except cloudfront.exceptions.NoSuchDistribution:
        return False
    config = current["DistributionConfig"]
    if config["Enabled"]:
        say(f"{distribution_id}: disabling...")
        cloudfront.update_distribution(Id=distribution_id, IfMatch=current["ETag"],
                                       DistributionConfig={**config, "Enabled": False})
    wait_deployed(aws, distribution_id, say=say)
    etag = cloudfront.get_distribution_config(Id=distribution_id)["ETag"]
    cloudfront.delete_distribution(Id=distribution_id, IfMatch=etag)
    return True


def delete_origin_access_control(aws: Any, name: str) -> bool:
    cloudfront = aws.client("cloudfront")
    for item in cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", []):
        if item["Name"] == name:
            etag = cloudfront.get_origin_access_control(Id=item["Id"])["ETag"]
            cloudfront.delete_origin_access_control(Id=item["Id"], IfMatch=etag)
            return True
    return False
