"""Every benchmark runs in its ``--smoke`` size, so CI notices when one breaks.

The smoke runs check that the benchmarks work; they assert no speed.  The full
runs (without ``--smoke``) are made by hand and their numbers reported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = sorted((REPO / "benchmarks").glob("bench_*.py"))


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_benchmark_smoke_run(path: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(path), "--smoke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip(), "a benchmark must print its numbers"
