"""Schema migrations (Alembic, shipped in ``gridgov/store/migrations``).

``upgrade`` creates or upgrades any database to the head revision;
``require_current`` refuses to work on a database that is behind, with
:class:`~gridgov.errors.DatabaseNotMigrated`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from gridgov.errors import DatabaseNotMigrated, StoreError
from gridgov.store._url import driver_reason, redact

__all__ = ["current_revision", "downgrade", "head_revision", "require_current", "upgrade"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The revision this version of gridgov expects."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "gridgov ships at least one migration"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision, or None when it was never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot read database {redact(str(engine.url))}: {driver_reason(exc)}"
        ) from exc


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Create or upgrade the schema to ``revision``; return the revision reached."""
    reached = _migrate(engine, command.upgrade, revision, "migrate")
    assert reached is not None
    return reached


def downgrade(engine: Engine, revision: str) -> str | None:
    """Take the schema back to ``revision`` (each revision's ``downgrade`` converts
    the rows back); return the revision reached (None: no schema left)."""
    return _migrate(engine, command.downgrade, revision, "downgrade")


def _migrate(
    engine: Engine, step: Callable[[Config, str], None], revision: str, verb: str
) -> str | None:
    config = _config()
    try:
        with (
            engine.connect() as connection,
            _foreign_keys_deferred(connection),
            connection.begin(),
        ):
            config.attributes["connection"] = connection
            step(config, revision)
            _check_foreign_keys(connection)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot {verb} database {redact(str(engine.url))}: {driver_reason(exc)}"
        ) from exc
    return current_revision(engine)


@contextmanager
def _foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while a migration rebuilds tables (a table that
    others refer to is copied, dropped and renamed: SQLite's way to change a
    column), as they were again afterwards; :func:`_check_foreign_keys` checks them before
    the commit.  The pragma is set outside any transaction (inside one SQLite
    ignores it)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    (enforced,) = raw.execute("PRAGMA foreign_keys").fetchone()
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            table, rowid, parent, _ = broken[0]
            raise StoreError(
                f"the migration left {len(broken)} rows referring to missing rows "
                f"(first: {table} row {rowid} refers to {parent}); nothing was changed"
            )


def require_current(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the schema is at head."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise DatabaseNotMigrated(redact(str(engine.url)), current, head)
