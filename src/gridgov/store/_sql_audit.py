"""``verify`` and ``checkpoint`` on a SQL connection (审计校验): every ticket's rows
read raw, 1,000 tickets at a time, and checked by :func:`~gridgov.store._verify.check_ticket`;
the chain heads digested for :mod:`~gridgov.store._checkpoints`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Select,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    type_coerce,
)

from gridgov.store._audit import AuditKey, ChainBreak, Keyring
from gridgov.store._checkpoints import Head, checkpoint_breaks, checkpoint_row
from gridgov.store._schema import (
    UtcDateTime,
    areas,
    audit_checkpoints,
    sla_clocks,
    ticket_events,
    tickets,
)
from gridgov.store._verify import ClockCheck, Progress, TicketRows, check_ticket

__all__ = ["sql_checkpoint", "sql_verify"]

_VERIFY_CHUNK = 1000  # tickets per verify step: bounded memory, one progress step


def sql_verify(
    conn: Connection,
    keyring: Keyring | None,
    clocks: ClockCheck | None,
    progress: Progress | None,
) -> list[ChainBreak]:
    """Every broken ticket (and checkpoint) on ``conn``, sorted by id."""
    breaks: list[ChainBreak] = []
    total = int(conn.execute(select(func.count()).select_from(tickets)).scalar_one())
    paths = {row.code: row.path for row in conn.execute(select(areas.c.code, areas.c.path))}
    done = 0
    for chunk in _ticket_chunks(conn, clocks is not None):
        checked = (check_ticket(rows, keyring, clocks, paths) for rows in chunk)
        breaks.extend(b for b in checked if b is not None)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    orphans = conn.execute(
        select(ticket_events.c.ticket_id)
        .where(ticket_events.c.ticket_id.not_in(select(tickets.c.id)))
        .distinct()
    ).scalars()
    for orphan in orphans:
        broken = check_ticket(TicketRows(orphan, None, ()), keyring)
        assert broken is not None
        breaks.append(broken)
    breaks.extend(_checkpoint_breaks(conn, keyring))
    return sorted(breaks, key=lambda b: b.ticket_id)


def sql_checkpoint(conn: Connection, at: datetime, key: AuditKey | None) -> dict[str, Any]:
    """Write a checkpoint of every chain head on ``conn`` (the caller commits)."""
    if conn.dialect.name == "postgresql":
        # Writers in flight commit first, new ones wait: no event with a
        # lower id can appear after the digest is taken.
        conn.execute(text("LOCK TABLE ticket_events IN SHARE MODE"))
    last = conn.execute(select(func.max(ticket_events.c.id))).scalar_one() or 0
    heads, events = _heads(conn, last)
    prev = conn.execute(
        select(audit_checkpoints.c.hash).order_by(audit_checkpoints.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    row = checkpoint_row(
        taken_at=at, last_event_id=last, events=events, heads=heads, prev_hash=prev, key=key
    )
    row["id"] = conn.execute(
        insert(audit_checkpoints).returning(audit_checkpoints.c.id), row
    ).scalar_one()
    return row


def _raw(table: Table) -> Select[Any]:
    """Every column of ``table``, JSON and times as the driver gives them (not
    decoded by SQLAlchemy): one malformed value must not stop a verify."""
    return select(
        *(
            type_coerce(c, Text).label(c.name) if isinstance(c.type, JSON | UtcDateTime) else c
            for c in table.c
        )
    )


def _ticket_chunks(conn: Connection, with_clocks: bool) -> Iterator[list[TicketRows]]:
    """Every ticket's rows, :data:`_VERIFY_CHUNK` tickets at a time (keyset by id)."""
    last: str | None = None
    while True:
        query = _raw(tickets).order_by(tickets.c.id).limit(_VERIFY_CHUNK)
        if last is not None:
            query = query.where(tickets.c.id > last)
        found = conn.execute(query).mappings().all()
        if not found:
            return
        ids = [row["id"] for row in found]
        last = ids[-1]
        events = _grouped(conn, ticket_events, ids, ticket_events.c.seq)
        clocks = _grouped(conn, sla_clocks, ids, sla_clocks.c.id) if with_clocks else {}
        yield [
            TicketRows(row["id"], row, events.get(row["id"], []), clocks.get(row["id"], []))
            for row in found
        ]


def _grouped(
    conn: Connection, table: Table, ids: list[str], order: ColumnElement[Any]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``table`` for these tickets, by ticket, as plain dicts (built from
    the tuples: a third faster than converting ``RowMapping`` objects)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    query = _raw(table).where(table.c.ticket_id.in_(ids)).order_by(table.c.ticket_id, order)
    result = conn.execute(query)
    keys = list(result.keys())
    for values in result:
        row = dict(zip(keys, values, strict=True))
        grouped.setdefault(row["ticket_id"], []).append(row)
    return grouped


def _heads(conn: Connection, last_event_id: int) -> tuple[list[Head], int]:
    """Every ticket's chain head among the events with an id up to ``last_event_id``,
    and how many such events there are."""
    upto = ticket_events.c.id <= last_event_id
    tops = (
        select(ticket_events.c.ticket_id, func.max(ticket_events.c.seq).label("seq"))
        .where(upto)
        .group_by(ticket_events.c.ticket_id)
        .subquery()
    )
    query = select(ticket_events.c.ticket_id, ticket_events.c.seq, ticket_events.c.hash).join(
        tops,
        (ticket_events.c.ticket_id == tops.c.ticket_id) & (ticket_events.c.seq == tops.c.seq),
    )
    heads = [(row[0], int(row[1]), row[2]) for row in conn.execute(query)]
    count = conn.execute(select(func.count()).select_from(ticket_events).where(upto))
    return heads, int(count.scalar_one())


def _checkpoint_breaks(conn: Connection, keyring: Keyring | None) -> list[ChainBreak]:
    rows = conn.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id)).mappings()
    found = [dict(row) for row in rows]
    if not found:
        return []
    heads, events = _heads(conn, found[-1]["last_event_id"])
    return checkpoint_breaks(found, keyring, heads, events)
