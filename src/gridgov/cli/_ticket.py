"""``gridgov ticket``: report, show, list and act on tickets in the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gridgov.cli._engine_options import EngineSettings, engine_options, parse_time
from gridgov.cli._output import emit, format_option

if TYPE_CHECKING:
    from gridgov import Engine, TicketView
    from gridgov.workflow import Actor

__all__ = ["ticket"]

F = TypeVar("F", bound=Callable[..., Any])

_SUMMARY = [
    "id",
    "state",
    "area_code",
    "category",
    "tier",
    "stayed_in_grid",
    "assigned_unit",
    "next_due_at",
]
_EVENTS = ["seq", "at", "trigger", "from_state", "to_state", "actor_id", "payload"]


def _actor_options(func: F) -> F:
    """``--actor ID`` (a person or unit in the database), or a one-off ``--role``."""
    func = click.option("--actor-area", metavar="CODE", help="With --role: the actor's home area.")(
        func
    )
    func = click.option(
        "--role",
        help="Act as --actor with this role (e.g. resident) instead of looking the "
        "actor up among the stored people and units.",
    )(func)
    func = click.option("--at", metavar="TIME", help="When it happened (ISO 8601); default now.")(
        func
    )
    return click.option("--actor", "actor_id", required=True, metavar="ID", help="Who does it.")(
        func
    )


def _actor(engine: Engine, actor_id: str, role: str | None, area: str | None) -> Actor:
    from gridgov.workflow import Actor

    if role is not None:
        return Actor(actor_id, role, area)
    return engine.actor(actor_id)


def _show(view: TicketView, fmt: str) -> None:
    if fmt == "json":
        click.echo(view.model_dump_json(indent=2))
        return
    data = view.model_dump(mode="json", exclude={"clocks", "parts"})
    rows = [{"field": k, "value": v} for k, v in data.items()]
    rows += [
        {
            "field": f"part {p.unit}",
            "value": f"{p.state} ({p.state_zh})"
            + (f", took {p.took}" if p.took is not None else "")
            + (f": {p.result}" if p.result else ""),
        }
        for p in view.parts
    ]
    rows += [
        {
            "field": f"clock {c.clock}#{c.cycle}",
            "value": f"{c.status}, due {c.due_at.isoformat()}"
            + (
                f" (provisional: {', '.join(map(str, c.provisional_years))})"
                if c.provisional
                else ""
            ),
        }
        for c in view.clocks
    ]
    emit(rows, ["field", "value"], fmt, title=f"ticket {view.id}")


@click.group()
def ticket() -> None:
    """Tickets (工单) in the database: report, show, list, act.

    \b
    Actors are looked up among the people imported with
    `gridgov people import FILE --db URL`, then among the units imported with
    `gridgov areas import FILE --db URL` (a unit acts as itself); give --role
    to act as someone who is not stored (a resident, say).
    """


@ticket.command()
@_actor_options
@click.option("--category", required=True, help="Category code, e.g. noise, fire_lane.")
@click.option("--area", "area_code", required=True, metavar="CODE", help="Where the issue is.")
@click.option("--priority", default="normal", show_default=True, help="normal or urgent.")
@click.option("--channel", default="app", show_default=True, help="How it came in.")
@click.option("--description", default="", help="What the reporter said.")
@click.option("--id", "ticket_id", help="The ticket id; default a random one.")
@engine_options()
@format_option()
def report(
    actor_id: str,
    at: str | None,
    role: str | None,
    actor_area: str | None,
    category: str,
    area_code: str,
    priority: str,
    channel: str,
    description: str,
    ticket_id: str | None,
    settings: EngineSettings,
    fmt: str,
) -> None:
    """上报: a new ticket."""
    with settings.open(at=at) as engine:
        view = engine.report(
            actor=_actor(engine, actor_id, role, actor_area),
            category=category,
            area_code=area_code,
            ticket_id=ticket_id,
            priority=priority,
            channel=channel,
            description=description,
        )
    _show(view, fmt)


@ticket.command()
@click.argument("ticket_id")
@engine_options()
@format_option()
def show(ticket_id: str, settings: EngineSettings, fmt: str) -> None:
    """One ticket, its clocks and its whole history."""
    with settings.open() as engine:
        view = engine.get(ticket_id)
        events = engine.history(ticket_id)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "ticket": view.model_dump(mode="json"),
                    "events": [e.model_dump(mode="json") for e in events],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _show(view, fmt)
    rows = [
        {**e.model_dump(mode="json"), "payload": json.dumps(e.payload, ensure_ascii=False)}
        for e in events
    ]
    emit(rows, _EVENTS, fmt, title="history")


@ticket.command("list")
@click.option("--within", metavar="CODE", help="Only tickets in this area's subtree.")
@click.option("--unit", "assigned_unit", metavar="CODE", help="Only tickets assigned to a unit.")
@click.option("--state", help="Only tickets in this state.")
@click.option("--all", "everything", is_flag=True, help="Include closed tickets.")
@click.option("--due-by", metavar="TIME", help="Only tickets due by TIME (ISO 8601).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@engine_options(policies=False)
@format_option()
def list_(
    within: str | None,
    assigned_unit: str | None,
    state: str | None,
    everything: bool,
    due_by: str | None,
    limit: int,
    settings: EngineSettings,
    fmt: str,
) -> None:
    """Open tickets, earliest due first."""
    with settings.open() as engine:
        found = engine.tickets(
            within=within,
            assigned_unit=assigned_unit,
            state=state,
            open_only=not everything,
            due_by=parse_time(due_by, "--due-by") if due_by else None,
            limit=limit,
        )
    emit([t.model_dump(mode="json") for t in found], _SUMMARY, fmt, title=f"{len(found)} tickets")


@ticket.command()
@click.argument("ticket_id")
@click.argument("trigger")
@_actor_options
@click.option("--reason", help="Why (reject, return, suspend, escalate, reopen, supervise...).")
@click.option("--unit", "unit_code", metavar="CODE", help="dispatch: to this unit.")
@click.option("--department", help="dispatch / escalate: to this department (联动).")
@click.option(
    "--co-unit",
    "co_units",
    multiple=True,
    metavar="CODE",
    help="dispatch / escalate: a co-unit (协办) of a joint dispatch (repeatable).",
)
@click.option("--result", help="mark_handled / handle_part: what was done.")
@click.option(
    "--early-reason", help="mark_handled: why the lead finishes before every co-unit has."
)
@click.option("--photo", "photos", multiple=True, help="mark_handled: a photo (repeatable).")
@click.option("--verdict", help="review: satisfied, basically_satisfied or not_satisfied.")
@click.option("--comment", help="review: the reviewer's words.")
@click.option("--into", help="merge_into: the ticket this one duplicates.")
@click.option("--note", help="accept: a note.")
@click.option("--higher", is_flag=True, default=None, help="reopen: one level up.")
@engine_options()
@format_option()
def act(
    ticket_id: str,
    trigger: str,
    actor_id: str,
    at: str | None,
    role: str | None,
    actor_area: str | None,
    settings: EngineSettings,
    fmt: str,
    **params: Any,
) -> None:
    """Fire TRIGGER (accept, dispatch, sign_for, mark_handled, review ...) on TICKET_ID."""
    given = {k: v for k, v in params.items() if v not in (None, ())}
    for listed in ("photos", "co_units"):
        if listed in given:
            given[listed] = list(given[listed])
    with settings.open(at=at) as engine:
        actor = _actor(engine, actor_id, role, actor_area)
        view = engine.act(ticket_id, trigger, actor=actor, **given)
    _show(view, fmt)
