"""Every exported class and function names its public path in ``__module__``
(``gridgov.grid.Area``, not ``gridgov.grid._area.Area``), as httpx does."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import gridgov


def _public_modules() -> list[str]:
    names = ["gridgov"]
    for info in pkgutil.walk_packages(gridgov.__path__, "gridgov."):
        parts = info.name.split(".")
        if "migrations" not in parts and not any(p.startswith("_") for p in parts):
            names.append(info.name)
    return sorted(names)


def _exported(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    return [(name, getattr(module, name)) for name in getattr(module, "__all__", [])]


def test_every_public_module_is_checked() -> None:
    assert {"gridgov.app", "gridgov.grid", "gridgov.workflow", "gridgov.sla"} <= set(
        _public_modules()
    )


@pytest.mark.parametrize("module_name", _public_modules())
def test_exported_objects_name_a_public_module(module_name: str) -> None:
    private = {
        name: obj.__module__
        for name, obj in _exported(module_name)
        if (inspect.isclass(obj) or inspect.isfunction(obj))
        and obj.__module__.startswith("gridgov")
        and any(part.startswith("_") for part in obj.__module__.split("."))
    }
    assert private == {}, f"{module_name} exports objects whose __module__ is private"


@pytest.mark.parametrize("module_name", _public_modules())
def test_exported_objects_are_found_at_their_module(module_name: str) -> None:
    for name, obj in _exported(module_name):
        routine = inspect.isclass(obj) or inspect.isfunction(obj)
        if routine and obj.__module__.startswith("gridgov"):
            home = importlib.import_module(obj.__module__)
            assert getattr(home, name, None) is obj, (name, obj.__module__)
