"""``--db URL``: the replayed tickets, their accepted events and their SLA clock
cycles, written into a gridgov store.

Tickets go in ``batch`` at a time through the store's bulk path,
:meth:`~gridgov.store.Store.load_tickets`: one transaction and a few executemany
inserts per batch, with the same ticket rows, event hash chain and clock records
as the live loop's :meth:`~gridgov.store.TicketRepository.record` and
:class:`~gridgov.app.TicketClocks` write.  A ticket still open with a
running clock gets the ``next_due_at`` the live engine computes from those
records, so ``gridgov tick`` announces its warnings and breach.  A ticket already
in the database is left as it is: re-running the same input adds nothing, and a
run that was interrupted continues where it stopped (every committed batch
stays).  The store is imported only when a database is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gridgov.app import TicketClocks
from gridgov.errors import StoreError
from gridgov.replay._engine import TicketOutcome
from gridgov.store import ClockRecord, TicketLoad
from gridgov.store.rows import collector_paused
from gridgov.workflow import Move, Ticket, TicketEvent

__all__ = ["DbWriter", "ticket_events", "ticket_load"]

SOURCE_ACTOR = "replay"
SOURCE_ROLE = "system"


def ticket_events(outcome: TicketOutcome) -> list[TicketEvent]:
    """The outcome's accepted moves as the store's events (``report`` carries the facts,
    as replay folded them)."""
    return [
        Move(
            move.trigger,
            move.from_state,
            move.to_state,
            move.at,
            move.actor_id or SOURCE_ACTOR,
            move.actor_role or SOURCE_ROLE,
            move.payload,
        ).event(outcome.ticket_id, seq)
        for seq, move in enumerate(outcome.accepted, start=1)
    ]


def ticket_load(outcome: TicketOutcome) -> TicketLoad:
    """The outcome as one whole ticket for the bulk path: the ticket replay folded, its
    events, its clock cycles as records, and, while a cycle is still open, its next due
    moment — the live engine's, from the records themselves under the policy they ran.
    """
    events = ticket_events(outcome)
    ticket = outcome.ticket if outcome.ticket is not None else Ticket.from_events(events)
    clocks = [ClockRecord.from_cycle(ticket.id, cycle) for cycle in outcome.cycles]
    next_due = None
    # None without an open cycle (a closed, rejected or merged ticket's clocks were
    # stopped or cancelled), or while every open one is paused.
    if outcome.policy is not None and any(c.is_open for c in outcome.cycles):
        at = outcome.accepted[-1].at
        next_due = TicketClocks.restored(outcome.policy, ticket, clocks, at=at).next_due
    return TicketLoad(ticket, events, next_due, clocks)


class DbWriter:
    """Buffers replayed tickets and records them ``batch`` at a time.

    ``areas`` (the replay's area tree) is saved when the database has none yet; a
    database holding another hierarchy must already contain every area replayed.
    """

    def __init__(
        self,
        url: str,
        areas: Any = None,
        *,
        batch: int = 2000,
    ) -> None:
        from gridgov.app import open_store

        self.store = open_store(url)
        self.store.create_if_new()
        self.batch = batch
        self.written = self.skipped = 0
        self._pending: list[TicketOutcome] = []
        self._known_areas: set[str] | None = None
        if areas is not None:
            stored = self.store.load_area_tree()
            if stored is None:
                self.store.save_areas(areas)
                stored = areas
            self._known_areas = {area.code for area in stored}

    def add(self, outcome: TicketOutcome) -> None:
        """Queue one ticket; writes a batch when enough are queued."""
        if not outcome.accepted:
            return  # nothing the loop accepted (its report was refused): no ticket to store
        if self._known_areas is not None and outcome.area not in self._known_areas:
            raise StoreError(
                f"area {outcome.area!r} of ticket {outcome.ticket_id!r} is not in the "
                "database's hierarchy: import it first (gridgov areas import --db URL FILE)"
            )
        self._pending.append(outcome)
        if len(self._pending) >= self.batch:
            self.flush()

    def add_all(self, outcomes: Iterable[TicketOutcome]) -> None:
        """Queue many tickets."""
        for outcome in outcomes:
            self.add(outcome)

    def flush(self) -> None:
        """Record every queued ticket not yet in the database, in one transaction."""
        if not self._pending:
            return
        with collector_paused():
            loads = [ticket_load(outcome) for outcome in self._pending]
            result = self.store.load_tickets(loads)
        self.written += len(result.written)
        self.skipped += len(result.already_there)  # stored by an earlier run: kept as they are
        self._pending.clear()
