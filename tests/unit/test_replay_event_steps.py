"""An event log's activities: one can stand for several steps, several for one step,
some are notes; a log without closes can close its cases at their last event (issue 12)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridgov.errors import PolicyError
from gridgov.replay import (
    InputFile,
    RejectLog,
    ReplayEngine,
    ReplayMapping,
    ReplayOptions,
    SourceNote,
    TicketOutcome,
    load_mapping,
    read_tickets,
    run_replay,
)

ZONE = ZoneInfo("Europe/Amsterdam")

MAPPING = """\
name = "permits without closes"
kind = "events"
time_format = "%Y-%m-%d %H:%M"
timezone = "Europe/Amsterdam"
note_activities = ["Phone call"]
{events}
[columns]
id = "case"
activity = "activity"
at = "time"
actor = "who"

[payload]
result = "decision"

[activities]
"Confirmation of receipt" = ["report", "accept"]
"Assign to officer" = "dispatch"
"Forward to department" = "dispatch"
"Start review" = "sign_for"
"Send decision" = "mark_handled"

[area]
missing = "PERMITS"

[[area.levels]]
level = "office"
column = "office"
"""

ROWS = [
    ("Q1", "Confirmation of receipt", "2024-05-06 09:00", "clerk", ""),
    ("Q2", "Confirmation of receipt", "2024-05-06 09:10", "clerk", ""),
    ("Q1", "Assign to officer", "2024-05-06 09:30", "clerk", ""),
    ("Q2", "Forward to department", "2024-05-06 09:40", "clerk", ""),
    ("Q1", "Start review", "2024-05-06 10:00", "officer", ""),
    ("Q1", "Phone call", "2024-05-06 11:00", "applicant", ""),
    ("Q2", "Start review", "2024-05-06 11:30", "department", ""),
    ("Q1", "Send decision", "2024-05-06 12:00", "officer", "granted"),
    ("Q3", "Confirmation of receipt", "2024-05-07 09:00", "clerk", ""),
    ("Q2", "Send decision", "2024-05-07 10:00", "department", "refused"),
    ("Q3", "Forward to department", "2024-05-07 10:30", "clerk", ""),
]


def _files(tmp_path: Path, events: str = "") -> tuple[ReplayMapping, Path]:
    mapping = tmp_path / "permits.toml"
    mapping.write_text(MAPPING.format(events=events), encoding="utf-8")
    log = tmp_path / "permits.csv"
    with log.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["case", "activity", "time", "who", "decision", "office"])
        writer.writerows((*row, "") for row in ROWS)
    return load_mapping(mapping), log


def _outcomes(mapping: ReplayMapping, log: Path) -> dict[str, TicketOutcome]:
    engine = ReplayEngine(mapping.routing_policy())
    rejects = RejectLog()
    tickets = read_tickets(mapping, InputFile(log), areas=None, rejects=rejects, ends=engine.ends)
    found = {t.ticket_id: engine.replay(t) for t in tickets}
    assert rejects.total == 0
    return found


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)


def test_one_activity_stands_for_several_steps(tmp_path: Path) -> None:
    mapping, log = _files(tmp_path)
    tickets = list(read_tickets(mapping, InputFile(log), areas=None, rejects=RejectLog()))
    q1 = next(t for t in tickets if t.ticket_id == "Q1")
    assert [(e.trigger, e.line) for e in q1.events[:3]] == [
        ("report", 2), ("accept", 2), ("dispatch", 4),
    ]  # fmt: skip
    assert q1.events[0].at == q1.events[1].at == _at("2024-05-06 09:00")


def test_several_activities_stand_for_one_step(tmp_path: Path) -> None:
    outcomes = _outcomes(*_files(tmp_path))
    # Q2 was forwarded, Q1 assigned: both are a dispatch the loop accepts
    assert outcomes["Q1"].final_state == outcomes["Q2"].final_state == "handled"
    assert outcomes["Q1"].conformance == outcomes["Q2"].conformance == ()
    assert outcomes["Q3"].final_state == "dispatched"


def test_without_the_option_a_log_without_closes_leaves_its_cases_open(tmp_path: Path) -> None:
    outcomes = _outcomes(*_files(tmp_path))
    assert {o.closed_at for o in outcomes.values()} == {None}


def test_close_at_last_event_closes_each_case_the_log_leaves_open(tmp_path: Path) -> None:
    outcomes = _outcomes(*_files(tmp_path, '[events]\nclose_at_last_event = ["close"]\n'))
    assert outcomes["Q1"].final_state == "closed"
    assert outcomes["Q1"].closed_at == _at("2024-05-06 12:00")  # its last event, not the note's
    assert outcomes["Q2"].closed_at == _at("2024-05-07 10:00")
    # Q3 was never handled: the implied close is refused like any, and flagged
    assert outcomes["Q3"].final_state == "dispatched"
    assert outcomes["Q3"].conformance == ("dispatched:close",)


def test_notes_pass_through_with_their_ticket(tmp_path: Path) -> None:
    outcomes = _outcomes(*_files(tmp_path))
    assert outcomes["Q1"].notes == (
        SourceNote("Phone call", _at("2024-05-06 11:00"), 7, "applicant"),
    )
    assert outcomes["Q2"].notes == ()


def test_every_row_is_accounted_for_when_one_row_makes_two_events(tmp_path: Path) -> None:
    mapping, log = _files(tmp_path)
    report = run_replay(ReplayOptions(input=log, mapping=mapping))
    assert report.input["rows"] == len(ROWS)
    assert report.input["rows_replayed"] == len(ROWS)  # 14 events from 11 rows, a note among them


def test_a_case_with_only_notes_is_rejected_row_by_row(tmp_path: Path) -> None:
    mapping, log = _files(tmp_path)
    with log.open("a", encoding="utf-8", newline="") as file:
        csv.writer(file).writerow(["Q9", "Phone call", "2024-05-08 09:00", "applicant", "", ""])
    rejects = RejectLog()
    tickets = list(read_tickets(mapping, InputFile(log), areas=None, rejects=rejects))
    assert "Q9" not in {t.ticket_id for t in tickets}
    assert dict(rejects.counts) == {"missing_value": 1}


def test_an_activity_cannot_be_both_a_step_and_a_note(tmp_path: Path) -> None:
    text = MAPPING.format(events="").replace('["Phone call"]', '["Start review"]')
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        PolicyError, match="'Start review' is in both activities and note_activities"
    ):
        load_mapping(path)


def test_a_bad_step_in_a_list_is_named_at_its_activity(tmp_path: Path) -> None:
    text = MAPPING.format(events="").replace('["report", "accept"]', '["report", "acept"]')
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_mapping(path)
    (problem,) = caught.value.problems
    assert problem.field == "activities.Confirmation of receipt"
    assert (
        problem.line
        == text.splitlines().index('"Confirmation of receipt" = ["report", "acept"]') + 1
    )
    assert problem.reason.startswith("unknown trigger 'acept' (did you mean 'accept'?)")
