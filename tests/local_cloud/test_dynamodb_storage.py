"""DynamoDB in the local cloud answers exactly as moto's own code does, at a cost that follows the
request (one page, the items a transaction names) instead of the table's size."""

import copy
import random
import uuid

import pytest
from botocore.exceptions import ClientError

from helpers.local_cloud.moto_patches.dynamodb_storage import SortedPartition


def create_table(dynamodb, range_type="S", *, range_key=True):
    name = f"storage-{uuid.uuid4().hex[:8]}"
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": range_type})
    dynamodb.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=attributes,
                          BillingMode="PAY_PER_REQUEST")  # fmt: skip
    return name


def moto_table(name):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends["123456789012"]["us-east-1"].tables[name]


def as_moto_left_it(name):
    """Turn the table's partitions back into plain dicts: its Query then takes moto's own path."""
    table = moto_table(name)
    for hash_key, partition in list(table.items.items()):
        table.items[hash_key] = dict(partition)


def every_page(dynamodb, **query):
    pages, start = [], None
    while True:
        response = dynamodb.query(**query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append({key: response.get(key) for key in ("Items", "Count", "ScannedCount",
                                                         "LastEvaluatedKey")})
        start = response.get("LastEvaluatedKey")
        if not start or len(pages) > 200:
            return pages


QUERIES = [
    {},
    {"ScanIndexForward": False},
    {"Limit": 1},
    {"Limit": 7, "ScanIndexForward": False},
    {"Limit": 21},
    {"Limit": 5, "FilterExpression": "size(body) > :n",
     "ExpressionAttributeValues": {":n": {"N": "3"}}},
    {"Limit": 4, "ProjectionExpression": "sk, body"},
]


@pytest.mark.parametrize("range_type", ["S", "N"])
def test_query_pages_are_the_ones_moto_would_give(dynamodb, range_type):
    name = create_table(dynamodb, range_type)
    chooser = random.Random(7)
    keys = [str(n) for n in range(-30, 60)] if range_type == "N" else [
        f"{chooser.choice('abcxyz')}{n:03d}" for n in range(90)]
    chooser.shuffle(keys)
    for number, key in enumerate(keys):
        for partition in ("A", "B"):
            dynamodb.put_item(TableName=name, Item={
                "pk": {"S": partition}, "sk": {range_type: key},
                "body": {"S": "x" * (number % 9)}})
    for key in keys[:10]:  # deletes and overwrites keep the order right
        dynamodb.delete_item(TableName=name, Key={"pk": {"S": "A"}, "sk": {range_type: key}})
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "A"}, "sk": {range_type: keys[20]},
                                            "body": {"S": "replaced"}})  # fmt: skip
    conditions = [("pk = :pk", {})]
    if range_type == "S":
        conditions.append(("pk = :pk AND begins_with(sk, :p)", {":p": {"S": "x"}}))
    else:
        conditions.append(("pk = :pk AND sk BETWEEN :a AND :b",
                           {":a": {"N": "-5"}, ":b": {"N": "12"}}))
    requests = []
    for condition, values in conditions:
        for extra in QUERIES:
            merged = {":pk": {"S": "A"}, **values, **extra.get("ExpressionAttributeValues", {})}
            requests.append({**extra, "TableName": name, "KeyConditionExpression": condition,
                             "ExpressionAttributeValues": merged})
    ours = [every_page(dynamodb, **request) for request in requests]
    as_moto_left_it(name)
    assert ours == [every_page(dynamodb, **request) for request in requests]


def test_a_query_of_a_missing_partition_is_empty(dynamodb):
    name = create_table(dynamodb)
    response = dynamodb.query(TableName=name, KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": {"S": "nobody"}})  # fmt: skip
    assert (response["Items"], response["Count"]) == ([], 0)


def scan(dynamodb, name):
    return sorted(dynamodb.scan(TableName=name)["Items"], key=repr)


@pytest.mark.parametrize("range_key", [True, False])
def test_a_cancelled_transaction_leaves_the_table_as_it_was(dynamodb, range_key):
    name = create_table(dynamodb, range_key=range_key)

    def key(n):
        return {"pk": {"S": f"p{n}"}, **({"sk": {"S": "s"}} if range_key else {})}

    for n in range(5):
        dynamodb.put_item(TableName=name, Item={**key(n), "count": {"N": str(n)}})
    before = scan(dynamodb, name)
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": name, "Key": key(0), "UpdateExpression": "SET #c = :c",
                        "ExpressionAttributeNames": {"#c": "count"},
                        "ExpressionAttributeValues": {":c": {"N": "100"}}}},
            {"Put": {"TableName": name, "Item": {**key(9), "count": {"N": "9"}}}},
            {"Delete": {"TableName": name, "Key": key(1)}},
            {"ConditionCheck": {"TableName": name, "Key": key(2),
                                "ConditionExpression": "attribute_not_exists(pk)"}},
        ])  # fmt: skip
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert scan(dynamodb, name) == before
    pages = dynamodb.query(TableName=name, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": {"S": "p0"}})["Items"]
    assert [item["count"] for item in pages] == [{"N": "0"}]


def test_a_committed_transaction_is_visible_in_order(dynamodb):
    name = create_table(dynamodb)
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "m"}, "sk": {"S": sk}}}}
        for sk in ("b", "c", "a")])  # fmt: skip
    items = dynamodb.query(TableName=name, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": {"S": "m"}})["Items"]
    assert [item["sk"]["S"] for item in items] == ["a", "b", "c"]


def test_a_backup_restores_a_queryable_copy(dynamodb):
    name = create_table(dynamodb)
    for sk in ("b", "a"):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": "m"}, "sk": {"S": sk}})
    arn = dynamodb.create_backup(TableName=name, BackupName="before-c")["BackupDetails"]["BackupArn"]
    dynamodb.put_item(TableName=name, Item={"pk": {"S": "m"}, "sk": {"S": "c"}})
    dynamodb.restore_table_from_backup(TargetTableName=name + "-r", BackupArn=arn)
    items = dynamodb.query(TableName=name + "-r", KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": {"S": "m"}})["Items"]
    assert [item["sk"]["S"] for item in items] == ["a", "b"]


def test_a_sorted_partition_survives_copies():
    from moto.dynamodb.models.dynamo_type import DynamoType

    partition = SortedPartition({DynamoType({"S": k}): k for k in "cab"})
    assert partition.ordered()[0] == ["a", "b", "c"]
    for twin in (copy.copy(partition), copy.deepcopy(partition), partition.copy()):
        assert isinstance(twin, SortedPartition) and dict(twin) == dict(partition)
        twin.pop(DynamoType({"S": "a"}))
        twin[DynamoType({"S": "0"})] = "0"
        assert twin.ordered()[0] == ["0", "b", "c"]
    assert partition.ordered()[0] == ["a", "b", "c"]
