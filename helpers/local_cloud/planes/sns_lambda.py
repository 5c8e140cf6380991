"""SNS subscriptions with protocol ``lambda``: each published message runs the function.

moto stores topics and subscriptions and fans a message out to them; for a ``lambda``
subscription it would call the function itself, synchronously, with a fixed sample event. Here
the message (after the subscription's filter policy, and its part of a ``MessageStructure=json``
message) reaches the function asynchronously, the invocation type SNS uses, in AWS's event
shape, and only if the function's resource policy lets ``sns.amazonaws.com`` invoke it for
the topic (otherwise the delivery fails, as on AWS, and the message is dropped).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request

from .. import moto_adapter, moto_patches
from ..server import LocalCloud, WSGIApp
from . import Plane, register
from .event_shapes_rules import sns_event
from .lambda_api import LambdaPlane
from .trigger_common import logger
from .trigger_permissions_rules import function_policy_allows

SNS_PRINCIPAL = "sns.amazonaws.com"


@register(order=43)
class SnsLambdaPlane(Plane):
    def __init__(self, cloud: LocalCloud, moto_app: WSGIApp):
        self.cloud = cloud

    def claims(self, request: Request) -> bool:
        return False  # background-free: moto hands it the messages

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        raise AssertionError("claims nothing")

    def start(self) -> None:
        moto_patches.set_hook("sns_lambda", self.deliver)

    def close(self) -> None:
        moto_patches.remove_hook("sns_lambda", self.deliver)

    def deliver(self, subscription: Any, message: str, message_id: str, subject: str | None,
                message_attributes: dict[str, Any] | None, structure: str | None) -> None:
        subscription_arn, topic_arn, function_arn = moto_adapter.subscription_facts(subscription)
        if not moto_adapter.subscription_accepts(subscription, message, message_attributes):
            return
        message = moto_adapter.message_for_protocol(subscription, message, structure)
        policy = LambdaPlane.function_policy(function_arn)
        if not function_policy_allows(policy, SNS_PRINCIPAL, topic_arn, topic_arn.split(":")[4]):
            logger.warning("SNS may not invoke %s for topic %s: message dropped (add a "
                           "permission for sns.amazonaws.com)", function_arn, topic_arn)
            return
        event = sns_event(subscription_arn=subscription_arn, topic_arn=topic_arn,
                          message_id=message_id, message=message, subject=subject,
                          message_attributes=message_attributes,
                          now=self.cloud.clock.time())  # fmt: skip
        try:
            self.cloud.plane(LambdaPlane).invoke_event(function_arn, json.dumps(event).encode())
        except LookupError:
            logger.warning("SNS subscription %s: no function %s", subscription_arn, function_arn)
