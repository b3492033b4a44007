"""``benchmarks/gen_synthetic.py`` for the tests that replay its logs (a script, not a
package: loaded once by its path)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

__all__ = ["GEN", "ROOT"]

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_synthetic", ROOT / "benchmarks" / "gen_synthetic.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_synthetic", module)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
