"""The data planes the local cloud adds to moto, in the order they are consulted."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import DataPlane, LocalCloud


def create_all(cloud: LocalCloud) -> list[DataPlane]:
    return []
