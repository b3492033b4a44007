"""The ``gridgov`` command line.

Subcommands live in private modules and are imported only when used, so
``gridgov --help`` stays fast.  A :class:`~gridgov.errors.GridGovError` ends the
command with its one-line message on stderr and exit code 1; usage errors exit
with 2 (click's default).
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from gridgov._version import __version__
from gridgov.errors import GridGovError, InvalidInput

__all__ = ["main"]

# name -> "module:attribute"; each module defines one click command or group.
_COMMANDS: dict[str, str] = {
    # "name": "gridgov.cli._module:command",
    "areas": "gridgov.cli._areas:areas",
    "db": "gridgov.cli._db:db",
    "demo": "gridgov.cli._demo:demo",
    "open311": "gridgov.cli._open311:open311",
    "people": "gridgov.cli._people:people",
    "replay": "gridgov.cli._replay:replay",
    "simulate": "gridgov.cli._simulate:simulate",
    "sla": "gridgov.cli._sla:sla",
    "ticket": "gridgov.cli._ticket:ticket",
    "tick": "gridgov.cli._tick:tick",
    "workflow": "gridgov.cli._workflow:workflow",
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            module_name, attr = self._lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            # Every problem on its own line, then the one-line summary as the error.
            if len(exc.problems) > 1:
                for problem in exc.problems:
                    click.echo(str(problem), err=True)
            raise click.ClickException(str(exc)) from exc
        except GridGovError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(
    cls=_LazyGroup, lazy=_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="gridgov")
def main() -> None:
    """gridgov: grid-governance work orders (网格化治理工单).

    Model a city's area hierarchy (district → community → grid → micro-grid),
    run tickets through the closed loop (report → dispatch → handle → review →
    close) with SLA clocks on working calendars, and replay historical tickets.

    \b
    --db URL means the same in every command: the URL given, else
    $GRIDGOV_DATABASE_URL.  Commands that need a database (db, ticket, tick,
    people, demo) fall back to sqlite:///gridgov.db in the working directory;
    where a database is optional (areas import/tree/show/export/responsible,
    replay run) none is read or written unless --db or the variable is given.
    Only the commands that load data (demo, areas import, replay run) create a
    new database; `gridgov db upgrade` migrates an existing one; no other
    command creates a database.

    Start with `gridgov demo`, then `gridgov COMMAND --help`.
    """
