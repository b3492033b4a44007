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
from gridgov.sla._policy_schema import ClosedWithoutDue
from gridgov.workflow import PART_TRIGGERS, TERMINAL_STATES

__all__ = ["Changed", "ClockRun", "clock_verdict", "verdict_without_due"]

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_BREACH = 1.0  # the last threshold of every clock: its due time

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

    @staticmethod
    def moves_that_count(
        rule: SlaRule, moves: Iterable[tuple[str, str, tuple[str, ...] | None]]
    ) -> tuple[int, ...]:
        """The positions in ``moves`` — a ticket's accepted moves in order, each
        ``(trigger, to_state, parts)`` — at which :meth:`apply` can change a cycle of
        ``rule``: a move one of its clocks starts or stops at, one into a final or a
        pausing state, one with parts under a ``per_part`` clock, and every move after
        the first into a pausing state (leaving it resumes).  At the others :meth:`apply`
        changes nothing, so replay's remembered shapes apply only these."""
        counted: list[int] = []
        paused = False
        movers, pausing, per_part = rule.movers, rule.pausing, rule.per_part
        for position, (trigger, to_state, parts) in enumerate(moves):
            if (
                paused
                or movers.get(trigger)
                or to_state in _TERMINAL
                or to_state in pausing
                or (parts is not None and per_part)
            ):
                counted.append(position)
            paused = paused or to_state in pausing
        return tuple(counted)

    def apply(
        self,
        trigger: str,
        to_state: str,
        at: datetime,
        *,
        before_change: Callable[[ClockCycle], None] | None = None,
        announce: bool = False,
        parts: tuple[str, ...] | None = None,
    ) -> list[Changed]:
        """What one accepted transition does to the clocks; returns the cycles it started
        or changed.  ``before_change`` sees each existing cycle before it changes (the
        live engine saves it, to undo a transition that fails half-way).

        With ``announce`` (replay, which has no timers), a running cycle that this
        transition pauses or cancels after its due time first gets its breach marked
        fired, as the live engine's timer has by then.  A cycle stopped after its due
        time is breached anyway; one that runs on unchanged is announced as well later:
        call :meth:`announce` with the last event's time for the cycles still open.

        ``parts`` are the co-units the move concerns
        (:func:`~gridgov.workflow.parts_of`): the ``per_part`` clocks run one cycle
        per part (see :class:`~gridgov.sla.ClockSpec`)."""
        rule = self.rule
        final = to_state in _TERMINAL
        opened = self.open
        if final or to_state in rule.pausing or (parts is not None and rule.per_part):
            plans = rule.indexed
        else:  # most moves: only the clocks the trigger starts or stops can change
            plans = rule.movers.get(trigger, ())
            for running in opened.values():
                if running.paused_since is not None:  # ... unless leaving a pause resumes one
                    plans = rule.indexed
                    break
        changed: list[Changed] = []
        for position, plan in plans:
            if plan.per_part:
                self._apply_parts(
                    position, plan, trigger, to_state, at, parts, changed, before_change, announce
                )
                continue
            cycle = opened.get(plan.name)
            if cycle is not None and trigger in plan.stop:
                if before_change is not None:
                    before_change(cycle)
                self._end(plan, cycle, at)
                changed.append((position, plan, cycle))
                cycle = None
            if cycle is None:
                if final or trigger not in plan.start:
                    continue
                cycle = self._start(plan, at)
                changed.append((position, plan, cycle))
                if to_state in plan.pause_in:
                    cycle.pause(at)
                continue
            if final:
                self._cancel(position, plan, cycle, at, changed, before_change, announce)
            elif (to_state in plan.pause_in) != (cycle.paused_since is not None):
                self._follow_pause(
                    to_state, position, plan, cycle, at, changed, before_change, announce
                )
        return changed

    def _cancel(
        self,
        position: int,
        plan: ClockPlan,
        cycle: ClockCycle,
        at: datetime,
        changed: list[Changed],
        before_change: Callable[[ClockCycle], None] | None,
        announce: bool,
    ) -> None:
        """End ``cycle`` cancelled (the ticket is over, or its part was replaced)."""
        if before_change is not None:
            before_change(cycle)
        if announce:
            _announce(cycle, at)
        self._end(plan, cycle, at, CycleOutcome.CANCELLED)
        changed.append((position, plan, cycle))

    @staticmethod
    def _follow_pause(
        to_state: str,
        position: int,
        plan: ClockPlan,
        cycle: ClockCycle,
        at: datetime,
        changed: list[Changed],
        before_change: Callable[[ClockCycle], None] | None,
        announce: bool,
    ) -> None:
        """Pause ``cycle`` on entering a ``pause_in`` state, resume it on leaving one."""
        if (to_state in plan.pause_in) == (cycle.paused_since is not None):
            return
        if before_change is not None:
            before_change(cycle)
        if cycle.paused_since is None:
            if announce:
                _announce(cycle, at)
            cycle.pause(at)
        else:
            cycle.resume(plan, at)
        changed.append((position, plan, cycle))

    def announce(self, at: datetime) -> None:
        """Mark the breach of each open cycle running past its due time at ``at`` as
        fired, as the live SLA engine's timer has by then
        (:meth:`SlaEngine.record <gridgov.sla.SlaEngine.record>` is ``advance_to(at)``
        then the transition).  Replay calls it at each ticket's last event, so a cycle
        still open past its due time is breached on both sides.  Warnings are not
        replayed: they change no verdict (status, breaches, on time)."""
        for cycle in self.open.values():
            _announce(cycle, at)

    def _apply_parts(
        self,
        position: int,
        plan: ClockPlan,
        trigger: str,
        to_state: str,
        at: datetime,
        parts: tuple[str, ...] | None,
        changed: list[Changed],
        before_change: Callable[[ClockCycle], None] | None,
        announce: bool,
    ) -> None:
        """One ``per_part`` clock: a cycle per co-unit's part, named ``NAME@UNIT``."""
        prefix = plan.name + "@"
        own_move = trigger in PART_TRIGGERS
        mine = [c for key, c in self.open.items() if key.startswith(prefix)]
        if trigger in plan.stop:  # a co-unit's move stops its own part; any other, all
            for cycle in mine:
                if not own_move or (parts and cycle.clock[len(prefix) :] in parts):
                    if before_change is not None:
                        before_change(cycle)
                    self._end(plan, cycle, at)
                    changed.append((position, plan, cycle))
            mine = [c for c in mine if c.is_open]
        if to_state in _TERMINAL or (parts is not None and not own_move):
            for cycle in mine:  # the ticket is over, or its parts were given afresh
                self._cancel(position, plan, cycle, at, changed, before_change, announce)
            if to_state in _TERMINAL:
                return
            mine = []
        if parts and trigger in plan.start:
            for unit in parts:
                if prefix + unit not in self.open:
                    cycle = self._start(plan, at, prefix + unit)
                    changed.append((position, plan, cycle))
                    if to_state in plan.pause_in:
                        cycle.pause(at)
        for cycle in mine:
            self._follow_pause(
                to_state, position, plan, cycle, at, changed, before_change, announce
            )

    def _start(self, plan: ClockPlan, at: datetime, clock: str | None = None) -> ClockCycle:
        name = clock or plan.name
        number = 1
        for earlier in self.cycles:
            if earlier.clock == name:
                number += 1
        cycle = ClockCycle(
            name,
            number,
            at,
            calendar=plan.calendar_name,
            policy_fingerprint=self.policy_fingerprint,
        )
        cycle.plan_budget(plan)
        self.cycles.append(cycle)
        self.open[name] = cycle
        return cycle

    def _end(
        self, plan: ClockPlan, cycle: ClockCycle, at: datetime, outcome: CycleOutcome | None = None
    ) -> None:
        cycle.end(plan, at, outcome)
        del self.open[cycle.clock]


def _announce(cycle: ClockCycle, at: datetime) -> None:
    """Mark the breach fired when ``at`` is past the due time of the running cycle."""
    if cycle.paused_since is None and at > cycle.due and _BREACH not in cycle.fired:
        cycle.fired.append(_BREACH)


def verdict_without_due(setting: ClosedWithoutDue) -> bool | None:
    """The verdict of a closed ticket that has no due time, as the policy's
    ``closed_without_due`` says: on time (``True``), or none (``None``: not judged)."""
    return True if setting == "on_time" else None


def clock_verdict(
    cycles: Iterable[ClockCycle], clock: str, *, without_due: ClosedWithoutDue = "on_time"
) -> tuple[datetime | None, bool | None]:
    """``(due, met)`` of ``clock`` on a ticket: the due time of its first cycle (the one
    a report promises), and whether none of its cycles breached.  A ticket whose rule
    has no such clock has no due time: ``(None, True)`` by default, ``(None, None)``
    (not judged) when ``without_due`` (the policy's
    :attr:`~gridgov.sla.SlaPolicy.closed_without_due`) is ``"not_judged"``.

    A closed (归档) ticket is on time when ``met``; replay's ``on_time``, the simulator's
    on-time rate and the live engine's views all say it so.
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
    if due is None:
        return None, verdict_without_due(without_due)
    return due, met
