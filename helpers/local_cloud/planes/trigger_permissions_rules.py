"""Is a trigger allowed? The two questions AWS asks before wiring a trigger to a function,
answered by the local cloud's one policy evaluator (``iam_policy``).

- **Resource policy**: may a service (``s3.amazonaws.com``, ``sns.amazonaws.com``,
  ``events.amazonaws.com``) invoke the function, from this source ARN and account?
- **Execution role**: may the function's role call what a poller calls for it
  (``sqs:ReceiveMessage``, ``dynamodb:GetRecords``...) on this resource?
"""

from __future__ import annotations

from typing import Any

from ..iam_policy import MalformedPolicyError, Principal, Request, evaluate

# Who asks when only the role's documents are known: some session of the function's role.
_ROLE_SESSION = Principal(arn="arn:aws:sts::000000000000:assumed-role/role/function",
                          account="000000000000")  # fmt: skip


def function_policy_allows(policy: dict[str, Any] | None, service: str, source_arn: str,
                           source_account: str) -> bool:
    """Does the function's resource-based policy let `service` invoke it for `source_arn`?"""
    if not policy:
        return False
    request = Request(Principal.aws_service(service), "lambda:InvokeFunction", None,
                      {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account})
    try:
        return evaluate(request, resource=policy).allowed
    except MalformedPolicyError:  # AWS never stores one; a broken policy grants nothing
        return False


def role_allows(documents: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Do the role's identity policies allow `action` on `resource`?"""
    try:
        return evaluate(Request(_ROLE_SESSION, action, resource), identity=documents).allowed
    except MalformedPolicyError:
        return False


def missing_actions(documents: list[dict[str, Any]], actions: tuple[str, ...],
                    resource: str) -> list[str]:
    """The `actions` the role may not call on `resource`, in the order given."""
    return [action for action in actions if not role_allows(documents, action, resource)]


# What Lambda itself calls, as the function's role, to deliver to a destination or a dead-letter
# queue, and how its refusal names the call ("The provided execution role does not have
# permissions to call SendMessage on SQS", InvalidParameterValueException at configuration time).
DELIVERY_ACTIONS = {
    "sqs": ("sqs:SendMessage", "SendMessage on SQS"),
    "sns": ("sns:Publish", "Publish on SNS"),
    "lambda": ("lambda:InvokeFunction", "InvokeFunction on Lambda"),
    "events": ("events:PutEvents", "PutEvents on EventBridge"),
}


def delivery_refusal(documents: list[dict[str, Any]], target_arn: str) -> str | None:
    """Why the role may not deliver to `target_arn` (AWS's sentence), or None if it may."""
    service = target_arn.split(":")[2] if target_arn.count(":") >= 5 else ""
    if service not in DELIVERY_ACTIONS:
        return None
    action, call = DELIVERY_ACTIONS[service]
    if role_allows(documents, action, target_arn):
        return None
    return f"The provided execution role does not have permissions to call {call}"
