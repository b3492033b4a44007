"""Printing rows as a table, JSON or CSV (``--format``).

Stored text (descriptions, area names, actor ids) is data, never markup: a
table cell or title reaches rich as a :class:`rich.text.Text`, which rich does
not parse, so ``[/oops]`` prints as typed and ``[link=...]`` makes no link; and
:func:`printable` strips control characters first, so an ANSI escape in an
area name cannot recolour or rewrite the terminal.  JSON and CSV keep the text
as stored (JSON escapes control characters itself).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["FORMATS", "emit", "format_option", "local_time", "plain", "printable", "span"]

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


# C0 controls but tab and newline, DEL, C1 controls (ESC starts ANSI sequences; C1
# CSI U+009B does too), and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters (tab and newline kept).

    >>> printable("Ward \x1b[31m1\x1b[0m")
    'Ward [31m1[0m'
    """
    return _CONTROL.sub("", text)


def plain(value: object) -> Text:
    """A value as rich text that is printed as it is: no markup, no control characters."""
    from rich.text import Text

    return Text(printable(_cell(value)))


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
    whole: Sequence[str] = (),
) -> None:
    """Write ``rows`` to stdout in ``fmt``; only ``columns`` are shown, in that order.

    In a table, the ``whole`` columns (ids, times: what people copy) are never cut or
    wrapped on a narrow terminal; the others wrap."""
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

        table = Table(title=None if title is None else plain(title), show_lines=False)
        for column in columns:
            if column in whole:
                widest = max((len(_cell(row.get(column))) for row in rows), default=0)
                table.add_column(plain(column), no_wrap=True, min_width=max(widest, len(column)))
            else:
                table.add_column(plain(column), overflow="fold")
        for row in rows:
            table.add_row(*(plain(row.get(c)) for c in columns))
        Console(soft_wrap=True).print(table)


def local_time(value: object, zone: tzinfo) -> object:
    """A datetime in ``zone``, to the second, with its offset (``2026-03-02 16:00:00+08:00``);
    anything else as it is."""
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat(sep=" ", timespec="seconds")
    return value


def span(amount: timedelta) -> str:
    """``timedelta(hours=27, minutes=5)`` → ``1d 3h``; ``timedelta(minutes=45)`` → ``45m``."""
    minutes = int(abs(amount).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"
