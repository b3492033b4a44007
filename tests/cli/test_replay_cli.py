"""``gridgov replay run|compare`` and ``gridgov demo`` through click's runner."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

SAMPLE = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
MAPPING = str(BOSTON_SAMPLE_DIR / "mapping.toml")
POLICY = str(BOSTON_SAMPLE_DIR / "policy.toml")


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _no_skew_mapping(folder: Path) -> str:
    """The sample's mapping with no tolerance of clock skew: its 3 tickets closed seconds
    before they opened are rejects (``close_before_open``) there."""
    for name in ("areas.csv", "routing.toml"):
        (folder / name).write_bytes((BOSTON_SAMPLE_DIR / name).read_bytes())
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    head, rest = text.split("[columns]", 1)
    path = folder / "mapping.toml"
    path.write_text(f"{head}clock_skew_seconds = 0\n\n[columns]{rest}", encoding="utf-8")
    return str(path)


def test_run_writes_report_tickets_and_rejects(tmp_path: Path) -> None:
    report, tickets, rejects = tmp_path / "r.json", tmp_path / "t.jsonl", tmp_path / "x.csv"
    mapping = _no_skew_mapping(tmp_path)
    code, out, err = _run(
        "replay", "run", SAMPLE, "--mapping", mapping, "--due-from-source", "--by", "area:ward",
        "--report-out", str(report), "--tickets-out", str(tickets), "--rejects-out", str(rejects),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["overall"]["source_agreement"] == 1.0
    assert {g["key"] for g in data["groups"]["area:ward"]} >= {"BOS-W05", "BOS-W21"}
    lines = tickets.read_text(encoding="utf-8").splitlines()
    assert len(lines) == data["overall"]["tickets"]
    rejected = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert len(rejected) == data["rejects"]["total"] == 3
    assert f"{len(rejected)} rows rejected" in err
    assert "source_agreement" in out


@pytest.mark.parametrize("suffix", [".html", ".csv"])
def test_report_formats_by_extension(tmp_path: Path, suffix: str) -> None:
    report = tmp_path / f"report{suffix}"
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--policy", POLICY,
        "--report-out", str(report), "--format", "csv",
    )  # fmt: skip
    assert code == 0, err
    text = report.read_text(encoding="utf-8")
    if suffix == ".html":
        assert text.startswith("<!DOCTYPE html>")
        assert "<svg" in text
        assert "<script" not in text
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["group"] == "all"
        assert 0.0 < float(rows[0]["due_reproduced"]) <= 1.0


def test_json_format_prints_every_row(tmp_path: Path) -> None:
    code, out, _ = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "--by", "month",
        "--format", "json", "--quiet",
    )  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    groups = [r["group"] for r in rows]
    assert groups[:7] == ["all"] + ["month"] * 6
    assert set(groups[7:]) == {"without_due"}  # the categories with no TARGET_DT, by name
    without_due, tickets = sum(r["tickets"] for r in rows[7:]), rows[0]["tickets"]
    assert round(tickets * rows[0]["due_coverage"]) == tickets - without_due


def test_strict_fails_on_the_first_reject_with_its_line(tmp_path: Path) -> None:
    mapping = _no_skew_mapping(tmp_path)
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", mapping, "--due-from-source", "--strict"
    )
    assert code == 1
    assert "tickets_2015h1_sample.csv.gz:" in err
    assert "CLOSED_DT" in err


def test_needs_a_policy_or_the_source_due_times() -> None:
    code, _, err = _run("replay", "run", SAMPLE, "--mapping", MAPPING)
    assert code == 2
    assert "--due-from-source" in err


def test_unknown_grouping_is_a_usage_error() -> None:
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "--by", "colour"
    )
    assert code == 2
    assert "colour" in err


def test_policy_since_needs_an_offset() -> None:
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--policy", f"{POLICY}@2015-02-16T13:00"
    )
    assert code == 1
    assert "UTC offset" in err
    assert "--policy" in err


def test_a_clock_the_policy_lacks_is_an_sla_policy_error_naming_the_clocks() -> None:
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--policy", POLICY, "--clock", "nap"
    )
    assert code == 1
    assert "invalid SLA policy" in err
    assert "'nap'" in err
    assert "handling" in err


def test_bad_mapping_names_the_key(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    mapping.write_text(text.replace('kind = "snapshot"', 'kind = "snapshots"'), encoding="utf-8")
    code, _, err = _run("replay", "run", SAMPLE, "--mapping", str(mapping), "--due-from-source")
    assert code == 1
    assert "kind" in err
    assert str(mapping) in err


def test_compare_shows_both_reports_and_the_change(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    for path, how in ((a, ["--due-from-source"]), (b, ["--policy", POLICY])):
        code, _, err = _run(
            "replay", "run", SAMPLE, "--mapping", MAPPING, *how, "--report-out", str(path)
        )
        assert code == 0, err
    code, out, _ = _run("replay", "compare", str(a), str(b), "--format", "csv")
    assert code == 0
    rows = {(r["group"], r["metric"]): r for r in csv.DictReader(io.StringIO(out))}
    on_time = rows[("all", "on_time_rate")]
    assert float(on_time["change"]) == pytest.approx(float(on_time["b"]) - float(on_time["a"]))
    assert rows[("all", "tickets")]["change"] == "0"


def test_compare_refuses_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    other = tmp_path / "x.json"
    other.write_text("[1, 2]", encoding="utf-8")
    code, _, err = _run("replay", "compare", str(other), str(other))
    assert code == 1
    assert "not a replay report" in err


def test_demo_replays_the_boston_sample() -> None:
    code, out, err = _run("demo", "--depth", "0")
    assert code == 0, err
    assert "Boston 311" in out
    assert "due_reproduced" in out
    assert "2015-06" in out


def test_demo_json_is_only_the_report() -> None:
    code, out, _ = _run("demo", "--format", "json", "--by", "tier")
    assert code == 0
    rows = json.loads(out)
    assert rows[0]["group"] == "all"
    assert rows[0]["tickets"] > 1900


def test_db_option_writes_and_says_how_many(tmp_path: Path) -> None:
    from gridgov.store import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = SqlStore(url)
    store.upgrade()
    store.close()
    args = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "--db", url, "-q")
    code, _, err = _run(*args)
    assert code == 0, err
    assert "2,000 tickets written, 0 already there" in err
    code, _, err = _run(*args)
    assert "0 tickets written, 2,000 already there" in err


def test_db_refuses_jobs() -> None:
    code, _, err = _run(
        "replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source",
        "--db", "sqlite:///x.db", "--jobs", "2",
    )  # fmt: skip
    assert code == 2
    assert "one process" in err


def _running_clocks(url: str) -> list[tuple[str, datetime]]:
    """(ticket id, due time) of every running clock cycle, earliest due first."""
    from sqlalchemy import create_engine, select

    from gridgov.store._schema import sla_clocks

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = (
                select(sla_clocks.c.ticket_id, sla_clocks.c.due_at)
                .where(sla_clocks.c.status == "running")
                .order_by(sla_clocks.c.due_at, sla_clocks.c.ticket_id)
            )
            return [(row.ticket_id, row.due_at) for row in conn.execute(query)]
    finally:
        engine.dispose()


def test_db_with_a_policy_stores_clocks_that_tick_announces(tmp_path: Path) -> None:
    from tests._boston import BOSTON_ROUTING

    from gridgov.store import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = SqlStore(url)
    store.upgrade()
    store.close()
    replay = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--policy", POLICY, "--db", url, "-q")
    code, _, err = _run(*replay)
    assert code == 0, err
    assert "2,000 tickets written, 0 already there" in err
    running = _running_clocks(url)
    assert len(running) > 100  # tickets still open when the sample ends
    ticket_id, due = running[0]
    routing = str(BOSTON_ROUTING)  # the live loop needs tiers on Boston's levels
    live = ("--db", url, "--sla-policy", POLICY, "--routing-policy", routing)
    code, out, err = _run("ticket", "show", ticket_id, *live, "--format", "json")
    assert code == 0, err
    shown = json.loads(out)["ticket"]
    assert [(c["clock"], c["status"], c["breached"]) for c in shown["clocks"]] == [
        ("handling", "running", False)
    ]
    assert datetime.fromisoformat(shown["next_due_at"]) == due + timedelta(microseconds=1)
    until = (due + timedelta(seconds=1)).isoformat()
    code, out, err = _run("tick", "--until", until, *live, "--format", "json")
    assert code == 0, err
    assert [(r["kind"], r["clock"]) for r in json.loads(out) if r["ticket_id"] == ticket_id] == [
        ("breach", "handling")
    ]
    code, out, _ = _run("tick", "--until", until, *live, "--format", "json")
    assert json.loads(out) == []  # each breach announced once
    code, _, err = _run(*replay)
    assert "0 tickets written, 2,000 already there" in err
    assert len(_running_clocks(url)) == len(running)  # a re-run adds no clock cycle


def test_db_with_the_source_due_times_stores_no_clocks(tmp_path: Path) -> None:
    from gridgov.store import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = SqlStore(url)
    store.upgrade()
    store.close()
    args = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "--db", url, "-q")
    code, _, err = _run(*args)
    assert code == 0, err
    code, out, err = _run("ticket", "list", "--all", "--db", url, "--format", "json")
    assert code == 0, err
    listed = json.loads(out)
    assert listed  # the tickets are there ...
    assert [t["next_due_at"] for t in listed] == [None] * len(listed)  # ... with no clock due


def test_stored_replay_lists_the_tier_and_stayed_in_grid_replay_computed(tmp_path: Path) -> None:
    """One rule core: ``ticket list`` over a ``replay --db`` database shows, for every
    ticket, the tier and "stayed in the grid" of replay's own ``--tickets-out``."""
    from gridgov.store import SqlStore

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = SqlStore(url)
    store.upgrade()
    store.close()
    out = tmp_path / "t.csv"
    replay = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--policy", POLICY, "--db", url)
    code, _, err = _run(*replay, "--tickets-out", str(out), "-q")
    assert code == 0, err
    with out.open(encoding="utf-8", newline="") as f:
        replayed = {r["ticket_id"]: (r["tier"], r["stayed_in_grid"]) for r in csv.DictReader(f)}
    code, listed_csv, err = _run(
        "ticket", "list", "--all", "--limit", "100000", "--format", "csv", "--db", url
    )
    assert code == 0, err
    listed = {
        r["id"]: (r["tier"], r["stayed_in_grid"]) for r in csv.DictReader(io.StringIO(listed_csv))
    }
    assert len(listed) == 2000
    assert set(listed) <= set(replayed)
    differ = {t: (replayed[t], listed[t]) for t in listed if replayed[t] != listed[t]}
    assert differ == {}
    verdicts = {v for _, v in listed.values()}
    assert {"true", "false", ""} <= verdicts  # both kinds of verdict, and open tickets


def test_a_replayed_joint_ticket_shows_its_parts_in_files_reports_and_the_database(
    tmp_path: Path,
) -> None:
    """大事协同解决 from an event log: co-units read from the log, each part's time in
    ``--tickets-out`` and the report, and the stored ticket shows the same parts."""
    from tests._synthetic import GEN, ROOT

    from gridgov.store import SqlStore

    root = ROOT
    log = GEN.generate(tmp_path / "loop.csv", 400, shape="loop")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    with SqlStore(url) as store:
        store.upgrade()
    out, report = tmp_path / "t.csv", tmp_path / "r.json"
    mapping = str(root / "benchmarks" / "synthetic_loop.toml")
    code, _, err = _run(
        "replay", "run", str(log), "--mapping", mapping, "--db", url, "-q",
        "--policy", str(files("gridgov") / "samples" / "sla" / "default.toml"),
        "--tickets-out", str(out), "--report-out", str(report),
    )  # fmt: skip
    assert code == 0, err
    with out.open(encoding="utf-8", newline="") as f:
        rows = {r["ticket_id"]: r for r in csv.DictReader(f)}
    joint = [r for r in rows.values() if r["joint"] == "true"]
    assert joint
    assert all(r["stayed_in_grid"] != "true" for r in joint)
    handled = [r for r in joint if r["final_state"] == "closed"]
    assert handled
    first = handled[0]
    units = dict(p.split("=") for p in first["parts"].split(";"))
    assert all(float(hours) > 0 for hours in units.values())
    overall = json.loads(report.read_text(encoding="utf-8"))["overall"]
    assert overall["joint_rate"] == round(len(joint) / len(rows), 4)
    assert overall["median_part_h"] > 0
    code, shown, err = _run("ticket", "show", first["ticket_id"], "--db", url, "--format", "json")
    assert code == 0, err
    parts = json.loads(shown)["ticket"]["parts"]
    assert {p["unit"] for p in parts} == set(units)
    assert all(p["state"] == "handled" for p in parts)


def test_run_says_where_every_line_of_the_input_went(tmp_path: Path) -> None:
    code, _, err = _run("replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source")
    assert code == 0, err
    assert (
        "read 2,001 lines: 1 header, 2,000 rows (2,000 replayed, 0 ignored, 0 rejected), "
        "0 blank, 0 inside quoted cells over several lines"
    ) in err
    assert "do not add up" not in err
