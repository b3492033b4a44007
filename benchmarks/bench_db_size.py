"""How many bytes a replayed database takes per ticket (issue 13, item 24).

Three replays — the synthetic snapshot export and the synthetic loop event log
(``gen_synthetic.py``), and the shipped Boston 311 slice (or ``--boston FILE``, for
example the 58,119-row file in the shared data) — each into a SQLite file, and into
PostgreSQL when ``GRIDGOV_TEST_POSTGRES_URL`` is set.  Each table is measured with
its indexes (and on PostgreSQL its TOAST): SQLite's ``dbstat`` after a ``VACUUM``,
PostgreSQL's ``pg_total_relation_size`` after a ``VACUUM FULL``.

    python benchmarks/bench_db_size.py --tickets 20000 \\
        --boston /work/shared/data/boston311/boston311_2015_h1.csv.gz
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from gridgov.grid import load_sample
from gridgov.replay import (
    PolicyInForce,
    ReplayOptions,
    boston_sample_options,
    load_mapping,
    run_replay,
)
from gridgov.sla import load_default_policy
from gridgov.store import SqlStore

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
generate: Callable[..., Path] = importlib.import_module("gen_synthetic").generate
scratch_postgres: Callable[[str], AbstractContextManager[str]] = importlib.import_module(
    "_scratch"
).scratch_postgres

TABLES = ("tickets", "ticket_events", "sla_clocks")
"""The tables that grow with the tickets; the rest (areas, units, policies ...) is ``other``."""


def _sqlite_sizes(engine: Engine) -> dict[str, int]:
    """Bytes of each table with its indexes, by table name."""
    with engine.connect() as conn:
        conn.execute(text("VACUUM"))
        rows = conn.execute(
            text(
                "SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d "
                "LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY 1"
            )
        ).all()
    return {str(name): int(size) for name, size in rows}


def _postgres_sizes(engine: Engine) -> dict[str, int]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL"))
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace"
            )
        ).all()
    return {str(name): int(size) for name, size in rows}


def measure(url: str, options: ReplayOptions) -> tuple[int, dict[str, int]]:
    """Replay into ``url`` (a new database); the ticket count and bytes by table."""
    run_replay(replace(options, db=url))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = int(conn.execute(text("SELECT count(*) FROM tickets")).scalar_one())
        sizes = (_postgres_sizes if engine.dialect.name == "postgresql" else _sqlite_sizes)(engine)
    finally:
        engine.dispose()
    return count, sizes


def report(name: str, count: int, sizes: dict[str, int]) -> None:
    other = sum(size for table, size in sizes.items() if table not in TABLES)
    parts = " | ".join(f"{table} {sizes.get(table, 0) / count:6.0f}" for table in TABLES)
    total = sum(sizes.values())
    print(
        f"  {name:40s} {count:7,} tickets | {parts} | other {other / count:5.0f} | "
        f"total {total / count:6.0f} B/ticket ({total / 1e6:.1f} MB)"
    )


@contextmanager
def _databases(tmp: Path, label: str) -> Iterator[list[tuple[str, str]]]:
    """(database name, URL) of a new SQLite file and, if configured, a PostgreSQL schema."""
    urls = [("SQLite", f"sqlite:///{tmp / (label + '.db')}")]
    postgres = os.environ.get("GRIDGOV_TEST_POSTGRES_URL")
    if not postgres:
        yield urls
        return
    with scratch_postgres(postgres) as url:
        yield [*urls, ("PostgreSQL", url)]


def _synthetic(tmp: Path, count: int, shape: str) -> ReplayOptions:
    sample = load_sample("hangzhou")
    return ReplayOptions(
        input=generate(tmp / f"{shape}.csv.gz", count, shape=shape),
        mapping=load_mapping(HERE / f"synthetic_{shape}.toml"),
        areas=sample.tree,
        directory=sample.directory,
        policies=(PolicyInForce(load_default_policy()),),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Bytes per ticket of a replayed database.")
    parser.add_argument("--smoke", action="store_true", help="200 tickets, a few seconds")
    parser.add_argument("--tickets", type=int, help="synthetic tickets (default 20,000)")
    parser.add_argument("--boston", type=Path, help="a Boston 311 file (default: the slice)")
    args = parser.parse_args()
    count = args.tickets or (200 if args.smoke else 20_000)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        boston = boston_sample_options()
        if args.boston is not None:
            boston = replace(boston, input=args.boston)
        runs = [
            (f"synthetic snapshot {count:,}", _synthetic(tmp, count, "snapshot")),
            (f"synthetic loop {count:,}", _synthetic(tmp, count, "loop")),
            (f"Boston {boston.input.name}", boston),
        ]
        if not os.environ.get("GRIDGOV_TEST_POSTGRES_URL"):
            print("PostgreSQL skipped: set GRIDGOV_TEST_POSTGRES_URL")
        print("bytes per ticket, by table with its indexes")
        for index, (label, options) in enumerate(runs):
            with _databases(tmp, f"run{index}") as databases:
                for database, url in databases:
                    store = SqlStore(url)
                    store.create_if_new()
                    store.close()
                    report(f"{database:10s} {label}", *measure(url, options))


if __name__ == "__main__":
    main()
