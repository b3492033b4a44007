"""``gridgov workflow``: the ticket loop's diagram, states, triggers and permission matrix."""

from __future__ import annotations

from pathlib import Path

import click

from gridgov.cli._output import emit, format_option

__all__ = ["workflow"]


@click.group()
def workflow() -> None:
    """The ticket loop (工单闭环): its states, triggers and who may fire them."""


@workflow.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the diagram to this file instead of stdout.",
)
def diagram(output: Path | None) -> None:
    """Print the loop as a Mermaid state diagram (generated from the definition table)."""
    from gridgov.workflow import mermaid_diagram

    text = mermaid_diagram()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


@workflow.command()
@format_option()
def states(fmt: str) -> None:
    """List the states (zh/en) and the triggers each accepts."""
    from gridgov.workflow import TABLE, State

    rows = [
        {
            "state": s.value,
            "label_zh": s.label_zh,
            "label_en": s.label_en,
            "terminal": s.is_terminal,
            "accepts": " ".join(TABLE.triggers_from(s)),
        }
        for s in State
    ]
    emit(rows, ["state", "label_zh", "label_en", "terminal", "accepts"], fmt, title="States")


@workflow.command()
@format_option()
def triggers(fmt: str) -> None:
    """List every row of the definition table: trigger, sources, destination, guards."""
    from gridgov.workflow import DEFINITION, SAME

    rows = [
        {
            "trigger": spec.trigger.value,
            "label_zh": spec.label_zh or spec.trigger.label_zh,
            "from": " ".join(str(s) for s in spec.sources),
            "to": "(same)" if spec.dest == SAME else str(spec.dest),
            "guards": " ".join(spec.guards),
        }
        for spec in DEFINITION
    ]
    emit(rows, ["trigger", "label_zh", "from", "to", "guards"], fmt, title="Triggers")


@workflow.command()
@format_option()
def permissions(fmt: str) -> None:
    """Print the default permission matrix: role, scope and the triggers it may fire."""
    from gridgov.workflow import DEFAULT_PERMISSIONS, Trigger

    rows = [
        {
            "role": role,
            "label_zh": grant.label_zh,
            "scope": grant.scope.value,
            "triggers": " ".join(t.value for t in Trigger if t in grant.triggers),
        }
        for role, grant in DEFAULT_PERMISSIONS.roles.items()
    ]
    emit(rows, ["role", "label_zh", "scope", "triggers"], fmt, title="Permissions")
