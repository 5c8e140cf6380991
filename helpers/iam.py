"""IAM for Lambda: the execution role a function runs as, and least-privilege policies.

The same calls work on the local cloud and on AWS. One difference a mock hides: on AWS a new
role takes seconds to propagate, and ``create_function`` fails until it has
(see ``functions.deploy_function``, which retries).
"""

from __future__ import annotations

import json
from typing import Any

BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}  # fmt: skip


def _tags(aws: Any) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in aws.tags.items()]


def ensure_execution_role(aws: Any, name: str, *, managed_policies: tuple[str, ...] = (),
                          description: str = "Execution role created by the workbook") -> str:
    """Create (or reuse) a role Lambda can assume; attach ``managed_policies``. Returns its ARN."""
    iam = aws.client("iam")
    try:
        role = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
            Description=description, Tags=_tags(aws),
        )["Role"]  # fmt: skip
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName=name)["Role"]
        iam.update_assume_role_policy(
            RoleName=name, PolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
        )
    for policy_arn in managed_policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return role["Arn"]


def log_group_arn(aws: Any, function_name: str) -> str:
    return f"arn:aws:logs:{aws.region}:{aws.account_id}:log-group:/aws/lambda/{function_name}"


def logging_policy(aws: Any, function_name: str) -> dict[str, Any]:
    """Least privilege for logging: this function's own log group, nothing else.

    ``AWSLambdaBasicExecutionRole`` grants the same actions on ``"*"``: every log group in
    the account, including other teams' (which a compromised function could flood or read
    into). The group's ARN ends in ``:*`` because IAM evaluates CloudWatch Logs actions against
    ``...:log-group:NAME:log-stream:...``: the bare group ARN matches nothing, and the group
    would never be created (the Logs documentation asks for ``:*`` on every action but the
    tagging ones).
    """
    group = log_group_arn(aws, function_name)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "CreateOwnLogGroup", "Effect": "Allow",
             "Action": "logs:CreateLogGroup", "Resource": f"{group}:*"},
            {"Sid": "WriteOwnLogStreams", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"{group}:log-stream:*"},
        ],
    }  # fmt: skip


def put_inline_policy(aws: Any, role_name: str, policy_name: str, document: dict) -> None:
    aws.client("iam").put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
    )


def role_permissions(aws: Any, role_name: str) -> list[dict[str, str]]:
    """What the role may do: one row per attached managed policy and inline policy."""
    iam = aws.client("iam")
    rows = [{"kind": "managed", "policy": p["PolicyName"], "arn": p["PolicyArn"]}
            for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]]
    rows += [{"kind": "inline", "policy": name, "arn": "-"}
             for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]]
    return rows  # fmt: skip


def detach_managed_policy(aws: Any, role_name: str, policy_arn: str) -> None:
    iam = aws.client("iam")
    try:
        iam.detach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    except iam.exceptions.NoSuchEntityException:
        pass


def delete_role(aws: Any, role_name: str) -> bool:
    """IAM deletes only a bare role: take it out of instance profiles, detach managed
    policies, delete inline ones, then the role. False if it was not there."""
    iam = aws.client("iam")
    try:
        iam.get_role(RoleName=role_name)
    except iam.exceptions.NoSuchEntityException:
        return False
    for profile in iam.list_instance_profiles_for_role(RoleName=role_name)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"],
                                              RoleName=role_name)  # fmt: skip
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for policy in page["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role_name, PolicyArn=policy["PolicyArn"])
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for policy_name in page["PolicyNames"]:
            iam.delete_role_policy(RoleName=role_name, PolicyName=policy_name)
    iam.delete_role(RoleName=role_name)
    return True


def simulate_propagation_delay(aws: Any, seconds: float) -> None:
    """Make the local cloud refuse roles younger than ``seconds``, as AWS does while IAM
    propagates. On AWS there is nothing to simulate: the delay is real."""
    if not aws.is_local:
        print("On AWS the propagation delay is real; nothing to simulate.")
        return
    import urllib.request

    request = urllib.request.Request(
        f"{aws.endpoint_url}/_aws/lambda/simulate-iam-propagation",
        data=json.dumps({"seconds": seconds}).encode(), method="POST",
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=5).read()
