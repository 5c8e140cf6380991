"""Solutions for 00 · Welcome. Try each exercise first.

Run them in the notebook, after the cells above the exercises, with
    %run -i solutions/00_welcome.py
or copy one section into a cell. They use the notebook's `aws` and `identity`.
"""

# 1. Predict, then run: IAM and STS are global, so the region field of your ARN is empty.
prediction = ""

# 2. Build: a third alert on the workbook budget, at 50% of actual spend.
budgets = aws.client("budgets")
try:
    budgets.create_notification(
        AccountId=aws.account_id,
        BudgetName=aws.name_for("monthly"),
        Notification={"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                      "Threshold": 50.0, "ThresholdType": "PERCENTAGE"},
        Subscribers=[{"SubscriptionType": "EMAIL",
                      "Address": os.environ.get("WORKBOOK_BUDGET_EMAIL", "you@example.com")}],
    )
except budgets.exceptions.DuplicateRecordException:
    pass  # added already: this ran before

# 3. Recall: the account is the fifth ':'-separated field of an ARN.
answer = identity["Arn"].split(":")[4]
