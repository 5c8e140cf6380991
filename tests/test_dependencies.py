"""`pip install .` gives a learner everything the notebooks import or run with `python -m`:
each such module comes from a runtime dependency in pyproject.toml, or from what they require."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def installed_with(requirements: list[Requirement]) -> set[str]:
    """The distributions these requirements install, transitively (extras they name included)."""
    seen: set[str] = set()
    pending = [(r.name, frozenset(r.extras)) for r in requirements
               if r.marker is None or r.marker.evaluate()]
    while pending:
        name, extras = pending.pop()
        key = normalise(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if requirement.marker is None or any(requirement.marker.evaluate(environment)
                                                 for environment in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return {name for name, _ in seen}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_the_notebooks_use() -> set[str]:
    modules = set()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(notebook.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            modules |= set(re.findall(r"^\s*(?:from|import)\s+(\w+)", source, re.M))
            modules |= set(re.findall(r"""["']-m["'],\s*["'](\w+)["']""", source))
    return modules


def test_every_module_the_notebooks_use_comes_with_pip_install_dot():
    distributions = metadata.packages_distributions()
    installed = installed_with(runtime_requirements())
    missing = []
    for module in sorted(modules_the_notebooks_use()):
        if module in sys.stdlib_module_names or module == "helpers":
            continue
        if not {normalise(d) for d in distributions.get(module, [])} & installed:
            missing.append(module)
    assert missing == [], f"add to [project] dependencies in pyproject.toml: {missing}"


def test_notebook_01_runs_pytest_so_pytest_is_a_runtime_dependency():
    assert "pytest" in modules_the_notebooks_use()
    assert "pytest" in {r.name for r in runtime_requirements()}
