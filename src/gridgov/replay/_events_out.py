"""``--events-out``: the replayed tickets' event log, for process-mining tools (pm4py,
ProM, Disco), as XES or as CSV with pm4py's column names.

Every event of every replayed ticket is written, in the order of ``--tickets-out``:
the ticket (case) id, the activity (the loop's trigger, ``sign_for``; its Chinese label
as ``label_zh``), the time with its offset, the resource and role, the ticket's state
after the event, and whether the loop refused it (``nonconforming``; ``nonconformance``
lists what was flagged, ``state:trigger``).  The case carries its category, area, tier,
channel and unit.

XES (IEEE 1849) uses the standard extensions' keys — ``concept:name``,
``time:timestamp``, ``org:resource``, ``org:role``, ``lifecycle:transition`` — and is
streamed one trace at a time, its values quoted with the standard library's
:func:`xml.sax.saxutils.quoteattr` (five times faster than ``XMLGenerator``'s element
calls, which spent 85% of a replay writing its log).  The CSV has one row per event with
pm4py's names (``case:concept:name``, ``concept:name``, ``time:timestamp``,
``org:resource``; case attributes as ``case:KEY``), so ``pandas.read_csv`` +
``pm4py.format_dataframe`` need no renaming.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import quoteattr

from gridgov.errors import OutputFileError
from gridgov.replay._engine import TicketOutcome
from gridgov.replay._outputs import EVENT_SUFFIXES, check_output, writing
from gridgov.workflow import Trigger

__all__ = ["EVENT_COLUMNS", "EventLogWriter", "case_of"]

_OPTION = "--events-out"
CASE_ATTRIBUTES = ("category", "area", "tier", "channel", "unit")
EVENT_COLUMNS = (
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "org:resource",
    "org:role",
    "lifecycle:transition",
    "label_zh",
    "state",
    "nonconforming",
    "nonconformance",
    *(f"case:{key}" for key in CASE_ATTRIBUTES),
)
"""The CSV's columns: pm4py's names for the case, activity, time and resource."""

_EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
)


def _string(key: str, quoted: str) -> str:
    """An XES string attribute; ``quoted`` is the value as :func:`quoteattr` gives it."""
    return f'<string key="{key}" value={quoted}/>'


def _label_zh(trigger: str) -> str:
    try:
        return Trigger(trigger).label_zh
    except ValueError:  # pragma: no cover - the mapping names triggers of the loop only
        return ""


def case_of(t: TicketOutcome) -> dict[str, Any]:
    """One ticket's case, JSON-able (what ``--jobs`` workers pass on): its attributes
    and its events as ``[trigger, time, actor, role, state, flags]``."""
    return {
        "id": t.ticket_id,
        **{key: getattr(t, key) for key in CASE_ATTRIBUTES},
        "events": [
            [e.trigger, e.at.isoformat(), e.actor, e.role, e.state, list(e.flags)] for e in t.log
        ],
    }


class EventLogWriter:
    """Writes cases made by :func:`case_of` to ``path``: XES for ``.xes``, CSV for ``.csv``.

    Any other suffix is refused (:data:`~gridgov.replay._outputs.EVENT_SUFFIXES`); a
    failed write (a missing folder, a full disk) is an :class:`OutputFileError`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        check_output(self.path, EVENT_SUFFIXES, option=_OPTION)
        self.xes = self.path.suffix.lower() == ".xes"
        with writing(self.path, option=_OPTION):
            self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            try:
                if self.xes:
                    self._words: dict[tuple[str, str], tuple[str, str]] = {}
                    self._xes_head()
                else:
                    self._csv = csv.writer(self._file, lineterminator="\n")
                    self._csv.writerow(EVENT_COLUMNS)
                self._file.flush()  # a full disk shows now, not after the replay
            except OSError:
                self._abandon()
                raise

    def write(self, outcome: TicketOutcome) -> None:
        """Write one ticket's events."""
        self.write_row(case_of(outcome))

    def write_row(self, case: dict[str, Any]) -> None:
        """Write one case made by :func:`case_of`."""
        try:
            if self.xes:
                self._xes_trace(case)
            else:
                attributes = [case[key] for key in CASE_ATTRIBUTES]
                for trigger, at, actor, role, state, flags in case["events"]:
                    self._csv.writerow(
                        [case["id"], trigger, at, actor, role, "complete", _label_zh(trigger),
                         state, "true" if flags else "false", ";".join(flags), *attributes]
                    )  # fmt: skip
        except OSError as exc:
            self._abandon()
            raise OutputFileError(str(self.path), exc.strerror or str(exc), option=_OPTION) from exc

    def close(self) -> None:
        """End the log and close the file (safe to call twice)."""
        if self._file.closed:
            return
        with writing(self.path, option=_OPTION):
            try:
                if self.xes:
                    self._file.write("</log>\n")
            finally:
                self._file.close()  # closes the file even when the flush fails

    # ------------------------------------------------------------------ XES

    def _xes_head(self) -> None:
        extensions = "".join(
            f"<extension name={quoteattr(n)} prefix={quoteattr(p)} uri={quoteattr(u)}/>\n"
            for n, p, u in _EXTENSIONS
        )
        self._file.write(
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<log xes.version="1.0" xes.features="nested-attributes" '
            'xmlns="http://www.xes-standard.org/">\n'
            f"{extensions}"
            '<global scope="trace"><string key="concept:name" value="__INVALID__"/></global>\n'
            '<global scope="event"><string key="concept:name" value="__INVALID__"/>'
            '<date key="time:timestamp" value="1970-01-01T00:00:00+00:00"/>'
            '<string key="lifecycle:transition" value="complete"/></global>\n'
            '<classifier name="Activity" keys="concept:name"/>\n'
        )

    def _xes_trace(self, case: dict[str, Any]) -> None:
        """One trace, written as text: the keys are constants, the times ISO 8601 (nothing
        to escape), and the values quoted with :func:`xml.sax.saxutils.quoteattr` (the
        loop's words once each: a log has millions of events and a few dozen of them)."""
        words = self._words
        parts = ["<trace>", _string("concept:name", quoteattr(case["id"]))]
        parts += [_string(key, quoteattr(case[key])) for key in CASE_ATTRIBUTES if case[key]]
        for trigger, at, actor, role, state, flags in case["events"]:
            said = words.get((trigger, state))
            if said is None:
                said = words[(trigger, state)] = (
                    _string("concept:name", quoteattr(trigger)),
                    _string("lifecycle:transition", '"complete"')
                    + _string("label_zh", quoteattr(_label_zh(trigger)))
                    + _string("state", quoteattr(state)),
                )
            parts.append(f'<event>{said[0]}<date key="time:timestamp" value="{at}"/>')
            if actor:
                parts.append(_string("org:resource", quoteattr(actor)))
            if role:
                parts.append(_string("org:role", quoteattr(role)))
            parts.append(said[1])
            if flags:
                parts.append('<boolean key="nonconforming" value="true"/>')
                parts.append(_string("nonconformance", quoteattr(";".join(flags))))
            else:
                parts.append('<boolean key="nonconforming" value="false"/>')
            parts.append("</event>")
        parts.append("</trace>\n")
        self._file.write("".join(parts))

    def _abandon(self) -> None:
        """Close the file after a failed write (the flush of its rest fails too)."""
        with contextlib.suppress(OSError):
            self._file.close()
