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


class _Stop(Exception):
    """Stands for an interrupted run (Ctrl-C, a lost connection) partway through."""


def _stop_after_first_thousand(done: int, _read: int, _total: int) -> None:
    if done >= 1000:
        raise _Stop


def _check_interrupted_bulk_run_continues(url: str) -> None:
    _upgraded(url)
    with pytest.raises(_Stop):
        run_replay(boston_sample_options(db=url, db_batch=300), progress=_stop_after_first_thousand)
    kept, _ = _counts(url)
    assert kept == 900  # three whole batches committed, the fourth rolled back
    store = SqlStore(url)
    assert store.verify() == []
    store.close()
    resumed = run_replay(boston_sample_options(db=url, db_batch=300))
    assert resumed.meta["db"] == {
        "written": resumed.overall.tickets - kept,
        "already_there": kept,
    }
    stored_tickets, stored_events = _counts(url)
    assert stored_tickets == resumed.overall.tickets
    assert stored_events == 4 * resumed.overall.tickets + 2 * resumed.overall.closed
    store = SqlStore(url)
    assert store.verify() == []
    store.close()


def test_an_interrupted_bulk_run_on_sqlite_continues_where_it_stopped(tmp_path: Path) -> None:
    _check_interrupted_bulk_run_continues(f"sqlite:///{tmp_path / 'replay.db'}")


@pytest.mark.postgres
def test_an_interrupted_bulk_run_on_postgres_continues_where_it_stopped(pg_url: str) -> None:
    _check_interrupted_bulk_run_continues(pg_url)


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


def test_gridgov_db_verify_passes_on_bulk_written_tickets_and_names_an_edit(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from gridgov.cli import main
    from gridgov.replay import BOSTON_SAMPLE_DIR

    url = f"sqlite:///{tmp_path / 'replay.db'}"
    sample = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
    mapping = str(BOSTON_SAMPLE_DIR / "mapping.toml")
    cli = CliRunner()
    assert cli.invoke(main, ["db", "upgrade", "--db", url]).exit_code == 0
    replay = cli.invoke(
        main, ["replay", "run", sample, "--mapping", mapping, "--due-from-source", "--db", url]
    )
    assert replay.exit_code == 0, replay.stderr
    assert _counts(url)[0] > 1000
    assert cli.invoke(main, ["db", "verify", "--db", url]).exit_code == 0
    engine = create_engine(url)
    with engine.begin() as conn:
        edited = conn.execute(select(ticket_events.c.ticket_id).limit(1)).scalar_one()
        conn.execute(
            ticket_events.update()
            .where(ticket_events.c.ticket_id == edited, ticket_events.c.seq == 2)
            .values(actor_id="mallory")
        )
    engine.dispose()
    broken = cli.invoke(main, ["db", "verify", "--db", url, "--format", "csv"])
    assert broken.exit_code == 1
    reason = "content does not match its hash (edited)"
    assert broken.stdout.splitlines()[1:] == [f"{edited},2,{reason}"]
