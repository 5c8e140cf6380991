"""Small helpers the adapter's modules share (ARNs, JSON documents, backend walks)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

EMPTY_POLICY = '{"Version": "2012-10-17", "Statement": []}'


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5]


def _json(document: Any) -> dict[str, Any]:
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _backends(backend_dict: Any) -> Iterator[tuple[str, str, Any]]:
    """(account, region, backend) of every backend moto has created so far."""
    for account, regions in list(backend_dict.items()):
        for region, backend in list(regions.items()):
            yield account, region, backend
