"""``gridgov db``: create or upgrade the database schema, and verify the audit chain."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gridgov.cli._output import emit, format_option
from gridgov.errors import AuditChainBroken, InvalidTime

if TYPE_CHECKING:
    from gridgov._engine import Engine

__all__ = ["db", "db_option", "open_engine", "parse_time", "policy_options"]

F = TypeVar("F", bound=Callable[..., Any])

_TIME_FORMAT = "an ISO 8601 time with a UTC offset, e.g. 2025-03-04T09:00+08:00"


def db_option(func: F) -> F:
    """The shared ``--db URL`` option (else ``$GRIDGOV_DATABASE_URL``, else ./gridgov.db)."""
    return click.option(
        "--db",
        "url",
        metavar="URL",
        help="Database URL; default $GRIDGOV_DATABASE_URL, else sqlite:///gridgov.db "
        "in the working directory.",
    )(func)


_POLICY_FILE = click.Path(exists=True, dir_okay=False)


def policy_options(func: F) -> F:
    """``--sla-policy``, ``--routing-policy`` and ``--categories`` (the shipped defaults
    when absent).  Use the same ones as the app that shares the database: clocks
    computed under another SLA policy are recomputed when a ticket is next touched."""
    func = click.option(
        "--categories", type=_POLICY_FILE, envvar="GRIDGOV_CATEGORIES",
        help="Category catalogue TOML (default: shipped; env GRIDGOV_CATEGORIES).",
    )(func)  # fmt: skip
    func = click.option(
        "--routing-policy", type=_POLICY_FILE, envvar="GRIDGOV_ROUTING_POLICY",
        help="Routing policy TOML (default: shipped; env GRIDGOV_ROUTING_POLICY).",
    )(func)  # fmt: skip
    return click.option(
        "--sla-policy", type=_POLICY_FILE, envvar="GRIDGOV_SLA_POLICY",
        help="SLA policy TOML (default: shipped; env GRIDGOV_SLA_POLICY).",
    )(func)  # fmt: skip


def open_engine(
    url: str | None,
    *,
    at: str | None = None,
    sla_policy: str | None = None,
    routing_policy: str | None = None,
    categories: str | None = None,
) -> Engine:
    """The Engine the ticket commands use: the database's areas and units, the
    given policies, and the wall clock (or a fixed ``--at`` time)."""
    from gridgov._engine import Engine
    from gridgov.clock import Clock, ManualClock, SystemClock
    from gridgov.sla import load_policy
    from gridgov.workflow import load_routing_policy

    clock: Clock = ManualClock(parse_time(at, "--at")) if at is not None else SystemClock()
    routing = None
    if routing_policy is not None or categories is not None:
        routing = load_routing_policy(routing_policy, categories)
    sla = load_policy(sla_policy) if sla_policy is not None else None
    return Engine(url=url, clock=clock, routing=routing, sla=sla)


def parse_time(value: str, option: str) -> datetime:
    """An aware datetime from ISO 8601 text; :class:`InvalidTime` otherwise."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidTime(value, _TIME_FORMAT, source=option) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTime(value, _TIME_FORMAT, source=option)
    return moment


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
def upgrade(url: str | None) -> None:
    """Create the schema, or upgrade it to this gridgov's revision."""
    from gridgov.store import SqlStore, redact

    store = SqlStore(url)
    try:
        revision = store.upgrade()
    finally:
        store.close()
    click.echo(f"{redact(store.url)}: schema at revision {revision}")


@db.command()
@db_option
def status(url: str | None) -> None:
    """Print the schema revision of the database and the one this gridgov expects."""
    from gridgov.store import SqlStore, current_revision, head_revision, redact

    store = SqlStore(url)
    try:
        current = current_revision(store.engine)
    finally:
        store.close()
    state = "up to date" if current == head_revision() else "run `gridgov db upgrade`"
    click.echo(f"{redact(store.url)}: at {current or 'none'}, head {head_revision()}: {state}")


@db.command()
@db_option
@format_option()
def verify(url: str | None, fmt: str) -> None:
    """Check every ticket's event hash chain; list the tickets whose chain breaks.

    Exits with 1 when any chain breaks (an edited or deleted event row).
    """
    from gridgov.store import SqlStore

    store = SqlStore(url)
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
