"""Migrations: an empty database upgrades to head and matches the models exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from gridgov.errors import DatabaseNotMigrated, NoDatabase, StoreError
from gridgov.store import SqlStore, connect, current_revision, head_revision, resolve_url
from gridgov.store._migrate import downgrade
from gridgov.store._schema import metadata
from tests.integration._store_harness import TREE, add_ticket, dispatched, pg_schema_url, pg_url

__all__ = ["pg_url"]


def _diff(store: SqlStore) -> list[object]:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_an_empty_sqlite_file_upgrades_to_head_with_no_model_diff(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'new.db'}")
    assert current_revision(store.engine) is None
    assert store.upgrade() == head_revision()
    assert _diff(store) == []
    store.close()


@pytest.mark.postgres
def test_an_empty_postgres_schema_upgrades_to_head_with_no_model_diff(pg_url: str) -> None:
    store = SqlStore(pg_url)
    assert current_revision(store.engine) is None
    assert store.upgrade() == head_revision()
    assert _diff(store) == []
    assert store.upgrade() == head_revision()  # a second upgrade is a no-op
    store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_an_unmigrated_database_is_refused_and_left_empty(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    store = SqlStore(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseNotMigrated, match="gridgov db upgrade") as caught:
        store.unit_of_work()
    assert caught.value.current is None
    assert caught.value.head == head_revision()
    assert inspect(store.engine).get_table_names() == []
    store.close()


def test_a_database_behind_head_is_refused(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'old.db'}")
    store.upgrade()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with pytest.raises(DatabaseNotMigrated, match="older"):
        SqlStore(f"sqlite:///{tmp_path / 'old.db'}").unit_of_work()
    store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "cannot read database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite:////nonexistent/dir/x.db", "the file /nonexistent/dir/x.db does not exist"),
    ],
)
def test_a_wrong_database_url_is_a_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        SqlStore(url).unit_of_work()


def test_a_postgres_server_that_does_not_answer_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"127\.0\.0\.1") as caught:
        SqlStore("postgresql+psycopg://postgres@127.0.0.1:1/none").unit_of_work()
    assert caught.value.__cause__ is not None


def test_the_url_comes_from_argument_then_environment_then_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", "sqlite:///from-env.db")
    assert resolve_url("sqlite:///arg.db") == "sqlite:///arg.db"
    assert resolve_url() == "sqlite:///from-env.db"
    monkeypatch.delenv("GRIDGOV_DATABASE_URL")
    assert resolve_url() == "sqlite:///gridgov.db"


def test_create_if_new_creates_a_missing_sqlite_file_and_refuses_one_behind(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.db"
    with SqlStore(f"sqlite:///{path}") as store:
        store.create_if_new()
        assert current_revision(store.engine) == head_revision()
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    with SqlStore(f"sqlite:///{path}") as again, pytest.raises(DatabaseNotMigrated, match="older"):
        again.create_if_new()


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with SqlStore(f"sqlite:///{path}") as store, pytest.raises(NoDatabase) as caught:
        store.unit_of_work()
    assert caught.value.path == str(path)
    assert not path.exists()


@pytest.mark.postgres
def test_create_if_new_gives_a_postgres_schema_without_tables_the_schema(
    postgres_url: str,
) -> None:
    for url in pg_schema_url(postgres_url):
        with SqlStore(url) as store:
            store.create_if_new()
            assert current_revision(store.engine) == head_revision()
            store.create_if_new()  # a current schema is left as it is
            assert _diff(store) == []


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        yield from pg_schema_url(request.getfixturevalue("postgres_url"))


def test_0003_downgrades_and_upgrades_again_with_unkeyed_tickets_verifying(
    fresh_url: str,
) -> None:
    store = SqlStore(fresh_url)
    store.upgrade()
    store.save_areas(TREE)
    add_ticket(store, dispatched("T1"))
    assert downgrade(store.engine, "0002") == "0002"
    with store.engine.begin() as conn:  # the triggers went with 0003
        conn.execute(text("UPDATE ticket_events SET actor_id = actor_id"))
    assert "key_id" not in {c["name"] for c in inspect(store.engine).get_columns("ticket_events")}
    assert store.upgrade() == head_revision()
    assert _diff(store) == []
    assert store.verify() == []
    store.close()
