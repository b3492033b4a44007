"""Which database, and how to connect to it.

The URL comes from an argument, else ``GRIDGOV_DATABASE_URL``, else a SQLite
file ``gridgov.db`` in the working directory — the embedded default.  SQLite
runs in WAL mode with foreign keys on; PostgreSQL goes through psycopg 3
(``postgresql+psycopg://...``, the ``postgres`` extra).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from gridgov.errors import StoreError

__all__ = [
    "DEFAULT_URL",
    "URL_ENV",
    "connect",
    "driver_reason",
    "missing_file",
    "redact",
    "resolve_url",
]

URL_ENV = "GRIDGOV_DATABASE_URL"
DEFAULT_URL = "sqlite:///gridgov.db"
_SUPPORTED = {"sqlite", "postgresql"}


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: ``url``, else ``$GRIDGOV_DATABASE_URL``, else ``gridgov.db``.

    >>> resolve_url("sqlite:///x.db")
    'sqlite:///x.db'
    """
    if url:
        return url
    return os.environ.get(URL_ENV) or DEFAULT_URL


def redact(url: str) -> str:
    """The URL with any password hidden, for messages.

    >>> redact("postgresql+psycopg://u:secret@db/x")
    'postgresql+psycopg://u:***@db/x'
    """
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def driver_reason(exc: BaseException) -> str:
    """The first line of what the driver said (no SQLAlchemy background links)."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__


def connect(url: str | None = None, **engine_options: Any) -> Engine:
    """A SQLAlchemy engine for ``url`` (resolved as :func:`resolve_url` says).

    Nothing connects until the engine is first used.  A URL that cannot be
    read, names an unsupported database or a driver that is not installed
    raises :class:`~gridgov.errors.StoreError`.
    """
    resolved = resolve_url(url)
    try:
        parsed = make_url(resolved)
    except ArgumentError as exc:
        raise StoreError(
            f"cannot read database URL {resolved!r}: expected e.g. sqlite:///gridgov.db "
            "or postgresql+psycopg://user@host/db"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise StoreError(
            f"database URL {redact(resolved)!r}: unsupported database {backend!r} "
            "(expected sqlite or postgresql)"
        )
    if backend == "postgresql" and parsed.get_driver_name() != "psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine_options.setdefault("json_serializer", compact_json)
    try:
        engine = create_engine(parsed, **engine_options)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot use database URL {redact(resolved)!r}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ESCAPED = json.JSONEncoder(separators=(",", ":"))


def compact_json(value: Any) -> str:
    """JSON as the store writes it: no spaces, non-ASCII text as itself (a Chinese
    character takes 3 bytes, not the 6 of ``\\uXXXX``); text that is not valid
    Unicode (a lone surrogate) stays escaped, so the driver can always encode it.

    >>> compact_json({"a": [1, None], "名": "朱庙"})
    '{"a":[1,null],"名":"朱庙"}'
    """
    text = _COMPACT.encode(value)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _ESCAPED.encode(value)
    return text


def missing_file(engine: Engine) -> Path | None:
    """The file of a SQLite database that does not exist yet (connecting creates
    it), else None: an existing file, an in-memory database, or PostgreSQL.

    >>> missing_file(connect("sqlite://")) is None
    True
    """
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.query.get("uri") or not url.database:
        return None
    if url.database == ":memory:":
        return None
    path = Path(url.database).absolute()
    return None if path.exists() else path


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL journal, foreign keys on, and wait (not fail) while another writer holds the lock."""
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take the write lock when a transaction starts, so concurrent writers queue
    (busy_timeout) instead of failing when a read transaction tries to upgrade."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
