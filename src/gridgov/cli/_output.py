"""Printing rows as a table, JSON or CSV (``--format``)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click

__all__ = ["FORMATS", "emit", "format_option"]

FORMATS = ("table", "json", "csv")

F = TypeVar("F", bound=Callable[..., Any])


def format_option(default: str = "table") -> Callable[[F], F]:
    """The shared ``--format table|json|csv`` option."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default=True,
        help="Output format: a table for people, JSON or CSV for programs.",
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def emit(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    fmt: str,
    *,
    title: str | None = None,
) -> None:
    """Write ``rows`` to stdout in ``fmt``; only ``columns`` are shown, in that order."""
    if fmt == "json":
        click.echo(
            json.dumps(
                [{c: row.get(c) for c in columns} for row in rows],
                ensure_ascii=False,
                default=str,
                indent=2,
            )
        )
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in columns))
        Console(soft_wrap=True).print(table)
