"""Benchmark: the store and the Engine on SQLite and PostgreSQL.

For each database, in the same run:

- the baseline: raw SQLAlchemy Core ``executemany`` of ticket rows (rows per second);
- single transition latency (``Engine.act``: load, check, SLA, append, commit): p50 and p99;
- sustained transitions per second with 1 and with 8 writer threads;
- ``Engine.advance_to`` with N open tickets (1,000,000 by default) of which 1,000 are due,
  next to the time the baseline needs to insert the same number of rows.

PostgreSQL runs when ``--pg URL`` or ``$GRIDGOV_TEST_POSTGRES_URL`` is set, in a
fresh schema dropped afterwards; SQLite in a temporary file.

    python benchmarks/bench_store.py            # 1,000,000 open tickets
    python benchmarks/bench_store.py --smoke    # a few seconds
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind
from gridgov.store import SqlStore, connect
from gridgov.store._schema import tickets
from gridgov.workflow import Actor

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
GRIDS = [f"G{i:02d}" for i in range(1, 9)]


@dataclass(frozen=True)
class Sizes:
    latency: int
    sustained: int
    open_tickets: int
    due: int


FULL = Sizes(latency=1000, sustained=2000, open_tickets=1_000_000, due=1000)
SMOKE = Sizes(latency=20, sustained=48, open_tickets=2000, due=8)


def directory() -> Directory:
    areas = [Area("YH", "余杭区", "district"), Area("ZM", "朱庙社区", "community", "YH")]
    areas += [Area(g, f"第{g}网格", "grid", "ZM") for g in GRIDS]
    units = [Unit("office", "社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM")]
    units += [Unit(f"w-{g}", f"{g}网格员", UnitKind.GRID_WORKER, g) for g in GRIDS]
    return Directory(AreaTree(areas), units)


OFFICE = Actor("office", "community_office", "ZM", "office")


def dispatched(engine: Engine, count: int) -> list[str]:
    """``count`` tickets reported, accepted and dispatched (3 transitions each)."""
    ids = []
    for i in range(count):
        view = engine.report(actor=OFFICE, category="noise", area_code=GRIDS[i % len(GRIDS)])
        engine.act(view.id, "accept", actor=OFFICE)
        ids.append(engine.act(view.id, "dispatch", actor=OFFICE).id)
    return ids


def supervise(engine: Engine, ticket_id: str) -> None:
    """督办: a transition that keeps the state, so it can be repeated."""
    engine.act(ticket_id, "supervise", actor=OFFICE, reason="bench")


def latency(engine: Engine, n: int) -> tuple[float, float]:
    ids = dispatched(engine, max(1, n // 5))
    samples = []
    for i in range(n):
        start = time.perf_counter()
        supervise(engine, ids[i % len(ids)])
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def sustained(engine: Engine, n: int, writers: int) -> float:
    """Transitions per second, ``writers`` threads each on its own tickets."""
    per_writer = n // writers
    pools = [dispatched(engine, max(1, per_writer // 5)) for _ in range(writers)]
    barrier = threading.Barrier(writers + 1)

    def write(ids: list[str]) -> None:
        barrier.wait()
        for i in range(per_writer):
            supervise(engine, ids[i % len(ids)])

    threads = [threading.Thread(target=write, args=(ids,)) for ids in pools]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return per_writer * writers / (time.perf_counter() - start)


def filler_rows(count: int) -> Iterator[list[dict[str, Any]]]:
    """Open tickets due in a month, in batches of 50,000."""
    later = T0 + timedelta(days=30)
    batch: list[dict[str, Any]] = []
    for i in range(count):
        grid = GRIDS[i % len(GRIDS)]
        batch.append(
            {
                "id": f"F{i:08d}",
                "state": "dispatched",
                "is_open": True,
                "area_code": grid,
                "area_path": f"/YH/ZM/{grid}/",
                "category": "noise",
                "tier": "small",
                "assigned_unit": f"w-{grid}",
                "version": 3,
                "next_due_at": later,
                "created_at": T0,
                "updated_at": T0,
                "data": {},
            }
        )
        if len(batch) == 50_000:
            yield batch
            batch = []
    if batch:
        yield batch


def raw_insert(store: SqlStore, count: int) -> float:
    """The baseline: seconds to executemany ``count`` ticket rows with SQLAlchemy Core."""
    start = time.perf_counter()
    with store.engine.begin() as conn:
        for batch in filler_rows(count):
            conn.execute(insert(tickets), batch)
    return time.perf_counter() - start


def timers(engine: Engine, store: SqlStore, sizes: Sizes) -> dict[str, Any]:
    """``sizes.due`` dispatched tickets whose clocks all run out, among
    ``sizes.open_tickets`` open ones due in a month (inserted by the baseline)."""
    due_ids = dispatched(engine, sizes.due)
    baseline = raw_insert(store, sizes.open_tickets)
    start = time.perf_counter()
    fired = engine.advance_to(T0 + timedelta(hours=25))
    seconds = time.perf_counter() - start
    assert {n.ticket_id for n in fired} == set(due_ids)
    return {"baseline_s": baseline, "advance_s": seconds, "firings": len(fired)}


def run(url: str, sizes: Sizes, label: str) -> None:
    store = SqlStore(engine=connect(url, pool_size=10, max_overflow=10))
    store.upgrade()
    # Live traffic first, two months later than the timer scenario, so that none of
    # its clocks is due when the timers run at T0 + 25 h among the bulk-loaded rows.
    live = Engine(store=store, directory=directory(), clock=ManualClock(T0 + timedelta(60)))
    p50, p99 = latency(live, sizes.latency)
    one = sustained(live, sizes.sustained, 1)
    eight = sustained(live, sizes.sustained, 8)
    engine = Engine(store=store, directory=directory(), clock=ManualClock(T0))
    timer = timers(engine, store, sizes)
    raw_rate = sizes.open_tickets / timer["baseline_s"]
    print(f"\n== {label} ==")
    print(
        f"baseline: executemany of {sizes.open_tickets:,} ticket rows: "
        f"{timer['baseline_s']:.2f} s = {raw_rate:,.0f} rows/s"
    )
    print(
        f"single transition latency: p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms "
        f"(= {p50 * raw_rate:,.0f} raw row inserts)"
    )
    print(
        f"sustained, 1 writer:  {one:,.0f} transitions/s ({raw_rate / one:,.0f}x slower "
        "than raw row inserts)"
    )
    print(f"sustained, 8 writers: {eight:,.0f} transitions/s ({eight / one:.2f}x one writer)")
    per = timer["advance_s"] / max(1, timer["firings"]) * 1e3
    raw_due = sizes.due / raw_rate
    print(
        f"advance_to: {sizes.open_tickets:,} open tickets, {sizes.due:,} due "
        f"({timer['firings']:,} warnings and breaches, each breach escalating): "
        f"{timer['advance_s']:.2f} s, {per:.2f} ms per firing "
        f"(raw insert of {sizes.due:,} rows: {raw_due * 1e3:.1f} ms)"
    )
    store.close()


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{tmp}/bench.db"


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    schema = f"gg_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few seconds")
    parser.add_argument(
        "--pg",
        default=os.environ.get("GRIDGOV_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default $GRIDGOV_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--open", type=int, help="open tickets for advance_to")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.open:
        sizes = Sizes(sizes.latency, sizes.sustained, args.open, sizes.due)
    with sqlite_url() as url:
        run(url, sizes, "SQLite (WAL, file)")
    if args.pg:
        with postgres_url(args.pg) as url:
            run(url, sizes, "PostgreSQL (psycopg 3)")
    else:
        print("\nPostgreSQL skipped: pass --pg URL or set GRIDGOV_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
