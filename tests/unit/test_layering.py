"""The domain (grid, workflow, sla) never imports SQLAlchemy or click."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gridgov"
DOMAIN_PACKAGES = ["grid", "workflow", "sla"]
FORBIDDEN = {"sqlalchemy", "click", "rich", "alembic", "psycopg", "gridgov.store", "gridgov.cli"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _domain_files() -> list[Path]:
    return sorted(p for pkg in DOMAIN_PACKAGES for p in (SRC / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _domain_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_module_imports_no_infrastructure(path: Path) -> None:
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert bad == set(), f"{path.relative_to(SRC)} imports {sorted(bad)}"
