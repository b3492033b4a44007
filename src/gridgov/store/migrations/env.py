"""Alembic environment for gridgov's own migrations (run through ``gridgov.store``).

The caller passes an open connection in ``config.attributes["connection"]``;
this file never reads a URL or an ini file of its own.
"""

from __future__ import annotations

from alembic import context

from gridgov.store._schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
