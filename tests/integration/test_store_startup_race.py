"""Engines starting together store the same reference data without failing.

Every engine stores its directory, categories and policies when it wires up; on a fresh
database several engines starting at once insert the same rows (issue 13, item 2).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.grid import Directory
from gridgov.store import SqlStore
from tests.integration._store_harness import T0, TREE, pg_schema_url

ENGINES = 8
ROUNDS = 3


def _start_together(url: str) -> list[BaseException]:
    migrator = SqlStore(url)
    migrator.upgrade()
    migrator.close()
    stores = [SqlStore(url) for _ in range(ENGINES)]
    engines = [Engine(store=s, directory=Directory(TREE), clock=ManualClock(T0)) for s in stores]
    failures: list[BaseException] = []
    start = threading.Barrier(ENGINES)

    def wire(engine: Engine) -> None:
        start.wait()
        try:
            engine.loop  # noqa: B018 - stores areas, categories and policies
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=wire, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    return failures


@pytest.mark.postgres
def test_eight_engines_start_at_once_on_a_fresh_postgresql_schema(postgres_url: str) -> None:
    for _ in range(ROUNDS):
        for url in pg_schema_url(postgres_url):
            assert _start_together(url) == []


def test_eight_engines_start_at_once_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    for n in range(ROUNDS):
        assert _start_together(f"sqlite:///{tmp_path / f'race{n}.db'}") == []
