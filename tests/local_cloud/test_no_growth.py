"""A local cloud left running does not grow: moto keeps only the model objects still in use.

moto lists every model object it creates in ``instances_tracked``, and TransactWriteItems used
to deep-copy each table it touched: 50 transactions on a 1,000-item table left 52,275 items
behind. The soak at full scale (10,000 requests through the front door) is in tests/bench.py.
"""

import gc
import json
import os
import platform
import tracemalloc
import urllib.request
import uuid

import pytest

from helpers.local_cloud.moto_patches import LiveInstances


def guestbook_like_table(dynamodb, items):
    name = f"growth-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])  # fmt: skip
    for n in range(items):
        dynamodb.put_item(TableName=name, Item={"pk": {"S": "MESSAGES"}, "sk": {"S": f"{n:06d}"},
                                                "text": {"S": "x" * 200}})  # fmt: skip
    return name


def post_like_the_guestbook(dynamodb, table, n):
    """What the guestbook's POST does: a message and its pointer, in one transaction."""
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": {"pk": {"S": "MESSAGES"}, "sk": {"S": f"new-{n:06d}"},
                          "text": {"S": "y" * 200}}}},
        {"Put": {"TableName": table, "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": {"pk": {"S": f"MESSAGE#{n}"}, "sk": {"S": "POINTER"}}}},
    ])  # fmt: skip
    dynamodb.query(TableName=table, KeyConditionExpression="pk = :pk", Limit=21,
                   ScanIndexForward=False, ExpressionAttributeValues={":pk": {"S": "MESSAGES"}})


def live_items():
    from moto.dynamodb.models.dynamo_type import Item

    gc.collect()
    return len(Item.instances_tracked)


def test_transactions_leave_no_copies_behind(dynamodb):
    table = guestbook_like_table(dynamodb, 300)
    for n in range(10):  # warm up: clients, parsers and caches reach their size
        post_like_the_guestbook(dynamodb, table, n)
    before_items = live_items()
    tracemalloc.start()
    try:
        before_bytes = tracemalloc.get_traced_memory()[0]
        for n in range(10, 110):
            post_like_the_guestbook(dynamodb, table, n)
        gc.collect()
        grown_bytes = tracemalloc.get_traced_memory()[0] - before_bytes
    finally:
        tracemalloc.stop()
    # 100 transactions store 200 items; with moto's tracking and copies it was ~30,000 more.
    assert live_items() - before_items <= 200 + 50
    # ~1 KB per stored item, plus botocore's and werkzeug's small change; copies were ~30 MB.
    assert grown_bytes < 2_000_000, f"{grown_bytes:,} bytes kept by 100 transactions"


def test_the_moto_dashboard_still_lists_live_models(cloud, dynamodb):
    table = guestbook_like_table(dynamodb, 3)
    with urllib.request.urlopen(f"{cloud.endpoint}/moto-api/data.json", timeout=10) as response:
        data = json.loads(response.read())
    tables = [entry["name"] for entry in data["dynamodb"]["Table"]]
    assert table in tables


def test_moto_reset_lists_give_way_to_live_tracking_again(dynamodb):
    from moto.core.model_instances import reset_model_data
    from moto.dynamodb.models.dynamo_type import Item

    reset_model_data()  # what /moto-api/reset does: plain lists again
    assert isinstance(Item.__dict__["instances_tracked"], list)
    guestbook_like_table(dynamodb, 1)
    assert isinstance(Item.__dict__["instances_tracked"], LiveInstances)
    assert live_items() >= 1


def test_live_instances_forget_the_dead():
    class Model:
        pass

    tracked, kept = LiveInstances(), Model()
    tracked.append(kept)
    tracked.append(Model())  # no other reference: gone at once
    tracked.append(42)  # ints cannot be weakly referenced: not listed, no error
    gc.collect()
    assert list(tracked) == [kept] and len(tracked) == 1


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc" or "MALLOC_ARENA_MAX" in os.environ,
                    reason="glibc's malloc arenas only")
def test_the_cloud_caps_glibc_malloc_arenas():
    from helpers.local_cloud import malloc

    assert malloc.cap_arenas() is True
