"""DynamoDB tables: the guestbook's single table, created and described the same way on both
targets, plus the least-privilege policy its function needs."""

from __future__ import annotations

import json
from string import Template
from typing import Any

from .display import example_path

KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
ATTRIBUTES = [{"AttributeName": "pk", "AttributeType": "S"},
              {"AttributeName": "sk", "AttributeType": "S"}]  # fmt: skip


def ensure_table(aws: Any, name: str, *, ttl_attribute: str | None = "expires_at") -> dict:
    """Create the table on demand (pay per request), wait until ACTIVE, enable TTL. Idempotent."""
    dynamodb = aws.client("dynamodb")
    try:
        dynamodb.create_table(
            TableName=name, KeySchema=KEY_SCHEMA, AttributeDefinitions=ATTRIBUTES,
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": key, "Value": value} for key, value in aws.tags.items()],
        )  # fmt: skip
    except dynamodb.exceptions.ResourceInUseException:
        pass  # it exists already: this cell ran before
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    if ttl_attribute:
        ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )
    return dynamodb.describe_table(TableName=name)["Table"]


def delete_table(aws: Any, name: str) -> bool:
    dynamodb = aws.client("dynamodb")
    try:
        dynamodb.delete_table(TableName=name)
    except dynamodb.exceptions.ResourceNotFoundException:
        return False
    dynamodb.get_waiter("table_not_exists").wait(TableName=name)
    return True


def table_arn(aws: Any, name: str) -> str:
    return f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{name}"


def guestbook_policy(aws: Any, table_name: str) -> dict[str, Any]:
    """The guestbook's policy.json with its placeholders filled in for this account and table."""
    text = example_path("guestbook", "policy.json").read_text()
    filled = Template(text).substitute(Region=aws.region, Account=aws.account_id,
                                       TableName=table_name)  # fmt: skip
    return json.loads(filled)
