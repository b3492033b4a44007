"""``--db``: replayed tickets land in a real SQLite file and a real PostgreSQL, resumably."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from gridgov.replay import boston_sample_options, run_replay
from gridgov.store import SqlStore
from gridgov.store._schema import ticket_events, tickets
from tests.integration._store_harness import pg_schema_url


def _counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = (
            conn.execute(select(func.count()).select_from(tickets)).scalar_one(),
            conn.execute(select(func.count()).select_from(ticket_events)).scalar_one(),
        )
    engine.dispose()
    return found


def _first_rows(source: Path, target: Path, rows: int) -> Path:
    with gzip.open(source, "rt", newline="", encoding="utf-8") as inp:
        lines = list(csv.reader(inp))[: rows + 1]
    with gzip.open(target, "wt", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(lines)
    return target


def _upgraded(url: str) -> str:
    store = SqlStore(url)
    store.upgrade()
    store.close()
    return url


def _check_resumable(url: str, tmp_path: Path) -> None:
    _upgraded(url)
    sample = boston_sample_options().input
    first = run_replay(
        boston_sample_options(db=url, input=_first_rows(sample, tmp_path / "part.csv.gz", 700))
    )
    assert first.meta["db"]["written"] == first.overall.tickets  # an "interrupted" run
    full = run_replay(boston_sample_options(db=url))
    assert full.meta["db"] == {
        "written": full.overall.tickets - first.overall.tickets,
        "already_there": first.overall.tickets,
    }
    again = run_replay(boston_sample_options(db=url))
    assert again.meta["db"] == {"written": 0, "already_there": full.overall.tickets}
    stored_tickets, stored_events = _counts(url)
    assert stored_tickets == full.overall.tickets
    # report, accept, dispatch, sign_for for every ticket; mark_handled and close when closed
    assert stored_events == 4 * full.overall.tickets + 2 * full.overall.closed
    store = SqlStore(url)
    assert store.verify() == []  # the hash chains are the store's own
    store.close()


def test_db_on_sqlite_is_resumable_and_never_duplicates(tmp_path: Path) -> None:
    _check_resumable(f"sqlite:///{tmp_path / 'replay.db'}", tmp_path)


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    yield from pg_schema_url(postgres_url)


@pytest.mark.postgres
def test_db_on_postgres_is_resumable_and_never_duplicates(pg_url: str, tmp_path: Path) -> None:
    _check_resumable(pg_url, tmp_path)


def test_db_ticket_history_folds_to_the_replayed_state(tmp_path: Path) -> None:
    url = _upgraded(f"sqlite:///{tmp_path / 'replay.db'}")
    out = tmp_path / "t.csv"
    run_replay(boston_sample_options(db=url, tickets_out=out))
    with out.open(encoding="utf-8", newline="") as file:
        rows = {r["ticket_id"]: r for r in csv.DictReader(file)}
    store = SqlStore(url)
    with store.unit_of_work() as uow:
        for ticket_id in list(rows)[:50]:
            ticket = uow.tickets.get(ticket_id)
            assert ticket.state == rows[ticket_id]["final_state"]
            assert ticket.area_code == rows[ticket_id]["area"]
            assert ticket.category == rows[ticket_id]["category"]
    store.close()


def test_db_needs_one_process(tmp_path: Path) -> None:
    from gridgov.errors import InvalidInput

    with pytest.raises(InvalidInput, match="one process"):
        run_replay(boston_sample_options(db=f"sqlite:///{tmp_path / 'x.db'}", jobs=2))
