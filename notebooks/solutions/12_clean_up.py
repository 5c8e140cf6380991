"""Solutions for 12 · Clean up. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/12_clean_up.py
or copy one section into a cell. They use the notebook's `aws`, `dynamodb` and `teardown`.
"""

# 1. Predict, then run: log groups outlive their functions, so orphans of the workbook are listed.
prediction = True

# 2. Recall: the first teardown left nothing, so the second deletes nothing.
answer = len(teardown.teardown(aws).deleted)

# 3. Build: the prefix AND the tag; the notebook's Cleanup then deletes it with a last teardown.
scratch = aws.name_for("scratch")
try:
    dynamodb.create_table(
        TableName=scratch, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        Tags=[{"Key": key, "Value": value} for key, value in aws.tags.items()],
    )
except dynamodb.exceptions.ResourceInUseException:
    pass  # created already
dynamodb.get_waiter("table_exists").wait(TableName=scratch)
