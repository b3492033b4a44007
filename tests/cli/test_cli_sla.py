"""``gridgov sla check`` and ``gridgov sla explain``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gridgov.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_check_lists_every_rule_and_clock_of_the_default_policy() -> None:
    result = CliRunner().invoke(main, ["sla", "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    rules = list(dict.fromkeys(r["rule"] for r in rows))
    assert rules == ["hazard", "urgent", "complex", "major", "default"]
    major = {r["clock"]: r["due"] for r in rows if r["rule"] == "major"}
    assert major["part"] == "2wd"  # one co-unit's part of a joint ticket (协办)
    default = {r["clock"]: r["due"] for r in rows if r["rule"] == "default"}
    assert default == {"response": "5m", "handling": "24h", "review": "3wd"}


def test_check_reads_the_boston_policy() -> None:
    path = REPO / "examples" / "boston311" / "policy.toml"
    result = CliRunner().invoke(main, ["sla", "check", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "boston_business" in result.stdout


def test_check_prints_every_problem_with_file_line_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[policy]\nname = "x"\n[clocks.a]\nstart = "report"\nstop = "sign_fro"\n'
        'calendar = "c"\ndue = "5 fortnights"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["sla", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5: clocks.a.stop[0]: unknown trigger 'sign_fro'" in result.stderr
    assert f"{bad}:7: clocks.a.due: cannot read duration '5 fortnights'" in result.stderr


def test_explain_gives_the_due_times_of_a_ticket() -> None:
    args = ["sla", "explain", "--category", "noise", "--at", "2025-09-30T10:15"]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    due = {r["clock"]: r["due_at"] for r in rows}
    assert due == {
        "response": "2025-09-30T10:20:00+08:00",
        "handling": "2025-10-01T10:15:00+08:00",
        # National Day week off, then Thursday 9, Friday 10 and make-up Saturday 11 October.
        "review": "2025-10-11T10:15:00+08:00",
    }
    warnings = {r["clock"]: r["warnings_at"] for r in rows}
    assert warnings["response"] == "2025-09-30T10:18:00+08:00"  # 60% of 5 minutes
    assert warnings["handling"] == "2025-09-30T22:15:00+08:00 2025-10-01T05:27:00+08:00"


def test_explain_refuses_an_unreadable_time() -> None:
    result = CliRunner().invoke(main, ["sla", "explain", "--at", "next tuesday"])
    assert result.exit_code == 1
    assert "cannot read time 'next tuesday'" in result.stderr


def test_explain_refuses_an_unknown_zone() -> None:
    args = ["sla", "explain", "--at", "2025-09-30T10:15", "--tz", "Mars/Olympus"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "cannot read time 'Mars/Olympus'" in result.stderr
    assert "IANA time zone" in result.stderr


def test_explain_keeps_an_explicit_offset() -> None:
    args = ["sla", "explain", "--at", "2025-03-04T01:00+00:00", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    response = next(r for r in json.loads(result.stdout) if r["clock"] == "response")
    assert response["due_at"] == "2025-03-04T01:05:00+00:00"


def test_status_lists_the_official_years_of_each_calendar() -> None:
    result = CliRunner().invoke(main, ["sla", "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["calendar"]: r for r in json.loads(result.stdout)}
    office = rows["cn_office"]
    assert office["official_years"].startswith("2004-")
    assert office["other_years"] == "provisional"
    assert rows["always"]["official_years"] == "all"
