"""Checks for the exercises at the end of each notebook: they say "Correct!" or what is off.

They print rather than raise, so a notebook runs top to bottom before you have tried.
"""

from __future__ import annotations

from typing import Any


def _verdict(ok: bool, hint: str) -> None:
    print("Correct!" if ok else f"Not yet: {hint}")


def check_account_id(answer: Any, target: Any) -> None:
    """00: the account id, read from the caller's ARN (arn:aws:sts::ACCOUNT:...)."""
    _verdict(
        answer == target.account_id,
        f"you gave {answer!r}; the account is the fifth ':'-separated field of the ARN.",
    )


def check_shout(shout: Any) -> None:
    """01: a handler that upper-cases event['text'] into {'message': ...}."""
    from .functions import TestContext

    try:
        result = shout({"text": "hi there"}, TestContext())
    except Exception as error:  # the learner's code may raise anything
        _verdict(False, f"shout raised {type(error).__name__}: {error}")
        return
    _verdict(
        result == {"message": "HI THERE"},
        f"shout({{'text': 'hi there'}}, context) returned {result!r}; "
        "expected {'message': 'HI THERE'}.",
    )
