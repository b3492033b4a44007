"""The simulation report as a page (仿真报告): the figures with their intervals, per tier
and per unit kind, and the queues day by day — one self-contained HTML file."""

from __future__ import annotations

import html
from typing import Any

from gridgov._html import line_chart, page, percent, table
from gridgov.simulate._report import SimulationResult

__all__ = ["html_report"]


def _cell(column: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def _rows(result: SimulationResult, prefix: str | None) -> list[dict[str, Any]]:
    rows = []
    for name, estimate in result.figures().items():
        if (prefix is None and "." in name) or (prefix and not name.startswith(prefix)):
            continue
        low, high = estimate.low, estimate.high
        rows.append({"figure": name, "mean": estimate.mean, "ci95": estimate.half_width,
                     "low": low, "high": high, "n": estimate.replications})  # fmt: skip
    return rows


def html_report(result: SimulationResult) -> str:
    """The whole result as one HTML page (no scripts, opens offline)."""
    columns = ["figure", "mean", "ci95", "low", "high", "n"]
    series = result.series()
    waiting = [(d["day"], float(d["waiting"])) for d in series]
    waits = [(d["day"], float(d["mean_wait_h"])) for d in series if d["mean_wait_h"] is not None]
    runs = len(result.replications)
    stay = result.stay_in_grid_rate()
    parts = [
        f"<h1>gridgov simulation: {html.escape(result.scenario)} (仿真报告)</h1>",
        f'<p class="muted">{runs} replications × {result.days:g} counted days, seed '
        f"{result.seed}; 95% confidence intervals across the replications.  Stay in the "
        f"grid (小事不出网格): {percent(stay.mean)}.</p>",
        "<h2>Figures (总体)</h2>",
        table(_rows(result, None), columns, _cell),
        "<h2>Stay in the grid by tier (分层)</h2>",
        table(_rows(result, "stay_in_grid_rate."), columns, _cell),
        "<h2>Units: waits and utilisation (排队与负荷)</h2>",
        table(_rows(result, "mean_wait_h.") + _rows(result, "utilisation."), columns, _cell),
        "<h2>Tickets waiting in queues at the end of each day (排队工单)</h2>",
        line_chart(waiting, label="tickets waiting by day", share=False),
        "<h2>Mean wait of the tickets taken each day, hours (等待时长)</h2>",
        line_chart(waits, label="mean wait by day", share=False),
    ]
    return page(f"gridgov simulation: {result.scenario}", parts)
