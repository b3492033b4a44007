"""The domain (grid, workflow, sla) never imports SQLAlchemy or click."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_replay_without_a_database_imports_no_sqlalchemy() -> None:
    """Replay checks field limits at read time from ``gridgov._limits``: importing it
    (without ``--db``) loads no SQLAlchemy (about 25 MB and 0.2 s per process)."""
    code = "import sys, gridgov.replay; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
