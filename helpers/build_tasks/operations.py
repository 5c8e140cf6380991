"""Build-task checkers of notebooks 11–13: a budget from the bill, a table teardown finds, a service control policy."""

from __future__ import annotations

from typing import Any

from ..grading import Outcome, grade_build


def check_budget_matches_bill(aws: Any) -> Outcome:
    """11: the workbook budget is twice the modelled bill at 1M API calls and 100,000 page
    views, rounded up to whole dollars, and still has its alerts."""
    import math

    from .. import costs

    budgets = aws.client("budgets")
    name = aws.name_for("monthly")
    bill = costs.monthly_cost(costs.AppTraffic(requests_per_month=1_000_000,
                                               page_views_per_month=100_000)).total
    expected = math.ceil(2 * bill)

    def steps():
        try:
            budget = budgets.describe_budget(AccountId=aws.account_id, BudgetName=name)["Budget"]
        except budgets.exceptions.NotFoundException:
            budget = None
        yield budget is not None, (
            f"there is no budget {name}.",
            "create it as notebook 00 did: guardrails.budget_alert(aws, monthly_usd=..., "
            "email=...).")
        amount = float(budget["BudgetLimit"]["Amount"])
        yield amount == expected, (
            f"the budget is ${amount:.2f} a month.",
            "compute the bill with costs.monthly_cost(costs.AppTraffic(requests_per_month="
            "1_000_000, page_views_per_month=100_000)).total, double it, round up "
            "(math.ceil).",
            f"guardrails.budget_alert(aws, monthly_usd=math.ceil(2 * bill.total), email=...): "
            f"${expected} here.")
        alerts = budgets.describe_notifications_for_budget(
            AccountId=aws.account_id, BudgetName=name)["Notifications"]
        yield any(a.get("NotificationType") == "ACTUAL" for a in alerts), (
            "the budget has no alert on actual spend left: nobody would hear of it.",
            "guardrails.budget_alert puts its two alerts back.")

    return grade_build("11", steps(), f"${expected} a month: twice what the model expects, so an "
                                      "alert means something changed.")


def check_teardown_finds_your_table(aws: Any) -> Outcome:
    """12: a table workbook-scratch that the inventory lists (so teardown deletes it)."""
    from .. import ledger

    dynamodb = aws.client("dynamodb")
    name = aws.name_for("scratch")

    def steps():
        try:
            table = dynamodb.describe_table(TableName=name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            table = None
        yield table is not None, (
            f"there is no table {name} yet.",
            f"dynamodb.create_table(TableName='{name}', KeySchema=..., AttributeDefinitions=..., "
            "BillingMode='PAY_PER_REQUEST'), as in notebook 05.")
        tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(
            ResourceArn=table["TableArn"]).get("Tags", [])}
        yield tags.get("workbook") == "true", (
            f"{name} has the prefix, but the inventory also wants the workbook's tag.",
            "create it with Tags=[{'Key': k, 'Value': v} for k, v in aws.tags.items()], or tag "
            "it now: dynamodb.tag_resource(ResourceArn=..., Tags=...).")
        found = [r for r in ledger.inventory(aws) if r.kind == "table" and r.name == name]
        yield bool(found), (
            "the table is tagged, but the inventory does not list it yet.",
            "the Resource Groups Tagging API can lag a little on AWS: run the check again.")

    return grade_build("12", steps(), f"The inventory lists {name}: teardown will delete it.")


def check_required_tag_scp(aws: Any, dev_unit_id: str) -> Outcome:
    """13: a workbook SCP denying dynamodb:CreateTable without an environment tag, attached to
    the dev unit."""
    import json

    organizations = aws.client("organizations")
    prefix = aws.name_for("")

    def denies_create_table(statement: dict[str, Any]) -> bool:
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        return statement.get("Effect") == "Deny" and any(
            a in ("dynamodb:CreateTable", "dynamodb:*", "*") for a in actions)

    def steps():
        policies = [p for p in organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")[
            "Policies"] if p["Name"].startswith(prefix)]
        documents = {p["Id"]: json.loads(organizations.describe_policy(PolicyId=p["Id"])[
            "Policy"]["Content"]) for p in policies}
        denying = {}
        for policy in policies:
            statements = documents[policy["Id"]].get("Statement", [])
            statements = [statements] if isinstance(statements, dict) else statements
            found = [s for s in statements if denies_create_table(s)]
            if found:
                denying[policy["Id"]] = (policy, found)
        yield bool(denying), (
            f"no {prefix}... service control policy denies dynamodb:CreateTable "
            f"(theirs: {sorted(p['Name'] for p in policies)}).",
            "organizations.create_policy(Name=aws.name_for('...'), Type="
            "'SERVICE_CONTROL_POLICY', Content=json.dumps(document), Description=...), "
            "or accounts.ensure_org_policy(aws, name, 'SERVICE_CONTROL_POLICY', document, "
            "dev_unit_id), which also attaches it.",
            "document = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Deny', 'Action': "
            "'dynamodb:CreateTable', 'Resource': '*', 'Condition': {...}}]}.")
        conditioned = [(policy, s) for policy, found in denying.values() for s in found
                       if str((s.get("Condition") or {}).get("Null", {}).get(
                           "aws:RequestTag/environment")).lower() == "true"]
        yield bool(conditioned), (
            "the policy denies CreateTable always, not only when the tag is missing.",
            "add 'Condition': {'Null': {'aws:RequestTag/environment': 'true'}}: Null is true "
            "when the request carries no such tag.")
        policy = conditioned[0][0]
        targets = [t["TargetId"] for t in organizations.list_targets_for_policy(
            PolicyId=policy["Id"])["Targets"]]
        yield dev_unit_id in targets, (
            f"{policy['Name']} is attached to {targets or 'nothing'}, not to the dev unit.",
            "organizations.attach_policy(PolicyId=..., TargetId=dev_unit_id).")

    return grade_build("13", steps(), "In dev, a table without an environment tag is now "
                                      "refused on AWS (the local cloud stores the SCP only).")
