"""``replay --db`` rejects, at read time and the same on every backend, each row holding
a value no store can hold; every other ticket is written (issue 13, item 3).

Before, SQLite stored a 65-character id and a NUL, and PostgreSQL refused the whole
batch with a ``DataError`` and no line number.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from gridgov.replay import boston_sample_options, run_replay
from gridgov.store import SqlStore
from gridgov.store._schema import tickets
from tests.integration._store_harness import pg_schema_url

ROWS = 200


def _bad_file(tmp_path: Path) -> Path:
    """The first rows of the Boston sample: data row 10 has a 65-character id, row 20 a NUL."""
    with gzip.open(boston_sample_options().input, "rt", newline="", encoding="utf-8") as inp:
        lines = list(csv.reader(inp))[: ROWS + 1]
    ids = lines[0].index("CASE_ENQUIRY_ID")
    lines[10][ids] = "X" * 65
    lines[20][lines[0].index("TYPE")] += "\x00"
    target = tmp_path / "bad.csv.gz"
    with gzip.open(target, "wt", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(lines)
    return target


def _check(url: str, tmp_path: Path) -> None:
    store = SqlStore(url)
    store.upgrade()
    store.close()
    rejects_out = tmp_path / "rejects.csv"
    report = run_replay(
        boston_sample_options(db=url, input=_bad_file(tmp_path), rejects_out=rejects_out)
    )
    with rejects_out.open(encoding="utf-8", newline="") as f:
        found = {(r["line"], r["kind"], r["field"]) for r in csv.DictReader(f)}
    # line 1 is the header: data row k is on line k + 1
    assert ("11", "bad_value", "CASE_ENQUIRY_ID") in found
    assert ("21", "bad_value", "TYPE") in found
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(tickets)).scalar_one()
    engine.dispose()
    assert stored == report.overall.tickets == report.meta["db"]["written"]
    assert stored + sum(report.rejects.values()) == ROWS


def test_replay_db_on_sqlite_rejects_unstorable_rows_by_line(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'gridgov.db'}", tmp_path)


@pytest.fixture
def fresh_pg_url(postgres_url: str) -> Iterator[str]:
    yield from pg_schema_url(postgres_url)


@pytest.mark.postgres
def test_replay_db_on_postgres_rejects_unstorable_rows_by_line(
    fresh_pg_url: str, tmp_path: Path
) -> None:
    _check(fresh_pg_url, tmp_path)
