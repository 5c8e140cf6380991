"""Show things in a notebook: source files from lambda_examples/, and small tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from IPython.display import Markdown

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "lambda_examples"
LANGUAGES = {".py": "python", ".json": "json", ".html": "html", ".js": "javascript",
             ".css": "css", ".md": "markdown", ".txt": "text"}  # fmt: skip


def example_path(*parts: str) -> Path:
    """The path of a file or folder in lambda_examples/."""
    path = EXAMPLES.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; is the workbook checkout complete?")
    return path


def show_file(*parts: str) -> Markdown:
    """Display a file from lambda_examples/ with syntax highlighting (never a copy in a cell)."""
    path = example_path(*parts)
    language = LANGUAGES.get(path.suffix, "")
    relative = path.relative_to(ROOT).as_posix()
    return Markdown(f"`{relative}`\n\n```{language}\n{path.read_text().rstrip()}\n```")


def table(rows: Iterable[Mapping[str, object]]):
    """A pandas DataFrame of the rows, for a readable table in the notebook."""
    import pandas as pd

    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 90)
    return pd.DataFrame(list(rows))
