"""The queries the Engine runs most are answered from indexes (SQLite query plans)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Select, select

from gridgov.store import SqlStore
from gridgov.store._schema import ticket_events, tickets
from gridgov.store._sql_repos import subtree_bounds

MOMENT = datetime(2025, 3, 3, tzinfo=UTC)
LOW, HIGH = subtree_bounds("/YH/ZM/")

QUERIES: dict[str, tuple[Select[tuple[object, ...]], str]] = {
    "due tickets (timers)": (
        select(tickets.c.id)
        .where(tickets.c.next_due_at <= MOMENT)
        .order_by(tickets.c.next_due_at, tickets.c.id)
        .limit(1),
        "ix_tickets_next_due_at_id",
    ),
    "open tickets in an area subtree": (
        select(tickets.c.id).where(
            tickets.c.is_open.is_(True), tickets.c.area_path >= LOW, tickets.c.area_path < HIGH
        ),
        "ix_tickets_is_open_area_path",
    ),
    "open tickets of a unit": (
        select(tickets.c.id).where(tickets.c.assigned_unit == "W1", tickets.c.is_open.is_(True)),
        "ix_tickets_assigned_unit_is_open",
    ),
    "a ticket's events in order": (
        select(ticket_events.c.seq)
        .where(ticket_events.c.ticket_id == "T1")
        .order_by(ticket_events.c.seq),
        "sqlite_autoindex_ticket_events",
    ),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_the_query_searches_an_index_without_a_full_sort(name: str, tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'plan.db'}")
    store.upgrade()
    query, index = QUERIES[name]
    sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
    with store.engine.connect() as conn:
        plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
    store.close()
    assert any(step.startswith("SEARCH") and index in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
