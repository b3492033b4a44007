"""Schema migrations (Alembic, shipped in ``gridgov/store/migrations``).

``upgrade`` creates or upgrades any database to the head revision;
``require_current`` refuses to work on a database that is behind, with
:class:`~gridgov.errors.DatabaseNotMigrated`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from gridgov.errors import DatabaseNotMigrated, StoreError
from gridgov.store._url import driver_reason, redact

__all__ = ["current_revision", "head_revision", "require_current", "upgrade"]

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
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot migrate database {redact(str(engine.url))}: {driver_reason(exc)}"
        ) from exc
    reached = current_revision(engine)
    assert reached is not None
    return reached


def require_current(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the schema is at head."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise DatabaseNotMigrated(redact(str(engine.url)), current, head)
