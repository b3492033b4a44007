"""Bulk loads (批量导入): whole tickets in one bulk insert per table and batch.

:meth:`SqlStore.load_tickets` writes what :meth:`TicketRepository.record` would
write for a new ticket — the ticket row, the events with their hash chain, and
the clock cycles — but as one bulk insert per table for the whole batch:
PostgreSQL's ``COPY`` (psycopg 3), else one executemany ``INSERT``.  Tickets
already stored are found first (one ``SELECT id ... IN``) and skipped before any
row is built, so a resumed load costs little.  A load racing another writer on
the same ids fails on the primary key and keeps nothing of the batch: a log is
never duplicated or interleaved.
"""

from __future__ import annotations

import gc
from collections.abc import Container, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from gridgov.errors import StoreError, UnknownArea
from gridgov.store._audit import AuditKey
from gridgov.store._mapping import clock_to_row, event_to_row, ticket_to_row
from gridgov.store._ports import LoadResult, TicketLoad
from gridgov.store._schema import areas, sla_clocks, ticket_events, tickets
from gridgov.store._sql_repos import check_new_events

__all__ = [
    "LoadRows",
    "area_of",
    "check_areas",
    "collector_paused",
    "insert_rows",
    "load_rows",
    "sql_load",
    "unique_loads",
]

_IN_CHUNK = 1000  # ids per IN (...) list: well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class LoadRows:
    """The rows one new ticket adds to ``tickets``, ``ticket_events`` and ``sla_clocks``."""

    ticket: dict[str, Any]
    events: list[dict[str, Any]]
    clocks: list[dict[str, Any]]


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one batch is built and inserted.

    A batch allocates several containers per event (the event, its payload, its
    row, the bound parameters) that all stay alive until the insert, and as they
    pile up CPython's collector walks the whole heap again and again: measured, a
    third of the bulk path's time.  Reference counting still frees everything;
    the collector is switched back on afterwards (if this call switched it off).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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


def load_rows(load: TicketLoad, path: str, key: AuditKey | None = None) -> LoadRows:
    """The rows of one new ticket, its area's materialised ``path`` given (events
    signed with ``key``, or unkeyed).

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
        row = event_to_row(event, prev_hash, key)
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


def sql_load(
    conn: Connection, batch: Iterable[TicketLoad], key: AuditKey | None = None
) -> LoadResult:
    """Insert the batch's new tickets on ``conn`` (the caller commits)."""
    loads, repeats = unique_loads(batch)
    stored = _found(conn, tickets.c.id, sorted(load.ticket.id for load in loads))
    fresh = [load for load in loads if load.ticket.id not in stored]
    already = tuple(load.ticket.id for load in loads if load.ticket.id in stored)
    if not fresh:
        return LoadResult((), already + tuple(repeats))
    paths = _found(conn, areas.c.code, sorted({area_of(load) for load in fresh}), areas.c.path)
    check_areas(fresh, paths)
    prepared = [load_rows(load, paths[area_of(load)], key) for load in fresh]
    try:
        insert_rows(conn, tickets, [p.ticket for p in prepared])
        insert_rows(conn, ticket_events, [row for p in prepared for row in p.events])
        insert_rows(conn, sla_clocks, [row for p in prepared for row in p.clocks])
    except IntegrityError as exc:
        raise StoreError(
            "another writer stored some of these tickets while this batch was being "
            "loaded; nothing of the batch was kept — load it again to add the rest"
        ) from exc
    return LoadResult(tuple(load.ticket.id for load in fresh), already + tuple(repeats))


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of ``table``'s columns) in one go: PostgreSQL's ``COPY``
    through psycopg 3, else one executemany ``INSERT``.

    The values go through each column's own bind processing (aware times to UTC, JSON
    to text …) exactly as an ``INSERT`` binds them, so both paths store the same; a
    driver error comes out as SQLAlchemy's (a duplicate key is an ``IntegrityError``)."""
    if not rows:
        return
    names = list(rows[0])
    copying = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
    if copying and all(len(row) == len(names) for row in rows):  # one set of columns
        _copy(conn, table, names, rows)
    else:
        conn.execute(insert(table), rows)


def _copy(conn: Connection, table: Table, names: list[str], rows: list[dict[str, Any]]) -> None:
    import psycopg
    from psycopg import sql

    dialect = conn.dialect
    processed = [
        (position, process)
        for position, name in enumerate(names)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    values = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*([table.schema] if table.schema else []), table.name),
        sql.SQL(", ").join(sql.Identifier(name) for name in names),
    )
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            write = copy.write_row
            for row in rows:
                out = list(values(row))
                for position, process in processed:  # a few columns: times, JSON
                    if out[position] is not None:
                        out[position] = process(out[position])
                write(out)
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement.as_string(raw), None, exc, psycopg.Error) from exc


def _found(
    conn: Connection, key: ColumnElement[str], wanted: list[str], value: Any = None
) -> dict[str, Any]:
    """The ``wanted`` keys present in ``key``'s table, each with its ``value`` column."""
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        columns = [key] if value is None else [key, value]
        for row in conn.execute(select(*columns).where(key.in_(chunk))):
            found[row[0]] = None if value is None else row[1]
    return found
