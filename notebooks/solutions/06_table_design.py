"""Solutions for 06 · The guestbook's table design. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/06_table_design.py
or copy one section into a cell. They use the notebook's `dynamodb` and `TABLE`.
"""
import hashlib
import secrets
import uuid
from datetime import UTC, datetime

# 1. Predict, then run: the retry finds the idempotency record and replays the first answer.
prediction = 1

# 2. Build: the message and its pointer, in one transaction, laid out as the function does.
message_id = uuid.uuid4().hex
created_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # fixed width: sorts as text
sort_key = f"{created_at}#{message_id}"
delete_token = secrets.token_urlsafe(32)  # yours to keep: DELETE needs it, the table never sees it
dynamodb.transact_write_items(TransactItems=[
    {"Put": {"TableName": TABLE, "ConditionExpression": "attribute_not_exists(pk)", "Item": {
        "pk": {"S": "MESSAGES"}, "sk": {"S": sort_key}, "id": {"S": message_id},
        "name": {"S": "Builder"}, "text": {"S": "Written by hand"},
        "created_at": {"S": created_at}}}},
    {"Put": {"TableName": TABLE, "ConditionExpression": "attribute_not_exists(pk)", "Item": {
        "pk": {"S": f"MESSAGE#{message_id}"}, "sk": {"S": "MESSAGE"},
        "message_sk": {"S": sort_key},
        "token_hash": {"S": hashlib.sha256(delete_token.encode()).hexdigest()}}}},
])

# 3. Recall: one Query on the MESSAGES partition, counting only (after the build added one).
answer = dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :m",
                        ExpressionAttributeValues={":m": {"S": "MESSAGES"}},
                        Select="COUNT")["Count"]
