"""``gridgov db``: create or upgrade the database schema, verify and checkpoint the audit chain."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option
from gridgov.errors import AuditChainBroken

if TYPE_CHECKING:
    from gridgov.store import Keyring, Progress

__all__ = ["db"]


@click.group()
def db() -> None:
    """The database (数据库): schema migrations, the audit chain and its checkpoints.

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
@click.option(
    "--sla-policy", type=click.Path(exists=True, dir_okay=False), envvar="GRIDGOV_SLA_POLICY",
    help="SLA policy TOML the clocks were computed with (default: shipped; env "
    "GRIDGOV_SLA_POLICY).",
)  # fmt: skip
@click.option(
    "--progress/--no-progress", default=None,
    help="A progress bar on stderr (default: when stderr is a terminal).",
)  # fmt: skip
def verify(url: str, fmt: str, sla_policy: str | None, progress: bool | None) -> None:
    """Check every ticket: its event chain, its columns against a refold of its
    events, its SLA clocks, and the latest checkpoint; list every broken one.

    \b
    The chain is keyed (HMAC) with $GRIDGOV_AUDIT_KEY_FILE or $GRIDGOV_AUDIT_KEY;
    without a key it is unkeyed and shows accidental corruption only (anyone with
    write access can recompute it).  Exits with 1 when any ticket is broken.
    """
    from gridgov.app import clock_check, open_store
    from gridgov.sla import load_default_policy, load_policy

    policy = load_policy(sla_policy) if sla_policy else load_default_policy()
    store = open_store(url)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        click.echo(_mode(store.keyring), err=True)
        with _progress_bar(show) as update:
            breaks = store.verify(clocks=clock_check(policy), progress=update)
    finally:
        store.close()
    if not breaks:
        click.echo("every ticket verifies")
        return
    rows = [{"ticket_id": b.ticket_id, "event": b.seq, "reason": b.reason} for b in breaks]
    emit(rows, ["ticket_id", "event", "reason"], fmt, title="broken tickets")
    first = breaks[0]
    raise AuditChainBroken(
        first.ticket_id, first.seq, f"{first.reason} ({len(breaks)} ticket(s) broken)"
    )


@db.command()
@db_option
def checkpoint(url: str) -> None:
    """Sign a digest of every ticket's chain head (审计检查点), so that `db verify`
    shows a ticket deleted whole or cut short.  Run it after each load and on a
    schedule; keep the printed hash outside the database too."""
    from gridgov.app import open_store
    from gridgov.clock import SystemClock

    store = open_store(url)
    try:
        click.echo(_mode(store.keyring), err=True)
        row = store.checkpoint(at=SystemClock().now())
    finally:
        store.close()
    click.echo(
        f"checkpoint {row['id']}: {row['tickets']:,} tickets, {row['events']:,} events, "
        f"hash {row['hash']}"
    )


def _mode(keyring: Keyring | None) -> str:
    from gridgov.store import KEY_ENV, KEY_FILE_ENV

    if keyring is None:
        return (
            "audit chain: UNKEYED (SHA-256) - shows accidental corruption, not deliberate "
            f"edits; set ${KEY_FILE_ENV} or ${KEY_ENV} to sign and verify with a key"
        )
    return f"audit chain: keyed (HMAC-SHA256), signing key {keyring.signing.key_id!r}"


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    columns = (BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with RichProgress(*columns, transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("verifying", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
