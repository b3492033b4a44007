"""The SLA engine (时限引擎): clocks for many tickets, driven by transitions and time.

Feed it every accepted transition with :meth:`SlaEngine.record` and move time with
:meth:`SlaEngine.advance_to`; both return the :class:`SlaWarning` and
:class:`SlaBreached` events that came due, in time order, each exactly once per
clock cycle.  Time is only ever what the caller says: there are no threads, no
sleeps and no wall clock, so replays and simulations run on historical time.

A warning fires once time reaches its moment; a breach once time passes the due
moment (a ticket handled exactly at its due time is on time, as in Boston's data).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from gridgov.errors import InvalidTime, TransitionNotAllowed, UnknownTicket
from gridgov.sla._clock import ClockCycle, CycleOutcome, to_us
from gridgov.sla._events import SlaBreached, SlaEvent, SlaWarning
from gridgov.sla._policy import ClockPlan, SlaPolicy, SlaRule, TicketAttributes
from gridgov.sla._run import ClockRun
from gridgov.workflow import TERMINAL_STATES, parts_of

__all__ = ["SlaEngine", "SlaTransition"]

_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_ONE_US = timedelta(microseconds=1)
_ATTRIBUTE_KEYS = ("category", "tier", "priority", "channel")


class SlaTransition(Protocol):
    """What the engine reads from a workflow transition (``gridgov.workflow.TicketEvent``)."""

    @property
    def ticket_id(self) -> str: ...
    @property
    def trigger(self) -> str: ...
    @property
    def from_state(self) -> str: ...
    @property
    def to_state(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def payload(self) -> Mapping[str, Any]: ...


class _Ticket:
    """Everything the engine keeps for one ticket: its attributes and its clock run."""

    __slots__ = ("attributes", "last_at", "run", "state", "ticket_id")

    def __init__(
        self, ticket_id: str, attributes: TicketAttributes, rule: SlaRule, fingerprint: str
    ) -> None:
        self.ticket_id = ticket_id
        self.attributes = attributes
        self.run = ClockRun(rule, policy_fingerprint=fingerprint)
        self.state = "new"
        self.last_at: datetime | None = None

    @property
    def rule(self) -> SlaRule:
        return self.run.rule

    @property
    def cycles(self) -> list[ClockCycle]:
        return self.run.cycles

    @property
    def open(self) -> dict[str, ClockCycle]:
        return self.run.open


# (sort key µs, ticket id, clock position, threshold position, token, moment, cycle);
# tokens are unique, so two entries never compare their moments or cycles.
_Entry = tuple[int, str, int, int, int, datetime, ClockCycle]


class SlaEngine:
    """SLA clocks for every ticket it has been told about, under one :class:`SlaPolicy`."""

    def __init__(self, policy: SlaPolicy) -> None:
        self._policy = policy
        self._tickets: dict[str, _Ticket] = {}
        self._heap: list[_Entry] = []
        self._tokens = itertools.count(1)

    @property
    def policy(self) -> SlaPolicy:
        """The policy new clock cycles are computed with."""
        return self._policy

    def __len__(self) -> int:
        return len(self._tickets)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._tickets

    # ----------------------------------------------------------------- input

    def record(
        self, transition: SlaTransition, *, attributes: TicketAttributes | None = None
    ) -> list[SlaEvent]:
        """Apply one accepted transition; first return every event due before it.

        Recording a transition at ``t`` is :meth:`advance_to` ``(t)`` then the
        transition, so a caller that feeds transitions in time order gets every
        event, of every ticket, in time order.  ``report`` registers the ticket; its
        rule is selected from ``attributes`` (category, tier, priority, channel) or
        else from the same keys in the payload.
        """
        at = _aware(transition.at)
        ticket = self._tickets.get(transition.ticket_id)
        if transition.trigger == "report":
            if ticket is not None:
                raise TransitionNotAllowed(
                    transition.ticket_id,
                    ticket.state,
                    "report",
                    "the SLA engine already has this ticket",
                )
            attributes = attributes or _attributes_of(transition.payload)
            rule = self._policy.select_for(attributes)
            ticket = _Ticket(transition.ticket_id, attributes, rule, self._policy.fingerprint)
            self._tickets[ticket.ticket_id] = ticket
        elif ticket is None:
            raise UnknownTicket(transition.ticket_id)
        elif ticket.last_at is not None and at < ticket.last_at:
            raise InvalidTime(
                at.isoformat(),
                f"a time not before ticket {ticket.ticket_id!r}'s previous transition "
                f"({ticket.last_at.isoformat()})",
                source=f"transition {transition.trigger!r}",
            )
        events = self._advance(to_us(at))
        before = (ticket.state, dict(ticket.open), len(ticket.cycles))
        saved: list[_Saved] = []
        try:
            parts = parts_of(transition.trigger, transition.payload)
            self._apply(ticket, transition.trigger, transition.to_state, at, saved, parts)
        except Exception:
            # e.g. CalendarUnknownYear: the ticket's clocks stay as they were before it.
            if transition.trigger == "report":
                del self._tickets[ticket.ticket_id]
            ticket.state, ticket.run.open, count = before
            del ticket.cycles[count:]
            for cycle_state in reversed(saved):
                _restore(cycle_state)
            raise
        ticket.last_at = at
        return events

    def _apply(
        self,
        ticket: _Ticket,
        trigger: str,
        to_state: str,
        at: datetime,
        saved: list[_Saved],
        parts: tuple[str, ...] | None,
    ) -> None:
        """Run the one clock rule (:class:`ClockRun`), then requeue what it changed;
        ``saved`` gets every existing cycle's state before it changes, so a failure
        half-way can be undone."""
        ticket.state = to_state
        changes = ticket.run.apply(
            trigger, to_state, at, before_change=lambda c: saved.append(_save(c)), parts=parts
        )
        for position, plan, cycle in changes:
            if cycle.is_open:
                self._schedule(ticket, position, plan, cycle)
            else:
                cycle.token = 0  # its heap entries are stale now

    # ----------------------------------------------------------------- time

    def advance_to(self, moment: datetime) -> list[SlaEvent]:
        """Every warning and breach due up to ``moment``, in time order, each once."""
        return self._advance(to_us(_aware(moment)))

    def _advance(self, limit: int) -> list[SlaEvent]:
        heap, events = self._heap, []
        while heap and heap[0][0] <= limit:
            _, ticket_id, position, index, token, at, cycle = heapq.heappop(heap)
            if token == cycle.token:
                events.append(self._fire(self._tickets[ticket_id], position, index, at, cycle))
        return events

    def _fire(
        self, ticket: _Ticket, position: int, index: int, moment: datetime, cycle: ClockCycle
    ) -> SlaEvent:
        plan = ticket.rule.clocks[position]
        fraction = plan.thresholds[index]
        cycle.fired.append(fraction)
        self._schedule(ticket, position, plan, cycle)
        if fraction == 1.0:
            return SlaBreached(
                ticket.ticket_id, cycle.clock, cycle.number, moment, cycle.due, plan.on_breach
            )
        return SlaWarning(
            ticket.ticket_id,
            cycle.clock,
            cycle.number,
            moment,
            cycle.due,
            fraction,
            plan.on_warning,
        )

    def _schedule(self, ticket: _Ticket, position: int, plan: ClockPlan, cycle: ClockCycle) -> None:
        cycle.token = next(self._tokens)
        found = _next_threshold(plan, cycle)
        if found is not None:
            index, key, moment = found
            entry = (key, ticket.ticket_id, position, index, cycle.token, moment, cycle)
            heapq.heappush(self._heap, entry)

    # ----------------------------------------------------------------- queries

    def next_due(self, ticket_id: str) -> datetime | None:
        """The earliest moment ``t`` at which :meth:`advance_to` ``(t)`` will announce
        something for this ticket, or None when nothing is pending (e.g. all clocks
        paused or stopped).  A store indexes it to know when to tick.

        For a warning that is its moment; for a breach it is one microsecond after
        the due time, since a clock stopped exactly at its due time is on time.
        """
        ticket = self._ticket(ticket_id)
        best: tuple[int, datetime] | None = None
        for cycle in ticket.open.values():
            located = ticket.rule.plan_of(cycle.clock)
            if located is None:
                continue
            plan = located[1]
            found = _next_threshold(plan, cycle)
            if found is not None and (best is None or found[1] < best[0]):
                index, key, moment = found
                is_breach = index == len(plan.thresholds) - 1
                best = (key, moment + _ONE_US if is_breach else moment)
        return best[1] if best is not None else None

    def next_tick(self) -> datetime | None:
        """The earliest moment at which :meth:`advance_to` will announce anything, for
        any ticket (what a scheduler sleeps until); None when nothing is pending."""
        heap = self._heap
        while heap and heap[0][4] != heap[0][6].token:
            heapq.heappop(heap)  # stale: the cycle changed or ended since it was queued
        if not heap:
            return None
        key, _, _, _, _, moment, _ = heap[0]
        return moment if to_us(moment) == key else moment + _ONE_US

    def deadlines(self, ticket_id: str) -> dict[str, datetime]:
        """The due time of each open clock of the ticket, by clock name."""
        return {name: cycle.due for name, cycle in self._ticket(ticket_id).open.items()}

    def cycles(self, ticket_id: str) -> tuple[ClockCycle, ...]:
        """Every cycle of the ticket, open and ended, in the order they started."""
        return tuple(self._ticket(ticket_id).cycles)

    def open_tickets(self) -> Iterator[str]:
        """Ids of tickets with at least one open clock cycle."""
        return (t.ticket_id for t in self._tickets.values() if t.open)

    def _ticket(self, ticket_id: str) -> _Ticket:
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            raise UnknownTicket(ticket_id)
        return ticket

    # ----------------------------------------------------------------- persistence

    def snapshot(self, ticket_id: str) -> dict[str, Any]:
        """The ticket's clocks as JSON-able data (what a store persists)."""
        ticket = self._ticket(ticket_id)
        return {
            "ticket_id": ticket.ticket_id,
            "state": ticket.state,
            "last_at": _iso(ticket.last_at),
            "attributes": dict(zip(_ATTRIBUTE_KEYS, ticket.attributes, strict=True)),
            "rule": ticket.rule.name,
            "policy_fingerprint": self._policy.fingerprint,
            "next_due": _iso(self.next_due(ticket_id)),
            "cycles": [c.to_dict() for c in ticket.cycles],
        }

    def restore(self, data: Mapping[str, Any], *, at: datetime) -> bool:
        """Load a :meth:`snapshot`; True when its open cycles had to be recomputed
        because they were computed with another policy or calendar."""
        if data["ticket_id"] in self._tickets:
            self.forget(data["ticket_id"])  # its pending announcements go with it
        attributes = _attributes_of(data["attributes"])
        rule = self._policy.select_for(attributes)
        ticket = _Ticket(data["ticket_id"], attributes, rule, self._policy.fingerprint)
        ticket.state = data["state"]
        last_at = data.get("last_at")
        ticket.last_at = datetime.fromisoformat(last_at) if last_at else None
        ticket.run.cycles = [ClockCycle.from_dict(c) for c in data["cycles"]]
        ticket.run.open = {c.clock: c for c in ticket.cycles if c.is_open}
        self._tickets[ticket.ticket_id] = ticket
        return self._recompute(ticket, _aware(at), only_if_stale=True)

    def forget(self, ticket_id: str) -> dict[str, Any]:
        """Drop the ticket (e.g. once closed and stored) and return its :meth:`snapshot`."""
        data = self.snapshot(ticket_id)
        for cycle in self._tickets.pop(ticket_id).open.values():
            cycle.token = 0
        return data

    def use_policy(self, policy: SlaPolicy, *, at: datetime) -> list[str]:
        """Switch to ``policy`` and recompute the open clocks of every ticket.

        Each open cycle keeps its start, pauses and announced thresholds and gets the
        new rule's budget and calendar; a clock the new rule lacks is cancelled ``at``
        the moment of the change.  Ended cycles stay as they were.  Thresholds whose
        new moment is already past are announced by the next :meth:`advance_to`.
        Returns the ids of the tickets whose clocks changed.
        """
        self._policy = policy
        at = _aware(at)
        return [t.ticket_id for t in list(self._tickets.values()) if self._recompute(t, at, False)]

    def _recompute(self, ticket: _Ticket, at: datetime, only_if_stale: bool) -> bool:
        rule = self._policy.select_for(ticket.attributes)
        ticket.run.rule = rule
        ticket.run.policy_fingerprint = self._policy.fingerprint
        changed = False
        for cycle in list(ticket.open.values()):
            located = rule.plan_of(cycle.clock)
            if located is None:
                cycle.end(None, at, CycleOutcome.CANCELLED)
                cycle.token = 0
                del ticket.open[cycle.clock]
                changed = True
                continue
            position, plan = located
            stale = (
                cycle.policy_fingerprint != self._policy.fingerprint
                or cycle.calendar_fingerprint != plan.calendar.fingerprint
            )
            if stale or not only_if_stale:
                before = (cycle.due, cycle.budget)
                cycle.policy_fingerprint = self._policy.fingerprint
                cycle.plan_budget(plan)
                changed = changed or stale or before != (cycle.due, cycle.budget)
            self._schedule(ticket, position, plan, cycle)
        return changed


# A cycle and the fields a transition may change, to undo a transition that failed.
_Saved = tuple[Any, ...]


def _save(c: ClockCycle) -> _Saved:
    return (c, c.due, c.budget, len(c.pauses), c.paused_since, c.outcome, c.stopped_at,
            c._elapsed, c._ended_by, c.token, c.assumed_years)  # fmt: skip


def _restore(saved: _Saved) -> None:
    c, due, budget, pauses, paused_since, outcome, stopped_at, *rest = saved
    c.due, c.budget, c.paused_since, c.outcome = due, budget, paused_since, outcome
    c.stopped_at, c._elapsed, c._ended_by, c.token, c.assumed_years = stopped_at, *rest
    del c.pauses[pauses:]


def _next_threshold(plan: ClockPlan, cycle: ClockCycle) -> tuple[int, int, datetime] | None:
    """The next threshold to announce as (index, sort key, moment), or None when nothing
    is pending (all announced, or paused before the next one).  A breach's key is one
    microsecond after the due moment: it is announced once time is *past* the due time."""
    last = cycle.fired[-1] if cycle.fired else 0.0
    for index, fraction in enumerate(plan.thresholds):
        if fraction > last:
            moment = cycle.moment_of(plan, fraction)
            if moment is None:
                return None
            return index, to_us(moment) + (fraction == 1.0), moment
    return None


def _attributes_of(values: Mapping[str, Any]) -> TicketAttributes:
    found = [values.get(key) for key in _ATTRIBUTE_KEYS]
    return (
        None if found[0] is None else str(found[0]),
        None if found[1] is None else str(found[1]),
        None if found[2] is None else str(found[2]),
        None if found[3] is None else str(found[3]),
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTime(moment.isoformat(), "a time-zone-aware datetime")
    return moment


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
