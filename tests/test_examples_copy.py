"""Each example works when copied alone: its README's commands run in an empty folder holding
only the example, with a virtual environment holding only its requirements-dev.txt.

Building a virtual environment takes seconds, so one is built per distinct set of requirement
files (hello, counter and echo_event share theirs) and kept under the temp folder, named by the
hash of those files: a changed pin builds a new one. The copy's `.venv` is a link to it, so the
README's `pip install -r requirements-dev.txt` still runs and must find everything pinned.
Set WORKBOOK_FRESH_VENVS=1 to rebuild them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "lambda_examples"
EXAMPLES = sorted(path.name for path in EXAMPLES_DIR.iterdir() if (path / "README.md").exists())
VENV_CACHE = Path(tempfile.gettempdir()) / "workbook-example-venvs"
CREATE_VENV = "python3 -m venv .venv"
IGNORED = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".venv", "build", "*.zip")


def shell_blocks(readme: str, section: str) -> list[str]:
    """The ```bash blocks under a `## section` heading of a README."""
    match = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    return re.findall(r"```bash\n(.*?)```", match.group(1), re.S) if match else []


def clean_environment(copy: Path) -> dict[str, str]:
    """The caller's environment minus anything that would let the workbook leak in."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["PATH"] = f"{copy / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def requirements_hash(example: Path) -> str:
    digest = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    for path in sorted(example.glob("requirements*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build_venv(example: Path, built_this_session: set[Path]) -> Path:
    """A virtual environment with only the example's requirements-dev.txt, built once per hash."""
    target = VENV_CACHE / requirements_hash(example)
    fresh = os.environ.get("WORKBOOK_FRESH_VENVS") and target not in built_this_session
    if (target / "complete").exists() and not fresh:
        return target
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=VENV_CACHE))
    # Not --system-site-packages, and not this interpreter's venv: only what pip installs.
    # --no-compile: Python compiles what the tests import; compiling all of sympy takes longer.
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
    install = subprocess.run(
        [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "--no-compile", "-r", "requirements-dev.txt"],
        cwd=example, env=clean_environment(example), capture_output=True, text=True)
    if install.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        pytest.fail(f"pip install -r {example.name}/requirements-dev.txt failed:\n{install.stderr}")
    (building / "complete").touch()
    built_this_session.add(target)
    shutil.rmtree(target, ignore_errors=True)
    try:
        building.rename(target)  # atomic: another run sees a whole environment or none
    except OSError:  # another run finished the same environment first
        shutil.rmtree(building, ignore_errors=True)
    return target


@pytest.fixture(scope="session")
def venv_for():
    """venv_for(example folder) -> the folder of its cached virtual environment."""
    built_this_session: set[Path] = set()
    return lambda example: build_venv(example, built_this_session)


@pytest.fixture
def copy_of(tmp_path, venv_for):
    """copy_of("hello") -> an empty folder holding only a copy of the example, and its .venv."""

    def copy(name: str) -> Path:
        folder = tmp_path / name
        shutil.copytree(EXAMPLES_DIR / name, folder, ignore=IGNORED)
        (folder / ".venv").symlink_to(venv_for(folder), target_is_directory=True)
        return folder

    return copy


def run(commands: str, folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=folder,
                          env=clean_environment(folder), capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_readme_test_commands_pass_in_a_copy_of_the_example_alone(copy_of, name):
    folder = copy_of(name)
    [block] = shell_blocks((folder / "README.md").read_text(), "Run the tests")
    assert block.startswith(CREATE_VENV + "\n")  # the copy's .venv stands in for this line
    result = run(block.removeprefix(CREATE_VENV + "\n"), folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=+ \d+ passed in [\d.]+s =+", summary), summary  # none skipped or failed


def test_the_copy_cannot_import_the_workbook_or_what_it_did_not_ask_for(copy_of):
    folder = copy_of("hello")
    probe = ("import importlib.util as u; "
             "print([m for m in ('helpers', 'moto', 'boto3', 'nbval') if u.find_spec(m)])")
    result = run(f'.venv/bin/python -c "{probe}"', folder)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_xml_to_json_package_commands_build_a_zip_with_its_dependency(copy_of):
    folder = copy_of("xml_to_json")
    readme = (folder / "README.md").read_text()
    [block] = [block for block in re.findall(r"```bash\n(.*?)```", readme, re.S)
               if "--target build/" in block]
    result = run(block, folder)
    assert result.returncode == 0, result.stderr[-3000:]
    names = zipfile.ZipFile(folder / "function.zip").namelist()
    assert {"xml_to_json.py", "xmltodict.py"} <= set(names)


@pytest.mark.parametrize("name", EXAMPLES)
def test_readme_commands_name_nothing_outside_the_example(name):
    readme = (EXAMPLES_DIR / name / "README.md").read_text()
    commands = "\n".join(re.findall(r"```bash\n(.*?)```", readme, re.S))
    for outside in ("../..", "lambda_examples", "helpers", "notebooks/", "make "):
        assert outside not in commands, f"{name}/README.md runs {outside!r}: copy it alone"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_pins_exactly_what_its_tests_need(name):
    lines = (EXAMPLES_DIR / name / "requirements-dev.txt").read_text().splitlines()
    pins = [line for line in lines if line.strip() and not line.startswith(("#", "-r "))]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", pin) for pin in pins), pins
    assert any(pin.startswith("pytest==") for pin in pins)
