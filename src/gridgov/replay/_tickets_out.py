"""``--tickets-out``: one row per replayed ticket, as CSV or JSON Lines (by extension:
``.csv``, ``.jsonl`` or ``.ndjson``; any other is refused).

Times are ISO 8601 with their offset; ``on_time`` is true/false, empty while the
ticket is open; ``conformance`` lists the moves the loop refused
(``state:trigger``), separated by ``;`` in CSV.  ``joint`` says whether the ticket was
dispatched to a lead unit and co-units (大事协同解决); ``parts`` lists each co-unit's
part as ``UNIT=HOURS`` from the joint dispatch to its 办结, or ``UNIT=STATE`` while open.
``satisfied`` is the last review's verdict (回访满意), empty when never reviewed.
"""

from __future__ import annotations

import contextlib
import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from gridgov.errors import OutputFileError
from gridgov.replay._engine import TicketOutcome
from gridgov.replay._outputs import TICKET_SUFFIXES, check_output, writing
from gridgov.workflow import Part

__all__ = ["TICKET_COLUMNS", "TicketWriter", "outcome_row"]

TICKET_COLUMNS = (
    "ticket_id",
    "category",
    "area",
    "tier",
    "channel",
    "unit",
    "opened_at",
    "due_at",
    "closed_at",
    "on_time",
    "final_state",
    "reopened",
    "escalations",
    "stayed_in_grid",
    "joint",
    "parts",
    "conformance",
    "handling_hours",
    "breaches",
    "source_due_at",
    "source_on_time",
    "satisfied",
)


_OPTION = "--tickets-out"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value / timedelta(hours=1), 4)


def _part(part: Part) -> str:
    """``UNIT=HOURS`` of a handled part (dispatch to 办结), else ``UNIT=STATE``."""
    took = _hours(part.took)
    return f"{part.unit}={took if took is not None else part.state}"


def outcome_row(t: TicketOutcome) -> dict[str, Any]:
    """The JSON-able row of one ticket."""
    return {
        "ticket_id": t.ticket_id,
        "category": t.category,
        "area": t.area,
        "tier": t.tier,
        "channel": t.channel,
        "unit": t.unit,
        "opened_at": _time(t.opened_at),
        "due_at": _time(t.due_at),
        "closed_at": _time(t.closed_at),
        "on_time": t.on_time,
        "final_state": t.final_state,
        "reopened": t.reopened,
        "escalations": t.escalations,
        "stayed_in_grid": t.stayed_in_grid,
        "joint": t.joint,
        "parts": [_part(p) for p in t.parts],
        "conformance": list(t.conformance),
        "handling_hours": _hours(t.handling),
        "breaches": list(t.breaches),
        "source_due_at": _time(t.source_due),
        "source_on_time": t.source_on_time,
        "satisfied": t.satisfied,
    }


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


class TicketWriter:
    """Writes ticket rows to ``path``: CSV for ``.csv``, JSON Lines for ``.jsonl``/``.ndjson``.

    Any other suffix is refused (:data:`~gridgov.replay._outputs.TICKET_SUFFIXES`); a
    failed write (a missing folder, a full disk) is an :class:`OutputFileError`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in TICKET_SUFFIXES:
            check_output(self.path, TICKET_SUFFIXES, option=_OPTION)  # raises, naming them
        self.jsonl = suffix != ".csv"
        with writing(self.path, option=_OPTION):
            self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._csv = None if self.jsonl else csv.writer(self._file, lineterminator="\n")
            if self._csv is not None:
                try:
                    self._csv.writerow(TICKET_COLUMNS)
                    self._file.flush()  # a full disk shows now, not after the replay
                except OSError:
                    self._abandon()
                    raise

    def write_row(self, row: dict[str, Any]) -> None:
        """Write one row made by :func:`outcome_row`."""
        try:
            if self._csv is None:
                self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
            else:
                self._csv.writerow([_cell(row[c]) for c in TICKET_COLUMNS])
        except OSError as exc:
            self._abandon()
            raise OutputFileError(str(self.path), exc.strerror or str(exc), option=_OPTION) from exc

    def write(self, outcome: TicketOutcome) -> None:
        """Write one ticket."""
        self.write_row(outcome_row(outcome))

    def close(self) -> None:
        """Flush and close the file (safe to call twice)."""
        if not self._file.closed:
            with writing(self.path, option=_OPTION):
                self._file.close()  # closes the file even when the flush fails

    def _abandon(self) -> None:
        """Close the file after a failed write (the flush of its rest fails too)."""
        with contextlib.suppress(OSError):
            self._file.close()
