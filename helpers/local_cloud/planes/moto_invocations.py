"""Whatever moto itself would run (a log subscription filter's function, EventBridge's own
notifications...) runs in the local Lambda runtime, never in Docker; and moto's SQS and S3
notification times follow the cloud's clock. Background-free: it claims no request.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from .. import moto_patches
from ..server import LocalCloud, WSGIApp
from . import Plane, register
from .lambda_api import LambdaPlane


@register(order=45)
class MotoInvocationsPlane(Plane):
    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud

    def claims(self, request: Request) -> bool:
        return False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raise AssertionError("claims nothing")

    def start(self) -> None:
        moto_patches.set_hook("invoke", self.invoke)
        moto_patches.set_hook("clock", self.cloud.clock)

    def close(self) -> None:
        moto_patches.remove_hook("invoke", self.invoke)
        moto_patches.remove_hook("clock", self.cloud.clock)

    def invoke(self, function_arn: str, payload: bytes) -> tuple[bytes, str | None]:
        """A synchronous invoke for moto: (response payload, FunctionError or None)."""
        result = self.cloud.plane(LambdaPlane).invoke_for_service(function_arn, payload)
        return result.payload, result.function_error
