"""Self-contained HTML pages for reports: inline CSS and SVG, no scripts, no network,
so a report opens offline.  Replay's report and the simulator's are built from these."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

__all__ = ["line_chart", "page", "percent", "table"]

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
h1{font-size:22px}h2{font-size:17px;margin-top:1.6em}.muted{color:#777}
"""


def percent(value: object) -> str:
    """``0.9123`` → ``91.2%`` (empty for what is not a number)."""
    return "" if not isinstance(value, int | float) else f"{value:.1%}"


def table(
    rows: Sequence[Mapping[str, object]],
    columns: Sequence[str],
    cell: Callable[[str, object], str],
) -> str:
    """A table of ``rows``; ``cell(column, value)`` gives each cell's (escaped) HTML."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(c, row.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    label: str,
    share: bool = True,
    width: int = 720,
    height: int = 220,
) -> str:
    """An SVG line of ``(key, value)`` points; ``share`` for values in 0..1 (axis in %),
    else an axis from 0 to the largest value."""
    if len(points) < 2:
        return '<p class="muted">Not enough points for a chart.</p>'
    pad = 40
    step = (width - 2 * pad) / (len(points) - 1)
    top = 1.0 if share else max(max(v for _, v in points), 1e-9)

    def y(value: float) -> float:
        return height - pad - value / top * (height - 2 * pad)

    def tick(value: float) -> str:
        return f"{value:.0%}" if share else f"{value:.3g}"

    line = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
    grid = "".join(
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(r * top):.1f}" y2="{y(r * top):.1f}" '
        f'stroke="#ddd"/><text x="4" y="{y(r * top) + 4:.1f}" font-size="11">'
        f"{tick(r * top)}</text>"
        for r in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    labels = "".join(
        f'<text x="{pad + i * step:.1f}" y="{height - 12}" font-size="10" '
        f'text-anchor="middle">{html.escape(key)}</text>'
        for i, (key, _) in enumerate(points)
        if i % max(1, len(points) // 8) == 0
    )
    dots = "".join(
        f'<circle cx="{pad + i * step:.1f}" cy="{y(v):.1f}" r="2.5" fill="#1f77b4">'
        f"<title>{html.escape(key)}: {tick(v) if share else f'{v:.3g}'}</title></circle>"
        for i, (key, v) in enumerate(points)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(label)}">{grid}'
        f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{line}"/>'
        f"{dots}{labels}</svg>"
    )


def page(title: str, parts: Sequence[str]) -> str:
    """The whole page: ``parts`` are HTML already escaped."""
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )
