"""One ticket's SLA clocks, loaded from the store into a scratch
:class:`~gridgov.sla.SlaEngine` and written back: the SLA engine stays in memory
and pure, the store keeps one row per clock cycle."""

from __future__ import annotations

from datetime import datetime, timedelta

from gridgov._engine_views import ClockView, cycle_status
from gridgov.sla import SlaEngine, SlaEvent, SlaPolicy
from gridgov.store import ClockRecord, UnitOfWork
from gridgov.workflow import Ticket, TicketEvent

__all__ = ["TicketClocks"]

_ONE_US = timedelta(microseconds=1)


class TicketClocks:
    """The SLA clocks of one ticket inside one unit of work."""

    def __init__(self, policy: SlaPolicy, ticket: Ticket) -> None:
        self._sla = SlaEngine(policy)
        self._ticket = ticket
        self._stored: dict[tuple[str, int], dict[str, object]] = {}
        self.loaded = False

    @classmethod
    def load(
        cls, policy: SlaPolicy, uow: UnitOfWork, ticket: Ticket, *, at: datetime
    ) -> TicketClocks:
        """The ticket's clocks as stored (recomputed if the policy or calendar changed)."""
        clocks = cls(policy, ticket)
        records = uow.clocks.for_ticket(ticket.id)
        if records:
            snapshot = {
                "ticket_id": ticket.id,
                "state": ticket.state,
                "attributes": {
                    "category": ticket.category,
                    "tier": ticket.tier,
                    "priority": ticket.priority,
                    "channel": ticket.channel,
                },
                "cycles": [r.data for r in records],
            }
            clocks._sla.restore(snapshot, at=at)
            clocks._stored = {(r.clock, r.cycle): r.data for r in records}
            clocks.loaded = True
        return clocks

    def record(self, event: TicketEvent) -> list[SlaEvent]:
        """Feed one accepted transition; returns what came due before it."""
        if event.trigger != "report" and not self.loaded:
            return []  # a ticket stored without clocks (imported history) has none
        self.loaded = True
        return self._sla.record(event)

    def advance_to(self, moment: datetime) -> list[SlaEvent]:
        """Warnings and breaches of this ticket due up to ``moment``."""
        return self._sla.advance_to(moment) if self.loaded else []

    @property
    def next_due(self) -> datetime | None:
        """The first moment a clock of this ticket will say something: a warning at
        its moment, a breach one microsecond after the due time (a ticket handled
        exactly at its due time is on time)."""
        if not self.loaded:
            return None
        due = self._sla.next_due(self._ticket.id)
        if due is None:
            return None
        cycles = self._sla.cycles(self._ticket.id)
        if any(c.is_open and c.due == due and not c.breached for c in cycles):
            return due + _ONE_US
        return due

    def views(self) -> list[ClockView]:
        """Every cycle, oldest first."""
        if not self.loaded:
            return []
        return [ClockView.from_cycle(c) for c in self._sla.cycles(self._ticket.id)]

    def save(self, uow: UnitOfWork) -> None:
        """Write back the cycles that changed (one row per cycle)."""
        if not self.loaded:
            return
        for cycle in self._sla.cycles(self._ticket.id):
            data = cycle.to_dict()
            if self._stored.get((cycle.clock, cycle.number)) == data:
                continue
            uow.clocks.put(
                ClockRecord(
                    ticket_id=self._ticket.id,
                    clock=cycle.clock,
                    cycle=cycle.number,
                    status=cycle_status(cycle),
                    breached=cycle.breached,
                    started_at=cycle.started_at,
                    due_at=cycle.due,
                    fingerprint=cycle.policy_fingerprint,
                    stopped_at=cycle.stopped_at,
                    data=data,
                )
            )
