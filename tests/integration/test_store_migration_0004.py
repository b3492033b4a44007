"""Revision 0004 (issue 13, item 24) converts a database written at 0003: its rows
shrink, its audit chain and checkpoint still verify under the key they were signed
with, tampering still shows, and work goes on.

The rows are a real 0003 database's (``data/store_0003.json.gz``, written by gridgov
at that revision: ``data/make_store_0003.py``), loaded into a schema migrated to 0003.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, Integer, MetaData, create_engine, inspect, text

from gridgov import Engine
from gridgov.app import clock_check, trust_callers
from gridgov.clock import ManualClock
from gridgov.sla import load_default_policy
from gridgov.store import Keyring, SqlStore, current_revision, head_revision
from gridgov.store._migrate import downgrade, upgrade
from gridgov.store._schema import stored_time
from gridgov.workflow import Actor
from tests.integration._store_harness import pg_schema_url, tamper

FIXTURE = json.loads(
    gzip.decompress((Path(__file__).parent / "data" / "store_0003.json.gz").read_bytes())
)
KEYS = Keyring.parse(FIXTURE["key"], separator=",")
ROWS: dict[str, list[dict[str, Any]]] = FIXTURE["tables"]
GRID = "HZ-YH-CQ-ZM-G01"
AT = datetime(2026, 11, 3, tzinfo=UTC)


def _load_0003(url: str) -> None:
    """A schema at revision 0003 holding the fixture's rows, as gridgov 0003 wrote them."""
    engine = create_engine(url)
    upgrade(engine, "0003")
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in meta.sorted_tables:
            rows = [dict(row) for row in ROWS.get(table.name, [])]
            times = [c.name for c in table.c if isinstance(c.type, DateTime)]
            for row in rows:
                for name in times:
                    if row[name] is not None:
                        row[name] = datetime.fromisoformat(row[name]).replace(tzinfo=UTC)
            if rows:
                conn.execute(table.insert(), rows)
            serial = "id" in table.c and isinstance(table.c["id"].type, Integer)
            if conn.dialect.name == "postgresql" and rows and serial:
                # ids given explicitly: move the serial on past them, as 0003's inserts did
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :top)"),
                    {"top": max(row["id"] for row in rows)},
                )
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def old_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        _load_0003(url)
        yield url
        return
    for url in pg_schema_url(request.getfixturevalue("postgres_url")):
        _load_0003(url)
        yield url


def _upgraded(url: str) -> SqlStore:
    store = SqlStore(url, keyring=KEYS)
    assert current_revision(store.engine) == "0003"
    assert store.upgrade() == head_revision()
    return store


def _utc(value: Any) -> Any:
    """A clock record's value with its ISO times in UTC (0003 kept local offsets)."""
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        return datetime.fromisoformat(value).astimezone(UTC).isoformat()
    if isinstance(value, list):
        return [_utc(v) for v in value]
    return value


def test_a_0003_database_upgrades_and_its_keyed_chain_and_clocks_verify(old_url: str) -> None:
    store = _upgraded(old_url)
    assert store.verify(clocks=clock_check(load_default_policy())) == []
    store.close()


def test_the_upgrade_keeps_every_event_and_the_clocks_whole(old_url: str) -> None:
    store = _upgraded(old_url)
    with store.unit_of_work() as uow:
        for old in ROWS["ticket_events"][:50]:
            stored = uow.tickets.events(old["ticket_id"])[old["seq"] - 1]
            assert stored.payload == old["payload"]
            assert stored.at == datetime.fromisoformat(old["at"]).replace(tzinfo=UTC)
        by_key = {(c["ticket_id"], c["clock"], c["cycle"]): c for c in ROWS["sla_clocks"]}
        for ticket_id in sorted({c["ticket_id"] for c in ROWS["sla_clocks"]}):
            for record in uow.clocks.for_ticket(ticket_id):
                old = by_key[(ticket_id, record.clock, record.cycle)]
                assert record.data == {k: _utc(v) for k, v in old["data"].items()}
    store.close()


def test_rows_without_a_reporter_gain_it_from_their_report_event(old_url: str) -> None:
    assert all("reporter_id" not in t["data"] for t in ROWS["tickets"] if t["id"] == "LIVE1")
    store = _upgraded(old_url)
    clock = ManualClock(datetime(2026, 11, 3, tzinfo=UTC))
    engine = Engine(store=store, actors=trust_callers, clock=clock)
    resident = Actor("resident-2", "resident", GRID)
    assert [t.id for t in engine.tickets(visible_to=resident)] == ["LIVE2"]
    store.close()


def test_joint_tickets_gain_their_co_units_so_a_co_unit_lists_them(old_url: str) -> None:
    store = _upgraded(old_url)
    engine = Engine(store=store, actors=trust_callers, clock=ManualClock(AT))
    police = Actor("HZ-YH-police", "department", None, "HZ-YH-police")
    assert "LOOP0000001" in {t.id for t in engine.tickets(visible_to=police, open_only=False)}
    store.close()


def test_tampering_still_shows_after_the_upgrade(old_url: str) -> None:
    store = _upgraded(old_url)
    tamper(
        store,
        "UPDATE ticket_events SET actor_id = 'mallory' WHERE ticket_id = 'LIVE3' AND seq = 1",
    )
    assert [(b.ticket_id, b.reason) for b in store.verify()] == [
        ("LIVE3", "content does not match its hash (edited)")
    ]
    store.close()


def test_work_goes_on_after_the_upgrade_and_still_verifies(old_url: str) -> None:
    store = _upgraded(old_url)
    worker = Actor(f"{GRID}-worker", "grid_worker", GRID, f"{GRID}-worker")
    at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    engine = Engine(store=store, actors=trust_callers, clock=ManualClock(at))
    engine.act("LIVE2", "accept", actor=worker)
    store.checkpoint(at=at)
    assert store.verify(clocks=clock_check(load_default_policy())) == []
    store.close()


def test_the_rows_take_less_room(old_url: str) -> None:
    """The events lose a hash, the clocks their repeated fields."""
    before = sum(len(json.dumps(c["data"])) for c in ROWS["sla_clocks"])
    store = _upgraded(old_url)
    with store.engine.connect() as conn:
        after = conn.execute(text("SELECT data FROM sla_clocks")).scalars().all()
    columns = [c["name"] for c in inspect(store.engine).get_columns("ticket_events")]
    stored = sum(len(d if isinstance(d, str) else json.dumps(d)) for d in after)
    assert stored < before / 3
    assert "prev_hash" not in columns
    store.close()


def test_a_downgrade_gives_back_the_0003_rows(old_url: str) -> None:
    """Each event as 0003 stored it (hex hashes, ``prev_hash``), each clock record whole."""
    store = _upgraded(old_url)
    assert downgrade(store.engine, "0003") == "0003"
    store.close()
    engine = create_engine(old_url)
    with engine.connect() as conn:
        events = conn.execute(text("SELECT * FROM ticket_events ORDER BY id")).mappings().all()
        clocks = conn.execute(text("SELECT data FROM sla_clocks ORDER BY id")).scalars().all()
    engine.dispose()
    assert [(e["id"], e["prev_hash"], e["hash"]) for e in events] == [
        (e["id"], e["prev_hash"], e["hash"]) for e in ROWS["ticket_events"]
    ]
    assert [stored_time(e["at"]) for e in events] == [
        datetime.fromisoformat(e["at"]).replace(tzinfo=UTC) for e in ROWS["ticket_events"]
    ]
    decoded = [json.loads(c) if isinstance(c, str) else c for c in clocks]
    assert decoded == [{k: _utc(v) for k, v in c["data"].items()} for c in ROWS["sla_clocks"]]
