"""Bulk loads (批量导入): whole tickets in a few executemany inserts per batch.

:meth:`SqlStore.load_tickets` writes what :meth:`TicketRepository.record` would
write for a new ticket — the ticket row, the events with their hash chain, and
the clock cycles — but as one ``INSERT`` per table for the whole batch.  A ticket
already stored is skipped by ``INSERT ... ON CONFLICT DO NOTHING ... RETURNING id``
(SQLite and PostgreSQL alike), so only the tickets this batch really inserted get
events, and a load racing another writer never duplicates a log.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, select
from sqlalchemy.dialects import postgresql, sqlite

from gridgov.errors import UnknownArea
from gridgov.store._mapping import clock_to_row, event_to_row, ticket_to_row
from gridgov.store._ports import LoadResult, TicketLoad
from gridgov.store._schema import areas, sla_clocks, ticket_events, tickets
from gridgov.store._sql_repos import check_new_events

__all__ = ["LoadRows", "area_of", "check_areas", "load_rows", "sql_load", "unique_loads"]

_IN_CHUNK = 1000  # ids per IN (...) list: well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class LoadRows:
    """The rows one new ticket adds to ``tickets``, ``ticket_events`` and ``sla_clocks``."""

    ticket: dict[str, Any]
    events: list[dict[str, Any]]
    clocks: list[dict[str, Any]]


def unique_loads(batch: Iterable[TicketLoad]) -> tuple[list[TicketLoad], list[str]]:
    """The batch with each ticket once (the first wins), and the ids of the repeats."""
    seen: set[str] = set()
    first: list[TicketLoad] = []
    repeats: list[str] = []
    for load in batch:
        if load.ticket.id in seen:
            repeats.append(load.ticket.id)
        else:
            seen.add(load.ticket.id)
            first.append(load)
    return first, repeats


def load_rows(load: TicketLoad, path: str) -> LoadRows:
    """The rows of one new ticket, its area's materialised ``path`` given.

    The events must be the whole log (``seq`` 1 to ``ticket.version``) and every
    clock cycle must be the ticket's own; else :class:`ValueError`.
    """
    ticket = load.ticket
    check_new_events(ticket, load.events, 0)
    strangers = [c.ticket_id for c in load.clocks if c.ticket_id != ticket.id]
    if strangers:
        raise ValueError(f"ticket {ticket.id!r}: a clock cycle belongs to {strangers[0]!r}")
    event_rows = []
    prev_hash = None
    for event in load.events:
        row = event_to_row(event, prev_hash)
        prev_hash = row["hash"]
        event_rows.append(row)
    ticket_row = ticket_to_row(
        ticket, path=path, next_due_at=load.next_due_at, created_at=load.events[0].at
    )
    return LoadRows(ticket_row, event_rows, [clock_to_row(c) for c in load.clocks])


def area_of(load: TicketLoad) -> str:
    """The ticket's area code (a folded ticket always has one)."""
    code = load.ticket.area_code
    if code is None:
        raise ValueError(f"ticket {load.ticket.id!r} has no area: its log lacks a report")
    return code


def check_areas(loads: Iterable[TicketLoad], known: Container[str]) -> None:
    """:class:`UnknownArea` for the first ticket whose area is not ``known``."""
    for load in loads:
        if area_of(load) not in known:
            raise UnknownArea(area_of(load))


def sql_load(conn: Connection, batch: Iterable[TicketLoad]) -> LoadResult:
    """Insert the batch's new tickets on ``conn`` (the caller commits)."""
    loads, repeats = unique_loads(batch)
    if not loads:
        return LoadResult((), tuple(repeats))
    codes = sorted({area_of(load) for load in loads})
    known: dict[str, str] = {}
    for start in range(0, len(codes), _IN_CHUNK):
        chunk = codes[start : start + _IN_CHUNK]
        query = select(areas.c.code, areas.c.path).where(areas.c.code.in_(chunk))
        known.update({row.code: row.path for row in conn.execute(query)})
    check_areas(loads, known)
    prepared = [load_rows(load, known[area_of(load)]) for load in loads]
    new_ids = set(
        conn.execute(
            _insert_new(conn).returning(tickets.c.id), [p.ticket for p in prepared]
        ).scalars()
    )
    event_rows = [row for p in prepared if p.ticket["id"] in new_ids for row in p.events]
    clock_rows = [row for p in prepared if p.ticket["id"] in new_ids for row in p.clocks]
    if event_rows:
        conn.execute(ticket_events.insert(), event_rows)
    if clock_rows:
        conn.execute(sla_clocks.insert(), clock_rows)
    written = tuple(load.ticket.id for load in loads if load.ticket.id in new_ids)
    already = tuple(load.ticket.id for load in loads if load.ticket.id not in new_ids)
    return LoadResult(written, already + tuple(repeats))


def _insert_new(conn: Connection) -> Insert:
    """``INSERT INTO tickets ... ON CONFLICT (id) DO NOTHING`` in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(tickets).on_conflict_do_nothing(index_elements=[tickets.c.id])
    if conn.dialect.name == "sqlite":
        return sqlite.insert(tickets).on_conflict_do_nothing(index_elements=[tickets.c.id])
    raise NotImplementedError(f"bulk loads on {conn.dialect.name}")
