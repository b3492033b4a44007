"""One behavioural suite, three stores: in memory, a real SQLite file, real PostgreSQL.

``store`` is parametrised over the three; PostgreSQL tests get a fresh schema per
test module (dropped afterwards) and empty tables per test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from gridgov.grid import Area, AreaTree
from gridgov.store import ClockRecord, SqlStore, Store
from gridgov.store._mapping import full_clock_data
from gridgov.store._schema import metadata
from gridgov.testing import InMemoryStore
from gridgov.workflow import Ticket, TicketEvent

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)

TREE = AreaTree(
    [
        Area("YH", "余杭区", "district"),
        Area("ZM", "朱庙社区", "community", "YH"),
        Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
        Area("ZM-02", "朱庙第二网格", "grid", "ZM"),
        Area("ZM-01-01", "3幢", "micro_grid", "ZM-01"),
        Area("LP", "罗婆路社区", "community", "YH"),
    ]
)


def pg_schema_url(base_url: str) -> Iterator[str]:
    """A fresh, empty schema on the test PostgreSQL; dropped afterwards."""
    schema = f"gg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_url(postgres_url: str) -> Iterator[str]:
    yield from pg_schema_url(postgres_url)


@pytest.fixture(scope="module")
def pg_store(pg_url: str) -> Iterator[SqlStore]:
    store = SqlStore(pg_url)
    store.upgrade()
    yield store
    store.close()


@contextmanager
def append_only_off(store: SqlStore) -> Iterator[Connection]:
    """A transaction in which the append-only triggers do not fire: what an attacker
    who owns the database (or a test emptying its tables) can do."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
            return
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        for name, _ in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _, sql in triggers:
            conn.execute(text(sql))


def tamper(store: SqlStore, *statements: str) -> None:
    """Run ``statements`` behind the store's back, triggers off."""
    with append_only_off(store) as conn:
        for statement in statements:
            conn.execute(text(statement))


def _empty(store: SqlStore) -> None:
    with append_only_off(store) as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store holding :data:`TREE`."""
    if request.param == "memory":
        yield _with_tree(InMemoryStore())
    elif request.param == "sqlite":
        sqlite = SqlStore(f"sqlite:///{tmp_path / 'gridgov.db'}")
        sqlite.upgrade()
        yield _with_tree(sqlite)
        sqlite.close()
    else:
        pg: SqlStore = request.getfixturevalue("pg_store")
        _empty(pg)
        keyring = pg.keyring  # a test may key the shared store
        yield _with_tree(pg)
        pg.keyring = keyring
        _empty(pg)


@pytest.fixture(params=["sqlite", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated, empty SQL store holding :data:`TREE`: a real SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        sqlite = SqlStore(f"sqlite:///{tmp_path / 'gridgov.db'}")
        sqlite.upgrade()
        sqlite.save_areas(TREE)
        yield sqlite
        sqlite.close()
    else:
        pg: SqlStore = request.getfixturevalue("pg_store")
        _empty(pg)
        keyring = pg.keyring  # a test may key the shared store
        pg.save_areas(TREE)
        yield pg
        pg.keyring = keyring
        _empty(pg)


@pytest.fixture(params=["memory", "postgres"])
def concurrent_store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """The stores where two open units of work can both write (not SQLite: one writer)."""
    if request.param == "memory":
        yield _with_tree(InMemoryStore())
    else:
        pg: SqlStore = request.getfixturevalue("pg_store")
        _empty(pg)
        yield _with_tree(pg)
        _empty(pg)


def _with_tree(store: SqlStore | InMemoryStore) -> SqlStore | InMemoryStore:
    store.save_areas(TREE)
    return store


def event(
    ticket_id: str,
    seq: int,
    trigger: str,
    from_state: str,
    to_state: str,
    minutes: int = 0,
    **payload: object,
) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket_id,
        seq=seq,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        actor_id="u1",
        actor_role="grid_worker",
        at=T0 + timedelta(minutes=minutes),
        payload=dict(payload),
    )


def reported(ticket_id: str, area: str = "ZM-01") -> list[TicketEvent]:
    return [
        event(ticket_id, 1, "report", "new", "reported", area_code=area, category="noise"),
    ]


def dispatched(ticket_id: str, area: str = "ZM-01", unit: str = "W1") -> list[TicketEvent]:
    return [
        *reported(ticket_id, area),
        event(ticket_id, 2, "accept", "reported", "accepted", 1),
        event(ticket_id, 3, "dispatch", "accepted", "dispatched", 2, unit=unit, level="grid"),
    ]


def add_ticket(store: Store, events: list[TicketEvent], due: datetime | None = None) -> Ticket:
    """Store a new ticket with ``events`` in one unit of work."""
    ticket = Ticket.from_events(events)
    with store.unit_of_work() as uow:
        uow.tickets.record(ticket, events, expected_version=0, next_due_at=due)
        uow.commit()
    return ticket


def running_clock(ticket_id: str, cycle: int = 1, fired: tuple[str, ...] = ()) -> ClockRecord:
    """A running 24-hour handling clock cycle of ``ticket_id``, started at T0, its
    ``data`` whole as the store reads it back (the fields the columns give filled in)."""
    record = ClockRecord(
        ticket_id=ticket_id,
        clock="handling",
        cycle=cycle,
        status="running",
        breached=False,
        started_at=T0,
        due_at=T0 + timedelta(hours=24),
        fingerprint="f" * 64,
    )
    data = full_clock_data(asdict(record), {"fired": list(fired)})
    return replace(record, data=data)
