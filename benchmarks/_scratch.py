"""A scratch PostgreSQL schema for a benchmark run: created, yielded as a URL whose
``search_path`` is that schema, and dropped afterwards (the benchmarks that write to
PostgreSQL share it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
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
