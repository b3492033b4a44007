"""Wall-clock handling time across a DST change is the time that passed (issue 12: the
Open311 round trip found Boston tickets an hour long across 2015-03-08)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.unit.test_replay_engine import ROUTING, TREE

from gridgov.replay import ReplayEngine, ReplayReport, SourceEvent, SourceTicket

BOSTON = ZoneInfo("America/New_York")


def _closed(opened: datetime, closed: datetime) -> SourceTicket:
    steps = [("report", opened), ("accept", opened), ("dispatch", opened), ("sign_for", opened)]
    events = [SourceEvent(t, at, line=2) for t, at in steps]
    events += [
        SourceEvent("mark_handled", closed, line=2, payload={"result": "fixed"}),
        SourceEvent("close", closed, line=2),
    ]
    return SourceTicket("T1", 2, area="A", category="noise", events=events, last_line=2)


def test_handling_across_the_spring_change_is_the_hours_that_passed() -> None:
    engine = ReplayEngine(ROUTING, directory=TREE, due_from_source=True)
    opened = datetime(2015, 3, 7, 12, tzinfo=BOSTON)  # EST, -05:00
    closed = datetime(2015, 3, 8, 12, tzinfo=BOSTON)  # EDT, -04:00: 23 hours later
    outcome = engine.replay(_closed(opened, closed))
    assert outcome.handling == timedelta(hours=23)
    report = ReplayReport()
    report.add(outcome, [])
    assert report.to_dict()["overall"]["closed_24h_rate"] == 1.0


def test_handling_across_the_autumn_change_is_the_hours_that_passed() -> None:
    engine = ReplayEngine(ROUTING, directory=TREE, due_from_source=True)
    opened = datetime(2015, 10, 31, 12, tzinfo=BOSTON)  # EDT
    closed = datetime(2015, 11, 1, 11, 30, tzinfo=BOSTON)  # EST: 24.5 hours later
    outcome = engine.replay(_closed(opened, closed))
    assert outcome.handling == timedelta(hours=24, minutes=30)
    report = ReplayReport()
    report.add(outcome, [])
    assert report.to_dict()["overall"]["closed_24h_rate"] == 0.0  # 23.5 h on the wall clock


def test_times_of_two_offsets_are_subtracted_once() -> None:
    from datetime import timezone

    from gridgov.replay._engine import elapsed

    est, edt = timezone(timedelta(hours=-5)), timezone(timedelta(hours=-4))
    opened, closed = datetime(2015, 3, 7, 12, tzinfo=est), datetime(2015, 3, 8, 12, tzinfo=edt)
    assert elapsed(opened, closed) == timedelta(hours=23)
    in_boston = elapsed(opened.astimezone(BOSTON), closed.astimezone(BOSTON))
    assert in_boston == timedelta(hours=23)
