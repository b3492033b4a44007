"""The store's bulk path (``Store.load_tickets``) vs. raw ``executemany`` (and on
PostgreSQL raw ``COPY``) of the same rows.

For each database (a SQLite file; PostgreSQL when ``$GRIDGOV_TEST_POSTGRES_URL`` is
set, in a scratch schema dropped afterwards), in the same run:

- ``load_tickets`` of N whole tickets (4–5 events and one SLA clock cycle each),
  ``--batch`` tickets per transaction, into empty tables: tickets/s;
- the baseline: the very rows it wrote, read back and inserted again with raw
  SQLAlchemy Core ``conn.execute(insert(table), rows)`` in one transaction — as
  written, and with cyclic GC paused as ``load_tickets`` pauses it;
- on PostgreSQL, a bare psycopg ``COPY`` of the same rows (``load_tickets`` itself
  writes by COPY there);
- loading the same tickets again (a resumed run: everything is already there).

The ratio bulk / raw is what the store adds: the hash chain, the row mapping, the
duplicate check.  N is 20,000 (500 with ``--smoke``).

    python benchmarks/bench_bulk_load.py
    python benchmarks/bench_bulk_load.py --smoke
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from gridgov.grid import Area, AreaTree
from gridgov.store import ClockRecord, SqlStore, TicketLoad
from gridgov.store._bulk import collector_paused
from gridgov.store._schema import metadata, sla_clocks, ticket_events, tickets
from gridgov.workflow import Ticket, TicketEvent

_scratch = importlib.import_module("_scratch")  # benchmarks/_scratch.py, beside this script
scratch_postgres: Callable[[str], AbstractContextManager[str]] = _scratch.scratch_postgres
raw_copy_seconds: Callable[..., float] = _scratch.raw_copy_seconds

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
GRIDS = [f"G{i:02d}" for i in range(1, 9)]
TREE = AreaTree(
    [Area("YH", "余杭区", "district"), Area("ZM", "朱庙社区", "community", "YH")]
    + [Area(g, f"网格{g}", "grid", "ZM") for g in GRIDS]
)
STEPS = [
    ("report", "new", "reported"),
    ("accept", "reported", "accepted"),
    ("dispatch", "accepted", "dispatched"),
    ("sign_for", "dispatched", "in_progress"),
    ("mark_handled", "in_progress", "handled"),
]


def ticket_load(n: int) -> TicketLoad:
    """Ticket ``n``: reported in a grid, dispatched, signed for, every other one handled."""
    ticket_id = f"B{n:07d}"
    opened = T0 + timedelta(minutes=7 * n)
    payloads: dict[str, dict[str, Any]] = {
        "report": {"area_code": GRIDS[n % len(GRIDS)], "category": "noise", "channel": "app"},
        "dispatch": {"unit": "W1", "level": "grid"},
        "mark_handled": {"result": "已处理"},
    }
    events = [
        TicketEvent(
            ticket_id=ticket_id,
            seq=seq,
            trigger=trigger,
            from_state=source,
            to_state=dest,
            actor_id="replay",
            actor_role="system",
            at=opened + timedelta(hours=seq),
            payload=payloads.get(trigger, {}),
        )
        for seq, (trigger, source, dest) in enumerate(STEPS[: 4 + n % 2], start=1)
    ]
    clock = ClockRecord(
        ticket_id=ticket_id,
        clock="handling",
        cycle=1,
        status="met" if n % 2 else "running",
        breached=False,
        started_at=opened,
        due_at=opened + timedelta(days=3),
        fingerprint="f" * 64,
        stopped_at=opened + timedelta(hours=5) if n % 2 else None,
    )
    return TicketLoad(Ticket.from_events(events), events, clocks=[clock])


def _timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def bench(name: str, url: str, loads: list[TicketLoad], batch: int) -> None:
    store = SqlStore(url)
    store.upgrade()
    store.save_areas(TREE)

    def bulk() -> None:
        for start in range(0, len(loads), batch):
            store.load_tickets(loads[start : start + batch])

    seconds = _timed(bulk)
    resumed = _timed(bulk)
    tables = (tickets, ticket_events, sla_clocks)
    with store.engine.begin() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in tables}

    def clear() -> None:
        # Re-created empty: the append-only triggers refuse DELETE on the events.
        with store.engine.begin() as conn:
            metadata.drop_all(conn, tables=list(tables))
            metadata.create_all(conn, tables=list(tables))

    def raw() -> None:
        with store.engine.begin() as conn:
            for table in tables:
                conn.execute(insert(table), rows[table.name])

    clear()
    raw_seconds = _timed(raw)
    clear()
    with collector_paused():
        paused_seconds = _timed(raw)  # the same, without cyclic GC (as load_tickets runs)
    copy_seconds = None
    if store.engine.dialect.driver == "psycopg":
        copy_seconds = raw_copy_seconds(store.engine, tables)
    store.close()
    n, events = len(loads), len(rows["ticket_events"])
    print(
        f"  {name:12s} load_tickets {seconds:6.2f} s ({n / seconds:7,.0f} tickets/s, "
        f"{events / seconds:7,.0f} events/s) | raw executemany {raw_seconds:6.2f} s, "
        f"{seconds / raw_seconds:4.2f}x raw | raw without GC {paused_seconds:6.2f} s, "
        f"{seconds / paused_seconds:4.2f}x | again (all there) {resumed:5.2f} s"
    )
    if copy_seconds is not None:
        print(
            f"  {'':12s} raw COPY {copy_seconds:6.2f} s: load_tickets "
            f"{seconds / copy_seconds:4.2f}x raw COPY ({copy_seconds / seconds:4.0%} of its "
            "throughput)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="Bulk loads vs raw executemany.")
    parser.add_argument("--smoke", action="store_true", help="500 tickets, a few seconds")
    parser.add_argument("--tickets", type=int, help="how many tickets (default 20,000)")
    parser.add_argument("--batch", type=int, default=2000, help="tickets per transaction")
    args = parser.parse_args()
    count = args.tickets or (500 if args.smoke else 20_000)
    loads = [ticket_load(n) for n in range(count)]
    print(f"load_tickets, {count:,} tickets, {args.batch:,} per transaction")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite file", f"sqlite:///{Path(tmp) / 'bulk.db'}", loads, args.batch)
    postgres = os.environ.get("GRIDGOV_TEST_POSTGRES_URL")
    if postgres:
        with scratch_postgres(postgres) as url:
            bench("PostgreSQL", url, loads, args.batch)
    else:
        print("  PostgreSQL   skipped: set GRIDGOV_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
