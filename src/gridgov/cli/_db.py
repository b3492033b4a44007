"""``gridgov db``: create or upgrade the database schema, and verify the audit chain."""

from __future__ import annotations

import click

from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option
from gridgov.errors import AuditChainBroken

__all__ = ["db"]


@click.group()
def db() -> None:
    """The database (数据库): schema migrations and the audit hash chain.

    \b
    The database is --db URL, else $GRIDGOV_DATABASE_URL, else the SQLite
    file gridgov.db in the working directory.  PostgreSQL URLs look like
    postgresql+psycopg://user@host/dbname (install gridgov[postgres]).
    """


@db.command()
@db_option
def upgrade(url: str) -> None:
    """Create the schema, or upgrade it to this gridgov's revision."""
    from gridgov.app import open_store
    from gridgov.store import redact

    store = open_store(url)
    try:
        revision = store.upgrade()
    finally:
        store.close()
    click.echo(f"{redact(store.url)}: schema at revision {revision}")


@db.command()
@db_option
def status(url: str) -> None:
    """Print the schema revision of the database and the one this gridgov expects."""
    from gridgov.app import open_store
    from gridgov.store import current_revision, head_revision, redact

    store = open_store(url)
    try:
        store.require_exists()
        current = current_revision(store.engine)
    finally:
        store.close()
    state = "up to date" if current == head_revision() else "run `gridgov db upgrade`"
    click.echo(f"{redact(store.url)}: at {current or 'none'}, head {head_revision()}: {state}")


@db.command()
@db_option
@format_option()
def verify(url: str, fmt: str) -> None:
    """Check every ticket's event hash chain; list the tickets whose chain breaks.

    Exits with 1 when any chain breaks (an edited or deleted event row).
    """
    from gridgov.app import open_store

    store = open_store(url)
    try:
        breaks = store.verify()
    finally:
        store.close()
    if not breaks:
        click.echo("every ticket's event chain verifies")
        return
    rows = [{"ticket_id": b.ticket_id, "event": b.seq, "reason": b.reason} for b in breaks]
    emit(rows, ["ticket_id", "event", "reason"], fmt, title="broken audit chains")
    first = breaks[0]
    raise AuditChainBroken(
        first.ticket_id, first.seq, f"{first.reason} ({len(breaks)} ticket(s) broken)"
    )
