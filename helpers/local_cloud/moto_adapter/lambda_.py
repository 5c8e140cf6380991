"""Lambda: functions, versions, concurrency, event invoke configs, event source mappings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._common import _arn_parts, _backends
from .wsgi import api_errors

# -- operate: async invocation, concurrency, metrics and alarms ---------------------------------


def lambda_function(account: str, region: str, name: str, qualifier: str | None = None) -> Any:
    """moto's model of a function version (or the version an alias points to); raises moto's
    ResourceNotFound-style exception when absent."""
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][region].get_function(name, qualifier)


def reserved_concurrency(account: str, region: str, name: str) -> int | None:
    """The function's ReservedConcurrentExecutions (from $LATEST: versions copy it when
    published, but the reservation belongs to the function), or None."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    value = getattr(latest, "reserved_concurrency", None)
    return None if value is None else int(value)


def reserved_concurrency_by_function(account: str, region: str) -> dict[str, int]:
    """Function name -> reservation, for every function that has one."""
    from moto.awslambda.models import lambda_backends

    if account not in lambda_backends or region not in lambda_backends[account]:
        return {}
    reserved = {}
    for name, entry in lambda_backends[account][region]._lambdas._functions.items():
        value = getattr(entry.get("latest"), "reserved_concurrency", None)
        if value is not None:
            reserved[name] = int(value)
    return reserved


def account_usage(account: str, region: str) -> dict[str, int]:
    """GetAccountSettings' AccountUsage: how many functions, and their zipped code in bytes."""
    from moto.awslambda.models import lambda_backends

    functions = list(lambda_backends[account][region].list_functions(func_version="ALL"))
    return {"TotalCodeSize": sum(int(getattr(f, "code_size", 0) or 0) for f in functions),
            "FunctionCount": len({f.function_name for f in functions})}  # fmt: skip


def dead_letter_target(function: Any) -> str | None:
    """The TargetArn of the function version's DeadLetterConfig (kept by moto_patches)."""
    config = getattr(function, "dead_letter_config", None) or {}
    return config.get("TargetArn") or None


def event_invoke_config(account: str, region: str, name: str,
                        qualifier: str | None) -> dict[str, Any] | None:  # fmt: skip
    """The FunctionEventInvokeConfig for the function and qualifier as invoked (kept per
    qualifier by moto_patches), or None: AWS's defaults apply."""
    from moto.awslambda.models import lambda_backends

    entry = lambda_backends[account][region]._lambdas._functions.get(name)
    latest = entry and entry.get("latest")
    configs = getattr(latest, "workbook_event_invoke_configs", None) or {}
    return configs.get(qualifier or "$LATEST")


@dataclass(frozen=True)
class FunctionFacts:
    """What the trigger planes need to know of a function (or version, or alias target)."""

    arn: str  # as moto reports it: unqualified for $LATEST
    name: str
    role: str
    timeout: int


def function_facts(function_arn: str) -> FunctionFacts:
    """The function the ARN names; LookupError if absent."""
    from moto.awslambda.models import lambda_backends

    region, account, resource = _arn_parts(function_arn)
    name, _, qualifier = resource.removeprefix("function:").partition(":")
    try:
        function = lambda_backends[account][region].get_function(name, qualifier or None)
    except (*api_errors(), KeyError) as error:  # moto's UnknownFunctionException; a region
        raise LookupError(f"No function {function_arn}: {error}") from None
    return FunctionFacts(function.function_arn, function.function_name, str(function.role),
                         int(function.timeout))  # fmt: skip


@dataclass(frozen=True)
class Mapping:
    """What a poller needs to know of one event source mapping, read from moto."""

    uuid: str
    function_arn: str
    source_arn: str
    enabled: bool
    batch_size: int
    batching_window: float
    starting_position: str | None
    report_batch_item_failures: bool
    maximum_retry_attempts: int | None


def event_source_mappings() -> list[Mapping]:
    """Every event source mapping moto stores, in every account and region."""
    from moto.awslambda.models import lambda_backends

    found = []
    for _, _, backend in _backends(lambda_backends):
        for esm in list(backend._event_source_mappings.values()):
            found.append(Mapping(
                uuid=esm.uuid, function_arn=esm.function_arn, source_arn=esm.event_source_arn,
                enabled=bool(esm.enabled), batch_size=int(esm.batch_size),
                batching_window=float(esm.max_batch_window or 0),
                starting_position=esm.starting_position,
                report_batch_item_failures="ReportBatchItemFailures" in (
                    esm.function_response_types or []),
                maximum_retry_attempts=esm.max_retry_attempts,
            ))  # fmt: skip
    return found


# -- runtime honesty (the Lambda runtime task) -----------------------------------------------


def lambda_function_runtime(account: str, region: str, name: str) -> str | None:
    """The Runtime of the function `name` (a name or an ARN), or None if moto has no such one."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.models import lambda_backends

    try:
        return lambda_backends[account][region].get_function(name).run_time
    except LambdaClientError:
        return None


# -- the Lambda plane's lookups (moved here from planes/lambda_api.py) ----------------------------


def lambda_backend(account: str, region: str) -> Any:
    """moto's Lambda backend; KeyError for a region moto does not know."""
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account][region]


def layer_code(account: str, region: str, layer_version_arn: str) -> bytes:
    """The zipped code of a layer version."""
    return lambda_backend(account, region).layers_versions_by_arn(layer_version_arn).code_bytes
