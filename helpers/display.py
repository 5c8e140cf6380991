"""Show things in a notebook: source files from lambda_examples/ (whole or excerpts), the source
of a helper (the boto3 calls under the hood), and small tables."""

from __future__ import annotations

import textwrap
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


def _code_block(title: str, language: str, text: str) -> Markdown:
    return Markdown(f"`{title}`\n\n```{language}\n{text.rstrip()}\n```")


def show_source(obj: object) -> Markdown:
    """Display a helper's source with highlighting: the boto3 calls it makes, under the hood."""
    import inspect

    try:
        lines, _ = inspect.getsourcelines(obj)  # type: ignore[arg-type]
        path = Path(inspect.getsourcefile(obj) or "")  # type: ignore[arg-type]
    except (TypeError, OSError):
        raise TypeError(f"{obj!r} has no Python source to show: pass a function or a class.") from None
    where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    return _code_block(f"{where}: {getattr(obj, '__qualname__', '')}", "python", textwrap.dedent("".join(lines)))


def excerpt(*parts: str, names: Iterable[str] = (), lines: tuple[int, int] | None = None) -> str:
    """The text of named top-level functions, classes or assignments in a file from
    lambda_examples/ (in the order asked), or of a range of its lines (1-based, inclusive)."""
    import ast

    path = example_path(*parts)
    text = path.read_text()
    all_lines = text.splitlines()
    if lines is not None:
        start, end = lines
        if not 1 <= start <= end <= len(all_lines):
            raise ValueError(f"{path.name} has {len(all_lines)} lines; lines={lines} is outside it.")
        return "\n".join(all_lines[start - 1:end])
    found: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            node_names = [node.name]
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            node_names = [t.id for t in targets if isinstance(t, ast.Name)]
            start = node.lineno
        else:
            continue
        for name in node_names:
            found[name] = "\n".join(all_lines[start - 1:node.end_lineno])
    missing = [name for name in names if name not in found]
    if missing or not names:
        raise ValueError(f"{path.name} defines no top-level {', '.join(missing) or 'name'}; "
                         f"it has: {', '.join(found)}.")
    return "\n\n".join(found[name] for name in names)


def show_excerpt(*parts: str, names: Iterable[str] = (),
                 lines: tuple[int, int] | None = None) -> Markdown:
    """Display part of a file in lambda_examples/: named functions, classes or constants, or a
    line range. A short excerpt read from the file, never a copy in a cell."""
    path = example_path(*parts)
    relative = path.relative_to(ROOT).as_posix()
    what = f"lines {lines[0]}-{lines[1]}" if lines else ", ".join(names)
    language = LANGUAGES.get(path.suffix, "")
    return _code_block(f"{relative}: {what}", language, excerpt(*parts, names=names, lines=lines))


def table(rows: Iterable[Mapping[str, object]]):
    """A pandas DataFrame of the rows, for a readable table in the notebook."""
    import pandas as pd

    pd.set_option("display.width", 160)
    pd.set_option("display.max_colwidth", 90)
    return pd.DataFrame(list(rows))
