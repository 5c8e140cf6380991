"""Is a trigger allowed? The two questions AWS asks before wiring a trigger to a function.

- **Resource policy**: may a service (``s3.amazonaws.com``, ``sns.amazonaws.com``,
  ``events.amazonaws.com``) invoke the function, from this source ARN and account?
- **Execution role**: may the function's role call what a poller calls for it
  (``sqs:ReceiveMessage``, ``dynamodb:GetRecords``...) on this resource?

REPLACE WITH ``helpers/local_cloud/iam_policy.py`` once it lands: this is a minimal evaluator
(explicit Deny wins, wildcards in actions and resources, the condition operators API Gateway's
rules already model; a statement with a condition it cannot evaluate never grants).
"""

from __future__ import annotations

from typing import Any

from .apigateway_rules import CONDITION_TESTS, wildcard_match


def _listed(value: Any) -> list[Any]:
    return [value] if isinstance(value, (str, dict)) else list(value or [])


def _statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [s for s in _listed((document or {}).get("Statement")) if isinstance(s, dict)]


def _condition_holds(condition: dict[str, Any], facts: dict[str, str]) -> bool:
    for operator, tests in condition.items():
        name = operator.lower()
        negated = name.replace("not", "", 1) if "not" in name else None
        test = CONDITION_TESTS.get(negated or name)
        if test is None or not isinstance(tests, dict):
            return False  # an operator we do not model never grants
        for key, expected in tests.items():
            value = facts.get(key.lower())
            matched = value is not None and any(test(str(p), value) for p in _listed(expected))
            if matched == bool(negated):
                return False
    return True


def _names_action(statement: dict[str, Any], action: str) -> bool:
    action = action.lower()
    if "NotAction" in statement:
        return not any(wildcard_match(a.lower(), action) for a in _listed(statement["NotAction"]))
    return any(wildcard_match(a.lower(), action) for a in _listed(statement.get("Action")))


def _names_resource(statement: dict[str, Any], resource: str) -> bool:
    if "NotResource" in statement:
        return not any(wildcard_match(r, resource) for r in _listed(statement["NotResource"]))
    return any(wildcard_match(r, resource) for r in _listed(statement.get("Resource", "*")))


def _decide(applying: list[dict[str, Any]]) -> bool:
    if any(s.get("Effect") == "Deny" for s in applying):
        return False
    return any(s.get("Effect") == "Allow" for s in applying)


def function_policy_allows(policy: dict[str, Any] | None, service: str, source_arn: str,
                           source_account: str) -> bool:
    """Does the function's resource-based policy let `service` invoke it for `source_arn`?"""
    facts = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_account}
    applying = []
    for statement in _statements(policy):
        principal = statement.get("Principal")
        if principal != "*":
            principal = principal if isinstance(principal, dict) else {}
            if service not in _listed(principal.get("Service")) and "*" not in _listed(
                    principal.get("AWS")):  # fmt: skip
                continue
        if not _names_action(statement, "lambda:InvokeFunction"):
            continue
        if _condition_holds(statement.get("Condition") or {}, facts):
            applying.append(statement)
    return _decide(applying)


def role_allows(documents: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Do the role's identity policies allow `action` on `resource`?"""
    applying = [s for document in documents for s in _statements(document)
                if _names_action(s, action) and _names_resource(s, resource)
                and _condition_holds(s.get("Condition") or {}, {})]  # fmt: skip
    return _decide(applying)


def missing_actions(documents: list[dict[str, Any]], actions: tuple[str, ...],
                    resource: str) -> list[str]:
    """The `actions` the role may not call on `resource`, in the order given."""
    return [action for action in actions if not role_allows(documents, action, resource)]
