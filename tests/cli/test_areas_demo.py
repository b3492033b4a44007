"""``gridgov demo`` and ``gridgov --help`` work on a fresh install (no database, no files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main


def test_help_lists_areas_and_demo() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "areas" in result.stdout
    assert "demo" in result.stdout


def test_demo_prints_the_tree_counts_and_who_is_responsible() -> None:
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "朱庙社区 (Zhumiao) HZ-YH-CQ-ZM · 社区(村) — 8 grid, 106 micro_grid" in result.stdout
    assert "│ micro_grid │ 微网格     │ 181   │" in result.stdout
    assert "仓前街道综合行政执法队" in result.stdout


def test_gridgov_demo_runs_as_a_program() -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "gridgov"), "demo", "--depth", "1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "余杭区" in completed.stdout


def test_demo_stores_the_replay_in_the_embedded_sqlite_default_and_rerunning_adds_nothing(
    tmp_path: Path,
) -> None:
    first = CliRunner().invoke(main, ["demo", "--depth", "0"])
    assert first.exit_code == 0, first.output
    assert (tmp_path / "gridgov.db").exists()
    assert "2,000 tickets written, 0 already there" in first.stderr
    again = CliRunner().invoke(main, ["demo", "--depth", "0", "--format", "json"])
    assert again.exit_code == 0, again.output
    assert "0 tickets written, 2,000 already there" in again.stderr
    verify = CliRunner().invoke(main, ["db", "verify", "--db", "sqlite:///gridgov.db"])
    assert verify.exit_code == 0, verify.output


def test_demo_without_a_database_writes_no_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--depth", "0", "--no-db"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "gridgov.db").exists()
    assert "Stored in" not in result.stderr
