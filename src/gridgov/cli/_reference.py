"""The CLI reference page (``docs/reference/cli.md``), generated from the commands' own help.

Run ``python -m gridgov.cli._reference > docs/reference/cli.md`` after changing
a command; a test fails when the checked-in page and the commands drift apart.
"""

from __future__ import annotations

import click

from gridgov.cli import main

__all__ = ["cli_reference"]

_HEADER = """# CLI reference (命令行参考)

Generated from the commands' own `--help` by `python -m gridgov.cli._reference`;
a test fails when this page and the commands drift apart.  Every command exits
with 0 on success, 1 on a user error (one line on stderr, no traceback) and 2 on
a usage error.
"""


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found.extend(_walk(sub, [*path, name]))
    return found


def _help(path: list[str], command: click.Command) -> str:
    # The root's settings (-h as well as --help) reach every subcommand, as when run.
    parent: click.Context | None = None
    for depth, name in enumerate(path[:-1]):
        settings = main.context_settings if depth == 0 else {}
        parent = click.Context(
            main if depth == 0 else command, info_name=name, parent=parent, **settings
        )
    settings = main.context_settings if parent is None else {}
    ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100, **settings)
    ctx.max_content_width = 100
    return command.get_help(ctx)


def cli_reference() -> str:
    """The whole reference page as Markdown."""
    parts = [_HEADER]
    for path, command in _walk(main, ["gridgov"]):
        heading = "#" * min(len(path) + 1, 4)
        parts.append(f"{heading} `{' '.join(path)}`\n\n```text\n{_help(path, command)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(cli_reference(), nl=False)
