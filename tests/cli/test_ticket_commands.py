"""``gridgov ticket`` and ``gridgov tick`` against a real SQLite file."""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from gridgov.cli import main

SAMPLE = Path(str(files("gridgov") / "samples" / "hangzhou" / "areas.toml"))
AREA = "HZ-YH-CQ-ZM-G01"
WORKER = "HZ-YH-CQ-ZM-G01-worker"
T0 = "2025-03-03T09:00+08:00"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A migrated database with the Hangzhou sample and one dispatched ticket T1."""
    url = f"sqlite:///{tmp_path / 'gridgov.db'}"
    assert run("db", "upgrade", "--db", url)[0] == 0
    assert run("areas", "import", str(SAMPLE), "--db", url)[0] == 0
    steps = [
        ["report", "--actor", "r1", "--role", "resident", "--actor-area", AREA,
         "--category", "noise", "--area", AREA, "--id", "T1"],
        ["act", "T1", "accept", "--actor", WORKER],
        ["act", "T1", "dispatch", "--actor", WORKER],
    ]  # fmt: skip
    for step in steps:
        code, _, err = run("ticket", *step, "--db", url, "--at", T0)
        assert code == 0, err
    return url


def _database(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [
            *conn.execute(text("SELECT id, state, version FROM tickets ORDER BY id")),
            *conn.execute(text("SELECT ticket_id, seq, hash FROM ticket_events ORDER BY id")),
            *conn.execute(text("SELECT ticket_id, clock, cycle, data FROM sla_clocks")),
        ]
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_ticket_is_handled_through_the_cli(url: str) -> None:
    at = "2025-03-03T10:00+08:00"
    assert (
        run("ticket", "act", "T1", "sign_for", "--actor", WORKER, "--db", url, "--at", at)[0] == 0
    )
    code, _, err = run(
        "ticket", "act", "T1", "mark_handled", "--actor", WORKER, "--result", "已劝导",
        "--photo", "a.jpg", "--photo", "b.jpg", "--db", url, "--at", at,
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run("ticket", "show", "T1", "--db", url, "--format", "json")
    shown = json.loads(out)
    assert shown["ticket"]["state"] == "handled"
    assert shown["ticket"]["photos"] == ["a.jpg", "b.jpg"]
    assert [e["trigger"] for e in shown["events"]] == [
        "report", "accept", "dispatch", "sign_for", "mark_handled",
    ]  # fmt: skip


def test_list_filters_by_area_subtree_and_unit(url: str) -> None:
    within = json.loads(
        run("ticket", "list", "--within", "HZ-YH", "--db", url, "--format", "json")[1]
    )
    elsewhere = json.loads(
        run("ticket", "list", "--within", "HZ-XS", "--db", url, "--format", "json")[1]
    )
    mine = json.loads(run("ticket", "list", "--unit", WORKER, "--db", url, "--format", "json")[1])
    assert [t["id"] for t in within] == ["T1"]
    assert elsewhere == []
    assert [t["assigned_unit"] for t in mine] == [WORKER]


def test_tick_fires_the_breach_and_escalates_once(url: str) -> None:
    code, out, err = run(
        "tick", "--until", "2025-03-05T00:00+08:00", "--db", url, "--format", "json"
    )
    assert code == 0, err
    breaches = [n for n in json.loads(out) if n["kind"] == "breach" and n["clock"] == "handling"]
    assert [b["done"] for b in breaches] == ["supervise, escalate"]
    again = json.loads(
        run("tick", "--until", "2025-03-05T00:00+08:00", "--db", url, "--format", "json")[1]
    )
    assert again == []
    shown = json.loads(run("ticket", "show", "T1", "--db", url, "--format", "json")[1])
    assert shown["ticket"]["assigned_unit"] == "HZ-YH-CQ-ZM-office"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ticket", "show", "NOPE"], "unknown ticket 'NOPE'"),
        (["ticket", "act", "NOPE", "accept", "--actor", WORKER], "unknown ticket 'NOPE'"),
        (["ticket", "report", "--actor", WORKER, "--category", "noise", "--area", "XX"],
         "unknown area code 'XX'"),
        (["ticket", "report", "--actor", WORKER, "--category", "nonsense", "--area", AREA],
         "unknown category 'nonsense'"),
        (["ticket", "act", "T1", "request_review", "--actor", WORKER],
         "'request_review' is not allowed in state 'dispatched'"),
        (["ticket", "act", "T1", "sign_for", "--actor", "r1", "--role", "resident"],
         "has no 'sign_for' permission"),
        (["ticket", "act", "T1", "sign_for", "--actor", "nobody"],
         "unknown actor 'nobody': no stored person or unit"),
        (["ticket", "act", "T1", "supervise", "--actor", WORKER, "--role", "grid_head",
          "--actor-area", AREA, "--reason", "x"],
         "claims role 'grid_head'"),
        (["ticket", "act", "T1", "supervise", "--actor", "boss", "--role", "district_office",
          "--actor-area", "HZ-YH", "--reason", "x"],
         "unknown actor 'boss'"),
        (["ticket", "act", "T1", "supervise", "--actor", "timer", "--role", "system",
          "--reason", "x"],
         "role 'system' is reserved for the engine's own timers"),
        (["ticket", "act", "T1", "teleport", "--actor", WORKER], "expected one of"),
        (["ticket", "act", "T1", "sign_for", "--actor", WORKER, "--at", "yesterday"],
         "cannot read time 'yesterday'"),
        (["ticket", "act", "T1", "sign_for", "--actor", WORKER, "--at", "2025-03-03T09:00"],
         "with a UTC offset"),
        (["ticket", "list", "--due-by", "soon"], "cannot read time 'soon'"),
        (["ticket", "list", "--within", "XX"], "unknown area code 'XX'"),
        (["tick", "--until", "3pm"], "cannot read time '3pm'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line_and_changes_nothing(
    url: str, args: list[str], message: str
) -> None:
    before = _database(url)
    code, _, err = run(*args, "--db", url)
    assert code == 1
    assert message in err
    assert err.strip().count("\n") == 0
    assert _database(url) == before


def test_tick_uses_the_sla_policy_it_is_given(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gridgov.db'}"
    default = (files("gridgov") / "samples" / "sla" / "default.toml").read_text("utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(default.replace('due = "24h"', 'due = "1h"'), "utf-8")
    run("db", "upgrade", "--db", url)
    run("areas", "import", str(SAMPLE), "--db", url)
    common = ["--db", url, "--sla-policy", str(strict)]
    code, _, err = run(
        "ticket", "report", "--actor", WORKER, "--category", "noise", "--area", AREA,
        "--id", "T9", "--at", T0, *common,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run("tick", "--until", "2025-03-03T10:01+08:00", "--format", "json", *common)
    assert code == 0, err
    assert [n["clock"] for n in json.loads(out) if n["kind"] == "breach"] == [
        "response",
        "handling",
    ]


def test_a_policy_file_with_errors_is_refused_naming_the_file(url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[policy]\nname = 1\n", "utf-8")
    before = _database(url)
    code, _, err = run("tick", "--db", url, "--sla-policy", str(broken))
    assert code == 1
    assert "broken.toml" in err
    assert _database(url) == before


def test_a_joint_ticket_is_handled_by_its_lead_and_its_co_unit(url: str) -> None:
    office, police = "HZ-YH-CQ-ZM-office", "HZ-YH-police"
    steps = [
        ("2025-03-03T09:00+08:00", ["report", "--actor", "r1", "--role", "resident",
         "--actor-area", AREA, "--category", "illegal_building", "--area", AREA, "--id", "J1"]),
        ("2025-03-03T09:10+08:00", ["act", "J1", "accept", "--actor", office]),
        ("2025-03-03T09:20+08:00", ["act", "J1", "dispatch", "--actor", office,
                                     "--co-unit", police]),
        ("2025-03-03T09:30+08:00", ["act", "J1", "sign_for", "--actor", office]),
        ("2025-03-03T10:20+08:00", ["act", "J1", "sign_for_part", "--actor", police]),
        ("2025-03-03T11:20+08:00", ["act", "J1", "handle_part", "--actor", police,
                                     "--result", "责令停工"]),
        ("2025-03-03T15:00+08:00", ["act", "J1", "mark_handled", "--actor", office,
                                     "--result", "已拆除"]),
    ]  # fmt: skip
    for at, step in steps:
        code, _, err = run("ticket", *step, "--db", url, "--at", at)
        assert code == 0, (step, err)
    shown = json.loads(run("ticket", "show", "J1", "--db", url, "--format", "json")[1])
    ticket = shown["ticket"]
    assert (ticket["state"], ticket["joint"], ticket["assigned_unit"]) == ("handled", True, office)
    (part,) = ticket["parts"]
    assert (part["unit"], part["state"], part["result"]) == (police, "handled", "责令停工")
    assert part["took"] == "PT2H"
    assert any(c["clock"] == f"part@{police}" and c["status"] == "met" for c in ticket["clocks"])
    code, out, _ = run("ticket", "show", "J1", "--db", url)
    assert code == 0
    assert f"part {police}" in out


def test_a_co_unit_that_is_not_one_is_refused(url: str) -> None:
    code, _, err = run("ticket", "act", "T1", "sign_for_part", "--actor", "HZ-YH-police",
                       "--db", url, "--at", T0)  # fmt: skip
    assert code != 0
    assert "not a co-unit" in err


# issue 13, item 25: terminal output
def test_list_on_an_80_column_terminal_keeps_ids_and_times_whole_in_local_time(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    long_id = "HZ-2026-0302-000123456789"
    step = ["report", "--actor", "r1", "--role", "resident", "--actor-area", AREA,
            "--category", "noise", "--area", AREA, "--id", long_id]  # fmt: skip
    assert run("ticket", *step, "--db", url, "--at", T0)[0] == 0
    code, out, err = run("ticket", "list", "--db", url)
    assert code == 0, err
    assert long_id in out  # not cut to "HZ-2026-03…"
    assert "2025-03-03 09:03:00+08:00" in out  # Beijing time (the 60% warning), whole
    assert "T01:" not in out  # no UTC ISO stamps in the table
    code, out, _ = run("ticket", "list", "--db", url, "--format", "json")
    assert json.loads(out)[0]["next_due_at"].endswith(("Z", "+00:00"))  # programs: UTC ISO


# issue 13, item 25
def test_show_says_how_overdue_each_running_clock_is(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run("ticket", "show", "T1", "--db", url)
    assert code == 0
    # The handling clock of T1 (reported 2025-03-03) still runs, years past its 24 hours.
    assert re.search(r"running, due 2025-03-04 09:00:00\+08:00 \(overdue \d+d \d+h\)", out)
    assert re.search(r"met, due 2025-03-03 09:05:00\+08:00|breached|running", out)
