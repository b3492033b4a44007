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

`--db URL` is one option, the same in every command: the URL given, else
`$GRIDGOV_DATABASE_URL`.  Commands that need a database (`db`, `ticket`, `tick`,
`people`, `demo`) fall back to `sqlite:///gridgov.db` in the working directory;
where a database is optional (`areas import`, `areas tree/show/export/responsible`,
`replay run`) none is read or written unless `--db` or the variable is given
(for the `areas` browsing commands an explicit `--file` or `--sample` wins over
the variable).
"""


def _walk(
    command: click.Command, path: list[str], chain: list[click.Command]
) -> list[tuple[list[str], list[click.Command]]]:
    """Every command under ``command``: its name path and the commands along it."""
    found = [(path, chain)]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found.extend(_walk(sub, [*path, name], [*chain, sub]))
    return found


def _help(path: list[str], chain: list[click.Command]) -> str:
    """``--help`` of the last command of ``chain``, under its real parents (as when run:
    the usage line names the groups, and the root's ``-h`` reaches every subcommand)."""
    parent: click.Context | None = None
    for depth, (name, group) in enumerate(zip(path, chain, strict=True)):
        settings = main.context_settings if depth == 0 else {}
        parent = click.Context(group, info_name=name, parent=parent, **settings)
    assert parent is not None
    parent.terminal_width = parent.max_content_width = 100
    return chain[-1].get_help(parent)


def cli_reference() -> str:
    """The whole reference page as Markdown."""
    parts = [_HEADER]
    for path, chain in _walk(main, ["gridgov"], [main]):
        heading = "#" * min(len(path) + 1, 4)
        parts.append(f"{heading} `{' '.join(path)}`\n\n```text\n{_help(path, chain)}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(cli_reference(), nl=False)
