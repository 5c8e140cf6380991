"""Build-task checkers of notebooks 00–04: the budget, a package, a role, a rollback, logs."""

from __future__ import annotations

from typing import Any

from ..grading import Outcome, grade_build


def check_early_alert(aws: Any) -> Outcome:
    """00: the workbook budget has a third alert, by email, at 50% of actual spend."""
    budgets = aws.client("budgets")
    name = aws.name_for("monthly")

    def steps():
        try:
            budgets.describe_budget(AccountId=aws.account_id, BudgetName=name)
            exists = True
        except budgets.exceptions.NotFoundException:
            exists = False
        yield exists, (
            f"there is no budget {name} yet: run the budget cell of section 5 first.",
            "create it with guardrails.budget_alert(aws, monthly_usd=5, email=...); on AWS "
            "set WORKBOOK_BUDGET_EMAIL first.")
        alerts = budgets.describe_notifications_for_budget(
            AccountId=aws.account_id, BudgetName=name)["Notifications"]
        half = [a for a in alerts if a.get("Threshold") == 50.0
                and a.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE"]
        yield bool(half), (
            f"the budget has {len(alerts)} alerts, none at 50%.",
            "call budgets.create_notification(AccountId=aws.account_id, BudgetName="
            f"'{name}', Notification=..., Subscribers=[...]) with a Threshold of 50.",
            "Notification={'NotificationType': 'ACTUAL', 'ComparisonOperator': "
            "'GREATER_THAN', 'Threshold': 50.0, 'ThresholdType': 'PERCENTAGE'}, "
            "Subscribers=[{'SubscriptionType': 'EMAIL', 'Address': email}].")
        yield all(a.get("NotificationType") == "ACTUAL" for a in half), (
            "the 50% alert watches the forecast; this one is about money already spent.",
            "use 'NotificationType': 'ACTUAL'.")

    return grade_build("00", steps(), "Three alerts now: 50% and 80% of actual spend, and a "
                                      "forecast of 100%.")


def check_shout_package(package: Any) -> Outcome:
    """01: a deployment package with shout.py at its top level, whose handler works."""
    import importlib.util
    import io
    import tempfile
    import zipfile
    from pathlib import Path

    from ..functions import TestContext

    def steps():
        yield hasattr(package, "zip_bytes"), (
            f"shout_zip is {package!r}: build the package and keep what build_zip returns.",
            "shout_zip = packaging.build_zip(Path('build/shout')), once build/shout/shout.py "
            "holds your handler.")
        names = [row["name"] for row in package.files()]
        yield "shout.py" in names, (
            f"the zip holds {names}, with no shout.py at its top level.",
            "Lambda imports the module from the top of the zip: zip the folder that contains "
            "shout.py (build/shout), not a folder above it.")
        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as archive:
                archive.extractall(folder)
            spec = importlib.util.spec_from_file_location("shout_from_zip",
                                                          Path(folder) / "shout.py")
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                result = module.shout({"text": "hi there"}, TestContext())
            except Exception as error:  # the learner's code may raise anything
                result = f"{type(error).__name__}: {error}"
        yield result == {"message": "HI THERE"}, (
            f"the handler setting would be shout.shout, and calling it gave {result!r}.",
            "shout.py must define shout(event, context) returning "
            "{'message': event['text'].upper()}: write your handler's source into the file.")

    return grade_build("01", steps(), "That zip is ready for create_function, handler "
                                      "shout.shout.")


def _allowed(statements: Any) -> tuple[set[str], set[str], bool]:
    """The actions and resources a list of statements allows, and whether any is a wildcard."""
    if isinstance(statements, dict):
        statements = [statements]
    actions: set[str] = set()
    resources: set[str] = set()
    for statement in statements or []:
        if statement.get("Effect") != "Allow":
            continue
        for key, into in (("Action", actions), ("Resource", resources)):
            value = statement.get(key, [])
            into.update([value] if isinstance(value, str) else value)
    wildcard = any("*" in value for value in actions | resources)
    return actions, resources, wildcard


def check_reader_role(aws: Any) -> Outcome:
    """02: workbook-reader-role, assumable by Lambda, tagged, allowed exactly GetItem and Query
    on the guestbook table and nothing else."""
    import json
    from urllib.parse import unquote

    iam = aws.client("iam")
    name = aws.name_for("reader-role")
    table = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{aws.name_for('guestbook')}"

    def steps():
        try:
            role = iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            role = None
        yield role is not None, (
            f"there is no role {name} yet.",
            "iam.ensure_execution_role(aws, aws.name_for('reader-role')) creates it with "
            "Lambda's trust policy and the workbook's tags.")
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
        principals = json.dumps(trust)
        yield "lambda.amazonaws.com" in principals and "sts:AssumeRole" in principals, (
            "Lambda may not assume the role: look at its trust policy.",
            "the trust policy must allow the service lambda.amazonaws.com to sts:AssumeRole "
            "(iam.LAMBDA_TRUST_POLICY).")
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=name)["Tags"]}
        yield tags.get("workbook") == "true", (
            "the role is not tagged like the workbook's resources, so teardown would miss it.",
            "create_role(..., Tags=[{'Key': k, 'Value': v} for k, v in aws.tags.items()]), "
            "or use iam.ensure_execution_role, which tags for you.")
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        yield not attached, (
            f"managed policies are attached ({[p['PolicyName'] for p in attached]}): they grant "
            "more than reading one table.",
            "detach them: iam.detach_managed_policy(aws, name, policy_arn).")
        statements = []
        for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            document = json.loads(unquote(document)) if isinstance(document, str) else document
            found = document.get("Statement", [])
            statements += [found] if isinstance(found, dict) else found
        actions, resources, wildcard = _allowed(statements)
        yield bool(statements), (
            "the role may do nothing yet: give it your policy.",
            "iam.put_inline_policy(aws, name, 'read-guestbook', policy), with the policy of "
            "exercise 2.")
        yield actions == {"dynamodb:GetItem", "dynamodb:Query"}, (
            f"the role may call {sorted(actions)}.",
            "allow exactly dynamodb:GetItem and dynamodb:Query: the calls the reader makes.")
        yield resources == {table} and not wildcard, (
            f"the role may touch {sorted(resources)}.",
            f"allow only the table's ARN, {table}, with no wildcard.")

    return grade_build("02", steps(), f"{name} may read the guestbook table, and do nothing "
                                      "else.")


def check_rollback(aws: Any, function_name: str) -> Outcome:
    """03: the live alias serves the "Hello" version again, and $LATEST keeps the new code."""
    from ..functions import invoke

    lambda_client = aws.client("lambda")

    def message(qualifier: str) -> str:
        payload = invoke(aws, function_name, {"name": "Ada"}, qualifier=qualifier).payload
        return payload.get("message", "") if isinstance(payload, dict) else str(payload)

    def steps():
        try:
            alias = lambda_client.get_alias(FunctionName=function_name, Name="live")
        except lambda_client.exceptions.ResourceNotFoundException:
            alias = None
        yield alias is not None, (
            "there is no alias live: run section 4 first.",
            "lambda_client.create_alias(FunctionName=HELLO, Name='live', FunctionVersion=...).")
        live = message("live")
        versions = [v["Version"] for v in lambda_client.list_versions_by_function(
            FunctionName=function_name)["Versions"] if v["Version"] != "$LATEST"]
        yield live.startswith("Hello"), (
            f"live (version {alias['FunctionVersion']}) still answers {live!r}.",
            "releasing was moving the alias to a version: rolling back is moving it back, to the "
            f"version that says Hello (published versions: {versions}).",
            "lambda_client.update_alias(FunctionName=HELLO, Name='live', "
            "FunctionVersion=version_1).")
        latest = message("$LATEST")
        yield latest.startswith("Bonjour"), (
            f"$LATEST answers {latest!r}: the new code is gone.",
            "roll back by moving the alias only; redeploy the Bonjour code (build/hello-v2) to "
            "restore $LATEST.")

    return grade_build("03", steps(), "live serves Hello again, and the Bonjour release waits "
                                      "in $LATEST.")


def check_hello_logging(aws: Any, function_name: str) -> Outcome:
    """04: the function's log group keeps 7 days, and the function logs JSON."""
    from .. import functions, logs

    group = logs.log_group_name(function_name)

    def steps():
        try:
            days = logs.retention(aws, group)
        except LookupError:
            days = False
        yield days is not False, (
            f"there is no log group {group}: invoke the function once.",
            "functions.invoke(aws, HELLO) creates it on the first invoke.")
        yield days == 7, (
            f"the group keeps its events {f'{days} days' if days else 'forever'}.",
            "set a retention of 7 days: logs.set_retention(aws, group, days=7), or "
            "logs_client.put_retention_policy(logGroupName=group, retentionInDays=7).")
        config = aws.client("lambda").get_function_configuration(FunctionName=function_name)
        log_format = (config.get("LoggingConfig") or {}).get("LogFormat", "Text")
        yield log_format == "JSON", (
            f"{function_name} logs in the {log_format} format.",
            "deploy it with logging_config={'LogFormat': 'JSON'}, as section 5 did for the "
            "counter (or lambda_client.update_function_configuration(FunctionName=..., "
            "LoggingConfig={'LogFormat': 'JSON'})).")
        tail = functions.invoke(aws, function_name, {"name": "Ada"}).log_tail
        yield any(line.startswith("{") for line in tail.splitlines()), (
            "the configuration says JSON, but the next invoke still logged plain text.",
            "wait for the update to finish (the function_updated_v2 waiter), then invoke.")

    return grade_build("04", steps(), f"{group} keeps a week of JSON records.")
