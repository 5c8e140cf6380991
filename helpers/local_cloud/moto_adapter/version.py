"""Which moto the local cloud was built and tested against."""

from __future__ import annotations

MOTO_VERSION_TESTED = "5.2.5"


def moto_version() -> str:
    import moto

    return moto.__version__
