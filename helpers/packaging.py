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
EXCLUDED_FILES = {"conftest.py"}
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


def build_zip(source: str | Path, *, extra: dict[str, str | Path] | None = None) -> Package:
    """Zip the files under ``source`` (skipping tests, docs, caches and the static site).

    ``extra`` adds more trees: ``{"name inside the zip": path}`` (a dependency's package
    directory, say). Entries are sorted, dated 1980-01-01 and made world-readable (Lambda
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
