"""Build Lambda deployment packages: deterministic zips, so the same code always gives the
same bytes and the same ``CodeSha256`` (and an unchanged function is not redeployed)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Zip entries carry a timestamp; a fixed one makes the archive depend on content only.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
EXCLUDED_DIRS = {"__pycache__", "tests", ".pytest_cache", ".venv", "site"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo", ".md"}
# Files for developing the function, not for running it: tests, their pins, the SAM template.
EXCLUDED_FILES = {"conftest.py", "requirements-dev.txt", "template.yaml", "samconfig.toml"}
MAX_ZIP_BYTES = 50 * 1024 * 1024  # Lambda's limit for a direct upload


@dataclass(frozen=True)
class Package:
    """A deployment package: the zip's bytes and what Lambda will report about it."""

    zip_bytes: bytes

    @property
    def code_sha256(self) -> str:
        """Base64 of the SHA-256 of the zip, exactly as Lambda reports ``CodeSha256``."""
        return base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode()

    @property
    def size(self) -> int:
        return len(self.zip_bytes)

    def files(self) -> list[dict[str, object]]:
        """What is inside: one row per file (name, size, permissions)."""
        with zipfile.ZipFile(io.BytesIO(self.zip_bytes)) as archive:
            return [
                {"name": info.filename, "size": info.file_size,
                 "mode": oct((info.external_attr >> 16) & 0o777)}
                for info in archive.infolist()
            ]  # fmt: skip


def _wanted(path: Path, root: Path) -> bool:
    relative = path.relative_to(root)
    if any(part in EXCLUDED_DIRS or part.startswith(".") for part in relative.parts):
        return False
    return (
        path.is_file() and path.suffix not in EXCLUDED_SUFFIXES and path.name not in EXCLUDED_FILES
    )


class DependencyError(RuntimeError):
    """A requirement cannot be packaged from this environment; the message says what to do."""


def installed_requirements(requirements: Path) -> dict[str, Path]:
    """The files of each pinned requirement (``name==version``), taken from this environment.

    The workbook runs offline, so instead of downloading with ``pip install --target`` it copies
    the installed distribution. Only pure-Python packages are portable this way: Lambda runs
    Linux, and compiled extensions must be built for its platform
    (``pip install --platform manylinux2014_x86_64 --only-binary=:all: --target ...``).
    """
    import importlib.metadata as metadata

    files: dict[str, Path] = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        if not version:
            raise DependencyError(f"Pin {line!r} to an exact version ({line}==X.Y) in {requirements}.")
        try:
            distribution = metadata.distribution(name.strip())
        except metadata.PackageNotFoundError:
            raise DependencyError(
                f"{name} is not installed here: pip install '{line}', then build again."
            ) from None
        if distribution.version != version.strip():
            raise DependencyError(
                f"{requirements} pins {line} but {distribution.version} is installed: "
                f"pip install '{line}', or update the pin."
            )
        for file in distribution.files or []:
            path = Path(distribution.locate_file(file))
            if "__pycache__" in file.parts or path.suffix in EXCLUDED_SUFFIXES:
                continue
            if path.suffix in (".so", ".pyd"):
                raise DependencyError(
                    f"{name} contains compiled code ({file}); build it for Lambda's Linux with "
                    "pip install --platform manylinux2014_x86_64 --only-binary=:all: --target."
                )
            files[file.as_posix()] = path
    return files


def build_zip(source: str | Path, *, extra: dict[str, str | Path] | None = None,
              dependencies: bool = False) -> Package:
    """Zip the files under ``source`` (skipping tests, docs, caches and the static site).

    ``extra`` adds more trees: ``{"name inside the zip": path}``. ``dependencies=True`` adds
    the packages pinned in ``source/requirements.txt`` at the top level, where Lambda's Python
    finds them (see ``installed_requirements``). Entries are sorted, dated 1980-01-01 and made world-readable (Lambda
    runs your code as a different user: a file only you can read fails to import).
    """
    root = Path(source)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a directory: pass the folder holding your handler.")
    entries: dict[str, Path] = {p.relative_to(root).as_posix(): p for p in root.rglob("*")
                                if _wanted(p, root)}  # fmt: skip
    for name, path in (extra or {}).items():
        path = Path(path)
        if path.is_file():
            entries[name] = path
        else:
            entries.update({f"{name}/{p.relative_to(path).as_posix()}": p
                            for p in path.rglob("*") if _wanted(p, path)})  # fmt: skip
    if dependencies:
        requirements = root / "requirements.txt"
        if not requirements.exists():
            raise FileNotFoundError(f"dependencies=True needs {requirements} (name==version lines).")
        entries.update(installed_requirements(requirements))
    if not entries:
        raise ValueError(f"{root} holds no files to package.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.external_attr = (0o100644 << 16)  # regular file, rw-r--r--
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entries[name].read_bytes(), compresslevel=9)
    package = Package(buffer.getvalue())
    if package.size > MAX_ZIP_BYTES:
        raise ValueError(
            f"The package is {package.size / 2**20:.1f} MB; Lambda takes at most 50 MB "
            "uploaded directly. Move dependencies to a layer or upload the zip to S3."
        )
    return package
