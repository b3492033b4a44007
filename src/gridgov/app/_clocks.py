"""One ticket's SLA clocks, loaded from the store into a scratch
:class:`~gridgov.sla.SlaEngine` and written back: the SLA engine stays in memory
and pure, the store keeps one row per clock cycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from gridgov.app._views import ClockView
from gridgov.sla import ClockCycle, SlaEngine, SlaEvent, SlaPolicy
from gridgov.store import ClockCheck, ClockRecord, UnitOfWork
from gridgov.workflow import Ticket, TicketEvent

__all__ = ["TicketClocks", "clock_check"]

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
        return cls.restored(policy, ticket, uow.clocks.for_ticket(ticket.id), at=at)

    @classmethod
    def restored(
        cls, policy: SlaPolicy, ticket: Ticket, records: Sequence[ClockRecord], *, at: datetime
    ) -> TicketClocks:
        """The ticket's clocks from its ``records`` (what :meth:`load` reads; replay's
        ``--db`` asks it for the ``next_due`` of the cycles it is about to store)."""
        clocks = cls(policy, ticket)
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

    @property
    def cycles(self) -> tuple[ClockCycle, ...]:
        """Every cycle, oldest first (none if the ticket has no clocks)."""
        return self._sla.cycles(self._ticket.id) if self.loaded else ()

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
            record = ClockRecord.from_cycle(self._ticket.id, cycle)
            if self._stored.get((record.clock, record.cycle)) != record.data:
                uow.clocks.put(record)


def clock_check(policy: SlaPolicy) -> ClockCheck:
    """What ``verify`` asks of a ticket's clocks (审计: 时限), under ``policy``:

    - each stored cycle's ``due_at`` column and its own record of the due time
      agree with a refold of the ticket's events through a fresh
      :class:`TicketClocks`, and no cycle is missing or extra;
    - ``tickets.next_due_at`` is the ``next_due`` of the clocks as stored.

    A ticket stored without clocks (imported history) must have no
    ``next_due_at``.  Cycles computed under another policy, or on other calendar
    data (their fingerprints differ), cannot be refolded under this one and are
    not compared; a cycle added or removed under this policy is reported.
    """

    def check(
        ticket: Ticket,
        events: Sequence[TicketEvent],
        next_due_at: datetime | None,
        records: Sequence[ClockRecord],
    ) -> str | None:
        if not records:
            if next_due_at is not None:
                return f"tickets.next_due_at is {next_due_at.isoformat()} but it has no clocks"
            return None
        if any(r.fingerprint != policy.fingerprint for r in records):
            return None  # computed under another policy: nothing to refold them with
        fresh = {(c.clock, c.number): c for c in _refold(policy, ticket, events).cycles}
        if set(fresh) != {(r.clock, r.cycle) for r in records}:
            kept = sorted(f"{r.clock}#{r.cycle}" for r in records)
            made = sorted(f"{name}#{number}" for name, number in fresh)
            return f"clock cycles {kept} but the events give {made}"
        if any(
            r.data.get("calendar_fingerprint") != fresh[(r.clock, r.cycle)].calendar_fingerprint
            for r in records
        ):
            return None  # computed on other calendar data (a provisional year since known)
        for record in records:
            cycle = fresh[(record.clock, record.cycle)]
            due = cycle.due
            if record.due_at != due or record.data.get("due") != cycle.to_dict()["due"]:
                return (
                    f"sla_clocks {record.clock}#{record.cycle} is due {record.due_at.isoformat()} "
                    f"but the events give {due.isoformat()} (edited)"
                )
        stored = TicketClocks.restored(policy, ticket, records, at=events[-1].at)
        if stored.next_due != next_due_at:
            shown = None if next_due_at is None else next_due_at.isoformat()
            wanted = None if stored.next_due is None else stored.next_due.isoformat()
            return f"tickets.next_due_at is {shown} but the clocks give {wanted} (edited)"
        return None

    return check


def _refold(policy: SlaPolicy, ticket: Ticket, events: Sequence[TicketEvent]) -> TicketClocks:
    """The ticket's clocks rebuilt from its events alone."""
    clocks = TicketClocks(policy, ticket)
    for event in events:
        clocks.record(event)
    return clocks
