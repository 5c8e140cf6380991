"""Choose where the workbook runs: the local cloud (default) or a real AWS account.

Every notebook starts with::

    from helpers import target
    aws = target.connect()

and then asks ``aws.client("lambda")`` and friends for boto3 clients. The same cells run
on both targets; only this module knows which one it is.

- ``local`` (the default) joins the local cloud named by ``AWS_ENDPOINT_URL`` (``make lab``
  and the tests set it), or starts one inside this Python process when none is given.
- ``aws`` needs ``WORKBOOK_TARGET=aws`` *and* the opt-in ``WORKBOOK_AWS_MAY_COST_MONEY=yes``.
  It prints who you are before anything else, never talks to a local endpoint, and
  refuses accounts missing from ``WORKBOOK_AWS_ACCOUNTS`` (a comma-separated allowlist)
  when that is set.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

TARGET_VARIABLE = "WORKBOOK_TARGET"
OPT_IN_VARIABLE = "WORKBOOK_AWS_MAY_COST_MONEY"
ALLOWLIST_VARIABLE = "WORKBOOK_AWS_ACCOUNTS"
REGION_VARIABLE = "WORKBOOK_AWS_REGION"

PREFIX = "workbook"
"""Every resource the workbook creates is named ``workbook-...`` and tagged with it."""
TAG_KEY = "workbook"

# Lambda allows up to 900 s per invocation. botocore's default read timeout (60 s) plus
# its retries would send a long-running invoke a second time, so Lambda clients wait
# long enough and never retry on their own.
LAMBDA_CONFIG = {"read_timeout": 905, "retries": {"total_max_attempts": 1, "mode": "standard"}}
DEFAULT_CONFIG = {"connect_timeout": 5, "read_timeout": 30, "retries": {"mode": "standard"}}

# The local cloud accepts any credentials; these make it obvious they are not real.
LOCAL_CREDENTIALS = {
    "aws_access_key_id": "local-cloud-access-key",
    "aws_secret_access_key": "local-cloud-secret-key",
}


class TargetError(RuntimeError):
    """The chosen target cannot be used; the message says what to do."""


@dataclass
class Target:
    """A boto3 session for the chosen target, plus what the helpers need to know of it."""

    name: str
    session: boto3.Session
    region: str
    account_id: str
    caller_arn: str
    endpoint_url: str | None = None
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    @property
    def is_local(self) -> bool:
        return self.name == "local"

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client with timeouts suited to the service and the target."""
        settings = dict(LAMBDA_CONFIG if service == "lambda" else DEFAULT_CONFIG)
        if self.is_local:
            settings["connect_timeout"] = 2
        settings.update(config)
        return self.session.client(
            service, endpoint_url=self.endpoint_url, config=Config(**settings)
        )

    def resource(self, service: str) -> Any:
        return self.session.resource(
            service, endpoint_url=self.endpoint_url, config=Config(**DEFAULT_CONFIG)
        )

    def name_for(self, suffix: str) -> str:
        """The workbook's name for a resource: ``workbook-<suffix>``."""
        return f"{PREFIX}-{suffix}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags for everything the workbook creates (teardown deletes only these)."""
        return {TAG_KEY: "true", f"{TAG_KEY}-run": self.run_id}

    def describe(self) -> str:
        where = "the local cloud" if self.is_local else "a REAL AWS account"
        return (
            f"Target: {self.name} ({where})\n"
            f"  account: {self.account_id}\n"
            f"  caller:  {self.caller_arn}\n"
            f"  region:  {self.region}"
        )

    def __repr__(self) -> str:
        return f"<Target {self.name} account={self.account_id} region={self.region}>"


_local_cloud = None  # the cloud started inside this process, when no endpoint was given


def connect(name: str | None = None, *, quiet: bool = False) -> Target:
    """Connect to the target chosen by ``name`` or ``$WORKBOOK_TARGET`` (default: local)."""
    name = (name or os.environ.get(TARGET_VARIABLE) or "local").strip().lower()
    if name == "local":
        target = _connect_local()
    elif name == "aws":
        target = _connect_aws()
    else:
        raise TargetError(f"Unknown target {name!r}: use 'local' (the default) or 'aws'.")
    if target.is_local and not quiet:  # the aws target has already said who you are
        print(target.describe())
    return target


def _connect_local() -> Target:
    from .local_cloud import REGION

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        endpoint = _start_local_cloud_here()
    session = boto3.Session(region_name=REGION, **LOCAL_CREDENTIALS)
    sts = session.client("sts", endpoint_url=endpoint, config=Config(connect_timeout=2))
    try:
        identity = sts.get_caller_identity()
    except Exception as error:  # the endpoint is down or is not a local cloud
        raise TargetError(
            f"No local cloud answers at AWS_ENDPOINT_URL={endpoint} ({error}). Start one with "
            "`make lab` or `python -m helpers.local_cloud`, or unset AWS_ENDPOINT_URL to "
            "start one inside this notebook."
        ) from None
    return Target("local", session, REGION, identity["Account"], identity["Arn"], endpoint)


def _start_local_cloud_here() -> str:
    global _local_cloud
    if _local_cloud is None:
        from .local_cloud import LocalCloud

        _local_cloud = LocalCloud().start()
    # Child processes and plain boto3 clients created in cells find it the same way.
    os.environ["AWS_ENDPOINT_URL"] = _local_cloud.endpoint
    return _local_cloud.endpoint


def _connect_aws() -> Target:
    if os.environ.get(OPT_IN_VARIABLE, "").strip().lower() not in ("yes", "true", "1"):
        raise TargetError(
            "The 'aws' target uses a real AWS account and may cost money. To opt in, set "
            f"{OPT_IN_VARIABLE}=yes (and optionally {ALLOWLIST_VARIABLE}=<your account id>) "
            "in the environment that starts Jupyter, with credentials from `aws configure` "
            "or `aws sso login`. Never paste keys into a notebook."
        )
    # A local endpoint must never receive real credentials or traffic meant for AWS.
    for variable in [v for v in os.environ if v.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[variable]
    region = os.environ.get(REGION_VARIABLE) or boto3.Session().region_name or "us-east-1"
    session = boto3.Session(region_name=region)
    if session.get_credentials() is None:
        raise TargetError(
            "No AWS credentials found. Run `aws configure` or `aws sso login` in a terminal, "
            "then restart the kernel."
        )
    identity = session.client("sts", config=Config(**DEFAULT_CONFIG)).get_caller_identity()
    target = Target("aws", session, region, identity["Account"], identity["Arn"])
    print(target.describe(), flush=True)  # who you are comes before anything else
    allowed = [a.strip() for a in os.environ.get(ALLOWLIST_VARIABLE, "").split(",") if a.strip()]
    if allowed and target.account_id not in allowed:
        raise TargetError(
            f"Account {target.account_id} is not in {ALLOWLIST_VARIABLE}={','.join(allowed)}. "
            "Switch credentials to an allowed account, or add this one if you meant it."
        )
    print("  costs:   each notebook may bill this account; guardrails.cost_warning(aws, 'NN')\n"
          "           says what, and guardrails.budget_alert(aws, 10, 'you@example.com') emails\n"
          "           you before a surprise. Notebook 12 deletes everything the workbook made.")
    return target
