"""Due-time coverage in the replay report, a fallback rule that closes the gap, and the
policy's ``closed_without_due`` setting, on Boston's own policy and the shipped sample."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

SAMPLE = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
MAPPING = str(BOSTON_SAMPLE_DIR / "mapping.toml")
BOSTON_POLICY = (BOSTON_SAMPLE_DIR / "policy.toml").read_text(encoding="utf-8")
FALLBACK = """
[[rules]]
name = "every-other-type"
fallback = true
clocks.handling = { due = "10 working_days", enabled = true }
"""


def _policy(tmp_path: Path, text: str, name: str = "policy.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _replay(tmp_path: Path, *args: str) -> tuple[dict[str, Any], list[dict[str, str]], str]:
    report, tickets = tmp_path / "report.json", tmp_path / "tickets.csv"
    result = CliRunner().invoke(
        main,
        ["replay", "run", SAMPLE, "--mapping", MAPPING, "--by", "category", "--quiet",
         "--report-out", str(report), "--tickets-out", str(tickets), *args],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(tickets.read_text(encoding="utf-8"))))
    return json.loads(report.read_text(encoding="utf-8")), rows, result.stdout


def test_the_report_names_the_categories_without_a_due_time_and_counts_them(
    tmp_path: Path,
) -> None:
    report, tickets, shown = _replay(tmp_path, "--policy", _policy(tmp_path, BOSTON_POLICY))
    coverage = report["coverage"]
    no_due = [t for t in tickets if not t["due_at"]]
    assert coverage["tickets"] == len(tickets) == report["overall"]["tickets"]
    assert coverage["with_due"] == len(tickets) - len(no_due) > 0
    assert report["overall"]["due_coverage"] == round(coverage["with_due"] / len(tickets), 4)
    by_name = {c["category"]: c["tickets"] for c in coverage["without_due"]}
    counted: dict[str, int] = {}
    for t in no_due:
        counted[t["category"]] = counted.get(t["category"], 0) + 1
    assert by_name == counted
    assert by_name["Pothole Repair (Internal)"] > 0  # no rule of Boston's policy names it
    groups = {g["key"]: g for g in report["groups"]["category"]}
    assert all(groups[c]["due_coverage"] == 0.0 for c in by_name)
    assert "categories without a due time" in shown
    assert "Pothole Repair (Internal)" in shown


@pytest.mark.parametrize("suffix", [".csv", ".html"])
def test_csv_and_html_reports_list_the_categories_without_a_due_time(
    tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"report{suffix}"
    result = CliRunner().invoke(
        main,
        ["replay", "run", SAMPLE, "--mapping", MAPPING, "--quiet", "--report-out", str(out),
         "--policy", _policy(tmp_path, BOSTON_POLICY)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = out.read_text(encoding="utf-8")
    if suffix == ".csv":
        rows = [r for r in csv.DictReader(io.StringIO(text)) if r["group"] == "without_due"]
        # all 116 of the sample's rows of it (2 closed seconds before opening: clock skew)
        assert {"key": "Pothole Repair (Internal)", "tickets": "116"}.items() <= rows[0].items()
    else:
        assert "Due-time coverage" in text
        assert "Pothole Repair (Internal)" in text


def test_a_fallback_rule_gives_every_category_a_due_time(tmp_path: Path) -> None:
    before, _, _ = _replay(tmp_path, "--policy", _policy(tmp_path, BOSTON_POLICY))
    after, tickets, _ = _replay(tmp_path, "--policy", _policy(tmp_path, BOSTON_POLICY + FALLBACK))
    assert before["overall"]["due_coverage"] < 1.0
    assert after["overall"]["due_coverage"] == 1.0
    assert after["coverage"]["without_due"] == []
    assert all(t["due_at"] for t in tickets)
    # a type Boston's policy names keeps its own rule: its due times do not move
    signs = [g for g in after["groups"]["category"] if g["key"] == "Sign Repair"]
    assert signs == [g for g in before["groups"]["category"] if g["key"] == "Sign Repair"]


def test_closed_without_due_decides_whether_an_untimed_closed_ticket_is_on_time(
    tmp_path: Path,
) -> None:
    judged = BOSTON_POLICY.replace(
        'name = "boston311"', 'name = "boston311"\nclosed_without_due = "not_judged"'
    )
    default, counted, _ = _replay(tmp_path, "--policy", _policy(tmp_path, BOSTON_POLICY))
    setting, left_out, _ = _replay(tmp_path, "--policy", _policy(tmp_path, judged, "j.toml"))
    untimed = [t["ticket_id"] for t in counted if t["closed_at"] and not t["due_at"]]
    assert untimed
    verdicts = {t["ticket_id"]: t["on_time"] for t in counted}
    assert {verdicts[i] for i in untimed} == {"true"}  # the default: on time, as Boston counts
    verdicts = {t["ticket_id"]: t["on_time"] for t in left_out}
    assert {verdicts[i] for i in untimed} == {""}  # not judged
    timed = [t for t in counted if t["closed_at"] and t["due_at"]]
    on_time = sum(t["on_time"] == "true" for t in timed)
    assert setting["overall"]["on_time_rate"] == round(on_time / len(timed), 4)
    assert default["overall"]["on_time_rate"] == round(
        (on_time + len(untimed)) / (len(timed) + len(untimed)), 4
    )


def test_with_the_source_due_times_the_policy_in_force_says_how_untimed_tickets_count(
    tmp_path: Path,
) -> None:
    judged = BOSTON_POLICY.replace(
        'name = "boston311"', 'name = "boston311"\nclosed_without_due = "not_judged"'
    )
    _, tickets, _ = _replay(tmp_path, "--due-from-source", "--policy", _policy(tmp_path, judged))
    untimed = [t for t in tickets if t["closed_at"] and not t["source_due_at"]]
    assert untimed
    assert {t["on_time"] for t in untimed} == {""}
    _, tickets, _ = _replay(tmp_path, "--due-from-source")  # no policy: on time (Boston's)
    assert {t["on_time"] for t in tickets if t["closed_at"] and not t["source_due_at"]} == {"true"}
