"""``gridgov simulate run|check`` through click's runner, on the Hangzhou example."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main

SCENARIO = str(Path(__file__).resolve().parents[2] / "examples" / "simulation" / "hangzhou.toml")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_run_prints_every_figure_with_its_interval(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, printed, err = _run(
        "simulate", "run", SCENARIO, "--days", "8", "--replications", "3", "--seed", "2",
        "--format", "json", "--report-out", str(out),
    )  # fmt: skip
    assert code == 0, err
    rows = {r["figure"]: r for r in json.loads(printed)}
    assert rows["stay_in_grid_rate.small"]["n"] == 3
    assert rows["stay_in_grid_rate.small"]["ci95"] is not None
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report["replications"]) == 3
    assert report["figures"]["on_time_rate"] == {
        k: rows["on_time_rate"][k] for k in ("mean", "ci95", "n")
    }


def test_two_jobs_write_the_same_report_as_one(tmp_path: Path) -> None:
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.csv"
        args = ("simulate", "run", SCENARIO, "--days", "5", "--replications", "2", "-q")
        code, _, err = _run(*args, "--jobs", jobs, "--report-out", str(out))
        assert code == 0, err
        reports.append(out.read_text(encoding="utf-8"))
    assert reports[0] == reports[1]
    assert next(csv.reader(reports[0].splitlines())) == ["figure", "mean", "ci95", "n"]


def test_a_report_file_that_cannot_be_written_is_refused_before_the_run(tmp_path: Path) -> None:
    code, _, err = _run("simulate", "run", SCENARIO, "--report-out", str(tmp_path / "r.xlsx"))
    assert code == 1
    assert "unknown report format" in err
    missing = tmp_path / "nowhere" / "r.json"
    code, _, err = _run("simulate", "run", SCENARIO, "--report-out", str(missing))
    assert code == 1
    assert "does not exist" in err


def test_check_says_a_scenario_is_valid_or_names_its_problems(tmp_path: Path) -> None:
    code, out, _ = _run("simulate", "check", SCENARIO)
    assert code == 0
    assert "is valid" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "x"\nstart = "2026-03-02T00:00+08:00"\n[[arrivals]]\n'
        'category = "noise"\nper_day = 1\n[service.small]\nmean_h = 1\n[staffing]\nwizard = 1\n',
        encoding="utf-8",
    )
    code, _, err = _run("simulate", "check", str(bad))
    assert code == 1
    assert f"{bad}:10: staffing.wizard: not a unit kind" in err
