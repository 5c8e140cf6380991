"""The safety net for a real AWS account: a budget that emails you, and a word on costs ahead.

``budget_alert`` creates an AWS Budgets cost budget, ``workbook-monthly``, that emails you when
actual spend passes 80% of the amount and when AWS forecasts the month will pass 100%. A
budget only warns: it stops nothing. ``teardown`` deletes it with the rest (it is tagged).

``cost_warning`` says what the next notebook may bill on AWS, before you run it.
"""

from __future__ import annotations

from typing import Any

from .costs import PRICES

BUDGET_SUFFIX = "monthly"
ALERTS = (("ACTUAL", 80.0), ("FORECASTED", 100.0))  # (spend type, percent of the budget)


def _notification(spend: str, percent: float) -> dict[str, Any]:
    return {"NotificationType": spend, "ComparisonOperator": "GREATER_THAN",
            "Threshold": percent, "ThresholdType": "PERCENTAGE"}  # fmt: skip


def budget_alert(aws: Any, monthly_usd: float, email: str) -> dict[str, Any]:
    """Create (or update) the ``workbook-monthly`` cost budget and its two email alerts."""
    if monthly_usd <= 0:
        raise ValueError(f"monthly_usd must be above 0, not {monthly_usd}: try 5 or 10.")
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise ValueError(f"{email!r} is not an email address; AWS Budgets emails the alerts.")
    name = aws.name_for(BUDGET_SUFFIX)
    budget = {"BudgetName": name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
              "BudgetLimit": {"Amount": f"{monthly_usd:.2f}", "Unit": "USD"}}  # fmt: skip
    subscribers = [{"SubscriptionType": "EMAIL", "Address": email}]
    budgets = aws.client("budgets")
    try:
        budgets.describe_budget(AccountId=aws.account_id, BudgetName=name)
        exists = True
    except budgets.exceptions.NotFoundException:
        exists = False
    if not exists:
        budgets.create_budget(
            AccountId=aws.account_id, Budget=budget,
            NotificationsWithSubscribers=[{"Notification": _notification(*alert),
                                           "Subscribers": subscribers} for alert in ALERTS],
            ResourceTags=[{"Key": k, "Value": v} for k, v in aws.tags.items()],
        )  # fmt: skip
    else:
        _update_budget(aws, budgets, budget)
        for alert in ALERTS:  # replace the alerts: the email address may have changed
            try:
                budgets.delete_notification(AccountId=aws.account_id, BudgetName=name,
                                            Notification=_notification(*alert))  # fmt: skip
            except budgets.exceptions.NotFoundException:
                pass
            budgets.create_notification(AccountId=aws.account_id, BudgetName=name,
                                        Notification=_notification(*alert),
                                        Subscribers=subscribers)  # fmt: skip
    return {
        "budget": name, "monthly_usd": round(monthly_usd, 2), "email": email,
        "alerts": [f"{percent:g}% of the budget, {spend.lower()}" for spend, percent in ALERTS],
        "action": "updated" if exists else "created",
    }  # fmt: skip


def _update_budget(aws: Any, budgets: Any, budget: dict[str, Any]) -> None:
    if not aws.is_local:
        budgets.update_budget(AccountId=aws.account_id, NewBudget=budget)
        return
    # The local cloud (moto) has no UpdateBudget: replace the budget there instead.
    budgets.delete_budget(AccountId=aws.account_id, BudgetName=budget["BudgetName"])
    budgets.create_budget(AccountId=aws.account_id, Budget=budget,
                          ResourceTags=[{"Key": k, "Value": v} for k, v in aws.tags.items()])


# What each notebook adds to the bill on AWS, at learning scale (a few hundred requests).
NOTEBOOK_COSTS: dict[str, dict[str, Any]] = {
    "05": {"billable": [f"DynamoDB on-demand writes, {PRICES.dynamodb_writes.label}",
                        f"DynamoDB storage, {PRICES.dynamodb_storage.label} (25 GB free)"],
           "rough": "under $0.01"},
    "06": {"billable": [f"DynamoDB on-demand writes, {PRICES.dynamodb_writes.label}",
                        "Lambda invocations, within the always-free tier"],
           "rough": "under $0.01"},
    "07": {"billable": [f"HTTP API requests, {PRICES.api_requests['http'].label}",
                        f"REST API requests, {PRICES.api_requests['rest'].label}"],
           "rough": "under $0.01"},
    "08": {"billable": [f"S3 storage, {PRICES.s3_storage.label}",
                        f"S3 PUT requests, {PRICES.s3_put.label}"],
           "rough": "under $0.01"},
    "09": {"billable": [f"CloudFront requests, {PRICES.cloudfront_requests.label} "
                        "(10 million a month free)",
                        f"a hosted zone, {PRICES.route53_zone.label} (if you create one; "
                        "not billed if deleted within 12 hours)",
                        "a deploy takes minutes, not money"],
           "rough": "under $0.01, plus $0.50 for a hosted zone kept over 12 hours"},
    "10": {"billable": [f"a hosted zone, {PRICES.route53_zone.label} (if you create one; "
                        "not billed if deleted within 12 hours)",
                        "a domain, if you register one (from about $3 a year)"],
           "rough": "$0.50 a month per hosted zone kept over 12 hours, until deleted"},
    "11": {"billable": ["nothing new is deployed; Cost Explorer API calls are $0.01 each"],
           "rough": "$0 to $0.05"},
    "12": {"billable": ["nothing: deleting is free, and it stops every charge"], "rough": "$0"},
    "13": {"billable": ["AWS Organizations is free; budgets without actions are free",
                        "an organization trail: the first copy of management events is free; "
                        "its log files are billed as S3 storage"],
           "rough": "under $0.01"},
}  # fmt: skip


def cost_warning(aws: Any, notebook: str) -> dict[str, Any]:
    """Say (and return) what ``notebook`` ("08", "8" or "08_cloudfront") may cost on AWS."""
    number = "".join(c for c in str(notebook).split("_")[0] if c.isdigit()).zfill(2)
    if number not in NOTEBOOK_COSTS:
        raise ValueError(f"No cost note for notebook {notebook!r}: notebooks 05 to 13 have one; "
                         "the earlier ones stay within Lambda's always-free tier.")  # fmt: skip
    entry = {"notebook": number, **NOTEBOOK_COSTS[number], "target": aws.name}
    if aws.is_local:
        print(f"Notebook {number} runs on the local cloud: free. On AWS: {entry['rough']}.")
    else:
        print(f"Notebook {number} on AWS (account {aws.account_id}) may bill: "
              + "; ".join(entry["billable"]) + f". Roughly {entry['rough']}.")
    return entry


def delete_budget(aws: Any) -> bool:
    """Delete the workbook's budget in this account (its alerts go with it)."""
    budgets = aws.client("budgets")
    try:
        budgets.delete_budget(AccountId=aws.account_id, BudgetName=aws.name_for(BUDGET_SUFFIX))
    except budgets.exceptions.NotFoundException:
        return False
    return True
