"""Solutions for 13 · Accounts and environments for a team. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/13_accounts_for_a_team.py
or copy one section into a cell. They use the notebook's names (`aws`, `accounts`, `dev_unit_id`...).
"""

# 1. Predict, then run: a tag policy checks the tags that are there; it requires none.
prediction = "created"

# 2. Recall: assume the stage account's access role; the new target knows its account.
answer = accounts.assume(aws, account_ids["stage"]).account_id

# 3. Build: deny CreateTable when the request carries no environment tag, in the dev unit.
require_environment = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TablesNeedAnEnvironmentTag", "Effect": "Deny",
        "Action": "dynamodb:CreateTable", "Resource": "*",
        "Condition": {"Null": {"aws:RequestTag/environment": "true"}},
    }],
}
accounts.ensure_org_policy(aws, aws.name_for("require-environment-tag"),
                           "SERVICE_CONTROL_POLICY", require_environment, dev_unit_id)
