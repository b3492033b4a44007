"""The SQLAlchemy store: one :class:`SqlUnitOfWork` is one database transaction."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import (
    Connection,
    Engine,
    RootTransaction,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from gridgov.errors import GridGovError, NoDatabase, StoreError
from gridgov.grid import AreaTree, Directory, LevelSet, Unit
from gridgov.store._audit import AuditKey, ChainBreak, Keyring
from gridgov.store._bulk import collector_paused, sql_load
from gridgov.store._hierarchy import merged_hierarchy, refuse_replace
from gridgov.store._mapping import (
    actor_from_row,
    actor_from_unit,
    actor_to_row,
    area_from_row,
    area_to_row,
    category_from_row,
    category_rows,
    unit_from_row,
    unit_to_row,
)
from gridgov.store._migrate import current_revision, require_current, upgrade
from gridgov.store._ports import LoadResult, TicketLoad
from gridgov.store._schema import (
    areas,
    categories,
    policies,
    tickets,
)
from gridgov.store._schema import people as people_table
from gridgov.store._schema import units as units_table
from gridgov.store._sql_audit import sql_checkpoint, sql_verify
from gridgov.store._sql_repos import SqlClockRepository, SqlTicketRepository
from gridgov.store._url import connect, driver_reason, missing_file, redact
from gridgov.store._verify import ClockCheck, Progress
from gridgov.workflow import Actor, Category, RoutingPolicy

__all__ = ["SqlStore", "SqlUnitOfWork"]


@contextmanager
def driver_errors(url: str) -> Iterator[None]:
    """Turn driver errors into :class:`StoreError` (chained), naming the database."""
    try:
        yield
    except GridGovError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"database {redact(url)}: {driver_reason(exc)}") from exc


class SqlUnitOfWork:
    """One transaction on a SQL database; ``commit()`` or it rolls back on exit."""

    tickets: SqlTicketRepository
    clocks: SqlClockRepository

    def __init__(
        self,
        engine: Engine,
        url: str,
        writer: threading.RLock | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self._engine = engine
        self._url = url
        self._writer = writer
        self._key = None if keyring is None else keyring.signing
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    def __enter__(self) -> Self:
        if self._writer is not None:
            self._writer.acquire()
        try:
            with driver_errors(self._url):
                self._conn = self._engine.connect()
                self._tx = self._conn.begin()
        except BaseException:
            self._release()
            raise
        self.tickets = SqlTicketRepository(self._conn, self._key)
        self.clocks = SqlClockRepository(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = self._tx = None
            self._release()
        if isinstance(exc, SQLAlchemyError):
            # A driver error from a repository call inside the unit of work.
            raise StoreError(f"database {redact(self._url)}: {driver_reason(exc)}") from exc

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()

    @property
    def signing_key(self) -> AuditKey | None:
        """The key new events are signed with (None: unkeyed)."""
        return self._key

    @property
    def connection(self) -> Connection:
        """The open connection (for the store's own bulk operations)."""
        assert self._conn is not None, "use the unit of work in a `with` block"
        return self._conn

    def commit(self) -> None:
        assert self._tx is not None, "use the unit of work in a `with` block"
        with driver_errors(self._url):
            self._tx.commit()

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()


class SqlStore:
    """Tickets in SQLite or PostgreSQL.

    ``url`` is resolved as :func:`~gridgov.store.resolve_url` says.  Nothing
    connects until first use; then the schema must be at the head revision
    (:class:`~gridgov.errors.DatabaseNotMigrated` otherwise — run
    ``gridgov db upgrade`` or :meth:`upgrade`).

    ``keyring`` signs new events with its first key and verifies with all of
    them; without one the chain is unkeyed (plain SHA-256).
    :func:`gridgov.open_store` reads it from ``$GRIDGOV_AUDIT_KEY_FILE`` or
    ``$GRIDGOV_AUDIT_KEY``.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        engine: Engine | None = None,
        keyring: Keyring | None = None,
    ) -> None:
        self.engine = engine if engine is not None else connect(url)
        self.keyring = keyring
        self.url = self.engine.url.render_as_string(hide_password=False)
        self._checked = False
        # SQLite has one writer: threads of this process queue here rather than
        # spinning on SQLite's busy timeout (other processes still wait on the file lock).
        self._writer = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    def __repr__(self) -> str:
        return f"SqlStore({redact(self.url)!r})"

    def upgrade(self) -> str:
        """Create or upgrade the schema to head; return the revision."""
        with driver_errors(self.url):
            revision = upgrade(self.engine)
        self._checked = True
        return revision

    def create_if_new(self) -> None:
        """Create the schema of a new database (a SQLite file that does not exist
        yet, or a database without gridgov's schema); refuse one whose schema is
        behind with :class:`DatabaseNotMigrated` (only :meth:`upgrade` migrates)."""
        if self._checked:
            return
        if missing_file(self.engine) is None:
            with driver_errors(self.url):
                current = current_revision(self.engine)
            if current is not None:
                self.check_schema()
                return
        self.upgrade()

    def require_exists(self) -> None:
        """Raise :class:`NoDatabase` for a SQLite file that does not exist, before
        anything connects (connecting would create the file)."""
        path = missing_file(self.engine)
        if path is not None:
            raise NoDatabase(redact(self.url), str(path))

    def check_schema(self) -> None:
        """Raise :class:`NoDatabase` for a missing SQLite file and
        :class:`DatabaseNotMigrated` unless the schema is at head (checked once)."""
        if not self._checked:
            self.require_exists()
            with driver_errors(self.url):
                require_current(self.engine)
            self._checked = True

    def unit_of_work(self) -> SqlUnitOfWork:
        self.check_schema()
        return SqlUnitOfWork(self.engine, self.url, self._writer, self.keyring)

    def save_areas(self, tree: AreaTree) -> int:
        return self.save_directory(Directory(tree))

    def save_directory(self, directory: Directory, *, replace: bool = False) -> int:
        """Areas, levels and units in one transaction (all or nothing); returns the areas.

        Merged into the stored hierarchy, or :class:`HierarchyConflict` when the
        database holds another one; ``replace=True`` removes the stored areas and
        units the directory lacks instead (refused while tickets are stored)."""
        with self.unit_of_work() as uow, driver_errors(self.url):
            conn = uow.connection
            if replace:
                self._refuse_replace(conn, directory)
                tree = directory.tree
            else:
                rows = conn.execute(select(areas)).mappings()
                stored = [area_from_row(row) for row in rows]
                tree = merged_hierarchy(redact(self.url), stored, _levels(conn), directory.tree)
            _upsert(conn, areas, "code", [area_to_row(area, tree) for area in tree])
            _upsert(conn, units_table, "code", [unit_to_row(u) for u in directory])
            if replace:
                _delete_others(conn, directory)
            spec = tree.levels.spec()
            _record_policy(conn, "levels", spec, _sha256(spec), spec)
            uow.commit()
        return len(directory.tree)

    def _refuse_replace(self, conn: Connection, directory: Directory) -> None:
        ticket_areas = conn.execute(select(tickets.c.area_code).distinct()).scalars()
        people = conn.execute(
            select(people_table.c.id, people_table.c.area_code, people_table.c.unit_code)
        )
        stored = [(p.id, p.area_code, p.unit_code) for p in people]
        refuse_replace(redact(self.url), directory, ticket_areas, stored)

    def record_policy(self, kind: str, name: str, fingerprint: str, body: str) -> None:
        with self.unit_of_work() as uow, driver_errors(self.url):
            _record_policy(uow.connection, kind, name, fingerprint, body)
            uow.commit()

    def recorded_policy(self, kind: str) -> tuple[str, str] | None:
        with self.unit_of_work() as uow, driver_errors(self.url):
            row = uow.connection.execute(
                select(policies.c.name, policies.c.body)
                .where(policies.c.kind == kind)
                .order_by(policies.c.id.desc())
                .limit(1)
            ).first()
        return None if row is None else (row.name, row.body)

    def load_area_tree(self) -> AreaTree | None:
        with self.unit_of_work() as uow, driver_errors(self.url):
            conn = uow.connection
            spec = _levels(conn)
            rows = conn.execute(select(areas).order_by(areas.c.depth, areas.c.code)).mappings()
            found = [area_from_row(row) for row in rows]
        if not found:
            return None
        levels = LevelSet.parse(spec) if spec else None
        return AreaTree(found, levels) if levels else AreaTree(found)

    def save_units(self, units: Iterable[Unit]) -> int:
        return self._upsert(units_table, "code", [unit_to_row(u) for u in units])

    def load_directory(self) -> Directory | None:
        tree = self.load_area_tree()
        if tree is None:
            return None
        with self.unit_of_work() as uow, driver_errors(self.url):
            rows = uow.connection.execute(select(units_table).order_by(units_table.c.code))
            found = [unit_from_row(row) for row in rows.mappings()]
        return Directory(tree, found)

    def save_categories(self, routing: RoutingPolicy) -> int:
        return self._upsert(categories, "code", category_rows(routing))

    def load_categories(self) -> list[tuple[Category, str | None]]:
        with self.unit_of_work() as uow, driver_errors(self.url):
            rows = uow.connection.execute(select(categories)).mappings().all()
        found = {row["code"]: category_from_row(row) for row in rows}
        return [found[code] for code in _parents_first(found)]

    def save_people(self, people: Iterable[Actor]) -> int:
        return self._upsert(people_table, "id", [actor_to_row(a) for a in people])

    def find_actor(self, actor_id: str) -> Actor | None:
        with self.unit_of_work() as uow, driver_errors(self.url):
            conn = uow.connection
            person = (
                conn.execute(select(people_table).where(people_table.c.id == actor_id))
                .mappings()
                .first()
            )
            if person is not None:
                return actor_from_row(person)
            unit = (
                conn.execute(select(units_table).where(units_table.c.code == actor_id))
                .mappings()
                .first()
            )
        return actor_from_unit(unit_from_row(unit)) if unit is not None else None

    def load_people(self) -> list[Actor]:
        with self.unit_of_work() as uow, driver_errors(self.url):
            rows = uow.connection.execute(select(people_table)).mappings().all()
        # Sorted here: PostgreSQL's collation may order ids unlike Python does.
        return sorted((actor_from_row(row) for row in rows), key=lambda a: a.id)

    def _upsert(self, table: Table, key: str, rows: list[dict[str, Any]]) -> int:
        with self.unit_of_work() as uow, driver_errors(self.url):
            _upsert(uow.connection, table, key, rows)
            uow.commit()
        return len(rows)

    def load_tickets(self, batch: Iterable[TicketLoad]) -> LoadResult:
        with collector_paused(), self.unit_of_work() as uow, driver_errors(self.url):
            result = sql_load(uow.connection, batch, uow.signing_key)
            uow.commit()
        return result

    def verify(
        self, *, clocks: ClockCheck | None = None, progress: Progress | None = None
    ) -> list[ChainBreak]:
        with self.unit_of_work() as uow, driver_errors(self.url):
            return sql_verify(uow.connection, self.keyring, clocks, progress)

    def checkpoint(self, *, at: datetime) -> dict[str, Any]:
        """Sign a digest of every ticket's chain head (``gridgov db checkpoint``);
        returns the row written."""
        with self.unit_of_work() as uow, driver_errors(self.url):
            row = sql_checkpoint(uow.connection, at, uow.signing_key)
            uow.commit()
        return row

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _parents_first(found: dict[str, tuple[Category, str | None]]) -> list[str]:
    def depth(code: str) -> int:
        parent = found[code][0].parent
        return 0 if parent is None or parent not in found else 1 + depth(parent)

    return sorted(found, key=lambda code: (depth(code), code))


def _insert_new(conn: Connection, table: Table, *keys: str) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING`` in the connection's dialect.

    Reference data (areas, units, categories, policies) is stored by every engine that
    starts; engines starting together must not fail on each other's rows.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def _upsert(conn: Connection, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Insert the new rows in one batch and update only the ones that changed.

    Idempotent under concurrency: a row another transaction inserted meanwhile is
    skipped, not a duplicate-key error."""
    column = table.c[key]
    existing = {row[key]: dict(row) for row in conn.execute(select(table)).mappings()}
    new = [r for r in rows if r[key] not in existing]
    if new:
        conn.execute(_insert_new(conn, table, key), new)
    for row in rows:
        stored = existing.get(row[key])
        if stored is not None and any(stored.get(k) != v for k, v in row.items()):
            conn.execute(update(table).where(column == row[key]).values(row))


def _levels(conn: Connection) -> str | None:
    """The stored level set (the latest recorded)."""
    spec: str | None = conn.execute(
        select(policies.c.body)
        .where(policies.c.kind == "levels")
        .order_by(policies.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return spec


def _delete_others(conn: Connection, directory: Directory) -> None:
    """Delete the units and areas ``directory`` lacks (deepest areas first)."""
    units = {unit.code for unit in directory}
    stale_units = [c for c in conn.execute(select(units_table.c.code)).scalars() if c not in units]
    by_depth = select(areas.c.code).order_by(areas.c.depth.desc(), areas.c.code)
    stale = [c for c in conn.execute(by_depth).scalars() if c not in directory.tree]
    for table, codes in ((units_table, stale_units), (areas, stale)):
        for start in range(0, len(codes), 500):
            chunk = codes[start : start + 500]
            conn.execute(table.delete().where(table.c.code.in_(chunk)))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_policy(conn: Connection, kind: str, name: str, fingerprint: str, body: str) -> None:
    """Append the policy unless it is already the latest of its kind."""
    latest = conn.execute(
        select(policies.c.fingerprint)
        .where(policies.c.kind == kind)
        .order_by(policies.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if latest == fingerprint:
        return
    conn.execute(
        policies.delete().where(policies.c.kind == kind, policies.c.fingerprint == fingerprint)
    )
    conn.execute(
        _insert_new(conn, policies, "kind", "fingerprint").values(
            kind=kind,
            name=name,
            fingerprint=fingerprint,
            body=body,
            recorded_at=func.current_timestamp(),
        )
    )
