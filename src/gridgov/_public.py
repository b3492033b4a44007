"""One helper for the curated surface: exported objects show their public path."""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["publish"]


def publish(namespace: dict[str, Any]) -> None:
    """Set ``__module__`` of each class and function in ``namespace["__all__"]`` that
    is defined in the package's private modules to the public module's name, so
    reprs, tracebacks and docs show ``gridgov.grid.Area``, not ``gridgov.grid._area``
    (as httpx does).  Call it last in a public module: ``publish(globals())``.
    """
    name: str = namespace["__name__"]
    package = name if "__path__" in namespace else name.rpartition(".")[0]
    for attr in namespace["__all__"]:
        obj = namespace[attr]
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if getattr(obj, "__module__", "").startswith(package + "._"):
            obj.__module__ = name
