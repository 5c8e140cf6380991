"""S3 event notifications to Lambda: checked when configured, delivered asynchronously.

``PutBucketNotificationConfiguration`` is checked here before moto stores it: as on AWS, every
Lambda destination's resource policy must let ``s3.amazonaws.com`` invoke the function for
this bucket, or the call fails with ``InvalidArgument`` ("Unable to validate the following
destination configurations"), unless the request sets ``x-amz-skip-destination-validation``.

moto matches events against the stored configuration (event names, prefix and suffix filters)
and builds the records (patched in ``moto_patches`` to AWS's full shape); the function runs
here, as an Event invocation, the type S3 uses. Not modelled: the checks of SQS and SNS
destinations (S3 sends them a test message on AWS).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

from werkzeug.wrappers import Request

from .. import moto_patches
from ..server import LocalCloud, WSGIApp
from . import Plane, register
from .lambda_api import LambdaPlane
from .trigger_common import ServiceError, forward_to_moto, logger, signed_service
from .trigger_permissions_rules import function_policy_allows

S3_PRINCIPAL = "s3.amazonaws.com"


def lambda_destinations(document: bytes) -> list[tuple[str, str]]:
    """(function ARN, configuration Id or "") of each Lambda destination in the XML body of
    PutBucketNotificationConfiguration (boto3 spells them CloudFunctionConfiguration)."""
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError:
        return []  # moto answers MalformedXML itself
    found = []
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] != "CloudFunctionConfiguration":
            continue
        values = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in element}
        found.append((values.get("CloudFunction", ""), values.get("Id", "")))
    return found


def bucket_of(request: Request) -> str:
    """The bucket a path-style (``/bucket?notification``) or virtual-hosted request names."""
    path_bucket = unquote(request.path.lstrip("/").split("/", 1)[0])
    if path_bucket:
        return path_bucket
    return request.host.split(":", 1)[0].split(".s3", 1)[0]


@register(order=40)
class S3EventsPlane(Plane):
    """Claims ``PUT /{bucket}?notification`` to check it; runs notified functions."""

    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud
        self.moto_app = moto_app

    def claims(self, request: Request) -> bool:
        return (request.method == "PUT" and "notification" in request.args
                and signed_service(request) == "s3")  # fmt: skip

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        skip = request.headers.get("x-amz-skip-destination-validation", "").lower() == "true"
        if not skip:
            try:
                self.check_destinations(bucket_of(request), body)
            except ServiceError as error:
                return error.xml_response()(environ, start_response)
        return forward_to_moto(self.moto_app, environ, start_response, body)

    def check_destinations(self, bucket: str, document: bytes) -> None:
        """Raise ``InvalidArgument`` naming each function S3 may not invoke for `bucket`."""
        refused = {}
        for number, (function_arn, config_id) in enumerate(lambda_destinations(document), 1):
            if not self._may_invoke(function_arn, bucket):
                refused[f"ArgumentName{number}"] = f"{function_arn}, {config_id or 'null'}"
                refused[f"ArgumentValue{number}"] = (
                    f"Not authorized to invoke function [{function_arn}]")
        if refused:
            raise ServiceError(400, "InvalidArgument",
                               "Unable to validate the following destination configurations",
                               **refused)  # fmt: skip

    @staticmethod
    def _may_invoke(function_arn: str, bucket: str) -> bool:
        parts = function_arn.split(":")
        if len(parts) < 7 or parts[2] != "lambda":
            return False
        policy = LambdaPlane.function_policy(function_arn)
        return function_policy_allows(policy, S3_PRINCIPAL, f"arn:aws:s3:::{bucket}", parts[4])

    # -- delivery ------------------------------------------------------------------------------
    def start(self) -> None:
        moto_patches.set_hook("s3_lambda", self.deliver)

    def close(self) -> None:
        moto_patches.remove_hook("s3_lambda", self.deliver)

    def deliver(self, function_arn: str, event: dict[str, Any]) -> None:
        """Invoke the function with one notification, asynchronously (S3's invocation type).
        If its permission was taken away since, S3's invoke fails and the event is lost."""
        bucket = event["Records"][0]["s3"]["bucket"]["name"]
        if not self._may_invoke(function_arn, bucket):
            logger.warning("S3 may no longer invoke %s for bucket %s: event dropped",
                           function_arn, bucket)  # fmt: skip
            return
        try:
            self.cloud.plane(LambdaPlane).invoke_event(function_arn, json.dumps(event).encode())
        except LookupError:
            logger.warning("S3 notification for a deleted function %s dropped", function_arn)
