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


def test_sweep_prints_the_frontier_at_each_headcount() -> None:
    code, out, err = _run(
        "simulate", "sweep", SCENARIO, "--vary", "staffing.micro_grid_worker=1..2",
        "--days", "6", "--replications", "2", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert [r["staffing.micro_grid_worker"] for r in rows] == [1.0, 2.0]
    assert all(0 <= r["stay_in_grid_rate.small"] <= 1 for r in rows)


def test_sweep_refuses_what_it_cannot_vary() -> None:
    code, _, err = _run("simulate", "sweep", SCENARIO, "--vary", "weather.rain=1..2")
    assert code == 2
    assert "cannot vary 'weather.rain'" in err
    code, _, err = _run("simulate", "sweep", SCENARIO, "--vary", "staffing.grid_worker=5..1")
    assert code == 2
    assert "expected LOW..HIGH" in err


def test_compare_says_which_changes_are_beyond_the_noise(tmp_path: Path) -> None:
    reports = []
    for scale in ("1", "5"):
        scenario = tmp_path / f"s{scale}.toml"
        text = Path(SCENARIO).read_text(encoding="utf-8")
        scenario.write_text(
            text.replace("per_day = 6.0", f"per_day = {6 * int(scale)}.0"),
            encoding="utf-8",
        )
        report = tmp_path / f"r{scale}.json"
        code, _, err = _run(
            "simulate", "run", str(scenario), "--days", "20", "--replications", "3", "-q",
            "--report-out", str(report),
        )  # fmt: skip
        assert code == 0, err
        reports.append(str(report))
    code, printed, err = _run("simulate", "compare", *reports, "--format", "json")
    assert code == 0, err
    rows = {r["figure"]: r for r in json.loads(printed)}
    assert rows["tickets"]["beyond_noise"] is True
    assert rows["tickets"]["change"] > 0
    code, _, err = _run("simulate", "compare", reports[0], SCENARIO)
    assert code == 1
    assert "not a report of gridgov simulate run" in err
