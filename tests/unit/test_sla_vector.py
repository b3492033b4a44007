"""The vectorised clocks (``gridgov.sla._vector``) agree with the scalar ones.

Deadlines and working time for whole columns of start times must equal
:meth:`WorkingCalendar.add` and :meth:`~WorkingCalendar.working_time_between` one by one,
on real holiday data (中国调休, US federal holidays), across DST, year ends, short days
and the end-of-day rule; and a compiled sequence of moves must give the cycles a real
:class:`ClockRun` gives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from gridgov.sla import CalendarSpec, ClockRun, Duration, WorkingCalendar, load_default_policy
from gridgov.sla._calendar_table import to_us
from gridgov.sla._vector import compile_cycles, deadlines, provisional_spans, working_times

_CALENDARS = {
    "hangzhou": CalendarSpec(name="hz", holidays={"provider": "chinese_calendar"}),
    "boston": CalendarSpec(
        name="bos",
        timezone="America/New_York",
        holidays={"provider": "holidays", "country": "US", "subdiv": "MA", "last_known_year": 2026},
        working_hours=["08:00-12:00", "13:00-17:00"],
    ),
    "end_of_day": CalendarSpec(name="eod", working_day_rule="end_of_day"),
    "short_friday": CalendarSpec(name="fri", weekday_hours={"fri": ["09:00-12:00"]}),
}
_DURATIONS = ("0m", "5m", "90m", "2h", "8h", "40h", "1wd", "3wd", "10wd", "30cm", "24ch")


def _starts(seed: int, zone: str) -> list[datetime]:
    """Start times over 2015-2027 (known and provisional years, DST changes, year ends),
    some on exact period boundaries."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(zone)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    span = int((datetime(2027, 12, 31, tzinfo=UTC) - base).total_seconds())
    seconds = rng.integers(0, span, 400)
    moments = [(base + timedelta(seconds=int(s))).astimezone(tz) for s in seconds]
    moments += [datetime(2015, 3, 8, 1, 59, tzinfo=tz), datetime(2015, 11, 1, 1, 30, tzinfo=tz)]
    moments += [datetime(y, 12, 31, 23, 59, tzinfo=tz) for y in range(2015, 2028)]
    moments += [datetime(2025, 9, 30, h, m, tzinfo=tz) for h in (8, 12, 17) for m in (0, 30)]
    return moments


@pytest.mark.parametrize("name", sorted(_CALENDARS))
@pytest.mark.parametrize("text", _DURATIONS)
def test_deadlines_equal_add_one_by_one(name: str, text: str) -> None:
    spec = _CALENDARS[name]
    duration = Duration.parse(text)
    starts = _starts(len(name) * 31 + len(text), spec.timezone)
    scalar = WorkingCalendar(spec)
    expected = [to_us(scalar.add(s, duration)) for s in starts]
    column = np.array([to_us(s) for s in starts], dtype=np.int64)
    got = deadlines(WorkingCalendar(spec), duration, column)  # a fresh table: built here
    assert got.tolist() == expected


@pytest.mark.parametrize("name", sorted(_CALENDARS))
def test_working_between_equals_scalar(name: str) -> None:
    spec = _CALENDARS[name]
    starts = _starts(7, spec.timezone)
    ends = [s + timedelta(hours=h) for s, h in zip(starts, range(0, 900, 2), strict=False)]
    starts = starts[: len(ends)]
    scalar = WorkingCalendar(spec)
    expected = [scalar.working_time_between(a, b) // timedelta(microseconds=1)
                for a, b in zip(starts, ends, strict=True)]  # fmt: skip
    got = working_times(
        WorkingCalendar(spec),
        np.array([to_us(s) for s in starts], dtype=np.int64),
        np.array([to_us(e) for e in ends], dtype=np.int64),
    )
    assert got.tolist() == expected


def test_provisional_is_the_calendars_answer_for_the_years_spanned() -> None:
    cal = WorkingCalendar(_CALENDARS["hangzhou"])
    last = cal.official_years[1]
    assert last is not None
    starts = [datetime(last, 6, 1, tzinfo=UTC), datetime(last, 12, 31, 20, tzinfo=UTC)]
    dues = [datetime(last, 6, 2, tzinfo=UTC), datetime(last + 1, 1, 2, tzinfo=UTC)]
    got = provisional_spans(
        cal,
        np.array([to_us(s) for s in starts], dtype=np.int64),
        np.array([to_us(d) for d in dues], dtype=np.int64),
    )
    assert got.tolist() == [False, True]
    assert cal.provisional_years(last, last + 1) == (last + 1,)


def test_compiled_cycles_are_the_clock_runs() -> None:
    """Every rule of the default policy, on the snapshot sequence and a reopened one:
    each compiled cycle starts and ends at the events a real ClockRun's cycle does."""
    moves = [
        (0, "report", "reported"), (1, "accept", "accepted"), (2, "dispatch", "dispatched"),
        (3, "sign_for", "signed"), (4, "mark_handled", "handled"), (5, "review", "reviewed"),
        (6, "reopen", "dispatched"), (7, "sign_for", "signed"), (8, "mark_handled", "handled"),
        (9, "close", "closed"),
    ]  # fmt: skip
    probe = datetime(2025, 3, 3, 9, tzinfo=UTC)
    for rule in load_default_policy().rules:
        counted = ClockRun.moves_that_count(rule, [(t, s, None) for _, t, s in moves])
        picked = [(*moves[i], None) for i in counted]
        compiled = compile_cycles(rule, picked, probe)
        run = ClockRun(rule)
        times = [probe + timedelta(hours=3 * i) for i in range(len(moves))]
        for index, trigger, state in moves:
            run.apply(trigger, state, times[index], announce=True)
        if compiled is None:  # a pausing clock: left to ClockRun
            assert any(c.pauses for c in run.cycles) or rule.pausing
            continue
        assert [(c.clock, times[c.start], None if c.end is None else times[c.end])
                for c in compiled] == [
            (c.clock, c.started_at, c.stopped_at) for c in run.cycles
        ]  # fmt: skip


def test_a_cycle_spanning_an_unknown_year_is_provisional_whatever_was_computed_before() -> None:
    """A calendar-time clock's deadline needs no table, so whether its calendar had
    computed the next year before must not decide whether the cycle is provisional."""
    text = """
[policy]
name = "year-end"

[calendars.office]
timezone = "Asia/Shanghai"
holidays = { provider = "chinese_calendar" }

[clocks.handling]
start = "report"
stop = "close"
calendar = "office"
due = "48ch"
"""
    from gridgov.sla import parse_policy

    last = WorkingCalendar(_CALENDARS["hangzhou"]).official_years[1]
    assert last is not None
    start = datetime(last, 12, 31, 12, tzinfo=UTC)
    answers = []
    for warm in (False, True):
        policy = parse_policy(text, source="year-end.toml")
        rule = policy.select_for((None, None, None, None))
        calendar = rule.clocks[0].calendar
        assert isinstance(calendar, WorkingCalendar)
        if warm:  # the next year computed already, by another ticket
            calendar.add(datetime(last + 1, 6, 1, tzinfo=UTC), Duration.parse("1wd"))
        run = ClockRun(rule)
        run.apply("report", "reported", start, announce=True)
        answers.append(run.cycles[0].assumed_years)
    assert answers == [(last + 1,), (last + 1,)]
