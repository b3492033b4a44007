"""The SLA engine on the default policy: cycles, pauses, reopen, warnings, breaches."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.errors import CalendarUnknownYear, InvalidTime, TransitionNotAllowed, UnknownTicket
from gridgov.sla import (
    CycleOutcome,
    SlaBreached,
    SlaEngine,
    SlaWarning,
    load_default_policy,
    parse_policy,
)
from gridgov.workflow import TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
TUE = datetime(2025, 3, 4, 9, 0, tzinfo=SHANGHAI)  # an ordinary working Tuesday


class Ticket:
    """Writes a ticket's transitions the way the workflow records them."""

    def __init__(self, engine: SlaEngine, ticket_id: str = "T1") -> None:
        self.engine, self.ticket_id, self.seq, self.state = engine, ticket_id, 0, "new"

    def do(self, trigger: str, to_state: str, at: datetime, **payload: Any) -> list[Any]:
        self.seq += 1
        event = TicketEvent(
            ticket_id=self.ticket_id, seq=self.seq, trigger=trigger, from_state=self.state,
            to_state=to_state, actor_id="w1", actor_role="grid_worker", at=at, payload=payload,
        )  # fmt: skip
        self.state = to_state
        return self.engine.record(event)

    def report(self, at: datetime, **payload: Any) -> list[Any]:
        return self.do(
            "report", "reported", at, **{"category": "noise", "tier": "small", **payload}
        )

    def to_in_progress(self, at: datetime) -> None:
        self.do("accept", "accepted", at)
        self.do("dispatch", "dispatched", at)
        self.do("sign_for", "in_progress", at)


@pytest.fixture
def engine() -> SlaEngine:
    return SlaEngine(load_default_policy())


def test_response_breach_fires_once_with_its_due_time_and_actions(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE)
    events = engine.advance_to(TUE + timedelta(hours=1))
    response = [e for e in events if e.clock == "response"]
    assert [type(e).__name__ for e in response] == ["SlaWarning", "SlaBreached"]
    assert response[0].at == TUE + timedelta(minutes=3)  # 60% of 5 minutes
    assert response[1].due == response[1].at == TUE + timedelta(minutes=5)
    assert [(a.action, a.role) for a in response[1].actions] == [("notify", "grid_head")]
    assert [e for e in engine.advance_to(TUE + timedelta(hours=2)) if e.clock == "response"] == []


def test_signing_for_in_time_meets_the_response_clock(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.to_in_progress(TUE + timedelta(minutes=4))
    response = engine.cycles("T1")[0]
    assert (response.clock, response.outcome) == ("response", CycleOutcome.MET)
    assert response.elapsed == timedelta(minutes=4)
    assert [e.clock for e in engine.advance_to(TUE + timedelta(hours=1))] == []


def test_stop_exactly_at_the_due_time_is_on_time(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    engine.advance_to(TUE + timedelta(minutes=5))  # reaching the due time is not a breach
    events = ticket.do("accept", "accepted", TUE + timedelta(minutes=5))
    events += ticket.do("dispatch", "dispatched", TUE + timedelta(minutes=5))
    events += ticket.do("sign_for", "in_progress", TUE + timedelta(minutes=5))
    assert events == []
    assert engine.cycles("T1")[0].outcome is CycleOutcome.MET


def test_late_transition_first_announces_what_was_due_before_it(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    events = ticket.do("accept", "accepted", TUE + timedelta(minutes=7))
    assert [(type(e).__name__, e.clock) for e in events] == [
        ("SlaWarning", "response"),
        ("SlaBreached", "response"),
    ]
    ticket.do("dispatch", "dispatched", TUE + timedelta(minutes=8))
    ticket.do("sign_for", "in_progress", TUE + timedelta(minutes=9))
    response = engine.cycles("T1")[0]
    assert response.outcome is CycleOutcome.BREACHED
    assert response.elapsed == timedelta(minutes=9)


def test_handling_warnings_come_in_order_then_the_breach(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.to_in_progress(TUE + timedelta(minutes=1))
    events = engine.advance_to(TUE + timedelta(days=2))
    handling = [e for e in events if e.clock == "handling"]
    assert [(type(e).__name__, e.at - TUE) for e in handling] == [
        ("SlaWarning", timedelta(hours=12)),
        ("SlaWarning", timedelta(hours=19, minutes=12)),
        ("SlaBreached", timedelta(hours=24)),
    ]
    assert [getattr(e, "fraction", 1.0) for e in handling] == [0.5, 0.8, 1.0]
    assert [a.action for a in handling[-1].actions] == ["supervise", "escalate"]
    assert events == sorted(events, key=lambda e: e.at)


def test_suspension_moves_the_deadline_by_the_paused_time(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.to_in_progress(TUE)
    ticket.do("suspend", "suspended", TUE + timedelta(hours=2))
    assert engine.next_due("T1") is None  # nothing runs while suspended (挂起)
    ticket.do("resume", "in_progress", TUE + timedelta(hours=7), resume_to="in_progress")
    assert engine.deadlines("T1")["handling"] == TUE + timedelta(hours=29)
    events = engine.advance_to(TUE + timedelta(days=3))
    assert [e.at - TUE for e in events] == [
        timedelta(hours=12 + 5),
        timedelta(hours=19, minutes=12) + timedelta(hours=5),
        timedelta(hours=29),
    ]


def test_reopen_starts_a_new_handling_cycle_and_keeps_the_old_one(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.to_in_progress(TUE)
    ticket.do("mark_handled", "handled", TUE + timedelta(hours=30), result="cleaned")
    ticket.do("reopen", "dispatched", TUE + timedelta(hours=31))
    handling = [c for c in engine.cycles("T1") if c.clock == "handling"]
    assert [(c.number, c.outcome) for c in handling] == [
        (1, CycleOutcome.BREACHED),
        (2, None),
    ]
    assert handling[0].elapsed == timedelta(hours=30)
    assert handling[0].breached_at == TUE + timedelta(hours=24)
    assert handling[1].breached_at is None
    assert handling[1].due == TUE + timedelta(hours=31 + 24)
    review = next(c for c in engine.cycles("T1") if c.clock == "review")
    assert review.outcome is CycleOutcome.MET  # reopening ends the wait for a review


def test_review_clock_runs_on_working_days_and_asks_to_auto_close(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    friday = datetime(2025, 3, 7, 10, 15, tzinfo=SHANGHAI)
    ticket.report(friday - timedelta(hours=1))
    ticket.to_in_progress(friday - timedelta(hours=1))
    ticket.do("mark_handled", "handled", friday, result="fixed")
    # 3 working days after Friday 10:15, skipping the weekend: Wednesday 10:15.
    assert engine.deadlines("T1")["review"] == datetime(2025, 3, 12, 10, 15, tzinfo=SHANGHAI)
    breach = [e for e in engine.advance_to(friday + timedelta(days=7)) if e.clock == "review"]
    assert isinstance(breach[0], SlaBreached)
    assert [a.action for a in breach[0].actions] == ["close"]


def test_review_deadline_skips_national_day_and_counts_the_makeup_saturday(
    engine: SlaEngine,
) -> None:
    # 2025 国庆/中秋: 1–8 October off; Saturday 11 October is a make-up working day (调休).
    ticket = Ticket(engine)
    handled = datetime(2025, 9, 30, 10, 0, tzinfo=SHANGHAI)
    ticket.report(handled - timedelta(hours=2))
    ticket.to_in_progress(handled - timedelta(hours=2))
    ticket.do("mark_handled", "handled", handled, result="fixed")
    assert engine.deadlines("T1")["review"] == datetime(2025, 10, 11, 10, 0, tzinfo=SHANGHAI)


def test_terminal_state_cancels_open_clocks(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.do("withdraw", "withdrawn", TUE + timedelta(minutes=2))
    assert {(c.clock, c.outcome) for c in engine.cycles("T1")} == {
        ("response", CycleOutcome.CANCELLED),
        ("handling", CycleOutcome.CANCELLED),
    }
    assert engine.next_due("T1") is None
    assert engine.advance_to(TUE + timedelta(days=5)) == []
    assert list(engine.open_tickets()) == []


def test_hazard_rule_gives_a_two_hour_handling_clock(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE, category="fire_lane", tier="complex")
    assert engine.deadlines("T1")["handling"] == TUE + timedelta(hours=2)
    assert engine.snapshot("T1")["rule"] == "hazard"


def test_next_due_is_the_next_announcement(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    assert engine.next_due("T1") == TUE + timedelta(minutes=3)
    ticket.to_in_progress(TUE + timedelta(minutes=1))
    assert engine.next_due("T1") == TUE + timedelta(hours=12)


def test_ticking_at_next_due_announces_the_breach_and_not_before(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE)
    engine.advance_to(TUE + timedelta(minutes=3))  # the 60% warning
    tick = engine.next_due("T1")
    assert tick == TUE + timedelta(minutes=5, microseconds=1)
    assert engine.advance_to(tick - timedelta(microseconds=1)) == []
    assert [type(e).__name__ for e in engine.advance_to(tick)] == ["SlaBreached"]


def test_next_tick_is_the_earliest_announcement_of_any_ticket(engine: SlaEngine) -> None:
    assert engine.next_tick() is None
    a, b = Ticket(engine, "A"), Ticket(engine, "B")
    a.report(TUE)
    b.report(TUE + timedelta(minutes=1))
    assert engine.next_tick() == TUE + timedelta(minutes=3)
    engine.advance_to(TUE + timedelta(minutes=4, seconds=30))  # both 60% warnings
    assert engine.next_tick() == TUE + timedelta(minutes=5, microseconds=1)
    a.do("withdraw", "withdrawn", TUE + timedelta(minutes=4, seconds=40))
    assert engine.next_tick() == TUE + timedelta(minutes=6, microseconds=1)


def test_unknown_ticket_and_second_report_are_refused(engine: SlaEngine) -> None:
    with pytest.raises(UnknownTicket):
        Ticket(engine, "nope").do("accept", "accepted", TUE)
    Ticket(engine, "T1").report(TUE)
    with pytest.raises(TransitionNotAllowed):
        Ticket(engine, "T1").report(TUE)


def test_a_transition_before_the_previous_one_is_refused(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    with pytest.raises(InvalidTime, match="not before ticket 'T1'"):
        ticket.do("accept", "accepted", TUE - timedelta(minutes=1))
    assert engine.cycles("T1")[0].is_open


def test_unknown_year_is_an_error_when_the_calendar_says_raise() -> None:
    source = (files("gridgov") / "samples/sla/default.toml").read_text(encoding="utf-8")
    marker = 'holidays = { provider = "chinese_calendar" }\n'
    assert marker in source
    engine = SlaEngine(parse_policy(source.replace(marker, marker + 'unknown_year = "raise"\n')))
    ticket = Ticket(engine)
    later = datetime(2099, 5, 6, 9, 0, tzinfo=SHANGHAI)
    ticket.report(later)
    ticket.to_in_progress(later)
    with pytest.raises(CalendarUnknownYear) as caught:
        ticket.do("mark_handled", "handled", later + timedelta(hours=1), result="ok")
    assert caught.value.year == 2099
    # Nothing half-done: the handling clock still runs and no review cycle was added.
    assert [(c.clock, c.outcome) for c in engine.cycles("T1")] == [
        ("response", CycleOutcome.MET),
        ("handling", None),
    ]
    assert engine.snapshot("T1")["state"] == "in_progress"


def test_a_report_that_cannot_be_timed_leaves_no_ticket_behind() -> None:
    text = (
        '[policy]\nname = "office"\n'
        '[calendars.office]\nholidays = { provider = "chinese_calendar" }\n'
        'unknown_year = "raise"\n'
        '[clocks.handling]\nstart = "report"\nstop = "mark_handled"\n'
        'calendar = "office"\ndue = "3wd"\n'
    )
    engine = SlaEngine(parse_policy(text))
    with pytest.raises(CalendarUnknownYear):
        Ticket(engine).report(datetime(2099, 5, 6, 9, 0, tzinfo=SHANGHAI))
    assert "T1" not in engine


def test_an_assumed_year_is_recorded_on_the_cycle() -> None:
    text = (
        '[policy]\nname = "fallback"\n'
        '[calendars.office]\nholidays = { provider = "chinese_calendar" }\n'
        'unknown_year = "assume_workweek"\n'
        '[clocks.handling]\nstart = "report"\nstop = "mark_handled"\n'
        'calendar = "office"\ndue = "3wd"\n'
    )
    engine = SlaEngine(parse_policy(text))
    Ticket(engine).report(datetime(2099, 5, 6, 9, 0, tzinfo=SHANGHAI))
    (cycle,) = engine.cycles("T1")
    assert cycle.assumed_years == (2099,)
    assert engine.snapshot("T1")["cycles"][0]["assumed_years"] == [2099]
    known = SlaEngine(parse_policy(text))
    Ticket(known).report(TUE)
    assert known.cycles("T1")[0].assumed_years == ()


def test_snapshot_round_trips_through_json_and_continues_the_same(engine: SlaEngine) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    ticket.to_in_progress(TUE + timedelta(minutes=1))
    ticket.do("suspend", "suspended", TUE + timedelta(hours=1))
    ticket.do("resume", "in_progress", TUE + timedelta(hours=3), resume_to="in_progress")
    data = json.loads(json.dumps(engine.snapshot("T1")))

    restored = SlaEngine(engine.policy)
    assert restored.restore(data, at=TUE + timedelta(hours=3)) is False
    assert restored.snapshot("T1") == engine.snapshot("T1")
    end = TUE + timedelta(days=2)
    assert restored.advance_to(end) == engine.advance_to(end)


def test_restoring_a_ticket_the_engine_has_replaces_it(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE)
    engine.restore(engine.snapshot("T1"), at=TUE)
    events = engine.advance_to(TUE + timedelta(minutes=10))
    assert [(e.clock, type(e).__name__) for e in events] == [
        ("response", "SlaWarning"),
        ("response", "SlaBreached"),
    ]


def test_forget_returns_the_record_and_drops_the_ticket(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE)
    data = engine.forget("T1")
    assert data["ticket_id"] == "T1"
    assert "T1" not in engine
    assert engine.advance_to(TUE + timedelta(days=1)) == []


def test_warning_events_are_plain_data(engine: SlaEngine) -> None:
    Ticket(engine).report(TUE)
    warning = engine.advance_to(TUE + timedelta(minutes=3))[0]
    assert isinstance(warning, SlaWarning)
    data = warning.to_dict()
    assert datetime.fromisoformat(data.pop("at")) == TUE + timedelta(minutes=3)
    assert datetime.fromisoformat(data.pop("due")) == TUE + timedelta(minutes=5)
    assert data == {
        "kind": "warning",
        "ticket_id": "T1",
        "clock": "response",
        "cycle": 1,
        "fraction": 0.6,
        "actions": [{"action": "notify", "role": "grid_worker", "levels": 1, "note": ""}],
    }


def test_a_cycle_status_is_running_or_paused_while_open_else_how_it_ended(
    engine: SlaEngine,
) -> None:
    ticket = Ticket(engine)
    ticket.report(TUE)
    assert [c.status for c in engine.cycles("T1")] == ["running", "running"]
    ticket.to_in_progress(TUE + timedelta(minutes=7))  # signed for 2 minutes late
    ticket.do("suspend", "suspended", TUE + timedelta(hours=1))
    assert [(c.clock, c.status) for c in engine.cycles("T1")] == [
        ("response", "breached"),
        ("handling", "paused"),
    ]
    ticket.do("resume", "in_progress", TUE + timedelta(hours=2))
    ticket.do("mark_handled", "handled", TUE + timedelta(hours=3), result="fixed")
    ticket.do("close", "closed", TUE + timedelta(hours=4))
    assert [(c.clock, c.status) for c in engine.cycles("T1")] == [
        ("response", "breached"),
        ("handling", "met"),
        ("review", "met"),
    ]
