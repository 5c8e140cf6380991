"""Where moto, serving real concurrent traffic, needs help: thread safety, speed and memory.

Thread safety: moto's DynamoDB backend is not safe under concurrent requests (a transaction
deep-copies the table while another request writes to it: "dictionary changed size during
iteration"). A browser, the smoke test or 200 visitors at once do exactly that, so DynamoDB
calls run one at a time, as if on one partition.

Speed: moto serialises every response by walking botocore's shape model, which for a DynamoDB
``Query`` of 20 items costs ~20 ms (the query itself ~3 ms), most of it in the ten members of
every attribute value. Item operations are serialised here by the same rules (member order, None
left out, blobs in base64) with attribute values converted directly; anything unexpected falls
back to moto's serializer. Same bytes on the wire (the contract test compares them).

Memory and steady speed (a cloud left running for hours must not grow): moto lists every model
object it ever creates in a class-level ``instances_tracked`` (for its ``/moto-api/data.json``
dashboard and S3's reset), so nothing it creates is ever freed; here that list holds weak
references. ``TransactWriteItems`` deep-copied every table it touched, whatever the size, to roll
back on failure; here the copy shares what the transaction cannot change. And a ``Query``
scanned and sorted the whole table; here it reads one page of one partition, as DynamoDB does.
See ``dynamodb_storage.py``.

One module per concern; ``install()`` runs each one's ``install()`` (each is idempotent).
"""

from __future__ import annotations

from . import (
    apigateway,
    deliveries,
    dynamodb,
    lambda_permissions,
    live_instances,
    logs,
    operate,
)
from .deliveries import HOOKS, remove_hook, set_hook
from .live_instances import LiveInstances

__all__ = ["HOOKS", "LiveInstances", "install", "remove_hook", "set_hook"]


def install() -> None:
    """Patch moto for the local cloud (before it creates its backends)."""
    dynamodb.install()
    live_instances.install()
    operate.install()
    logs.install()
    apigateway.install()
    deliveries.install()
    lambda_permissions.install()
