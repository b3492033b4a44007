"""Time is injected: the same events whatever the steps, pauses shift deadlines exactly,
policy changes recompute open clocks, and DST zones count real elapsed time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.sla import (
    CycleOutcome,
    SlaEngine,
    SlaPolicy,
    load_default_policy,
    parse_policy,
)
from gridgov.workflow import TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
DAY = datetime(2025, 3, 4, 0, 0, tzinfo=SHANGHAI)
POLICY = load_default_policy()

OFFICE_POLICY = """\
[policy]
name = "office"

[calendars.office]
timezone = "Asia/Shanghai"
working_hours = ["08:30-12:00", "13:30-17:30"]
holidays = { provider = "chinese_calendar" }

[clocks.handling]
start = "report"
stop = "mark_handled"
calendar = "office"
due = "{due}"
warn_at = [0.5]
"""


def _event(ticket_id: str, seq: int, trigger: str, frm: str, to: str, at: datetime,
           **payload: Any) -> TicketEvent:  # fmt: skip
    return TicketEvent(
        ticket_id=ticket_id, seq=seq, trigger=trigger, from_state=frm, to_state=to,
        actor_id="w1", actor_role="grid_worker", at=at, payload=payload,
    )  # fmt: skip


def _day_of_tickets() -> list[TicketEvent]:
    """Twelve tickets reported through one day; some signed for quickly, some suspended."""
    events = []
    for n in range(12):
        tid, start = f"T{n:02d}", DAY + timedelta(hours=1, minutes=83 * n)
        events.append(_event(tid, 1, "report", "new", "reported", start, category="noise"))
        if n % 3 == 0:
            continue  # never answered: response and handling breach
        events.append(
            _event(tid, 2, "accept", "reported", "accepted", start + timedelta(minutes=2))
        )
        if n % 3 == 1:
            events.append(
                _event(tid, 3, "suspend", "accepted", "suspended", start + timedelta(hours=2))
            )
            events.append(
                _event(tid, 4, "resume", "suspended", "accepted", start + timedelta(hours=9),
                       resume_to="accepted")
            )  # fmt: skip
    return sorted(events, key=lambda e: e.at)


def _run(steps: list[datetime]) -> list[Any]:
    """Feed the day's transitions in time order, advancing to each step in between."""
    engine, out = SlaEngine(POLICY), []
    pending = _day_of_tickets()
    for step in steps:
        while pending and pending[0].at <= step:
            out += engine.record(pending.pop(0))
        out += engine.advance_to(step)
    return out


END = DAY + timedelta(days=2)


def test_minute_by_minute_and_one_jump_give_the_same_events() -> None:
    minutes = [DAY + timedelta(minutes=m) for m in range(0, 2 * 24 * 60 + 1)]
    by_minute = _run(minutes)
    jump = _run(sorted({e.at for e in _day_of_tickets()} | {END}))
    assert by_minute == jump
    assert len(by_minute) > 40  # the day really had warnings and breaches
    assert by_minute == sorted(by_minute, key=lambda e: e.at)


def test_each_threshold_fires_once_per_cycle() -> None:
    events = _run([END])
    keys = [(e.ticket_id, e.clock, e.cycle, getattr(e, "fraction", 1.0)) for e in events]
    assert len(keys) == len(set(keys))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=600), min_size=1, max_size=40))
def test_any_steps_give_the_same_events_as_one_jump(gaps: list[int]) -> None:
    steps, t = [], DAY
    for gap in gaps:
        t += timedelta(minutes=gap)
        steps.append(t)
    steps.append(max(t, END))
    assert _run(steps) == _run([max(t, END)])


def _office(due: str) -> SlaPolicy:
    return parse_policy(OFFICE_POLICY.replace("{due}", due), source="office.toml")


# Working moments and pause lengths in March 2025 on an 08:30–12:00/13:30–17:30 calendar.
starts = st.datetimes(
    min_value=datetime(2025, 3, 3), max_value=datetime(2025, 3, 28), timezones=st.just(SHANGHAI)
)


@settings(max_examples=60, deadline=None)
@given(
    start=starts,
    due=st.sampled_from(["90m", "7h", "2wd", "3wd"]),
    pause_after=st.integers(min_value=0, max_value=3 * 24 * 60),
    pause_for=st.integers(min_value=1, max_value=5 * 24 * 60),
)
def test_a_pause_moves_the_deadline_by_exactly_the_paused_working_time(
    start: datetime, due: str, pause_after: int, pause_for: int
) -> None:
    policy = _office(due)
    calendar = policy.calendars["office"]
    engine = SlaEngine(policy)
    engine.record(_event("T", 1, "report", "new", "accepted", start))
    first_due = engine.deadlines("T")["handling"]
    paused = start + timedelta(minutes=pause_after)
    resumed = paused + timedelta(minutes=pause_for)
    engine.record(_event("T", 2, "suspend", "accepted", "suspended", paused))
    engine.record(_event("T", 3, "resume", "suspended", "accepted", resumed, resume_to="accepted"))
    new_due = engine.deadlines("T")["handling"]
    budget = calendar.working_time_between(start, first_due)
    if paused > first_due:
        assert new_due == first_due  # paused after the deadline: nothing to move
    else:
        lost = calendar.working_time_between(paused, resumed)
        assert calendar.working_time_between(start, new_due) == budget + lost
        assert new_due >= first_due


@settings(max_examples=40, deadline=None)
@given(start=starts, later=st.integers(min_value=0, max_value=5 * 24 * 60))
def test_deadlines_are_monotone_in_the_start_time(start: datetime, later: int) -> None:
    policy = _office("2wd")
    a, b = SlaEngine(policy), SlaEngine(policy)
    a.record(_event("T", 1, "report", "new", "reported", start))
    b.record(_event("T", 1, "report", "new", "reported", start + timedelta(minutes=later)))
    assert a.deadlines("T")["handling"] <= b.deadlines("T")["handling"]


@settings(max_examples=40, deadline=None)
@given(
    start=starts,
    unit=st.sampled_from(["m", "h", "wd", "cd"]),
    amount=st.integers(min_value=0, max_value=30),
    more=st.integers(min_value=0, max_value=30),
)
def test_deadlines_are_monotone_in_the_duration(
    start: datetime, unit: str, amount: int, more: int
) -> None:
    shorter, longer = (
        SlaEngine(_office(f"{amount}{unit}")),
        SlaEngine(_office(f"{amount + more}{unit}")),
    )
    shorter.record(_event("T", 1, "report", "new", "reported", start))
    longer.record(_event("T", 1, "report", "new", "reported", start))
    assert shorter.deadlines("T")["handling"] <= longer.deadlines("T")["handling"]


def test_changing_the_policy_recomputes_open_tickets_only() -> None:
    engine = SlaEngine(_office("2wd"))
    monday = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
    engine.record(_event("done", 1, "report", "new", "reported", monday))
    engine.record(_event("done", 2, "mark_handled", "reported", "handled", monday
                         + timedelta(hours=1), result="ok"))  # fmt: skip
    engine.record(_event("open", 1, "report", "new", "reported", monday))
    engine.record(
        _event("open", 2, "suspend", "reported", "suspended", monday + timedelta(hours=1))
    )
    engine.record(_event("open", 3, "resume", "suspended", "reported", monday + timedelta(days=1),
                         resume_to="reported"))  # fmt: skip
    old = engine.policy.fingerprint
    # Suspended Monday 10:00 to Tuesday 09:00: 6.5 working hours pushed onto Wednesday 09:00.
    assert engine.deadlines("open")["handling"] == datetime(2025, 3, 5, 17, 0, tzinfo=SHANGHAI)

    newer = _office("1wd")
    changed = engine.use_policy(newer, at=monday + timedelta(days=1, hours=1))

    assert changed == ["open"]
    # 1 working day from Monday 09:00 is Tuesday 09:00, plus the same 6.5 paused hours.
    assert engine.deadlines("open")["handling"] == datetime(2025, 3, 4, 17, 0, tzinfo=SHANGHAI)
    (open_cycle,) = engine.cycles("open")
    (done_cycle,) = engine.cycles("done")
    assert open_cycle.policy_fingerprint == newer.fingerprint != old
    assert done_cycle.policy_fingerprint == old
    assert done_cycle.outcome is CycleOutcome.MET


def test_restoring_a_ticket_computed_under_an_old_policy_recomputes_it() -> None:
    old = SlaEngine(_office("2wd"))
    monday = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
    old.record(_event("T", 1, "report", "new", "reported", monday))
    data = old.snapshot("T")
    engine = SlaEngine(_office("1wd"))
    assert engine.restore(data, at=monday + timedelta(hours=2)) is True
    assert engine.deadlines("T")["handling"] == datetime(2025, 3, 4, 9, 0, tzinfo=SHANGHAI)


def test_a_policy_that_drops_a_clock_cancels_its_open_cycle() -> None:
    engine = SlaEngine(POLICY)
    engine.record(_event("T", 1, "report", "new", "reported", DAY, category="noise"))
    engine.use_policy(_office("1wd"), at=DAY + timedelta(minutes=1))
    outcomes = {c.clock: c.outcome for c in engine.cycles("T")}
    assert outcomes == {"response": CycleOutcome.CANCELLED, "handling": None}


DST_POLICY = """\
[policy]
name = "dst"

[calendars.ny]
timezone = "America/New_York"
working_hours = ["00:00-24:00"]
workweek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[clocks.handling]
start = "report"
stop = "mark_handled"
calendar = "ny"
due = "{due}"
"""


def test_clock_hours_across_the_spring_forward_night_count_real_time() -> None:
    engine = SlaEngine(parse_policy(DST_POLICY.replace("{due}", "3ch")))
    # 9 March 2025: 02:00 EST jumps to 03:00 EDT.  01:30 + 3 real hours is 05:30 EDT.
    engine.record(_event("T", 1, "report", "new", "reported",
                         datetime(2025, 3, 9, 1, 30, tzinfo=NEW_YORK)))  # fmt: skip
    due = engine.deadlines("T")["handling"]
    assert due == datetime(2025, 3, 9, 5, 30, tzinfo=NEW_YORK)
    start = datetime(2025, 3, 9, 1, 30, tzinfo=NEW_YORK)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=3)


def test_a_pause_across_the_fall_back_night_moves_the_deadline_by_real_time() -> None:
    engine = SlaEngine(parse_policy(DST_POLICY.replace("{due}", "4h")))
    # 2 November 2025: 02:00 EDT falls back to 01:00 EST (the 01:00 hour happens twice).
    start = datetime(2025, 11, 1, 23, 0, tzinfo=NEW_YORK)
    engine.record(_event("T", 1, "report", "new", "accepted", start))
    engine.record(_event("T", 2, "suspend", "accepted", "suspended", start + timedelta(hours=1)))
    paused = datetime(2025, 11, 2, 0, 0, tzinfo=NEW_YORK)
    resumed = datetime(2025, 11, 2, 3, 0, tzinfo=NEW_YORK)  # 4 real hours later
    assert engine.cycles("T")[0].paused_since == paused
    engine.record(_event("T", 3, "resume", "suspended", "accepted", resumed, resume_to="accepted"))
    due = engine.deadlines("T")["handling"]
    # 1 hour ran before the pause, 3 remain after 03:00 EST.
    assert due == datetime(2025, 11, 2, 6, 0, tzinfo=NEW_YORK)
