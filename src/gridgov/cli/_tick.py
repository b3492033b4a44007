"""``gridgov tick``: fire the SLA warnings and breaches that are due."""

from __future__ import annotations

import click

from gridgov.cli._engine_options import EngineSettings, engine_options, parse_time
from gridgov.cli._output import emit, format_option

__all__ = ["tick"]


@click.command()
@click.option(
    "--until", "until", metavar="TIME", help="Fire what is due by TIME (ISO 8601); default now."
)
@engine_options()
@format_option()
def tick(until: str | None, settings: EngineSettings, fmt: str) -> None:
    """Fire every SLA warning (预警) and breach (超时) due by --until, earliest first.

    Each firing is its own transaction and runs the policy's actions (escalate,
    supervise, auto-close).  Run it from cron or a loop; several at once are
    safe on PostgreSQL.
    """
    moment = parse_time(until, "--until") if until is not None else None
    with settings.open() as engine:
        fired = engine.advance_to(moment)
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
