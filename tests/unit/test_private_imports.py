"""No module imports another package's private modules or names: ``gridgov.a._x``
imports ``gridgov.b`` (its ``__all__``), never ``gridgov.b._y``.

The root's own private helpers (``gridgov._toml``, ``gridgov._version``) are shared
by every package inside gridgov and may be imported anywhere in it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "gridgov"


def _package_of(path: Path) -> str:
    """The subpackage a file belongs to ('' for the root's own modules)."""
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else ""


def _private_imports(path: Path) -> list[str]:
    """The private gridgov modules and names ``path`` imports from another package."""
    own = _package_of(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            if parts[0] != "gridgov" or len(parts) < 3 or parts[1].startswith("_"):
                continue  # not gridgov, a package itself, or a root helper
            if parts[1] != own and any(p.startswith("_") for p in parts[2:]):
                found.append(target)
    return found


def _files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_no_other_package_private_name(path: Path) -> None:
    bad = _private_imports(path)
    assert bad == [], f"{path.relative_to(SRC)} imports private {sorted(set(bad))}"
