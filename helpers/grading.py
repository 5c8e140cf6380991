"""How the exercises are graded: a verdict, a prediction compared with what the cloud did, and
build tasks whose hints get more specific each time the same piece is still missing.

Everything prints rather than raises, so a notebook runs top to bottom before you have tried,
and the first run of every check prints the same thing (nbval compares it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

NOT_YET = "Not yet: "

# How many times each build task's missing piece has been reported, in this kernel.
_attempts: Counter[tuple[str, int]] = Counter()


class Outcome:
    """What a check found: true when correct. A notebook shows nothing for it (the printed
    verdict says it all); tests and code can test it."""

    def __init__(self, ok: bool):
        self.ok = ok

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<Outcome: {'correct' if self.ok else 'not yet'}>"

    def _ipython_display_(self) -> None:
        pass


def verdict(ok: bool, hint: str, success: str = "") -> Outcome:
    """Print "Correct!" (and ``success``) or "Not yet: <hint>"."""
    print(f"Correct! {success}".rstrip() if ok else f"{NOT_YET}{hint}")
    return Outcome(ok)


# -- predict, then run --------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A predict-then-run question: what to write in ``prediction``, and why the cloud does what
    it does (shown once you have predicted and run)."""

    ask: str
    explain: str
    same: Callable[[Any, Any], bool] = lambda predicted, observed: predicted == observed


def same_text(predicted: Any, observed: Any) -> bool:
    """Equal ignoring case and surrounding spaces (and quotes a learner may type)."""
    def clean(value: Any) -> str:
        return str(value).strip().strip("'\"").strip().lower()

    return clean(predicted) == clean(observed)


def predict_then_run(question: Question, prediction: Any,
                     experiment: Callable[[], Any]) -> Outcome:
    """Run ``experiment`` only once ``prediction`` is written, then compare and explain."""
    if prediction is None:
        print(f"{NOT_YET}write your prediction first ({question.ask}), then run this cell again.")
        return Outcome(False)
    observed = experiment()
    right = question.same(prediction, observed)
    print(f"You predicted {prediction!r}; the cloud answered {observed!r}.")
    print(("Right! " if right else "Not quite. ") + question.explain)
    return Outcome(right)


# -- build tasks ----------------------------------------------------------------------------------

Steps = Iterable[tuple[bool, tuple[str, ...]]]


def grade_build(task: str, steps: Steps, success: str) -> Outcome:
    """Walk ``steps`` (each: is this piece done?, its hints from vague to specific) and stop at
    the first piece missing. Its hint gets more specific each time it is reported."""
    for index, (done, hints) in enumerate(steps):
        if done:
            continue
        _attempts[(task, index)] += 1
        level = min(_attempts[(task, index)], len(hints)) - 1
        more = (" (Run this check again after your next try: the hint gets more specific.)"
                if level < len(hints) - 1 else "")  # fmt: skip
        print(f"{NOT_YET}{hints[level]}{more}")
        return Outcome(False)
    print(f"Correct! {success}")
    return Outcome(True)


def reset_attempts() -> None:
    """Forget how often each hint was given (tests, or a learner starting over)."""
    _attempts.clear()
