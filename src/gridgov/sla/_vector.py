"""SLA clocks of many tickets at once (NumPy): replay's columnar path.

:class:`~gridgov.sla.ClockRun` decides, move by move, which cycles start, stop or are
cancelled, and whether one pauses; it decides that from the moves alone (trigger and
destination), never from their times — times only set due times and breaches.  So for
one sequence of accepted moves under one rule, :func:`compile_cycles` runs a real
:class:`ClockRun` once, on probe times, and records each cycle by the events it started
and ended at (:class:`CycleShape`).  Every ticket of that sequence then gets its due
times from :func:`deadlines` — the calendar's own table (``sla/_calendar_table.py``)
searched for a whole column of start times at once — and is breached where its end is
after its due time, as :meth:`ClockCycle.end <gridgov.sla.ClockCycle.end>` and
replay's announcing judge a cycle that never paused.

Sequences this form does not cover — a cycle that pauses, a clock per co-unit's part, a
calendar that is not a :class:`~gridgov.sla.WorkingCalendar`, a duration in calendar days
(a wall-clock addition across DST) — are not compiled (``None``): their tickets run on
:class:`ClockRun`, one by one.  Tests check that both forms give the same cycles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from gridgov.sla._calendar import WorkingCalendar
from gridgov.sla._calendar_spec import WorkingDayRule
from gridgov.sla._calendar_table import EPOCH, CalendarTable, from_us, to_us
from gridgov.sla._duration import Duration, DurationUnit
from gridgov.sla._policy import ClockPlan, SlaRule
from gridgov.sla._run import ClockRun

if TYPE_CHECKING:
    from numpy.typing import NDArray

    Micros = NDArray[np.int64]
else:
    Micros = np.ndarray

__all__ = [
    "EPOCH",
    "CycleShape",
    "Micros",
    "compile_cycles",
    "deadlines",
    "provisional_spans",
    "to_us",
    "working_times",
]

_US = {
    DurationUnit.MINUTES: 60_000_000,
    DurationUnit.HOURS: 3_600_000_000,
    DurationUnit.CALENDAR_MINUTES: 60_000_000,
    DurationUnit.CALENDAR_HOURS: 3_600_000_000,
}
_WORKING_US = frozenset({DurationUnit.MINUTES, DurationUnit.HOURS})
_CALENDAR_US = frozenset({DurationUnit.CALENDAR_MINUTES, DurationUnit.CALENDAR_HOURS})
_EXTENSIONS = 10
"""Years a table is extended forward at most for one column (the scalar path's bound)."""

Move = tuple[int, str, str, "tuple[str, ...] | None"]
"""An accepted move: its event's index, trigger, destination, parts (replay's ``Accepted``)."""


@dataclass(frozen=True, slots=True)
class CycleShape:
    """One clock cycle of a sequence of moves, by event index."""

    clock: str
    plan: ClockPlan
    start: int
    """The event it started at."""
    end: int | None
    """The event it stopped or was cancelled at; ``None``: still open after the last one."""


def _supported(plan: ClockPlan) -> bool:
    unit = plan.due.unit
    return isinstance(plan.calendar, WorkingCalendar) and (
        unit in _US or unit is DurationUnit.WORKING_DAYS
    )


def compile_cycles(
    rule: SlaRule, moves: Sequence[Move], probe: datetime
) -> tuple[CycleShape, ...] | None:
    """The cycles ``moves`` (the ones :meth:`ClockRun.moves_that_count` picked, in order)
    run under ``rule``, found by a real :class:`ClockRun` on probe times (``probe`` plus
    the event's index in microseconds: distinct, in order, in a year the data has); or
    ``None`` when a cycle pauses or a clock is not of the vectorised kinds."""
    run = ClockRun(rule)
    at_index: dict[datetime, int] = {}
    for index, trigger, to_state, parts in moves:
        at = probe + timedelta(microseconds=index)
        at_index[at] = index
        run.apply(trigger, to_state, at, announce=True, parts=parts)
    plans = {plan.name: plan for plan in rule.clocks}
    shapes = []
    for cycle in run.cycles:
        plan = plans.get(cycle.clock)  # a part's cycle is named NAME@UNIT: not here
        if plan is None or not _supported(plan) or cycle.pauses or cycle.paused_since:
            return None
        end = None if cycle.stopped_at is None else at_index[cycle.stopped_at]
        shapes.append(CycleShape(cycle.clock, plan, at_index[cycle.started_at], end))
    return tuple(shapes)


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class _Arrays:
    table: CalendarTable
    starts: Micros
    ends: Micros
    cum_start: Micros
    cum_end: Micros
    tods: Micros
    days: Micros
    day_first: Micros


_ARRAYS: dict[int, _Arrays] = {}


def _arrays(calendar: WorkingCalendar) -> _Arrays:
    """The calendar's current table as arrays (remembered while it is the same table)."""
    table = calendar._table
    found = _ARRAYS.get(id(calendar))
    if found is None or found.table is not table:
        if len(_ARRAYS) > 64:
            _ARRAYS.clear()
        found = _ARRAYS[id(calendar)] = _Arrays(
            table,
            *(
                np.asarray(values, dtype=np.int64)
                for values in (
                    table.starts, table.ends, table.cum_start, table.cum_end,
                    table.tods, table.days, table.day_first,
                )
            ),
        )  # fmt: skip
    return found


def _cover(calendar: WorkingCalendar, moments: Micros) -> None:
    """Make the table cover the local years of ``moments`` (as each scalar query does)."""
    if not len(moments):
        return
    table = calendar._table
    lo, hi = int(moments.min()), int(moments.max())
    if table.lo_us <= lo and hi < table.hi_us:
        return
    years = sorted(from_us(us, calendar.zone).year for us in (lo, hi))
    calendar._cover(years[0], years[1])


def _worked_until(t: _Arrays, us: Micros) -> Micros:
    i = np.searchsorted(t.starts, us, side="right") - 1
    at = np.maximum(i, 0)
    worked = t.cum_start[at] + np.minimum(us, t.ends[at]) - t.starts[at]
    return np.where(i < 0, 0, worked)


def working_times(calendar: WorkingCalendar, a: Micros, b: Micros) -> Micros:
    """Working µs from each ``a`` to its ``b``: :meth:`WorkingCalendar.working_time_between`
    for a column."""
    _cover(calendar, np.concatenate([a, b]))
    t = _arrays(calendar)
    return _worked_until(t, b) - _worked_until(t, a)


def deadlines(calendar: WorkingCalendar, duration: Duration, starts: Micros) -> Micros:
    """The due time (µs) of a clock of ``duration`` started at each of ``starts``:
    :meth:`WorkingCalendar.add` for a column."""
    unit = duration.unit
    _cover(calendar, starts)
    if unit in _CALENDAR_US:
        return starts + duration.amount * _US[unit]
    for _ in range(_EXTENSIONS + 1):
        t = _arrays(calendar)
        if unit in _WORKING_US:
            found = _add_working_us(t, starts, duration.amount * _US[unit])
        elif unit is DurationUnit.WORKING_DAYS:
            end_of_day = calendar.spec.working_day_rule is WorkingDayRule.END_OF_DAY
            found = _add_working_days(t, starts, duration.amount, end_of_day)
        else:
            raise ValueError(f"no vectorised deadline for {unit}")
        if found is not None:
            return found
        calendar._extend_forward()
    # no working time within reach: the scalar path says so, as it would
    for us in starts:
        calendar.add(from_us(int(us), calendar.zone), duration)
    raise AssertionError("unreachable: the scalar path raises")  # pragma: no cover


def _add_working_us(t: _Arrays, us: Micros, amount: int) -> Micros | None:
    if amount == 0:
        i = np.searchsorted(t.ends, us, side="right")
        if len(i) and i.max() >= len(t.ends):
            return None
        return np.maximum(us, t.starts[i])
    target = _worked_until(t, us) + amount
    j = np.searchsorted(t.cum_end, target, side="left")
    if len(j) and j.max() >= len(t.cum_end):
        return None
    return t.starts[j] + target - t.cum_start[j]


def _add_working_days(t: _Arrays, us: Micros, days: int, end_of_day: bool) -> Micros | None:
    i = np.searchsorted(t.ends, us, side="right")
    if len(i) and i.max() >= len(t.ends):
        return None
    start = t.starts[i]
    tod = np.where(us > start, t.tods[i] + us - start, t.tods[i])
    target_day = t.days[i] + days
    if len(target_day) and target_day.max() + 1 >= len(t.day_first):
        return None
    first, after = t.day_first[target_day], t.day_first[target_day + 1]
    closing = t.ends[after - 1]
    if end_of_day:
        return closing
    due = closing  # the day closes before that time of day: due at its close
    widest = int((after - first).max()) if len(first) else 0
    last = len(t.starts) - 1
    for offset in range(widest - 1, -1, -1):  # the first period that fits wins: downwards
        k = np.minimum(first + offset, last)
        fits = (first + offset < after) & (tod < t.tods[k] + t.ends[k] - t.starts[k])
        due = np.where(fits, t.starts[k] + np.maximum(0, tod - t.tods[k]), due)
    return due


def provisional_spans(calendar: WorkingCalendar, starts: Micros, dues: Micros) -> NDArray[np.bool_]:
    """Whether each cycle from ``starts`` to ``dues`` spans a year the calendar computes
    provisionally (:meth:`WorkingCalendar.provisional_years`, UTC years as a cycle
    counts them)."""
    if not len(starts):
        return np.zeros(0, dtype=np.bool_)
    first = starts.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    last = dues.astype("datetime64[us]").astype("datetime64[Y]").astype(np.int64) + 1970
    if not calendar.provisional_years(int(first.min()), int(last.max())):
        return np.zeros(len(starts), dtype=np.bool_)  # the usual case: every year known
    pairs, inverse = np.unique(np.stack([first, last]), axis=1, return_inverse=True)
    answer = np.array(
        [bool(calendar.provisional_years(int(a), int(b))) for a, b in pairs.T], dtype=np.bool_
    )
    return answer[inverse.reshape(-1)]
