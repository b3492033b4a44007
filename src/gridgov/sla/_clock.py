"""One cycle of one SLA clock on one ticket (一个时限周期), and its arithmetic.

A cycle starts on a start trigger with a *budget* — the working (or elapsed) time
allowed, fixed when it starts: ``due = calendar.add(start, duration)`` and
``budget = time between start and due``.  While the ticket sits in a pause state
the cycle does not run: resuming moves the due time by the paused time, measured
on the clock's calendar.  Warnings at a fraction of the budget are found by walking
the running segments ``start → pause₁``, ``resume₁ → pause₂``, ….  A cycle
recomputed under another policy needs nothing but its own record.

A cycle is plain data: :meth:`ClockCycle.to_dict` / :meth:`ClockCycle.from_dict`
round-trip through JSON for the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, overload

from gridgov.sla._calendar import WorkingCalendar
from gridgov.sla._policy import ClockPlan

__all__ = ["ClockCycle", "CycleOutcome"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_NOTHING = timedelta(0)


class CycleOutcome(StrEnum):
    """How a clock cycle ended."""

    MET = "met"
    """Stopped by its due time (按时)."""
    BREACHED = "breached"
    """Stopped after its due time (超时)."""
    CANCELLED = "cancelled"
    """The ticket ended (rejected, withdrawn, merged, closed) before a stop trigger, or a
    new policy has no such clock."""


def to_us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch (the heap's sort key)."""
    return (moment - _EPOCH) // _ONE_US


class ClockCycle:
    """The record of one clock cycle.  Read it; only the engine changes it."""

    __slots__ = (
        "_elapsed",
        "_ended_by",
        "assumed_years",
        "budget",
        "calendar",
        "calendar_fingerprint",
        "clock",
        "due",
        "fired",
        "number",
        "outcome",
        "paused_since",
        "pauses",
        "policy_fingerprint",
        "started_at",
        "stopped_at",
        "token",
    )

    def __init__(
        self,
        clock: str,
        number: int,
        started_at: datetime,
        *,
        calendar: str,
        policy_fingerprint: str,
    ) -> None:
        self.clock = clock
        self.number = number
        """1 for the first cycle of this clock on the ticket, 2 after a reopen (重办) …"""
        self.started_at = started_at
        self.calendar = calendar
        self.calendar_fingerprint = ""
        self.policy_fingerprint = policy_fingerprint
        self.due = started_at
        self.budget = timedelta(0)
        self.pauses: list[tuple[datetime, datetime]] = []
        self.paused_since: datetime | None = None
        self.fired: list[float] = []
        """Fractions already announced (1.0 is the breach), in order."""
        self.outcome: CycleOutcome | None = None
        self.stopped_at: datetime | None = None
        self._elapsed: timedelta | None = None
        self._ended_by: ClockPlan | None = None
        """The plan the cycle ended under, until :attr:`elapsed` is first read: most
        cycles' elapsed time is never asked for, and measuring it costs calendar work."""
        self.assumed_years: tuple[int, ...] = ()
        """Years this cycle's deadline was computed in without an announced holiday
        schedule (only with a calendar configured to assume the plain workweek)."""
        self.token = 0

    def __repr__(self) -> str:
        return f"<ClockCycle {self.clock}#{self.number} due {self.due.isoformat()} {self.status}>"

    @property
    def elapsed(self) -> timedelta | None:
        """Running time used, known once the cycle has ended (None while open, or when it
        ended after its policy dropped the clock).  Measured on first reading."""
        plan = self._ended_by
        if plan is not None:
            assert self.stopped_at is not None
            self._elapsed = self.used(plan, self.stopped_at)
            self._ended_by = None
        return self._elapsed

    @elapsed.setter
    def elapsed(self, value: timedelta | None) -> None:
        self._elapsed = value
        self._ended_by = None

    @property
    def is_open(self) -> bool:
        """True until the cycle is stopped or cancelled."""
        return self.outcome is None

    @property
    def status(self) -> str:
        """``running`` or ``paused`` while open, else how it ended (``met``, ``breached``,
        ``cancelled``): what the store and the engine's views show."""
        if self.outcome is not None:
            return self.outcome.value
        return "paused" if self.paused_since is not None else "running"

    @property
    def breached(self) -> bool:
        """True once the breach has been announced, or the cycle ended late: stopped after
        its due time, or cancelled (the ticket withdrawn, rejected ...) after running
        longer than its budget.  The same whether or not a timer ticked in between, so a
        replayed history and a live ticket agree."""
        if 1.0 in self.fired or self.outcome is CycleOutcome.BREACHED:
            return True
        return (
            self.outcome is CycleOutcome.CANCELLED
            and self.elapsed is not None
            and self.elapsed > self.budget
        )

    @property
    def provisional(self) -> bool:
        """True when the due time was computed on a provisional calendar (暂定): a year it
        spans has no official holiday schedule in the installed data (``assumed_years``)."""
        return bool(self.assumed_years)

    @property
    def breached_at(self) -> datetime | None:
        """When the cycle went past its due time (超时时刻), if it did."""
        return self.due if self.breached else None

    def summary(self) -> dict[str, Any]:
        """The cycle as it is shown and stored, by the names views and rows use: the one
        mapping behind :class:`~gridgov.ClockView` and ``gridgov.store.ClockRecord``."""
        return {
            "clock": self.clock,
            "cycle": self.number,
            "status": self.status,
            "breached": self.breached,
            "started_at": self.started_at,
            "due_at": self.due,
            "stopped_at": self.stopped_at,
            "provisional": self.provisional,
            "provisional_years": self.assumed_years,
        }

    # ----------------------------------------------------------------- arithmetic

    def plan_budget(self, plan: ClockPlan) -> None:
        """Set due and budget from ``plan`` (at the start, or when the policy changes)."""
        calendar = plan.calendar
        if plan.working and isinstance(calendar, WorkingCalendar):
            first_due, self.budget = calendar.add_measured(self.started_at, plan.due)
        else:
            first_due = calendar.add(self.started_at, plan.due)
            self.budget = _measure(plan, self.started_at, first_due)
        self.calendar = plan.calendar_name
        self.calendar_fingerprint = calendar.fingerprint
        self.due = first_due
        for begin, end in self.pauses:
            self._shift_due(plan, begin, end)
        self._note_assumed_years(plan)

    def _note_assumed_years(self, plan: ClockPlan) -> None:
        """The years the due time spans (start to due, in UTC years) that the calendar
        computes provisionally; empty again once a recomputation finds them all official.
        On a :class:`WorkingCalendar` that depends on the years and the holiday data
        alone, not on which years the calendar happened to compute before."""
        calendar = plan.calendar
        if isinstance(calendar, WorkingCalendar):
            low, high = calendar.official_years
            due_year = self.due.year
            # Most cycles: every year they can span is known, so no conversion of the start
            # (a local year and its UTC year differ by one at most).
            if (high is None or due_year <= high) and (
                low is None or self.started_at.year - 1 >= low
            ):
                self.assumed_years = ()
                return
            first = self.started_at.astimezone(self.due.tzinfo).year
            self.assumed_years = calendar.provisional_years(first, due_year)
            return
        assumed = calendar.assumed_years
        if not assumed or min(assumed) > self.due.year:
            self.assumed_years = ()
            return
        spanned = range(self.started_at.astimezone(self.due.tzinfo).year, self.due.year + 1)
        self.assumed_years = tuple(sorted(y for y in assumed if y in spanned))

    def used(self, plan: ClockPlan, until: datetime) -> timedelta:
        """Running time used from the start up to ``until``."""
        # A cycle stopped the moment it started (a 24/7 response clock signed for at
        # once) used nothing: no need to ask the calendar.
        total = _NOTHING if until == self.started_at else _measure(plan, self.started_at, until)
        for begin, end in self.pauses:
            total -= _measure(plan, begin, end)
        if self.paused_since is not None and self.paused_since < until:
            total -= _measure(plan, self.paused_since, until)
        return total

    def moment_of(self, plan: ClockPlan, fraction: float) -> datetime | None:
        """When the cycle will have used ``fraction`` of its budget (None while paused
        before reaching it)."""
        if fraction == 1.0:
            return self.due if self.paused_since is None else None
        target = _ONE_US * round(self.budget / _ONE_US * fraction)
        return self._moment_at(plan, target)

    def _moment_at(self, plan: ClockPlan, target: timedelta) -> datetime | None:
        begin = self.started_at
        for pause_start, pause_end in self.pauses:
            segment = _measure(plan, begin, pause_start)
            if target <= segment:
                return _advance(plan, begin, target)
            target -= segment
            begin = pause_end
        if self.paused_since is not None:
            if target <= _measure(plan, begin, self.paused_since):
                return _advance(plan, begin, target)
            return None
        return _advance(plan, begin, target)

    def pause(self, at: datetime) -> None:
        """Stop running at ``at`` (挂起)."""
        self.paused_since = at

    def resume(self, plan: ClockPlan, at: datetime) -> None:
        """Run again from ``at``: the deadline moves by the paused working time."""
        assert self.paused_since is not None
        self._shift_due(plan, self.paused_since, at)
        self.pauses.append((self.paused_since, at))
        self.paused_since = None
        self._note_assumed_years(plan)

    def _shift_due(self, plan: ClockPlan, paused: datetime, resumed: datetime) -> None:
        """A pause that began before the due time moves it by the paused (working) time.

        Moving the due time itself — rather than searching for the moment the budget is
        used — keeps its place when it sits at the start of a working period (Wednesday
        08:30, not the equivalent Tuesday 17:30)."""
        if paused <= self.due:
            self.due = _advance(plan, self.due, _measure(plan, paused, resumed))

    def end(
        self, plan: ClockPlan | None, at: datetime, outcome: CycleOutcome | None = None
    ) -> None:
        """Stop at ``at``: met or breached by the due time, unless ``outcome`` is given.

        ``plan`` is None when the clock no longer exists (a policy dropped it); the
        elapsed time is then unknown."""
        # Measured when first read (``elapsed``): the pause still open is closed at
        # ``at`` below, which subtracts exactly what ``used(plan, at)`` would now.
        self._elapsed = None
        self._ended_by = plan
        if self.paused_since is not None:
            self.pauses.append((self.paused_since, at))
            self.paused_since = None
        self.stopped_at = at
        if outcome is None:
            late = at > self.due or 1.0 in self.fired
            outcome = CycleOutcome.BREACHED if late else CycleOutcome.MET
        self.outcome = outcome

    # ----------------------------------------------------------------- plain data

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data: times as ISO 8601 in UTC (one spelling per instant, so
        equal cycles give equal data), durations as seconds."""
        return {
            "clock": self.clock,
            "number": self.number,
            "started_at": _iso(self.started_at),
            "due": _iso(self.due),
            "budget_seconds": self.budget.total_seconds(),
            "pauses": [[_iso(a), _iso(b)] for a, b in self.pauses],
            "paused_since": _iso(self.paused_since),
            "fired": list(self.fired),
            "outcome": self.outcome.value if self.outcome else None,
            "stopped_at": _iso(self.stopped_at),
            "elapsed_seconds": self.elapsed.total_seconds() if self.elapsed is not None else None,
            "calendar": self.calendar,
            "calendar_fingerprint": self.calendar_fingerprint,
            "policy_fingerprint": self.policy_fingerprint,
            "assumed_years": list(self.assumed_years),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClockCycle:
        """The cycle :meth:`to_dict` described."""
        cycle = cls(
            data["clock"],
            int(data["number"]),
            datetime.fromisoformat(data["started_at"]),
            calendar=data["calendar"],
            policy_fingerprint=data["policy_fingerprint"],
        )
        cycle.calendar_fingerprint = data["calendar_fingerprint"]
        cycle.assumed_years = tuple(int(y) for y in data.get("assumed_years", ()))
        cycle.due = datetime.fromisoformat(data["due"])
        cycle.budget = timedelta(seconds=data["budget_seconds"])
        cycle.pauses = [
            (datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in data["pauses"]
        ]
        cycle.paused_since = _time(data["paused_since"])
        cycle.fired = [float(f) for f in data["fired"]]
        cycle.outcome = CycleOutcome(data["outcome"]) if data["outcome"] else None
        cycle.stopped_at = _time(data["stopped_at"])
        elapsed = data["elapsed_seconds"]
        cycle.elapsed = timedelta(seconds=elapsed) if elapsed is not None else None
        return cycle


def _measure(plan: ClockPlan, a: datetime, b: datetime) -> timedelta:
    if plan.working:
        return plan.calendar.working_time_between(a, b)
    return timedelta(microseconds=to_us(b) - to_us(a))


def _advance(plan: ClockPlan, start: datetime, amount: timedelta) -> datetime:
    if plan.working:
        return plan.calendar.add_working_time(start, amount)
    return (start.astimezone(UTC) + amount).astimezone(start.tzinfo)


@overload
def _iso(moment: datetime) -> str: ...
@overload
def _iso(moment: None) -> None: ...
def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None
