"""Accounts and environments for a team: one AWS account per environment, under AWS Organizations.

The article this workbook grew from: when a hundred developers share one account, someone breaks
production, someone forgets resources, and nobody notices an intruder. The remedy is structure:
separate accounts for dev, stage and prod, guardrails that limit what developers can grant, tags
everyone applies, and a budget on every account.

On the local cloud everything here really happens (moto models Organizations and several accounts),
but service control policies are stored, not enforced. On AWS, creating accounts is hard to undo
(closing one takes minutes, but only 10% of member accounts may be closed in 30 days, and a closed
account lingers, reopenable, for 90 days), so ``ensure_account`` only creates with
``WORKBOOK_AWS_MAY_CREATE_ACCOUNTS=yes``, from your organization's management account.
"""

from __future__ import annotations

import os
from typing import Any

import boto3

from .local_cloud.clock import REAL_CLOCK, Clock
from .target import Target

ENVIRONMENTS = ("dev", "stage", "prod")
CREATE_ACCOUNTS_VARIABLE = "WORKBOOK_AWS_MAY_CREATE_ACCOUNTS"
ACCESS_ROLE = "OrganizationAccountAccessRole"  # created by Organizations in every new account


class AccountsError(RuntimeError):
    """Organizations cannot do what was asked here; the message says what to do."""


def ensure_organization(aws: Any) -> dict[str, Any]:
    """The organization this account manages (created locally if there is none)."""
    organizations = aws.client("organizations")
    try:
        return organizations.describe_organization()["Organization"]
    except organizations.exceptions.AWSOrganizationsNotInUseException:
        if not aws.is_local:
            raise AccountsError(
                "This account is not in an organization. Create one in the AWS Organizations "
                "console from the account that will pay the bills (the management account)."
            ) from None
    return organizations.create_organization(FeatureSet="ALL")["Organization"]


def root_id(aws: Any) -> str:
    return aws.client("organizations").list_roots()["Roots"][0]["Id"]


def ensure_unit(aws: Any, name: str, *, parent_id: str | None = None) -> str:
    """An organizational unit under ``parent_id`` (the root by default): accounts in a unit
    share the guardrails attached to it and to every unit above it."""
    organizations = aws.client("organizations")
    parent = parent_id or root_id(aws)
    for unit in organizations.list_organizational_units_for_parent(ParentId=parent)[
        "OrganizationalUnits"
    ]:
        if unit["Name"] == name:
            return unit["Id"]
    return organizations.create_organizational_unit(ParentId=parent, Name=name)[
        "OrganizationalUnit"
    ]["Id"]


def find_account(aws: Any, name: str) -> dict | None:
    for page in aws.client("organizations").get_paginator("list_accounts").paginate():
        for account in page["Accounts"]:
            if account["Name"] == name and account["Status"] == "ACTIVE":
                return account
    return None


def ensure_account(aws: Any, environment: str, *, unit_id: str,
                   email_domain: str = "example.com", clock: Clock = REAL_CLOCK) -> str:
    """The account ``workbook-<environment>`` in the unit, created if missing. Returns its id."""
    name = aws.name_for(environment)
    organizations = aws.client("organizations")
    account = find_account(aws, name)
    if account is None:
        if not aws.is_local and os.environ.get(CREATE_ACCOUNTS_VARIABLE) != "yes":
            raise AccountsError(
                f"Creating the AWS account {name} is hard to undo (only 10% of member accounts "
                "may be closed in 30 days, and a closed account stays reopenable for 90 days). "
                f"Set {CREATE_ACCOUNTS_VARIABLE}=yes to allow it, or read along."
            )
        status = organizations.create_account(
            Email=f"{name}@{email_domain}", AccountName=name, RoleName=ACCESS_ROLE,
            Tags=[{"Key": k, "Value": v} for k, v in {**aws.tags, "environment": environment}.items()],
        )["CreateAccountStatus"]  # fmt: skip
        while status["State"] == "IN_PROGRESS":  # minutes on AWS, instant locally
            clock.sleep(5)
            status = organizations.describe_create_account_status(
                CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
        if status["State"] != "SUCCEEDED":
            raise AccountsError(f"Creating {name} failed: {status.get('FailureReason')}")
        account = {"Id": status["AccountId"]}
    parents = organizations.list_parents(ChildId=account["Id"])["Parents"]
    if parents and parents[0]["Id"] != unit_id:
        organizations.move_account(AccountId=account["Id"], SourceParentId=parents[0]["Id"],
                                   DestinationParentId=unit_id)  # fmt: skip
    return account["Id"]


def assume(aws: Any, account_id: str, *, role: str = ACCESS_ROLE) -> Target:
    """A Target inside another account of the organization, through its access role."""
    credentials = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role}", RoleSessionName="workbook",
    )["Credentials"]  # fmt: skip
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"], region_name=aws.region,
    )  # fmt: skip
    identity = session.client("sts", endpoint_url=aws.endpoint_url).get_caller_identity()
    return Target(aws.name, session, aws.region, identity["Account"], identity["Arn"],
                  aws.endpoint_url, run_id=aws.run_id)  # fmt: skip


def _delete_unit_tree(organizations: Any, unit: dict[str, Any]) -> list[str]:
    """AWS deletes only an empty unit: its child units go first (their accounts are gone)."""
    done = []
    for child in organizations.list_organizational_units_for_parent(ParentId=unit["Id"])[
        "OrganizationalUnits"
    ]:
        done += _delete_unit_tree(organizations, child)
    organizations.delete_organizational_unit(OrganizationalUnitId=unit["Id"])
    return [*done, f"unit {unit['Name']}"]


def activate_cost_allocation_tags(aws: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """Make tag keys cost allocation tags, so the bill can be split by them (from the
    management account; only costs from now on, and a key shows up only once a resource
    carries it, up to 24 hours later). The local cloud has no Cost Explorer for this."""
    if aws.is_local:
        return {"activated": [], "note": "the local cloud does not model Cost Explorer's cost "
                                         "allocation tags; on AWS this call activates them"}
    ce = aws.session.client("ce", region_name="us-east-1")  # Cost Explorer's one endpoint
    answer = ce.update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"} for key in keys])
    failed = {error["TagKey"]: error["Message"] for error in answer.get("Errors", [])}
    return {"activated": [key for key in keys if key not in failed], "errors": failed}


# -- guardrails -------------------------------------------------------------------------------

def developer_boundary(aws: Any) -> dict[str, Any]:
    """The most a developer-created role may ever do: the app's services, nothing in IAM or
    Organizations. A role's effective permissions are its policies *intersected* with this."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AppServices", "Effect": "Allow", "Resource": "*",
             "Action": ["lambda:*", "dynamodb:*", "logs:*", "s3:*", "apigateway:*",
                        "cloudfront:*", "xray:*"]},
            {"Sid": "NoEscalation", "Effect": "Deny", "Resource": "*",
             "Action": ["iam:*", "organizations:*", "account:*", "sts:AssumeRole"]},
        ],
    }  # fmt: skip


def developer_policy(aws: Any, boundary_arn: str) -> dict[str, Any]:
    """What a developer may do in a dev account: build the app, and create roles for it, but
    only roles that carry the boundary, so no role they create can exceed it."""
    role_arn = f"arn:aws:iam::{aws.account_id}:role/workbook-*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "BuildTheApp", "Effect": "Allow", "Resource": "*",
             "Action": ["lambda:*", "dynamodb:*", "logs:*", "s3:*", "apigateway:*",
                        "cloudfront:*"]},
            {"Sid": "CreateRolesOnlyWithTheBoundary", "Effect": "Allow", "Resource": role_arn,
             "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                        "iam:PutRolePermissionsBoundary"],
             "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary_arn}}},
            {"Sid": "PassOnlyWorkbookRolesToLambda", "Effect": "Allow", "Resource": role_arn,
             "Action": "iam:PassRole",
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
            {"Sid": "NeverRemoveTheBoundary", "Effect": "Deny", "Resource": "*",
             "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeletePolicy",
                        "iam:CreatePolicyVersion"]},
        ],
    }  # fmt: skip


def ensure_policy(aws: Any, name: str, document: dict[str, Any]) -> str:
    import json

    iam = aws.client("iam")
    arn = f"arn:aws:iam::{aws.account_id}:policy/{name}"
    try:
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document),
                          Tags=[{"Key": k, "Value": v} for k, v in aws.tags.items()])  # fmt: skip
    except iam.exceptions.EntityAlreadyExistsException:
        pass
    return arn


def tag_policy() -> dict[str, Any]:
    """Organizations tag policy: every function and table carries ``environment`` = one of ours."""
    return {"tags": {"environment": {
        "tag_key": {"@@assign": "environment"},
        "tag_value": {"@@assign": list(ENVIRONMENTS)},
        "enforced_for": {"@@assign": ["lambda:function", "dynamodb:table"]},
    }}}  # fmt: skip


def ensure_org_policy(aws: Any, name: str, kind: str, document: dict, target_id: str) -> str:
    """Create (or reuse) an organization policy of ``kind`` and attach it to ``target_id``."""
    import json

    organizations = aws.client("organizations")
    if kind not in [t["Type"] for t in organizations.list_roots()["Roots"][0]["PolicyTypes"]
                    if t["Status"] == "ENABLED"]:  # fmt: skip
        organizations.enable_policy_type(RootId=root_id(aws), PolicyType=kind)
    existing = [p for p in organizations.list_policies(Filter=kind)["Policies"]
                if p["Name"] == name]  # fmt: skip
    if existing:
        policy_id = existing[0]["Id"]
    else:
        policy_id = organizations.create_policy(
            Name=name, Type=kind, Content=json.dumps(document),
            Description="workbook: environments for a team",
        )["Policy"]["PolicySummary"]["Id"]  # fmt: skip
    attached = organizations.list_targets_for_policy(PolicyId=policy_id)["Targets"]
    if target_id not in [t["TargetId"] for t in attached]:
        organizations.attach_policy(PolicyId=policy_id, TargetId=target_id)
    return policy_id


def dismantle(aws: Any, unit_name: str) -> list[str]:
    """Undo this notebook: detach and delete the workbook's organization policies, take the
    workbook's accounts out, delete the unit, and (locally) the organization. On AWS accounts
    are left alone: close them yourself in the console if you created them."""
    organizations = aws.client("organizations")
    done: list[str] = []
    for kind in ("TAG_POLICY", "SERVICE_CONTROL_POLICY"):
        for policy in organizations.list_policies(Filter=kind)["Policies"]:
            if not policy["Name"].startswith(aws.name_for("")):
                continue
            for attached in organizations.list_targets_for_policy(PolicyId=policy["Id"])["Targets"]:
                organizations.detach_policy(PolicyId=policy["Id"], TargetId=attached["TargetId"])
            organizations.delete_policy(PolicyId=policy["Id"])
            done.append(f"policy {policy['Name']}")
    if not aws.is_local:
        return done
    for environment in ENVIRONMENTS:
        account = find_account(aws, aws.name_for(environment))
        if account is not None:
            organizations.remove_account_from_organization(AccountId=account["Id"])
            done.append(f"account {account['Name']}")
    for unit in organizations.list_organizational_units_for_parent(ParentId=root_id(aws))[
        "OrganizationalUnits"
    ]:
        if unit["Name"] == unit_name:
            done += _delete_unit_tree(organizations, unit)
    others = [a for a in organizations.list_accounts()["Accounts"] if a["Id"] != aws.account_id]
    if not others:
        organizations.delete_organization()
        done.append("organization")
    return done
