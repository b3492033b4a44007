"""SLA clocks on a ticket's own historical time (历史时限回放).

Each clock of the ticket's policy rule starts on one of its ``start`` triggers,
stops on a ``stop`` trigger, and does not run while the ticket sits in a
``pause_in`` state: a pause pushes the deadline out by the time it lasted (on
the clock's calendar).  A ticket whose clock restarts (reopened, 重办) gets a
new cycle with its own deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridgov.sla._duration import Duration
from gridgov.sla._policy import ClockPlan

__all__ = ["ClockCycle", "run_clock"]

_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class ClockCycle:
    """One run of one clock: started, due, and stopped (``None`` while still running)."""

    clock: str
    started: datetime
    due: datetime
    stopped: datetime | None

    @property
    def breached(self) -> bool:
        """True when the clock stopped after its deadline (超时)."""
        return self.stopped is not None and self.stopped > self.due


def _remaining(plan: ClockPlan, at: datetime, due: datetime) -> Duration:
    left = plan.calendar.working_time_between(at, due) if plan.working else due - at
    minutes = max(0, int(left / timedelta(minutes=1)))
    return Duration(amount=minutes, unit="minutes" if plan.working else "calendar_minutes")


def run_clock(plan: ClockPlan, steps: Sequence[tuple[str, str, datetime]]) -> list[ClockCycle]:
    """The cycles of ``plan`` over ``steps``: ``(trigger, state after it, time)`` in order."""
    cycles: list[ClockCycle] = []
    started: datetime | None = None
    due: datetime | None = None
    paused_left: Duration | None = None
    for trigger, state, at in steps:
        if started is not None and due is not None:
            if paused_left is not None and state not in plan.pause_in:
                due, paused_left = plan.calendar.add(at, paused_left), None
            if trigger in plan.stop:
                cycles.append(ClockCycle(plan.name, started, due, at))
                started = due = paused_left = None
                continue
        elif trigger in plan.start:
            started, due = at, plan.calendar.add(at, plan.due)
        running = started is not None and due is not None and paused_left is None
        if running and due is not None and state in plan.pause_in:
            paused_left = _remaining(plan, at, due)
    if started is not None and due is not None:
        cycles.append(ClockCycle(plan.name, started, due, None))
    return cycles
