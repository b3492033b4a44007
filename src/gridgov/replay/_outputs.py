"""The files a replay writes, by option: which suffixes each takes (checked before the
run by :func:`gridgov._outputs.check_output`, a failed write named by ``writing``)."""

from __future__ import annotations

from gridgov._outputs import check_output, writing

__all__ = [
    "EVENT_SUFFIXES",
    "OPEN311_SUFFIXES",
    "REJECT_SUFFIXES",
    "REPORT_SUFFIXES",
    "TICKET_SUFFIXES",
    "check_output",
    "writing",
]

TICKET_SUFFIXES = (".csv", ".jsonl", ".ndjson")
"""``--tickets-out``: CSV, or JSON Lines (one object a line; not a JSON document)."""
REPORT_SUFFIXES = (".json", ".csv", ".html", ".htm")
REJECT_SUFFIXES = (".csv",)
OPEN311_SUFFIXES = (".json",)
"""``--open311-out``: a GeoReport v2 JSON list of service requests."""
EVENT_SUFFIXES = (".xes", ".csv")
"""``--events-out``: XES, or CSV with pm4py's column names."""
