"""What ``gridgov db verify`` costs per ticket (issue 13, items 11 and 12).

A synthetic loop log (every trigger, clocks over nights and holidays) is replayed
into a SQLite file (and PostgreSQL when ``GRIDGOV_TEST_POSTGRES_URL`` is set), once
unkeyed and once keyed; then ``verify`` is timed three ways: the chain and the
refold of the ticket columns; the same under the key; and with the SLA clocks
refolded too (``gridgov.app.clock_check``, what ``db verify`` runs).

    python benchmarks/bench_verify.py --tickets 20000
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import text

from gridgov.app import clock_check
from gridgov.grid import load_sample
from gridgov.replay import PolicyInForce, ReplayOptions, load_mapping, run_replay
from gridgov.sla import load_default_policy
from gridgov.store import AuditKey, Keyring, SqlStore

scratch_postgres: Callable[[str], AbstractContextManager[str]] = importlib.import_module(
    "_scratch"
).scratch_postgres  # benchmarks/_scratch.py, beside this script

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
generate: Callable[..., Path] = importlib.import_module("gen_synthetic").generate

KEYS = Keyring([AuditKey("bench", b"a-benchmark-secret-not-a-real-one")])


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _loaded(url: str, options: ReplayOptions, keyring: Keyring | None) -> SqlStore:
    store = SqlStore(url, keyring=keyring)
    store.upgrade()
    os.environ.pop("GRIDGOV_AUDIT_KEY", None)
    os.environ.pop("GRIDGOV_AUDIT_KEY_FILE", None)
    if keyring is not None:
        os.environ["GRIDGOV_AUDIT_KEY"] = "bench:a-benchmark-secret-not-a-real-one"
    try:
        run_replay(replace(options, db=url))  # replay opens its store from the environment
    finally:
        os.environ.pop("GRIDGOV_AUDIT_KEY", None)
    return store


def bench(name: str, urls: tuple[str, str], options: ReplayOptions) -> None:
    policy = load_default_policy()
    unkeyed = _loaded(urls[0], options, None)
    keyed = _loaded(urls[1], options, KEYS)
    tickets = _count(unkeyed)
    chain = _timed(unkeyed.verify)
    signed = _timed(keyed.verify)
    clocks = _timed(lambda: keyed.verify(clocks=clock_check(policy)))
    assert keyed.verify(clocks=clock_check(policy)) == []
    unkeyed.close()
    keyed.close()
    per = 1e6 / tickets
    print(
        f"  {name:12s} {tickets:,} tickets | unkeyed chain + refold {chain:6.2f} s "
        f"({chain * per:5.0f} us/ticket) | keyed {signed:6.2f} s ({signed * per:5.0f} us) | "
        f"keyed + clocks {clocks:6.2f} s ({clocks * per:5.0f} us/ticket)"
    )


def _count(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM tickets")).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description="The cost of gridgov db verify.")
    parser.add_argument("--smoke", action="store_true", help="300 tickets, a few seconds")
    parser.add_argument("--tickets", type=int, help="how many tickets (default 20,000)")
    args = parser.parse_args()
    count = args.tickets or (300 if args.smoke else 20_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp) / "loop.csv.gz", count, shape="loop")
        sample = load_sample("hangzhou")
        options = ReplayOptions(
            input=path,
            mapping=load_mapping(HERE / "synthetic_loop.toml"),
            areas=sample.tree,
            directory=sample.directory,
            policies=(PolicyInForce(load_default_policy()),),
        )
        print(f"verify, a {count:,}-ticket synthetic loop log")
        files = (f"sqlite:///{Path(tmp) / 'plain.db'}", f"sqlite:///{Path(tmp) / 'keyed.db'}")
        bench("SQLite file", files, options)
        postgres = os.environ.get("GRIDGOV_TEST_POSTGRES_URL")
        if postgres:
            with scratch_postgres(postgres) as one, scratch_postgres(postgres) as two:
                bench("PostgreSQL", (one, two), options)
        else:
            print("  PostgreSQL   skipped: set GRIDGOV_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
