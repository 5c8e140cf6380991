"""The data planes the local cloud adds to moto, in the order they are consulted."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import DataPlane, LocalCloud, WSGIApp


def create_all(cloud: LocalCloud, moto_app: WSGIApp) -> list[DataPlane]:
    from .apigateway import ApiGatewayPlane
    from .cloudfront import CloudFrontPlane
    from .lambda_api import LambdaPlane

    return [LambdaPlane(cloud, moto_app), ApiGatewayPlane(cloud, moto_app),
            CloudFrontPlane(cloud, moto_app)]
