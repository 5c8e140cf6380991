"""Patching a moto module right after it is imported (some take seconds to import)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from typing import Any

# -- patching a module when it is imported -------------------------------------------------------
_AFTER_IMPORT: dict[str, list[Callable[[], None]]] = {}


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a module with pending patches it wraps the real loader so the
    patches run right after the module's own code."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in _AFTER_IMPORT:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_then_patch(module: Any) -> None:
            exec_module(module)
            for patch in _AFTER_IMPORT.pop(fullname, []):
                patch()

        spec.loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def after_import(module: str, patch: Callable[[], None]) -> None:
    """Run ``patch`` once ``module`` is imported: now if it is, else when something imports it."""
    if module in sys.modules:
        patch()
        return
    _AFTER_IMPORT.setdefault(module, []).append(patch)
    if not any(isinstance(finder, _PatchAfterImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchAfterImport())
