"""API Gateway: the REST and HTTP APIs moto stores, for the API Gateway plane."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def api_gateway_backends() -> Iterator[tuple[str, str, str, Any]]:
    """("http" or "rest", account, region, backend) for every API Gateway backend moto has
    created (none is created here)."""
    from moto.apigateway.models import apigateway_backends
    from moto.apigatewayv2.models import apigatewayv2_backends

    for kind, backends in (("http", apigatewayv2_backends), ("rest", apigateway_backends)):
        for account, regional in list(backends.items()):
            for region, backend in list(regional.items()):
                yield kind, account, region, backend
