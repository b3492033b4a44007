"""The SLA clocks of one ticket (一张工单的时限): the one rule for what a transition
does to them, used by the :class:`~gridgov.sla.SlaEngine` (live), replay and the
simulator alike.

On each accepted transition, for each clock of the ticket's rule: a stop trigger
ends the running cycle (met or breached); a start trigger opens a new one unless
the ticket is now final; reaching a final state cancels what still runs; entering a
``pause_in`` state pauses the cycle and leaving it resumes, moving the deadline by
the paused working time.  A reopen (重办) that is a start trigger begins cycle 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from gridgov.sla._clock import ClockCycle, CycleOutcome
from gridgov.sla._policy import ClockPlan, SlaRule
from gridgov.workflow import TERMINAL_STATES

__all__ = ["Changed", "ClockRun", "clock_verdict"]

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)

Changed = tuple[int, ClockPlan, ClockCycle]
"""A cycle a transition started or changed: its plan's position in the rule, the plan,
the cycle (ended ones have an ``outcome``)."""


class ClockRun:
    """Every clock cycle of one ticket under one :class:`SlaRule`."""

    __slots__ = ("cycles", "open", "policy_fingerprint", "rule")

    def __init__(self, rule: SlaRule, *, policy_fingerprint: str = "") -> None:
        self.rule = rule
        self.policy_fingerprint = policy_fingerprint
        self.cycles: list[ClockCycle] = []
        """Every cycle, open and ended, in the order they started."""
        self.open: dict[str, ClockCycle] = {}
        """The running or paused cycle of each clock, by clock name."""

    def apply(
        self,
        trigger: str,
        to_state: str,
        at: datetime,
        *,
        before_change: Callable[[ClockCycle], None] | None = None,
        announce: bool = False,
    ) -> list[Changed]:
        """What one accepted transition does to the clocks; returns the cycles it started
        or changed.  ``before_change`` sees each existing cycle before it changes (the
        live engine saves it, to undo a transition that fails half-way).

        With ``announce`` (replay, which has no timers), a running cycle that this
        transition pauses or cancels after its due time first gets its breach marked
        fired, as the live engine's timer has by then.  A cycle that runs on unchanged
        can be announced later with the same result: call :meth:`announce` with the
        last event's time for the cycles still open."""
        changed: list[Changed] = []
        final = to_state in _TERMINAL
        opened = self.open
        for position, plan in enumerate(self.rule.clocks):
            cycle = opened.get(plan.name)
            if cycle is None and trigger not in plan.start:
                continue  # most moves: this clock neither runs nor starts
            if cycle is not None and trigger in plan.stop:
                if before_change is not None:
                    before_change(cycle)
                cycle.end(plan, at)  # after its due time: breached, announced or not
                del self.open[plan.name]
                changed.append((position, plan, cycle))
                cycle = None
            if cycle is None:
                if trigger not in plan.start or final:
                    continue
                cycle = self._start(plan, at)
                changed.append((position, plan, cycle))
            elif (announce or before_change is not None) and (
                final or (to_state in plan.pause_in) != (cycle.paused_since is not None)
            ):
                if announce:
                    _announce(plan, cycle, at)
                if before_change is not None:
                    before_change(cycle)
            if final:
                cycle.end(plan, at, CycleOutcome.CANCELLED)
                del self.open[plan.name]
                _note(changed, position, plan, cycle)
            elif (to_state in plan.pause_in) != (cycle.paused_since is not None):
                if cycle.paused_since is None:
                    cycle.pause(at)
                else:
                    cycle.resume(plan, at)
                _note(changed, position, plan, cycle)
        return changed

    def announce(self, at: datetime) -> None:
        """Mark the breach of each open cycle running past its due time at ``at`` as
        fired, as the live SLA engine's timer has by then
        (:meth:`SlaEngine.record <gridgov.sla.SlaEngine.record>` is ``advance_to(at)``
        then the transition).  Replay calls it at each ticket's last event, so a cycle
        still open past its due time is breached on both sides."""
        for plan in self.rule.clocks:
            cycle = self.open.get(plan.name)
            if cycle is not None:
                _announce(plan, cycle, at)

    def _start(self, plan: ClockPlan, at: datetime) -> ClockCycle:
        number = 1 + sum(1 for c in self.cycles if c.clock == plan.name)
        cycle = ClockCycle(
            plan.name,
            number,
            at,
            calendar=plan.calendar_name,
            policy_fingerprint=self.policy_fingerprint,
        )
        cycle.plan_budget(plan)
        self.cycles.append(cycle)
        self.open[plan.name] = cycle
        return cycle


def _announce(plan: ClockPlan, cycle: ClockCycle, at: datetime) -> None:
    """Mark the breach fired when ``at`` is past the due time of the running cycle, as
    the live engine's timer has by then (its warnings are not replayed)."""
    if (
        cycle.paused_since is None
        and at > cycle.due
        and 1.0 in plan.thresholds
        and 1.0 not in cycle.fired
    ):
        cycle.fired.append(1.0)


def _note(changed: list[Changed], position: int, plan: ClockPlan, cycle: ClockCycle) -> None:
    if not changed or changed[-1][2] is not cycle:
        changed.append((position, plan, cycle))


def clock_verdict(cycles: Iterable[ClockCycle], clock: str) -> tuple[datetime | None, bool]:
    """``(due, met)`` of ``clock`` on a ticket: the due time of its first cycle (the one
    a report promises), and whether none of its cycles breached.  A ticket whose rule
    has no such clock has no due time and met nothing late: ``(None, True)``.

    A closed (归档) ticket is on time when ``met``; replay's ``on_time`` and the live
    engine's views both say it so.
    """
    due: datetime | None = None
    met = True
    for cycle in cycles:
        if cycle.clock != clock:
            continue
        if due is None:
            due = cycle.due
        if cycle.breached:
            met = False
    return due, met
