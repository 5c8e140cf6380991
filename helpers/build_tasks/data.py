"""Build-task checkers of notebooks 05–06: an index, and a message written by hand."""

from __future__ import annotations

from typing import Any

from ..grading import Outcome, grade_build


def check_author_index(aws: Any, table_name: str, ada_notes: Any) -> Outcome:
    """05: a GSI by-author (partition key author), ACTIVE, and Ada's notes queried from it."""
    dynamodb = aws.client("dynamodb")

    def steps():
        table = dynamodb.describe_table(TableName=table_name)["Table"]
        indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
        yield "by-author" in indexes, (
            f"the table has no index by-author (its indexes: {sorted(indexes) or 'none'}).",
            "dynamodb.update_table(TableName=TABLE, AttributeDefinitions=[...author...], "
            "GlobalSecondaryIndexUpdates=[{'Create': {...}}]).",
            "GlobalSecondaryIndexUpdates=[{'Create': {'IndexName': 'by-author', 'KeySchema': "
            "[{'AttributeName': 'author', 'KeyType': 'HASH'}], 'Projection': "
            "{'ProjectionType': 'ALL'}}}], with AttributeDefinitions=[{'AttributeName': "
            "'author', 'AttributeType': 'S'}].")
        index = indexes["by-author"]
        keys = [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]
        yield keys[:1] == [("author", "HASH")], (
            f"by-author's key is {keys}: its partition key must be author.",
            "KeySchema=[{'AttributeName': 'author', 'KeyType': 'HASH'}].")
        yield index.get("IndexStatus") == "ACTIVE", (
            f"by-author is {index.get('IndexStatus')}: DynamoDB is still filling it.",
            "poll describe_table until the index's IndexStatus is ACTIVE.")
        expected = dynamodb.query(
            TableName=table_name, IndexName="by-author", KeyConditionExpression="author = :a",
            ExpressionAttributeValues={":a": {"S": "Ada"}})["Items"]
        got = ada_notes if isinstance(ada_notes, list) else []
        key = lambda item: (item.get("pk", {}).get("S"), item.get("sk", {}).get("S"))  # noqa: E731
        yield sorted(map(key, got)) == sorted(map(key, expected)) and got, (
            f"ada_notes is {ada_notes!r:.80}: query the index for Ada's notes.",
            "ada_notes = dynamodb.query(TableName=TABLE, IndexName='by-author', "
            "KeyConditionExpression='author = :a', "
            "ExpressionAttributeValues={':a': {'S': 'Ada'}})['Items'].")

    return grade_build("05", steps(), "One query now finds an author's notes, in any topic.")


def check_hand_written_message(aws: Any, table_name: str, function_name: str) -> Outcome:
    """06: a message named Builder and its pointer, laid out as the function writes them, and
    listed by the function."""
    import json
    import re

    from ..api import test_event
    from ..functions import invoke

    dynamodb = aws.client("dynamodb")
    created_at = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z"

    def steps():
        items = dynamodb.query(TableName=table_name, KeyConditionExpression="pk = :m",
                               ExpressionAttributeValues={":m": {"S": "MESSAGES"}})["Items"]
        mine = [i for i in items if i.get("name", {}).get("S") == "Builder"]
        yield bool(mine), (
            "no message named Builder in the MESSAGES partition yet.",
            "dynamodb.transact_write_items(TransactItems=[{'Put': {...the message...}}, "
            "{'Put': {...its pointer...}}]), each Put with TableName, Item and "
            "ConditionExpression='attribute_not_exists(pk)'.",
            "the message item: {'pk': {'S': 'MESSAGES'}, 'sk': {'S': f'{created_at}#{id}'}, "
            "'id': ..., 'name': {'S': 'Builder'}, 'text': ..., 'created_at': ...}.")
        message = mine[-1]
        values = {k: v.get("S", "") for k, v in message.items()}
        yield all(values.get(k) for k in ("id", "text", "created_at")), (
            f"the message has the attributes {sorted(values)}; it needs id, name, text and "
            "created_at, all strings.",
            "id = uuid.uuid4().hex; created_at = datetime.now(UTC).strftime("
            "'%Y-%m-%dT%H:%M:%S.%fZ').")
        well_formed = (re.fullmatch(created_at, values["created_at"])
                       and re.fullmatch(r"[0-9a-f]{32}", values["id"])
                       and values["sk"] == f"{values['created_at']}#{values['id']}")
        yield bool(well_formed), (
            f"the sort key {values['sk']!r} is not <created_at>#<id> of its own attributes.",
            "created_at like 2026-05-01T09:30:00.123456Z (fixed width, so it sorts as text), "
            "id 32 hex characters (uuid.uuid4().hex), and sk = f'{created_at}#{id}'.")
        pointer = dynamodb.get_item(TableName=table_name, Key={
            "pk": {"S": f"MESSAGE#{values['id']}"}, "sk": {"S": "MESSAGE"}}).get("Item")
        yield pointer is not None, (
            "the message has no pointer: nobody could find it by its id to delete it.",
            f"add a second Put: {{'pk': {{'S': 'MESSAGE#{values['id']}'}}, "
            "'sk': {'S': 'MESSAGE'}, 'message_sk': ..., 'token_hash': ...}, in the same "
            "transaction.")
        pointed = pointer.get("message_sk", {}).get("S")
        token_hash = pointer.get("token_hash", {}).get("S", "")
        yield pointed == values["sk"], (
            f"the pointer's message_sk is {pointed!r}, not the message's sort key.",
            f"message_sk must be {values['sk']!r}.")
        yield bool(re.fullmatch(r"[0-9a-f]{64}", token_hash)), (
            "the pointer has no token_hash: the hash of the token that may delete it.",
            "token_hash = hashlib.sha256(delete_token.encode()).hexdigest(), with "
            "delete_token = secrets.token_urlsafe(32) kept by you, never stored.")
        answer = invoke(aws, function_name, test_event("GET", "/api/messages",
                                                       query="limit=50")).payload
        listed = json.loads(answer.get("body") or "{}").get("messages", [])
        yield any(m.get("id") == values["id"] for m in listed), (
            "the items look right, but the function does not list the message.",
            "is it among the 50 newest (created_at now, in UTC)?")

    return grade_build("06", steps(), "The function lists your message as if it had written it.")
