"""Which moto the local cloud was built and tested against, checked when the local cloud is
imported: moto's internals move between releases, so another moto fails here, in plain words,
instead of mid-request with an ImportError or AttributeError."""

from __future__ import annotations

import re
from importlib import metadata

MOTO_VERSION_TESTED = "5.2.5"
SUPPORTED_RANGE = ">=5.2.5,<5.3"
LOWEST, FIRST_UNSUPPORTED = (5, 2, 5), (5, 3, 0)
FIX = "pip install 'moto[server]==5.2.5'"


class MotoVersionError(ImportError):
    """The installed moto is one the local cloud was not built and tested against."""


def moto_version() -> str:
    """The installed moto's version (read from its metadata: moto itself is not imported)."""
    return metadata.version("moto")


def check_version(installed: str | None = None) -> str:
    """The installed moto's version if the local cloud supports it; else MotoVersionError."""
    if installed is None:
        try:
            installed = moto_version()
        except metadata.PackageNotFoundError:
            raise MotoVersionError(
                f"The local cloud needs moto {SUPPORTED_RANGE}, which is not installed. "
                f"Install it with: {FIX} (or pip install -r requirements.txt)."
            ) from None
    release = tuple(int(part) for part in re.findall(r"\d+", installed)[:3])
    if not LOWEST <= release < FIRST_UNSUPPORTED:
        raise MotoVersionError(
            f"The local cloud supports moto 5.2.5 and later 5.2 releases ({SUPPORTED_RANGE}), "
            f"tested with {MOTO_VERSION_TESTED}; moto {installed} is installed. Install the "
            f"tested version with: {FIX} (or pip install -r requirements.txt)."
        )
    return installed
