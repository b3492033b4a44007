"""``gridgov tick``: fire the SLA warnings and breaches that are due."""

from __future__ import annotations

import click

from gridgov.cli._db import db_option, open_engine, parse_time, policy_options
from gridgov.cli._output import emit, format_option

__all__ = ["tick"]


@click.command()
@click.option(
    "--until", "until", metavar="TIME", help="Fire what is due by TIME (ISO 8601); default now."
)
@policy_options
@db_option
@format_option()
def tick(
    until: str | None,
    sla_policy: str | None,
    routing_policy: str | None,
    categories: str | None,
    url: str | None,
    fmt: str,
) -> None:
    """Fire every SLA warning (预警) and breach (超时) due by --until, earliest first.

    Each firing is its own transaction and runs the policy's actions (escalate,
    supervise, auto-close).  Run it from cron or a loop; several at once are
    safe on PostgreSQL.
    """
    moment = parse_time(until, "--until") if until is not None else None
    engine = open_engine(
        url, sla_policy=sla_policy, routing_policy=routing_policy, categories=categories
    )
    try:
        fired = engine.advance_to(moment)
    finally:
        engine.store.close()
    rows = [
        {
            "at": n.at.isoformat(),
            "ticket_id": n.ticket_id,
            "kind": n.kind,
            "clock": n.clock,
            "fraction": n.fraction,
            "done": ", ".join(n.done),
            "failed": "; ".join(n.failed),
        }
        for n in fired
    ]
    columns = ["at", "ticket_id", "kind", "clock", "fraction", "done", "failed"]
    emit(rows, columns, fmt, title=f"{len(rows)} fired")
