"""SLA clocks on a ticket's own historical time (历史时限回放).

The same rules as :class:`gridgov.sla.SlaEngine` applies to a live ticket, on
the same :class:`gridgov.sla.ClockCycle` arithmetic, but for one finished
history at a time and without the engine's timer heap (replay needs the
cycles, not warnings at wall-clock moments): a stop trigger ends the cycle
(met or breached), a start trigger opens one, a final state cancels what is
still running, and a ``pause_in`` state pauses it, moving the deadline by the
paused working time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gridgov.sla import ClockCycle, ClockPlan, CycleOutcome
from gridgov.workflow import TERMINAL_STATES

__all__ = ["run_clock"]

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)


def run_clock(
    plan: ClockPlan, steps: Sequence[tuple[str, str, datetime]], *, policy_fingerprint: str = ""
) -> list[ClockCycle]:
    """The cycles of ``plan`` over ``steps``: ``(trigger, state after it, time)`` in order."""
    cycles: list[ClockCycle] = []
    cycle: ClockCycle | None = None
    start, stop, pause_in = plan.start, plan.stop, plan.pause_in  # hoisted: the hot loop
    for trigger, state, at in steps:
        if cycle is not None and trigger in stop:
            cycle.end(plan, at)
            cycle = None
        if cycle is None:
            if trigger not in start or state in _TERMINAL:
                continue
            cycle = ClockCycle(
                plan.name,
                len(cycles) + 1,
                at,
                calendar=plan.calendar_name,
                policy_fingerprint=policy_fingerprint,
            )
            cycle.plan_budget(plan)
            cycles.append(cycle)
        if state in _TERMINAL:
            cycle.end(plan, at, CycleOutcome.CANCELLED)
            cycle = None
        elif state in pause_in:
            if cycle.paused_since is None:
                cycle.pause(at)
        elif cycle.paused_since is not None:
            cycle.resume(plan, at)
    return cycles
