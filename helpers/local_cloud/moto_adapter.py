"""Every lookup the local cloud makes in moto's models, in one place: when moto changes, this is
the file to fix. Each section is headed by the task that added it."""

from __future__ import annotations

# -- runtime honesty (the Lambda runtime task) -----------------------------------------------


def lambda_function_runtime(account: str, region: str, name: str) -> str | None:
    """The Runtime of the function `name` (a name or an ARN), or None if moto has no such one."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[account][region].get_function(name).run_time
    except LambdaClientError:
        return None
