"""An event log's cases: a refused move never ends a case (issue 12, event logs).

The fixture ``tests/fixtures/permit_log.csv`` is a permit process's log whose closes
come out of order (see ``tests/fixtures/README.md``).
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridgov.errors import PolicyError
from gridgov.grid import load_areas, load_sample
from gridgov.replay import (
    InputFile,
    RejectLog,
    ReplayEngine,
    ReplayMapping,
    ReplayOptions,
    SourceTicket,
    TicketOutcome,
    load_mapping,
    read_tickets,
    run_replay,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
PERMIT_LOG = FIXTURES / "permit_log.csv"
ZONE = ZoneInfo("Europe/Amsterdam")
Cases = dict[str, list[datetime]]

PERMIT_MAPPING = """\
name = "permits"
kind = "events"
time_format = "%Y-%m-%d %H:%M:%S"
timezone = "Europe/Amsterdam"
ignore_activities = ["Internal note"]

[columns]
id = "case_id"
activity = "activity"
at = "timestamp"
actor = "resource"

[payload]
result = "decision"

[activities]
"Submit application" = "report"
"Check completeness" = "accept"
"Assign to officer" = "dispatch"
"Start review" = "sign_for"
"Decision made" = "mark_handled"
"Reject application" = "reject"
"Close case" = "close"
"""
# no [area]: the log has no places


def _mapping(tmp_path: Path, text: str = PERMIT_MAPPING) -> ReplayMapping:
    path = tmp_path / "permits.toml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def _log_cases(path: Path, ignored: tuple[str, ...] = ("Internal note",)) -> Cases:
    """Each case's event times as the log has them (what the tickets must span)."""
    cases: dict[str, list[datetime]] = {}
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if row["activity"] not in ignored:
                at = datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE)
                cases.setdefault(row["case_id"], []).append(at)
    return cases


def _replayed(
    mapping: ReplayMapping, path: Path, rejects: Path
) -> tuple[list[SourceTicket], list[TicketOutcome], RejectLog]:
    log = RejectLog(rejects)
    engine = ReplayEngine(mapping.routing_policy())
    tickets: list[SourceTicket] = []
    outcomes: list[TicketOutcome] = []
    for ticket in read_tickets(mapping, InputFile(path), areas=None, rejects=log, ends=engine.ends):
        tickets.append(ticket)
        outcomes.append(engine.replay(ticket))
    log.close()
    return tickets, outcomes, log


def _rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_a_refused_close_does_not_end_the_case(tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    _, outcomes, _ = _replayed(_mapping(tmp_path), PERMIT_LOG, rejects)
    by_id = {o.ticket_id: o for o in outcomes}
    # P1's early close is flagged, then it is handled and closed for real
    assert by_id["P1"].final_state == "closed"
    assert by_id["P1"].conformance == ("accepted:close",)
    assert by_id["P1"].closed_at == datetime(2024, 5, 9, 9, 0, tzinfo=ZONE)
    # P2 closed right after submission: flagged; the later steps still count
    assert by_id["P2"].final_state == "in_progress"
    assert by_id["P2"].conformance == ("reported:close",)
    # P4 was closed twice too early: both flagged, still open
    assert by_id["P4"].final_state == "accepted"
    assert by_id["P4"].conformance == ("reported:close", "accepted:close")
    # the only event after an end is P3's, after its rejection
    after_end = [r for r in _rejects(rejects) if r["kind"] == "after_end"]
    assert [(r["ticket_id"], r["line"]) for r in after_end] == [("P3", "18")]
    assert by_id["P3"].final_state == "rejected"


def test_tickets_are_the_distinct_cases_and_span_their_events(tmp_path: Path) -> None:
    tickets, outcomes, _ = _replayed(_mapping(tmp_path), PERMIT_LOG, tmp_path / "r.csv")
    cases = _log_cases(PERMIT_LOG)
    cases["P3"] = cases["P3"][:-1]  # its event after the rejection is an after_end reject
    assert sorted(t.ticket_id for t in tickets) == sorted(cases)
    for ticket, outcome in zip(tickets, outcomes, strict=True):
        times = cases[ticket.ticket_id]
        assert [e.at for e in ticket.events] == times
        assert outcome.opened_at == times[0]
        if outcome.closed_at is not None:
            assert outcome.closed_at == times[-1]


def test_a_case_that_never_ends_leaves_with_the_file(tmp_path: Path) -> None:
    tickets, _, _ = _replayed(_mapping(tmp_path), PERMIT_LOG, tmp_path / "r.csv")
    order = [(t.ticket_id, t.last_line) for t in tickets]
    # ended cases leave at the line that ended them; the open ones at the end, by first line
    assert order == [("P1", 13), ("P3", 17), ("P2", 0), ("P4", 0)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_whole_replay_rejects_only_the_event_after_a_real_end(tmp_path: Path, jobs: int) -> None:
    options = ReplayOptions(input=PERMIT_LOG, mapping=_mapping(tmp_path), jobs=jobs)
    report = run_replay(options)
    assert report.rejects == {"after_end": 1}
    assert report.overall.tickets == 4


def test_read_tickets_alone_folds_with_the_rule_core(tmp_path: Path) -> None:
    """Without an engine (``simulate fit`` reads histories so) the reader folds itself."""
    log = RejectLog()
    tickets = list(read_tickets(_mapping(tmp_path), InputFile(PERMIT_LOG), areas=None, rejects=log))
    assert [t.ticket_id for t in tickets] == ["P1", "P3", "P2", "P4"]
    assert dict(log.counts) == {"after_end": 1}


def test_a_log_without_places_needs_no_area_section(tmp_path: Path) -> None:
    _, outcomes, log = _replayed(_mapping(tmp_path), PERMIT_LOG, tmp_path / "r.csv")
    assert {o.area for o in outcomes} == {""}  # no tree: no area code at all
    assert set(log.counts) == {"after_end"}


def test_without_places_every_ticket_is_in_the_root_of_the_tree(tmp_path: Path) -> None:
    tree = load_sample("hangzhou").tree
    (root,) = tree.roots
    log = RejectLog()
    stream = read_tickets(_mapping(tmp_path), InputFile(PERMIT_LOG), areas=tree, rejects=log)
    assert {t.area for t in stream} == {root.code}


def test_without_places_area_missing_names_the_area(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, PERMIT_MAPPING + '\n[area]\nmissing = "BOS-W05"\n')
    tree = load_sample("boston311").tree
    stream = read_tickets(mapping, InputFile(PERMIT_LOG), areas=tree, rejects=RejectLog())
    assert {t.area for t in stream} == {"BOS-W05"}


def test_without_places_a_tree_of_several_roots_asks_for_area_missing(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text(
        "# levels: city\ncode,name,level,parent_code\nA,A,city,\nB,B,city,\n", encoding="utf-8"
    )
    tree = load_areas(path).tree
    with pytest.raises(PolicyError, match=r"2 roots \(A, B\): set area.missing") as caught:
        list(
            read_tickets(_mapping(tmp_path), InputFile(PERMIT_LOG), areas=tree, rejects=RejectLog())
        )
    assert caught.value.problems[0].field == "area.missing"


def test_a_snapshot_row_is_a_whole_ticket_even_when_its_close_is_refused(tmp_path: Path) -> None:
    """A snapshot's id is seen at its row, whatever its implied close did: a second row
    with it is a duplicate, not the rest of the ticket."""
    path = tmp_path / "m.toml"
    path.write_text(
        'name = "s"\nkind = "snapshot"\n[columns]\nid = "id"\nopened_at = "o"\n'
        'closed_at = "c"\n[snapshot]\non_open = ["report"]\n',
        encoding="utf-8",
    )
    data = tmp_path / "t.csv"
    data.write_text(
        "id,o,c\n1,2024-01-01T09:00,2024-01-01T10:00\n1,2024-01-01T09:00,2024-01-02T10:00\n",
        encoding="utf-8",
    )
    mapping = load_mapping(path)
    engine = ReplayEngine(mapping.routing_policy())
    log = RejectLog()
    (ticket,) = read_tickets(mapping, InputFile(data), areas=None, rejects=log, ends=engine.ends)
    outcome = engine.replay(ticket)
    assert outcome.final_state == "reported"  # the implied close was refused, and flagged
    assert outcome.conformance == ("reported:mark_handled", "reported:close")
    assert dict(log.counts) == {"duplicate_id": 1}
