"""CloudFront, Route 53 and S3 as the CloudFront plane reads them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def cloudfront_backends() -> Iterator[tuple[str, Any]]:
    """(account, backend) for every CloudFront backend moto has created."""
    from moto.cloudfront.models import cloudfront_backends as backends

    for account, partitions in list(backends.items()):
        for backend in list(partitions.values()):
            yield account, backend


def hosted_zones() -> Iterator[Any]:
    """Every Route 53 hosted zone, in every account."""
    from moto.route53.models import route53_backends

    for partitions in list(route53_backends.values()):
        for backend in list(partitions.values()):
            yield from list(backend.zones.values())


def s3_bucket(name: str) -> tuple[Any, Any]:
    """(backend, bucket) of the S3 bucket called ``name`` in whichever account owns it, or
    (None, None). moto keeps bucket names global, as S3 does, in ``bucket_accounts``."""
    from moto.s3.models import s3_backends

    located = s3_backends.bucket_accounts.get(name)  # (partition, account)
    backend = s3_backends[located[1]][located[0]] if located else None
    return backend, (backend.buckets.get(name) if backend else None)
