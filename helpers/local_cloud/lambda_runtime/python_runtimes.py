"""Python runtimes: which ones AWS still accepts, and which interpreter runs each one here.

A function declares a runtime (``python3.12``); what runs it locally must be that Python, or the
offline run vouches for nothing. The cloud's own interpreter serves its own version; another
version runs on a ``python3.X`` found on PATH (with the pure-Python runtime client: awslambdaric's
native part is built for the cloud's Python only); with neither, the cloud's interpreter stands in
and says so.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass

# AWS's "Deprecated runtimes" table as runtime: (block function create, block function update)
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html). From the first date no new function
# may use the runtime, from the second no function on it may be changed either.
# python3.9 was deprecated on 2025-12-15; AWS moved its blocking dates to 2027 (re:Post, "AWS Lambda
# Python runtime 3.9 EoL"), and has moved such dates before: check the table when in doubt.
BLOCKED_PYTHON_RUNTIMES: dict[str, tuple[datetime.date, datetime.date]] = {
    "python2.7": (datetime.date(2021, 7, 15), datetime.date(2022, 5, 30)),
    "python3.6": (datetime.date(2022, 7, 18), datetime.date(2022, 8, 29)),
    "python3.7": (datetime.date(2024, 1, 9), datetime.date(2025, 2, 28)),
    "python3.8": (datetime.date(2025, 2, 28), datetime.date(2025, 3, 31)),
    "python3.9": (datetime.date(2027, 2, 1), datetime.date(2027, 3, 3)),
}

PYTHON_RUNTIME = re.compile(r"^python(?P<major>\d+)\.(?P<minor>\d+)$")


def runtime_of(version: tuple[int, ...]) -> str:
    """The runtime identifier of a Python version: (3, 11, 7) -> "python3.11"."""
    return f"python{version[0]}.{version[1]}"


def blocked_runtime_message(runtime: str) -> str:
    """Lambda's InvalidParameterValueException message for a runtime past its blocking date."""
    return (f"The runtime parameter of {runtime} is no longer supported for creating or updating "
            "AWS Lambda functions. We recommend you use a supported runtime while creating or "
            "updating functions.")


def runtime_refusal(runtime: str | None, *, creating: bool, today: datetime.date) -> str | None:
    """Why AWS refuses `runtime` today, or None. `creating`: a new function, or one switched to this
    runtime (blocked from "Block function create"); otherwise an update of a function already on it
    (blocked from "Block function update")."""
    dates = BLOCKED_PYTHON_RUNTIMES.get(runtime or "")
    if dates is None:
        return None
    block_create, block_update = dates
    if today >= (block_create if creating else block_update):
        return blocked_runtime_message(runtime or "")
    return None


@dataclass(frozen=True)
class Interpreter:
    """A Python that can run execution environments."""

    executable: str
    version: tuple[int, int, int]
    prefix: str  # sys.base_prefix: its standard library (what a sandbox must show)
    host: bool = False  # the cloud's own Python (awslambdaric and the SDK are installed for it)
    base_executable: str = ""  # the same Python outside any virtualenv (what a sandbox runs)

    @property
    def runtime(self) -> str:
        return runtime_of(self.version)

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def sandbox_executable(self) -> str:
        return self.base_executable or self.executable


def host_interpreter() -> Interpreter:
    """The Python running the cloud (its base interpreter when in a virtualenv)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Interpreter(executable=sys.executable, version=tuple(sys.version_info[:3]),
                       prefix=sys.base_prefix, host=True, base_executable=base)


_PROBE = "import sys; print(sys.version_info[0], sys.version_info[1], sys.version_info[2]); " \
         "print(sys.executable); print(sys.base_prefix)"


def find_interpreter(runtime: str, search_path: str | None = None) -> Interpreter | None:
    """A ``python3.X`` on `search_path` (default PATH) that really is Python 3.X, or None.

    Each candidate is run once: version managers put shims on PATH that exist but refuse to run
    (pyenv: "python3.12: command not found") unless that version is selected."""
    match = PYTHON_RUNTIME.match(runtime)
    if match is None:
        return None
    wanted = (int(match["major"]), int(match["minor"]))
    search_path = os.environ.get("PATH", "") if search_path is None else search_path
    seen: set[str] = set()
    for directory in search_path.split(os.pathsep):
        candidate = shutil.which(f"python{wanted[0]}.{wanted[1]}", path=directory)
        if candidate is None or os.path.realpath(candidate) in seen:
            continue
        seen.add(os.path.realpath(candidate))
        interpreter = _probe(candidate)
        if interpreter is not None and interpreter.version[:2] == wanted:
            return interpreter
    return None


def _probe(candidate: str) -> Interpreter | None:
    try:
        completed = subprocess.run([candidate, "-S", "-c", _PROBE], capture_output=True,
                                   text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = completed.stdout.splitlines()
    if completed.returncode != 0 or len(lines) != 3:
        return None
    try:
        version = tuple(int(part) for part in lines[0].split())
    except ValueError:
        return None
    return Interpreter(executable=lines[1] or candidate, version=version, prefix=lines[2],
                       base_executable=lines[1] or candidate)
