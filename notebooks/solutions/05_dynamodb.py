"""Solutions for 05 · DynamoDB: a first table. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/05_dynamodb.py
or copy one section into a cell. They use the notebook's `aws`, `dynamodb` and `TABLE`.
"""
import time

# 1. Predict, then run: one item per key; the second put replaced the first.
prediction = 1

# 2. Build: a global secondary index on author, then a query on it.
indexes = dynamodb.describe_table(TableName=TABLE)["Table"].get("GlobalSecondaryIndexes", [])
if not any(index["IndexName"] == "by-author" for index in indexes):
    dynamodb.update_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "author", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by-author",
            "KeySchema": [{"AttributeName": "author", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},  # copy every attribute into the index
        }}],
    )
while True:  # on AWS the index fills from the existing items before it is ACTIVE
    indexes = dynamodb.describe_table(TableName=TABLE)["Table"]["GlobalSecondaryIndexes"]
    if all(index["IndexStatus"] == "ACTIVE" for index in indexes):
        break
    time.sleep(1 if aws.is_local else 10)
ada_notes = dynamodb.query(
    TableName=TABLE, IndexName="by-author", KeyConditionExpression="author = :a",
    ExpressionAttributeValues={":a": {"S": "Ada"}},
)["Items"]
