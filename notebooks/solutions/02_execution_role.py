"""Solutions for 02 · The execution role. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/02_execution_role.py
or copy one section into a cell. They use the notebook's `aws` and `iam`.
"""

# 1. Predict, then run: IAM refuses to delete a role that still has policies.
prediction = "DeleteConflict"

# 2. The least-privilege policy: the two calls the reader makes, on its one table.
policy = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:Query"],
        "Resource": f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/workbook-guestbook",
    }],
}

# 3. Build: the role, with Lambda's trust policy and the workbook's tags, and that policy alone.
reader_role = aws.name_for("reader-role")
iam.ensure_execution_role(aws, reader_role)
iam.put_inline_policy(aws, reader_role, "read-guestbook", policy)
