"""The guestbook as a whole: its backend in one call, and (notebook 09) the whole app.

Each notebook stands alone, so notebooks 06-09 start from ``ensure_backend``: the table, the
function's role and the function itself, exactly as notebook 05 built them step by step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import functions, iam, logs, packaging, tables
from .display import example_path


@dataclass
class Backend:
    table: str
    role: str
    function: str
    function_arn: str


def ensure_backend(aws: Any, *, say: Any = print) -> Backend:
    """DynamoDB table, least-privilege role, and the guestbook function. Idempotent."""
    table_name, function_name = aws.name_for("guestbook"), aws.name_for("guestbook")
    role_name = aws.name_for("guestbook-role")
    tables.ensure_table(aws, table_name)
    role_arn = iam.ensure_execution_role(aws, role_name)
    iam.put_inline_policy(aws, role_name, "guestbook-table",
                          tables.guestbook_policy(aws, table_name))  # fmt: skip
    iam.put_inline_policy(aws, role_name, "write-own-logs",
                          iam.logging_policy(aws, function_name))  # fmt: skip
    configuration = functions.deploy_function(
        aws, function_name, packaging.build_zip(example_path("guestbook")), role_arn=role_arn,
        handler="app.handler", environment={"TABLE_NAME": table_name}, timeout=10,
        memory_size=256, say=say,
    )  # fmt: skip
    return Backend(table_name, role_name, function_name, configuration["FunctionArn"])


def delete_backend(aws: Any, backend: Backend) -> dict[str, bool]:
    """The function, its log group, the table and the role, in that order."""
    return {
        "function": functions.delete_function(aws, backend.function),
        "log group": logs.delete_log_group(aws, logs.log_group_name(backend.function)),
        "table": tables.delete_table(aws, backend.table),
        "role": iam.delete_role(aws, backend.role),
    }
