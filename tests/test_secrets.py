"""No AWS credentials in the repository: not in any file git tracks (or would add), and not in
any notebook output, where a `print(session.get_credentials())` would leave them for good.

A key that reached a commit is compromised even if a later commit removes it: deactivate it in
IAM, then remove it from the file (and clear the notebook's outputs).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
# A 40-character base64-ish value assigned to something named like a secret:
# secret_key = "...", "SecretAccessKey": "...", AWS_SECRET_ACCESS_KEY=...
ASSIGNED_SECRET = re.compile(
    r"(?i)secret\w*[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
# A credentials-file line with a literal value: aws_secret_access_key = ...
CREDENTIALS_LINE = re.compile(
    r"(?im)^\s*aws_secret_access_key\s*=\s*(?P<value>[A-Za-z0-9/+=]{16,})\s*$"
)
DOCUMENTED_EXAMPLE = "EXAMPLE"  # AWS's documentation keys end in EXAMPLE / EXAMPLEKEY


def findings(text: str) -> list[str]:
    """What in ``text`` looks like an AWS access key id or secret access key (redacted)."""
    found = []
    for match in ACCESS_KEY_ID.finditer(text):
        if DOCUMENTED_EXAMPLE not in match.group(0):
            found.append(f"access key id {match.group(0)[:8]}...")
    for pattern in (ASSIGNED_SECRET, CREDENTIALS_LINE):
        for match in pattern.finditer(text):
            value = match.group("value")
            random_looking = any(c.islower() for c in value) and any(c.isupper() for c in value)
            if random_looking and DOCUMENTED_EXAMPLE not in value:
                found.append(f"secret access key {value[:4]}...")
    return found


def repository_files() -> list[Path]:
    """Tracked files, and untracked ones git would add (so a key is caught before a commit)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout, or git is missing ({error})")
    paths = {ROOT / name for name in listed.decode().split("\0") if name}
    return sorted(path for path in paths if path.is_file())


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


def notebook_outputs(notebook: dict) -> Iterator[tuple[int, str]]:
    """(cell number, text) for every output of every cell: streams, data, tracebacks."""
    for number, cell in enumerate(notebook.get("cells", []), 1):
        for output in cell.get("outputs", []):
            parts = [output.get("text", ""), output.get("evalue", ""),
                     *output.get("traceback", [])]  # fmt: skip
            for value in output.get("data", {}).values():
                parts.append(value if isinstance(value, str | list) else json.dumps(value))
            for part in parts:
                yield number, "".join(part) if isinstance(part, list) else str(part)


def test_the_detector_catches_keys_built_at_runtime_and_spares_aws_documentation_examples():
    # Built by concatenation so that this file never holds a key-looking string itself.
    key_id = "AKIA" + "Q3EGRIOT" + "ZX5KTN7B"
    secret = "kR8fT2nBq" + "Lw9/Zx4Hc" + "Y7mPd3sVe" + "J6aUg1oN+" + "iWrX"
    assert findings(f"aws_access_key_id = {key_id}") == [f"access key id {key_id[:8]}..."]
    assert findings(f'session = Session(aws_secret_access_key="{secret}")')
    assert findings(f'{{"SecretAccessKey": "{secret}"}}')
    assert findings(f"[default]\naws_secret_access_key = {secret}\n")
    assert findings(f"export AWS_SECRET_ACCESS_KEY={secret}")
    documented_id = "AKIA" + "IOSFODNN7" + "EXAMPLE"
    documented_secret = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
    assert findings(f"{documented_id} {documented_secret} secret = {documented_secret}") == []
    assert findings('aws_secret_access_key = os.environ["AWS_SECRET_ACCESS_KEY"]') == []
    assert findings('"aws_secret_access_key": "local-cloud-secret-key"') == []
    git_sha = "secret_commit = " + "3f" * 20  # hex is not a secret: no upper and lower case
    assert findings(git_sha) == []


def test_no_aws_credentials_in_any_file_git_tracks():
    problems = [f"{path.relative_to(ROOT)}: {finding}" for path in repository_files()
                if (text := text_of(path)) is not None for finding in findings(text)]  # fmt: skip
    assert not problems, (
        "These look like AWS credentials. Deactivate the key in IAM (a committed key is "
        "compromised), then remove it from the file:\n" + "\n".join(problems)
    )


def test_no_aws_credentials_in_any_notebook_output():
    problems = []
    for path in repository_files():
        if path.suffix != ".ipynb":
            continue
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            problems.append(f"{path.relative_to(ROOT)}: not valid JSON ({error})")
            continue
        problems += [f"{path.relative_to(ROOT)}, cell {number}: {finding}"
                     for number, text in notebook_outputs(notebook)
                     for finding in findings(text)]  # fmt: skip
    assert not problems, (
        "A notebook output shows what looks like AWS credentials. Deactivate the key in IAM, "
        "then clear the outputs (Edit > Clear Outputs of All Cells) and save:\n"
        + "\n".join(problems)
    )
