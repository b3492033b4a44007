"""Replaying one ticket (工单回放): its events through the loop, its clocks, its verdict.

Each event goes through the workflow's compiled :data:`~gridgov.workflow.TABLE`.
A move the loop does not allow is *flagged*, not forced: the ticket keeps its
state and the outcome lists ``state:trigger`` under ``conformance``.  The state
a ticket was suspended from is remembered, so ``resume`` needs no ``resume_to``
in the source.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from gridgov.errors import PolicyError
from gridgov.replay._clocks import run_clock
from gridgov.replay._mapping import RoutingRules
from gridgov.replay._sources import SourceTicket
from gridgov.sla import ClockCycle, ClockPlan, CycleOutcome, SlaPolicy
from gridgov.sla._policy_file import SLA_POLICY_FILE
from gridgov.workflow import NEW, TABLE, TERMINAL_STATES, TransitionTable

__all__ = ["AcceptedEvent", "PolicyInForce", "ReplayEngine", "TicketOutcome"]

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_BREACHED = CycleOutcome.BREACHED
_CLOSED = "closed"
_UNSEEN = "<unseen>"


@dataclass(slots=True)
class TicketOutcome:
    """What replay concluded about one ticket (one row of ``--tickets-out``)."""

    ticket_id: str
    category: str
    area: str
    tier: str
    channel: str
    unit: str
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    on_time: bool | None
    """Judged for closed (归档) tickets only: rejected, withdrawn and merged ones have none."""
    final_state: str
    reopened: int
    escalations: int
    stayed_in_grid: bool | None
    conformance: tuple[str, ...]
    handling: timedelta | None
    """Opening to closing: working time on the handling clock's calendar, else wall time."""
    breaches: tuple[str, ...]
    source_due: datetime | None
    source_on_time: bool | None
    due_is_source: bool
    """True when ``due_at`` is the source's own (``--due-from-source``), not the policy's."""
    first_line: int
    last_line: int
    accepted: tuple[AcceptedEvent, ...] = ()
    """The accepted moves, kept only when the engine was asked to (``--db``)."""
    cycles: tuple[ClockCycle, ...] = ()
    """Every SLA clock cycle the policy ran, kept only with ``accepted`` (``--db``)."""
    policy: SlaPolicy | None = None
    """The SLA policy those cycles ran under (kept with them): a live engine continues
    an open cycle under it."""

    @property
    def order(self) -> tuple[int, int]:
        """Output order: by the line that completed the ticket; open tickets last."""
        return (self.last_line or 1 << 62, self.first_line)


class AcceptedEvent(NamedTuple):
    """One move the loop accepted: what ``--db`` stores as a ticket event."""

    trigger: str
    from_state: str
    to_state: str
    at: datetime
    actor: str
    role: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    """An SLA policy and the moment it came into force (``None``: always).

    A ticket is replayed under the policy in force when it was opened, so a
    city's SLA revision half-way through the data is replayed as it happened.
    """

    policy: SlaPolicy
    since: datetime | None = None


def _working_time(
    plan: ClockPlan, cycles: Sequence[ClockCycle], opened: datetime, closed: datetime
) -> timedelta:
    """Working time from opening to closing on the plan's calendar.

    When the clock ran exactly that span in one cycle without pauses, the cycle has
    already measured it (``elapsed``); otherwise the calendar is asked.
    """
    if len(cycles) == 1:
        cycle = cycles[0]
        if (
            cycle.started_at == opened
            and cycle.stopped_at == closed
            and not cycle.pauses
            and cycle.elapsed is not None
        ):
            return cycle.elapsed
    return plan.calendar.working_time_between(opened, closed)


class _Tiers:
    """Category → tier from the mapping's ``[routing]`` table (first pattern that matches)."""

    def __init__(self, routing: RoutingRules) -> None:
        self.routing = routing
        self._cache: dict[str, str] = {}

    def tier_of(self, category: str) -> str:
        tier = self._cache.get(category)
        if tier is None:
            tier = next(
                (
                    t
                    for pattern, t in self.routing.tiers.items()
                    if fnmatch.fnmatchcase(category, pattern)
                ),
                self.routing.default_tier,
            )
            self._cache[category] = tier
        return tier


class ReplayEngine:
    """Replays tickets one at a time; holds no state between tickets.

    ``policies`` give the SLA clocks, each from the time it came into force
    (``clock`` names the handling clock whose deadline is ``due_at``); with
    ``due_from_source`` the source's own due time is the deadline instead (a
    ticket without one is on time when closed, as Boston's 311 counts it).
    """

    def __init__(
        self,
        routing: RoutingRules,
        *,
        policies: Sequence[PolicyInForce] = (),
        due_from_source: bool = False,
        clock: str = "handling",
        table: TransitionTable = TABLE,
        keep_events: bool = False,
    ) -> None:
        self.tiers = _Tiers(routing)
        self.in_grid = frozenset(routing.grid_tiers)
        self.policies = sorted(policies, key=lambda p: (p.since is not None, p.since))
        for period in self.policies:
            names = {plan.name for rule in period.policy.rules for plan in rule.clocks}
            if clock not in names:
                raise PolicyError(
                    period.policy.source,
                    f"no rule of policy {period.policy.name!r} has a clock {clock!r} "
                    f"(its clocks: {', '.join(sorted(names)) or 'none'}); pick one with --clock",
                    key="clocks",
                    what=SLA_POLICY_FILE.what,
                )
        self.due_from_source = due_from_source
        self.clock = clock
        self.table = table
        self.keep_events = keep_events
        self._bare_moves: dict[tuple[str, str], str | None] = {}
        """``table.next_state(state, trigger)`` without a payload, remembered (hot path)."""

    def replay(self, ticket: SourceTicket) -> TicketOutcome:
        """Run ``ticket``'s events through the loop and its clocks."""
        state, suspended_from = NEW, ""
        flags: list[str] = []
        steps: list[tuple[str, str, datetime]] = []
        accepted: list[AcceptedEvent] = []
        reopened = escalations = 0
        closed_at: datetime | None = None
        next_state, bare_moves, keep_events = (
            self.table.next_state,
            self._bare_moves,
            self.keep_events,
        )
        for event in ticket.events:
            trigger = event.trigger
            payload: Mapping[str, Any] | None = event.payload or None
            if trigger == "resume" and suspended_from and not (payload or {}).get("resume_to"):
                payload = {**(payload or {}), "resume_to": suspended_from}
            if payload is None:  # most events: the answer depends on (state, trigger) alone
                key = (state, trigger)
                dest = bare_moves.get(key, _UNSEEN)
                if dest is _UNSEEN:
                    dest = bare_moves[key] = next_state(state, trigger, None)
            else:
                dest = next_state(state, trigger, payload)
            if dest is None:
                flags.append(f"{state}:{trigger}")
                continue
            if dest == "suspended" and state != "suspended":
                suspended_from = state
            if trigger == "reopen":
                reopened += 1
            elif trigger == "escalate":
                escalations += 1
            if dest in _TERMINAL and state not in _TERMINAL:
                closed_at = event.at
            if keep_events:
                accepted.append(
                    AcceptedEvent(
                        trigger, state, dest, event.at, event.actor, event.role, payload or {}
                    )
                )
            state = dest
            steps.append((trigger, dest, event.at))
        opened_at = ticket.events[0].at
        tier = self.tiers.tier_of(ticket.category)
        policy = self._policy_at(opened_at)
        due_at, on_time, handling, breaches, cycles = self._clocks(
            ticket, policy, tier, steps, opened_at, closed_at
        )
        return TicketOutcome(
            ticket_id=ticket.ticket_id,
            category=ticket.category,
            area=ticket.area,
            tier=tier,
            channel=ticket.channel,
            unit=ticket.unit,
            opened_at=opened_at,
            due_at=due_at,
            closed_at=closed_at,
            on_time=on_time if state == _CLOSED else None,
            final_state=state,
            reopened=reopened,
            escalations=escalations,
            stayed_in_grid=(tier in self.in_grid and escalations == 0) if closed_at else None,
            conformance=tuple(flags),
            handling=handling,
            breaches=breaches,
            source_due=ticket.source_due,
            source_on_time=ticket.source_on_time,
            due_is_source=self.due_from_source,
            first_line=ticket.first_line,
            last_line=ticket.last_line,
            accepted=tuple(accepted),
            cycles=cycles,
            policy=policy if keep_events else None,
        )

    def _policy_at(self, moment: datetime) -> SlaPolicy | None:
        found = None
        for period in self.policies:
            if period.since is None or period.since <= moment:
                found = period.policy
        return found

    def _clocks(
        self,
        ticket: SourceTicket,
        policy: SlaPolicy | None,
        tier: str,
        steps: list[tuple[str, str, datetime]],
        opened_at: datetime,
        closed_at: datetime | None,
    ) -> tuple[
        datetime | None, bool | None, timedelta | None, tuple[str, ...], tuple[ClockCycle, ...]
    ]:
        """``(due_at, on_time, handling time, breached clocks, cycles)``; the cycles only
        when the engine keeps events."""
        cycles: list[ClockCycle] = []
        handling = None if closed_at is None else closed_at - opened_at
        if policy is not None:
            # A missing value is None, as the live engine has it: a rule's '*' matches no None.
            rule = policy.select_for((ticket.category or None, tier, None, ticket.channel or None))
            fingerprint = policy.fingerprint
            for plan in rule.clocks:
                ran = run_clock(plan, steps, policy_fingerprint=fingerprint)
                cycles.extend(ran)
                if plan.name == self.clock and closed_at is not None and plan.working:
                    handling = _working_time(plan, ran, opened_at, closed_at)
        breached: set[str] = set()
        mine: list[ClockCycle] = []  # the cycles of the clock whose deadline is due_at
        for cycle in cycles:
            if cycle.outcome is _BREACHED:
                breached.add(cycle.clock)
            if cycle.clock == self.clock:
                mine.append(cycle)
        breaches = tuple(sorted(breached)) if breached else ()
        kept = tuple(cycles) if self.keep_events else ()
        if self.due_from_source:
            due = ticket.source_due
            on_time = None if closed_at is None else (due is None or closed_at <= due)
            return due, on_time, handling, breaches, kept
        if not mine:
            return None, (None if closed_at is None else True), handling, breaches, kept
        if closed_at is None:
            return mine[0].due, None, handling, breaches, kept
        return mine[0].due, self.clock not in breached, handling, breaches, kept
