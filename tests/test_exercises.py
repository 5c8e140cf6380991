"""Every exercise checker, against a right answer and a wrong one.

A right answer is the notebook's own solution file (notebooks/solutions/NN_name.py) run the way
a learner runs it, ``%run -i``: in a namespace holding what the notebook defined above its
exercises, against an in-process local cloud. A wrong answer is the notebook's placeholder, or a
build that is not (or only half) done.
"""

import os
from pathlib import Path

import pytest

from helpers import exercises, grading, guardrails

SOLUTIONS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"


def run_solution(notebook: str, **names):
    """Execute a solution file in a namespace holding the notebook's ``names``; return it."""
    path = SOLUTIONS / f"{notebook}.py"
    namespace = {"__name__": "__solution__", **names}
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(autouse=True)
def first_attempts():
    grading.reset_attempts()


def said(capsys) -> str:
    return capsys.readouterr().out


# -- 00 · Welcome ---------------------------------------------------------------------------------


def test_00_predicts_an_empty_region_and_adds_an_early_budget_alert(aws, capsys):
    identity = aws.client("sts").get_caller_identity()

    def region_field():
        return identity["Arn"].split(":")[3]

    assert not exercises.predict("00", None, region_field)
    assert said(capsys).startswith("Not yet: write your prediction")
    assert not exercises.predict("00", "us-east-1", region_field)
    assert "Not quite. IAM and STS are global" in said(capsys)
    assert not exercises.check_early_alert(aws)
    assert "there is no budget workbook-monthly yet" in said(capsys)
    guardrails.budget_alert(aws, 5, "you@example.com")
    assert not exercises.check_early_alert(aws)
    assert "none at 50%" in said(capsys)
    exercises.check_account_id(None, aws)
    assert said(capsys).startswith("Not yet")

    solved = run_solution("00_welcome", aws=aws, identity=identity, os=os)
    assert exercises.predict("00", solved["prediction"], region_field)
    assert exercises.check_early_alert(aws)
    exercises.check_account_id(solved["answer"], aws)
    assert said(capsys).endswith("forecast of 100%.\nCorrect!\n")
    assert guardrails.delete_budget(aws)
