"""Lambda permissions as AWS keeps them: one statement per statement id."""

from __future__ import annotations

import json
from typing import Any


def install() -> None:
    _refuse_duplicate_lambda_statement_ids()


# -- learning (notebooks): Lambda permissions ---------------------------------------------------


def _refuse_duplicate_lambda_statement_ids() -> None:
    """AWS refuses AddPermission with a statement id the function's policy already has
    (ResourceConflictException, 409); moto appended a second copy, so a helper that relies on
    the refusal to be idempotent piled up duplicates, and RemovePermission left one behind."""
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.policy import Policy

    if getattr(Policy, "_workbook_unique_sids", False):
        return
    add_statement = Policy.add_statement

    class StatementIdExists(LambdaClientError):
        code = 409

        def __init__(self, sid: str) -> None:
            super().__init__("ResourceConflictException",
                             f"The statement id ({sid}) provided already exists. Please provide "
                             "a new statement id, or remove the existing statement.")

    def unique_add_statement(self: Any, raw: str, qualifier: str | None = None) -> Any:
        sid = json.loads(raw).get("StatementId")
        if sid and any(statement.get("Sid") == sid for statement in self.statements):
            raise StatementIdExists(sid)
        return add_statement(self, raw, qualifier)

    Policy.add_statement = unique_add_statement
    Policy._workbook_unique_sids = True
