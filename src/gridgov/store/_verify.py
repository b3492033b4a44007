"""``verify`` for every store (审计校验): one ticket's stored rows against its chain
and against a refold of its events.

A store hands over each ticket's rows as read (:class:`TicketRows`, values not yet
decoded, so one malformed row cannot stop the run); :func:`check_ticket` names the
first thing wrong with that ticket, or None.  What is checked:

- the event hash chain (:func:`~gridgov.store._audit.verify_chain`), keyed or not;
- the ticket row's ``version`` against the number of events;
- the ticket row's derived columns (:data:`DERIVED_COLUMNS`: state, area and its
  path, unit, times ...) and the derived keys of its ``data`` (:data:`DERIVED_DATA`:
  reporter, merge target, a joint ticket's co-units) against
  :meth:`Ticket.from_events <gridgov.workflow.Ticket.from_events>`;
- with a :data:`ClockCheck` (the app's, which refolds the SLA clocks), the clock
  rows and ``next_due_at``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gridgov.errors import GridGovError
from gridgov.store._audit import ChainBreak, Keyring, verify_chain
from gridgov.store._mapping import clock_from_row, event_from_row, ticket_to_row
from gridgov.store._ports import ClockRecord
from gridgov.store._schema import stored_time
from gridgov.workflow import Ticket, TicketEvent

__all__ = [
    "DERIVED_COLUMNS",
    "DERIVED_DATA",
    "ClockCheck",
    "Progress",
    "TicketRows",
    "check_ticket",
]

DERIVED_COLUMNS = (
    "state",
    "is_open",
    "area_code",
    "area_path",
    "category",
    "tier",
    "assigned_unit",
    "created_at",
    "updated_at",
)
"""The ``tickets`` columns a refold of the events (and the area's stored path) must
give back."""

DERIVED_DATA = ("merged_into", "co_units", "reporter_id")
"""The keys of ``tickets.data`` a refold of the events must give back (absent when the
refold has none): merges, a co-unit's list and the scoped reads look tickets up by
them, so an edit there hides a ticket or shows it to someone else.  ``reporter_id``
is checked only where the row holds one: replay leaves it out where its source
names no reporter (the stored events' actor is then ``replay``, which the refold
takes for the reporter)."""

ClockCheck = Callable[
    [Ticket, Sequence[TicketEvent], datetime | None, Sequence[ClockRecord]], str | None
]
"""``(ticket, its events, stored next_due_at, stored clock records) -> problem or None``."""

Progress = Callable[[int, int], None]
"""``(tickets checked, tickets in all)``, called as a verify goes."""

Row = Mapping[Any, Any]


@dataclass(frozen=True, slots=True)
class TicketRows:
    """One ticket's rows as stored: the ticket row (None if it is gone), its
    events in ``seq`` order, its clock rows."""

    ticket_id: str
    ticket: Row | None
    events: Sequence[Row]
    clocks: Sequence[Row] = ()


class _Unreadable(ValueError):
    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        super().__init__(reason)


def check_ticket(
    rows: TicketRows,
    keyring: Keyring | None,
    clocks: ClockCheck | None = None,
    paths: Mapping[str, str] | None = None,
) -> ChainBreak | None:
    """The first thing wrong with one ticket's rows, or None (``paths``: each stored
    area's materialised path, to check ``tickets.area_path`` with)."""
    tid = rows.ticket_id
    if rows.ticket is None:
        return ChainBreak(tid, 1, "events without a ticket row (the ticket row was deleted)")
    version = rows.ticket["version"]
    try:
        events = [_decoded(row) for row in rows.events]
    except _Unreadable as exc:
        return ChainBreak(tid, exc.seq, str(exc))
    broken = verify_chain(tid, events, keyring)
    if broken is not None:
        return broken
    if len(events) != version:
        return ChainBreak(
            tid,
            len(events) + 1,
            f"the ticket is at version {version} but has {len(events)} events (deleted)",
        )
    try:
        history = [event_from_row(e) for e in events]
        ticket = Ticket.from_events(history)
    except (GridGovError, ValueError, TypeError, KeyError) as exc:
        return ChainBreak(tid, len(events), f"the events do not fold into a ticket: {exc}")
    try:
        problem = _derived_problem(ticket, rows.ticket, paths or {}, history[0].at)
        if problem is None and clocks is not None:
            records = [clock_from_row(_decoded_clock(c)) for c in rows.clocks]
            problem = clocks(ticket, history, _utc(rows.ticket["next_due_at"]), records)
    except (GridGovError, ValueError, TypeError, KeyError) as exc:
        problem = f"the ticket's row or clock rows cannot be read: {exc}"
    return None if problem is None else ChainBreak(tid, len(events), problem)


def _derived_problem(
    ticket: Ticket, row: Row, paths: Mapping[str, str], created_at: datetime
) -> str | None:
    """Which derived column of the ticket row disagrees with the refold."""
    assert ticket.area_code is not None
    path = paths.get(ticket.area_code, row["area_path"])  # an area since removed: not checked
    expected = ticket_to_row(ticket, path=path, next_due_at=None, created_at=created_at)
    for column in DERIVED_COLUMNS:
        stored = row[column]
        if column == "is_open":
            stored = bool(stored)
        elif column.endswith("_at"):
            stored = _utc(stored)
        if stored != expected[column]:
            shown = stored.isoformat() if isinstance(stored, datetime) else repr(stored)
            wanted = expected[column]
            wanted = wanted.isoformat() if isinstance(wanted, datetime) else repr(wanted)
            return f"tickets.{column} is {shown} but the events give {wanted} (edited)"
    data = row["data"]
    data = json.loads(data) if isinstance(data, str) else data
    if not isinstance(data, dict):
        return f"tickets.data is a JSON {type(data).__name__}, not an object (edited)"
    for key in DERIVED_DATA:
        if key == "reporter_id" and key not in data:
            continue
        if data.get(key) != expected["data"].get(key):
            shown, wanted = repr(data.get(key)), repr(expected["data"].get(key))
            return f"tickets.data.{key} is {shown} but the events give {wanted} (edited)"
    return None


def _decoded(row: Row) -> dict[str, Any]:
    """An event row with its payload and time decoded; :class:`_Unreadable` if not."""
    seq = row["seq"]
    decoded = dict(row)
    try:
        payload = row["payload"]
        decoded["payload"] = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError as exc:
        raise _Unreadable(seq, f"payload is not valid JSON ({exc})") from exc
    if not isinstance(decoded["payload"], dict):
        kind = type(decoded["payload"]).__name__
        raise _Unreadable(seq, f"payload is a JSON {kind}, not an object")
    try:
        decoded["at"] = _utc(row["at"])
    except (ValueError, TypeError) as exc:
        raise _Unreadable(seq, f"`at` is not a time ({exc})") from exc
    return decoded


def _decoded_clock(row: Row) -> dict[str, Any]:
    decoded = dict(row)
    data = row["data"]
    decoded["data"] = json.loads(data) if isinstance(data, str) else data
    for name in ("started_at", "due_at", "stopped_at"):
        decoded[name] = _utc(row[name])
    return decoded


def _utc(value: Any) -> datetime | None:
    """A stored time (a datetime, SQLite's integer or text) as an aware UTC datetime."""
    return stored_time(value)
