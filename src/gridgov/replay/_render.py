"""Writing a report (the dict of :meth:`ReplayReport.to_dict`) as rows, CSV, JSON or HTML.

The HTML report is one self-contained file: inline CSS and SVG, no scripts and
no network, so it opens offline.  It shows the overall figures, the on-time rate
week by week as a line chart, a heat table of on-time rate by area × category,
and every grouping as a table.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gridgov._html import line_chart, page, percent, table
from gridgov.replay._outputs import REPORT_SUFFIXES, check_output, writing
from gridgov.replay._report import METRICS

__all__ = ["REPORT_COLUMNS", "report_rows", "write_report"]

REPORT_COLUMNS = ("group", "key", *METRICS)


def _flat(value: object) -> object:
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    return value


WITHOUT_DUE = "without_due"
"""The group of :func:`report_rows` listing the categories that got no due time."""


def report_rows(report: Mapping[str, Any]) -> list[dict[str, object]]:
    """One row for the whole replay, then one per group of each grouping, then one per
    category that got no due time (group ``without_due``: its tickets)."""
    rows: list[dict[str, object]] = [
        {"group": "all", "key": "", **{k: _flat(v) for k, v in report["overall"].items()}}
    ]
    rows.extend(
        {"group": dimension, **{k: _flat(v) for k, v in group.items()}}
        for dimension, groups in report["groups"].items()
        for group in groups
    )
    rows.extend(
        {"group": WITHOUT_DUE, "key": c["category"], "tickets": c["tickets"], "due_coverage": 0.0}
        for c in report.get("coverage", {}).get("without_due", [])
    )
    return rows


def _csv(report: Mapping[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, REPORT_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report_rows(report))
    return out.getvalue()


def check_report_path(path: str | Path) -> None:
    """Refuse, before a replay runs, a report path :func:`write_report` could not write
    (an unknown suffix, a missing or read-only folder)."""
    check_output(path, REPORT_SUFFIXES, option="--report-out")


def write_report(report: Mapping[str, Any], path: str | Path) -> None:
    """Write ``report`` to ``path`` as JSON, CSV or HTML, chosen by the extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(report, ensure_ascii=False, indent=2)
    elif suffix == ".csv":
        text = _csv(report)
    elif suffix in (".html", ".htm"):
        text = html_report(report)
    else:
        check_report_path(path)  # raises, naming the suffixes
        return
    with writing(path, option="--report-out"):
        path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- HTML


def _fmt(name: str, value: object) -> str:
    if value is None:
        return ""
    if name.endswith("_rate") or name in ("source_agreement", "due_reproduced", "due_coverage"):
        return percent(value)
    return html.escape(str(_flat(value)))


def _table(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> str:
    return table(rows, columns, _fmt)


def _chart(series: Sequence[Mapping[str, Any]]) -> str:
    points = [(s["key"], s["on_time_rate"]) for s in series if s["on_time_rate"] is not None]
    if len(points) < 2:
        return '<p class="muted">Not enough weeks for a chart.</p>'
    return line_chart(points, label="on-time rate by week")


def _heat_colour(rate: float | None) -> str:
    if rate is None:
        return "#f7f7f7"
    red, green = int(230 - 150 * rate), int(120 + 110 * rate)
    return f"rgb({red},{green},120)"


def _heat(heat: Mapping[str, Any]) -> str:
    if not heat.get("areas"):
        return '<p class="muted">No tickets.</p>'
    head = "".join(f"<th>{html.escape(c)}</th>" for c in heat["categories"])
    rows = []
    for area, cells in zip(heat["areas"], heat["cells"], strict=True):
        tds = "".join(
            f'<td style="background:{_heat_colour(c["on_time_rate"])}" '
            f'title="{c["tickets"]} tickets">{percent(c["on_time_rate"])}</td>'
            for c in cells
        )
        rows.append(f"<tr><th>{html.escape(area)}</th>{tds}</tr>")
    return f"<table><tr><th>area \\ category</th>{head}</tr>{''.join(rows)}</table>"


def _coverage(coverage: Mapping[str, Any]) -> str:
    if not coverage:
        return '<p class="muted">Not in this report.</p>'
    said = (
        f"<p>{coverage['with_due']:,} of {coverage['tickets']:,} tickets got a due time "
        f"({percent(coverage['due_coverage'])}).</p>"
    )
    if not coverage["without_due"]:
        return said
    return said + _table(coverage["without_due"], ["category", "tickets"])


def html_report(report: Mapping[str, Any]) -> str:
    """The whole report as one self-contained HTML page."""
    meta = report["meta"]
    title = f"gridgov replay: {meta.get('source', '')}"
    parts = [
        f"<h1>{html.escape(title)} (工单回放报告)</h1>",
        f'<p class="muted">{html.escape(str(meta.get("input", "")))}</p>',
        "<h2>Overall (总体)</h2>",
        _table(report_rows(report)[:1], REPORT_COLUMNS[2:]),
        "<h2>Final states (最终状态)</h2>",
        _table([report["states"]], list(report["states"])),
        "<h2>Rejected rows (被拒记录)</h2>",
        _table([report["rejects"]], list(report["rejects"])),
        "<h2>Every row accounted for (输入核对)</h2>",
        _table([report.get("input", {})], list(report.get("input", {}))),
        "<h2>Provisional due times, tickets by clock (暂定时限)</h2>",
        _table([report.get("provisional", {})], list(report.get("provisional", {}))),
        "<h2>Due-time coverage (时限覆盖)</h2>",
        _coverage(report.get("coverage", {})),
        "<h2>On-time rate by week (按时率)</h2>",
        _chart(report.get("series", [])),
        "<h2>On-time rate, area × category (热力表)</h2>",
        _heat(report.get("heat", {})),
    ]
    for dimension, groups in report["groups"].items():
        parts.append(f"<h2>By {html.escape(dimension)}</h2>")
        parts.append(_table(groups, ["key", *METRICS]))
    return page(title, parts)
