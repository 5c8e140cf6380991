"""The data planes the local cloud adds to moto: a registry, and the lifecycle they share.

A plane is a class decorated with ``@register(order=N)`` in a module of this package; the
cloud creates every registered plane (lowest order first, which is also the order in which
they are offered each request). Adding a plane means adding a module, nothing else.

Lifecycle, called by ``LocalCloud``:
- ``start()`` once the cloud answers (background work: pollers, schedules, alarms);
- ``reset()`` after moto's ``/moto-api/reset`` wiped the account (drop runtimes, queues, timers);
- ``close()`` when the cloud stops: no thread or process of the plane may outlive it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..server import DataPlane, LocalCloud, WSGIApp

PlaneFactory = Callable[["LocalCloud", "WSGIApp"], "DataPlane"]
_REGISTRY: dict[str, tuple[int, PlaneFactory]] = {}


def register(order: int) -> Callable[[type], type]:
    """Class decorator: make the plane part of every local cloud, consulted in `order`."""

    def decorate(plane_class: type) -> type:
        _REGISTRY[f"{plane_class.__module__}.{plane_class.__qualname__}"] = (order, plane_class)
        return plane_class

    return decorate


class Plane:
    """Convenience base: the lifecycle methods a plane does not need are no-ops."""

    def start(self) -> None:
        """Begin background work (the cloud is answering requests)."""

    def reset(self) -> None:
        """Forget everything: moto's state was just reset."""

    def close(self) -> None:
        """Stop background work and release processes and threads."""


def _import_plane_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.endswith("_rules"):  # rules are plain functions, no planes
            importlib.import_module(f"{__name__}.{module.name}")


def create_all(cloud: LocalCloud, moto_app: WSGIApp) -> list[DataPlane]:
    """One instance of every registered plane, in the order they are consulted."""
    _import_plane_modules()
    ordered = sorted(_REGISTRY.values(), key=lambda entry: entry[0])
    return [factory(cloud, moto_app) for _, factory in ordered]


def lifecycle(plane: Any, step: str) -> None:
    """Call ``plane.start()``/``reset()``/``close()`` if the plane has it."""
    method = getattr(plane, step, None)
    if callable(method):
        method()
