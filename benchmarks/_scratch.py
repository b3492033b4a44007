"""A scratch PostgreSQL schema for a benchmark run: created, yielded as a URL whose
``search_path`` is that schema, and dropped afterwards (the benchmarks that write to
PostgreSQL share it); and the raw ``COPY`` baseline they compare bulk loads with."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def scratch_postgres(base: str) -> Iterator[str]:
    """A URL on a fresh schema of the database at ``base``, dropped on exit."""
    schema = f"gg_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def raw_copy_seconds(engine: Engine, tables: Sequence[Table]) -> float:
    """Seconds to write the rows now in ``tables`` again with bare psycopg ``COPY ...
    FROM STDIN`` (PostgreSQL's fastest bulk path), in one transaction: the rows are read
    as the driver gives them, the tables re-created empty (append-only triggers refuse
    a DELETE), and only the COPY is timed."""
    import psycopg
    from psycopg.types.json import Json

    from gridgov.store._schema import metadata

    def cursor_of(conn: Connection) -> psycopg.Cursor[Any]:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        return raw.cursor()

    with engine.begin() as conn:
        cursor = cursor_of(conn)
        read = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table.name}")
            names = [d.name for d in cursor.description or ()]
            read.append((table.name, names, cursor.fetchall()))
        metadata.drop_all(conn, tables=list(tables))
        metadata.create_all(conn, tables=list(tables))
    start = time.perf_counter()
    with engine.begin() as conn:
        cursor = cursor_of(conn)
        for name, names, rows in read:
            with cursor.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as out:
                for row in rows:
                    out.write_row([Json(v) if isinstance(v, dict | list) else v for v in row])
    return time.perf_counter() - start
