"""The build tasks' checkers: each inspects the cloud and reports the first missing piece, with a
hint that gets more specific each time (see ``grading.grade_build``).

One checker per notebook, in notebook order; the solutions are in ``notebooks/solutions/``.
"""

from __future__ import annotations

from typing import Any

from .grading import Outcome, grade_build


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

    from .functions import TestContext

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
