"""The SQLAlchemy repositories: tickets + events, and SLA clocks, on one connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from gridgov.errors import ConcurrentUpdate, UnknownArea, UnknownTicket
from gridgov.store._audit import AuditKey
from gridgov.store._limits import check_fields
from gridgov.store._mapping import (
    clock_from_row,
    clock_to_row,
    event_from_row,
    event_to_row,
    summary_from_row,
    ticket_to_row,
)
from gridgov.store._ports import OPEN_STATUSES, ClockRecord, TicketFilter, TicketSummary
from gridgov.store._schema import areas, sla_clocks, ticket_events, tickets
from gridgov.workflow import Ticket, TicketEvent

__all__ = ["SqlClockRepository", "SqlTicketRepository", "check_new_events", "subtree_bounds"]

_UPDATED_COLUMNS = ("state", "is_open", "category", "tier", "assigned_unit", "version", "data")


def check_new_events(ticket: Ticket, new_events: Sequence[TicketEvent], expected: int) -> None:
    """The new events must continue the log at ``expected + 1`` and end at ``ticket.version``."""
    seqs = [e.seq for e in new_events]
    wanted = list(range(expected + 1, expected + 1 + len(new_events)))
    if not new_events or seqs != wanted or ticket.version != seqs[-1]:
        raise ValueError(
            f"ticket {ticket.id!r}: new events {seqs} do not continue version {expected} "
            f"up to {ticket.version}"
        )
    if any(e.ticket_id != ticket.id for e in new_events):
        raise ValueError(f"ticket {ticket.id!r}: an event belongs to another ticket")
    check_fields(
        ticket_id=ticket.id,
        area_code=ticket.area_code,
        category=ticket.category,
        unit=ticket.assigned_unit,
    )
    for event in new_events:
        check_fields(actor_id=event.actor_id)


def subtree_bounds(path: str) -> tuple[str, str]:
    """``[low, high)`` such that every path under ``path`` (which ends in ``/``) is inside.

    >>> subtree_bounds("/YH/ZM/")
    ('/YH/ZM/', '/YH/ZM0')
    """
    return path, path[:-1] + chr(ord("/") + 1)


class SqlTicketRepository:
    """Tickets and their event logs in the ``tickets`` and ``ticket_events`` tables."""

    def __init__(self, connection: Connection, key: AuditKey | None = None) -> None:
        self._conn = connection
        self._key = key

    def events(self, ticket_id: str) -> list[TicketEvent]:
        check_fields(ticket_id=ticket_id)
        rows = self._conn.execute(
            select(ticket_events)
            .where(ticket_events.c.ticket_id == ticket_id)
            .order_by(ticket_events.c.seq)
        ).mappings()
        events = [event_from_row(row) for row in rows]
        if not events:
            raise UnknownTicket(ticket_id)
        return events

    def get(self, ticket_id: str) -> Ticket:
        return Ticket.from_events(self.events(ticket_id))

    def record(
        self,
        ticket: Ticket,
        new_events: Sequence[TicketEvent],
        *,
        expected_version: int,
        next_due_at: datetime | None = None,
    ) -> None:
        check_new_events(ticket, new_events, expected_version)
        if expected_version == 0:
            self._insert(ticket, new_events[0].at, next_due_at)
            prev_hash = None
        else:
            self._update(ticket, expected_version, next_due_at)
            prev_hash = self._conn.execute(
                select(ticket_events.c.hash).where(
                    ticket_events.c.ticket_id == ticket.id,
                    ticket_events.c.seq == expected_version,
                )
            ).scalar_one()
        rows = []
        for event in new_events:
            row = event_to_row(event, prev_hash, self._key)
            prev_hash = row["hash"]
            rows.append(row)
        try:
            # The version check above already serialised writers on the ticket row, so
            # a duplicate (ticket_id, seq) is a last line of defence: no savepoint for it
            # (the transaction is lost either way, and the found version is unknown).
            self._conn.execute(insert(ticket_events), rows)
        except IntegrityError as exc:
            raise ConcurrentUpdate(ticket.id, expected_version, None) from exc

    def _insert(self, ticket: Ticket, created_at: datetime, next_due_at: datetime | None) -> None:
        assert ticket.area_code is not None
        path = self._conn.execute(
            select(areas.c.path).where(areas.c.code == ticket.area_code)
        ).scalar_one_or_none()
        if path is None:
            raise UnknownArea(ticket.area_code)
        row = ticket_to_row(ticket, path=path, next_due_at=next_due_at, created_at=created_at)
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(tickets), row)
        except IntegrityError as exc:
            raise ConcurrentUpdate(ticket.id, 0, self._version(ticket.id)) from exc

    def _update(self, ticket: Ticket, expected: int, next_due_at: datetime | None) -> None:
        assert ticket.updated_at is not None
        row = ticket_to_row(ticket, path="", next_due_at=next_due_at, created_at=ticket.updated_at)
        values: dict[str, Any] = {c: row[c] for c in _UPDATED_COLUMNS}
        values["next_due_at"] = next_due_at
        values["updated_at"] = ticket.updated_at
        result = self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket.id, tickets.c.version == expected)
            .values(values)
        )
        if result.rowcount != 1:
            found = self._version(ticket.id)
            if found is None:
                raise UnknownTicket(ticket.id)
            raise ConcurrentUpdate(ticket.id, expected, found)

    def reschedule(
        self, ticket_id: str, *, expected_version: int, next_due_at: datetime | None
    ) -> None:
        result = self._conn.execute(
            update(tickets)
            .where(tickets.c.id == ticket_id, tickets.c.version == expected_version)
            .values(next_due_at=next_due_at)
        )
        if result.rowcount != 1:
            found = self._version(ticket_id)
            if found is None:
                raise UnknownTicket(ticket_id)
            raise ConcurrentUpdate(ticket_id, expected_version, found)

    def _version(self, ticket_id: str) -> int | None:
        return self._conn.execute(
            select(tickets.c.version).where(tickets.c.id == ticket_id)
        ).scalar_one_or_none()

    def summary(self, ticket_id: str) -> TicketSummary:
        check_fields(ticket_id=ticket_id)
        row = (
            self._conn.execute(select(tickets).where(tickets.c.id == ticket_id)).mappings().first()
        )
        if row is None:
            raise UnknownTicket(ticket_id)
        return summary_from_row(row)

    def merged_into(self, ticket_id: str) -> list[str]:
        check_fields(ticket_id=ticket_id)
        query = select(tickets.c.id).where(
            tickets.c.state == "merged", tickets.c.data["merged_into"].as_string() == ticket_id
        )
        return sorted(self._conn.execute(query).scalars())

    def find(self, where: TicketFilter) -> list[TicketSummary]:
        query = select(tickets)
        if where.within is not None:
            path = self._conn.execute(
                select(areas.c.path).where(areas.c.code == where.within)
            ).scalar_one_or_none()
            if path is None:
                raise UnknownArea(where.within)
            low, high = subtree_bounds(path)
            query = query.where(and_(tickets.c.area_path >= low, tickets.c.area_path < high))
        if where.open_only:
            query = query.where(tickets.c.is_open.is_(True))
        if where.assigned_unit is not None:
            query = query.where(tickets.c.assigned_unit == where.assigned_unit)
        if where.state is not None:
            query = query.where(tickets.c.state == where.state)
        if where.due_by is not None:
            query = query.where(tickets.c.next_due_at <= where.due_by)
        if where.reporter_id is not None:
            query = query.where(tickets.c.data["reporter_id"].as_string() == where.reporter_id)
        if where.part_of is not None:
            query = query.where(self._has_co_unit(where.part_of))
        query = query.order_by(tickets.c.next_due_at.asc().nulls_last(), tickets.c.id)
        rows = self._conn.execute(query.limit(where.limit)).mappings()
        return [summary_from_row(row) for row in rows]

    def _has_co_unit(self, unit: str) -> ColumnElement[bool]:
        """The ticket row's ``data.co_units`` holds ``unit`` (a JSON array)."""
        if self._conn.dialect.name == "postgresql":
            units = func.json_array_elements_text(tickets.c.data["co_units"])
        else:
            units = func.json_each(tickets.c.data, "$.co_units")
        listed = units.table_valued("value")
        return exists(select(literal(1)).select_from(listed).where(listed.c.value == unit))

    def claim_due(self, moment: datetime, limit: int = 1) -> list[TicketSummary]:
        rows = self._conn.execute(
            select(tickets)
            .where(tickets.c.next_due_at <= moment)
            .order_by(tickets.c.next_due_at, tickets.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).mappings()
        return [summary_from_row(row) for row in rows]

    def count_open(self) -> int:
        """How many tickets are still in the loop."""
        query = select(func.count()).select_from(tickets).where(tickets.c.is_open.is_(True))
        return int(self._conn.execute(query).scalar_one())


class SqlClockRepository:
    """SLA clock cycles in the ``sla_clocks`` table."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def for_ticket(self, ticket_id: str) -> list[ClockRecord]:
        check_fields(ticket_id=ticket_id)
        rows = self._conn.execute(
            select(sla_clocks).where(sla_clocks.c.ticket_id == ticket_id).order_by(sla_clocks.c.id)
        ).mappings()
        return [clock_from_row(row) for row in rows]

    def open_provisional(self) -> list[ClockRecord]:
        # The text test only narrows the scan (json.dumps writes an empty list so): the
        # exact test is on the decoded data.
        data = cast(sla_clocks.c.data, Text)
        rows = self._conn.execute(
            select(sla_clocks)
            .where(
                sla_clocks.c.status.in_(OPEN_STATUSES),
                data.like('%"assumed_years"%'),
                data.not_like('%"assumed_years": []%'),
            )
            .order_by(sla_clocks.c.id)
        ).mappings()
        found = (clock_from_row(row) for row in rows)
        return [c for c in found if c.data.get("assumed_years")]

    def put(self, clock: ClockRecord) -> None:
        row = clock_to_row(clock)
        key = (
            sla_clocks.c.ticket_id == clock.ticket_id,
            sla_clocks.c.clock == clock.clock,
            sla_clocks.c.cycle == clock.cycle,
        )
        if self._conn.execute(update(sla_clocks).where(*key).values(row)).rowcount == 0:
            self._conn.execute(insert(sla_clocks), row)
