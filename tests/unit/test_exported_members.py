"""The public API is exactly what ``__all__`` says, and every name in it exists."""

from __future__ import annotations

import importlib

import pytest

PUBLIC_MODULES = [
    "gridgov",
    "gridgov.errors",
    "gridgov.workflow",
    "gridgov.sla",
    "gridgov.grid",
    "gridgov.store",
    "gridgov.testing",
    "gridgov.replay",
    "gridgov.app",
    "gridgov.store.rows",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_names_exist(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_members_are_exported(module_name: str) -> None:
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and getattr(value, "__module__", module_name).startswith(module_name)
        and not isinstance(value, type(importlib))
        and callable(value)
    }
    assert public <= set(module.__all__)
