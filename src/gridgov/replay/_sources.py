"""From rows to tickets: snapshot rows imply events, event-log rows are grouped by case.

Both kinds of source become a stream of :class:`SourceTicket` (a ticket and its
events in time order), ready for the engine.  A snapshot row is one ticket
(报事记录 → its implied events: ``report`` at the opening time, ``mark_handled``
and ``close`` at the closing time when the status says closed).  An event log
is grouped by case id; a case leaves memory as soon as its events reach a final
*state* (归档, 无效, 撤回, 合并) — a close the loop refuses (closed before it was
handled) is flagged and the case goes on — so memory grows with the number of
*open* tickets, not with the file.  Whether a case has ended is the one rule
core's answer: ``ends`` (the replay engine's :meth:`~gridgov.replay.ReplayEngine.ends`,
else a plain :meth:`Ticket.fire <gridgov.workflow.Ticket.fire>` fold) is asked at
each event whose trigger can end a case.
The ids already finished (to reject a repeated snapshot id, or an event after
its case ended) are kept in a :class:`~gridgov.replay._seen.SeenIds`: bounded
memory, the rest in a temporary on-disk index removed when the stream ends or
is closed.
Rows that cannot be used become :class:`~gridgov.replay.Reject` records.
"""

from __future__ import annotations

import operator
import re
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from gridgov._limits import FIELD_LIMITS, FORBIDDEN_CHARACTERS, field_problem
from gridgov.replay._areas import AREA_CACHE_LIMIT, AreaCleaner, AreaIndex, AreaResult
from gridgov.replay._mapping import ReplayMapping
from gridgov.replay._readers import InputFile, Record
from gridgov.replay._rejects import Reject, RejectKind, RejectLog, RowCounts
from gridgov.replay._seen import RECENT_IDS, SeenIds
from gridgov.replay._times import EARLIEST_YEAR, LATEST_YEAR, TimeParser, time_parser
from gridgov.workflow import SATISFIED_VERDICTS, TABLE, TERMINAL_STATES, Ticket

__all__ = [
    "SourceEvent",
    "SourceNote",
    "SourceTicket",
    "folds_to_end",
    "mapped_records",
    "partition_of",
    "read_tickets",
]

_FINAL_STATES = frozenset(s.value for s in TERMINAL_STATES)
FINAL_TRIGGERS = frozenset(
    trigger
    for state in TABLE.states
    for trigger in TABLE.triggers_from(state)
    if _FINAL_STATES.intersection(TABLE.destinations(state, trigger))
)
"""Triggers that can bring a case to a final state (``close``, a satisfied ``review``,
``reject``, ``withdraw``, ``merge_into``), read from the loop's table: only at them is
``ends`` asked."""
NO_PAYLOAD: Mapping[str, Any] = MappingProxyType({})
CLOSE_BEFORE_OPEN_SKEW = "close_before_open_skew"
"""The conformance flag of a snapshot row closed within ``clock_skew_seconds`` before it
opened (replayed as closed at the opening time)."""


class SourceNote(NamedTuple):
    """An event log row kept as a note (``note_activities``): not a lifecycle step."""

    activity: str
    at: datetime
    line: int
    actor: str = ""


class SourceEvent(NamedTuple):
    """One event as the source says it happened (before the lifecycle checks it).

    A plain tuple: a replay makes millions of them.
    """

    trigger: str
    at: datetime
    line: int
    actor: str = ""
    role: str = ""
    payload: Mapping[str, Any] = NO_PAYLOAD


@dataclass(slots=True)
class SourceTicket:
    """A ticket as read from the source: its facts and its events in time order."""

    ticket_id: str
    first_line: int
    area: str = ""
    category: str = ""
    channel: str = ""
    unit: str = ""
    source_due: datetime | None = None
    source_on_time: bool | None = None
    events: list[SourceEvent] = field(default_factory=list)
    last_line: int = 0
    """The line that completed the ticket (its final event); ``0`` if it ended with the file."""
    notes: tuple[SourceNote, ...] = ()
    """An event log's rows of ``note_activities``, in order."""
    flags: tuple[str, ...] = ()
    """What the reader found about the ticket's times, for its ``conformance``
    (``close_before_open_skew``)."""
    rows: int = 1
    """The source rows the ticket was read from (an event log's rows of the case, notes too;
    one activity can stand for several events)."""
    source_satisfied: bool | None = None
    """The mapped satisfaction column's verdict (回访满意?), ``None`` without one."""


LIST_FIELDS = frozenset({"co_units", "photos"})
"""Payload fields that hold a list: a joint dispatch's co-units (协办), a result's photos.
In a source cell the items are separated by ``;`` (or ``,``, ``、``)."""
_SEPARATORS = re.compile(r"[;,、]")


def split_list(cell: str) -> list[str]:
    """The items of a list cell, in order, without blanks: ``"a; b"`` → ``["a", "b"]``."""
    return [item for item in (part.strip() for part in _SEPARATORS.split(cell)) if item]


def folds_to_end(ticket: SourceTicket) -> bool:
    """Whether ``ticket``'s events, folded by :meth:`Ticket.fire <gridgov.workflow.Ticket.fire>`
    alone (no routing), reach a final state: :func:`read_tickets`' default ``ends``."""
    fold = Ticket(ticket.ticket_id)
    for trigger, at, _line, actor, role, payload in ticket.events:
        fold.fire(trigger, at, payload, actor_id=actor, actor_role=role)
    return fold.state in _FINAL_STATES


def partition_of(ticket_id: str, jobs: int) -> int:
    """The worker (0 ≤ k < jobs) that replays ``ticket_id``: stable across runs and processes."""
    return zlib.crc32(ticket_id.encode("utf-8")) % jobs if jobs > 1 else 0


class _Columns:
    """Positions of the mapped columns in each record."""

    def __init__(self, mapping: ReplayMapping) -> None:
        cols = mapping.columns
        names: list[str] = []

        def pos(name: str | None) -> int | None:
            if name is None:
                return None
            if name not in names:
                names.append(name)
            return names.index(name)

        self.id = pos(cols.id)
        self.opened_at, self.closed_at = pos(cols.opened_at), pos(cols.closed_at)
        self.dispatched_at, self.due_at = pos(cols.dispatched_at), pos(cols.due_at)
        self.verdict, self.status = pos(cols.verdict), pos(cols.status)
        self.category, self.channel, self.unit = (
            pos(cols.category),
            pos(cols.channel),
            pos(cols.unit),
        )
        self.activity, self.at = pos(cols.activity), pos(cols.at)
        self.actor, self.role, self.result = pos(cols.actor), pos(cols.role), pos(cols.result)
        self.satisfaction = pos(cols.satisfaction)
        self.payload = {key: pos(column) for key, column in mapping.payload.items()}
        self.area = [pos(level.column) for level in mapping.area.levels]
        self.names = names


_event = tuple.__new__
"""Builds a :class:`SourceEvent` from a full tuple without the keyword machinery (hot path)."""


def _printable(text: str) -> str:
    """``text`` with its forbidden characters spelled out (for the rejects file)."""
    for char in FORBIDDEN_CHARACTERS:
        text = text.replace(char, repr(char)[1:-1])
    return text


def mapped_records(
    mapping: ReplayMapping, source: InputFile, names: Sequence[str]
) -> Iterator[Record]:
    """``source``'s records of the columns ``names`` as ``mapping`` reads them: in its
    ``encoding``, placeholder cells (``null_values``, ``column_null_values``) empty.
    Replay's reader and ``gridgov areas infer`` both read so."""
    records = source.records(names, encoding=mapping.encoding)
    if not mapping.null_values and not mapping.column_null_values:
        return records
    every = frozenset(mapping.null_values)
    by_column = mapping.column_null_values
    nulls = [every | frozenset(by_column.get(name, ())) for name in names]
    return _nulled(records, nulls)


def _nulled(records: Iterator[Record], nulls: list[frozenset[str]]) -> Iterator[Record]:
    """``records`` with each cell that is one of its column's ``nulls`` made empty."""
    for line, values in records:
        if isinstance(values, str):
            yield line, values
        else:
            cells = tuple(
                "" if cell.strip() in null else cell
                for cell, null in zip(values, nulls, strict=True)
            )
            yield line, cells


def _get(values: tuple[str, ...], index: int | None) -> str:
    return "" if index is None else values[index].strip()


def _picker(indexes: list[int | None]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """The cells at ``indexes`` as a tuple (``""`` for a level without a column)."""
    if all(i is not None for i in indexes) and indexes:
        at = [i for i in indexes if i is not None]
        if len(at) > 1:
            return operator.itemgetter(*at)
        only = at[0]
        return lambda values: (values[only],)
    return lambda values: tuple("" if i is None else values[i] for i in indexes)


class _Reader:
    """Shared state of one pass over a file: parsers, cleaner, the reject log."""

    def __init__(
        self,
        mapping: ReplayMapping,
        source: InputFile,
        areas: AreaIndex | None,
        rejects: RejectLog,
        keep: Callable[[str], bool],
        recent_ids: int = RECENT_IDS,
        spill_dir: Path | None = None,
        counts: RowCounts | None = None,
        ends: Callable[[SourceTicket], bool] = folds_to_end,
    ) -> None:
        self.counts = RowCounts() if counts is None else counts
        self.ends = ends
        self.mapping = mapping
        self.source = source
        self.name = str(source.path)
        self.cols = _Columns(mapping)
        self.parse: TimeParser = time_parser(mapping.time_format, mapping.timezone)
        where = str(mapping.path) if mapping.path is not None else "<mapping>"
        self.cleaner = AreaCleaner(mapping.area, areas, where)
        self.rejects = rejects
        self.keep = keep
        self.keep_all = False
        """True when ``keep`` keeps every ticket (one process): nothing to ask per row."""
        self.recent_ids, self.spill_dir = recent_ids, spill_dir
        self.on_time = frozenset(mapping.on_time_values)
        self.overdue = frozenset(mapping.overdue_values)
        self.skew = timedelta(seconds=mapping.clock_skew_seconds)
        self.satisfied = {
            cell: verdict in SATISFIED_VERDICTS
            for cell, verdict in mapping.satisfaction_values.items()
        }
        self.on_open = tuple(mapping.snapshot.on_open)
        self.on_close = tuple(mapping.snapshot.on_close)
        self.open_times = implied_times(self.on_open, ())
        """Which time each ``on_open`` event of a snapshot row takes (:func:`implied_times`)."""
        self._area_cells = _picker(self.cols.area)
        c = self.cols
        self._limited = [
            (name, index, FIELD_LIMITS[name])
            for name, index in (
                ("ticket_id", c.id),
                ("category", c.category),
                ("unit", c.unit),
                ("actor_id", c.actor),
            )
            if index is not None
        ]
        self._areas: dict[tuple[str, ...], AreaResult] = {}
        """Cleaned areas by the raw cells (hot path: a file repeats a few thousand areas);
        up to :data:`AREA_CACHE_LIMIT` of them."""

    def records(self) -> Iterator[Record]:
        """The source's records of the mapped columns, as the mapping reads them."""
        return mapped_records(self.mapping, self.source, self.cols.names)

    def area(self, values: tuple[str, ...]) -> AreaResult:
        """The cleaned area of a row (see :class:`AreaCleaner`)."""
        return self.area_of(self._area_cells(values))

    def area_of(self, cells: tuple[str, ...]) -> AreaResult:
        """The cleaned area of a row's area cells, as they are in the row (one per level)."""
        found = self._areas.get(cells)
        if found is None:
            found = self.cleaner.clean([cell.strip() for cell in cells])
            if len(self._areas) < AREA_CACHE_LIMIT:
                self._areas[cells] = found
        return found

    def unstorable(self, values: tuple[str, ...], line: int, tid: str) -> bool:
        """Reject a row with a value no store can hold (a NUL, a value over its column's
        length): checked here, at read time, so every backend gets the same rows."""
        problem = self.storage_problem(values, tid)
        if problem is None:
            return False
        why, shown, column = problem
        self.reject(line, RejectKind.BAD_VALUE, why, shown, column)
        return True

    def storage_problem(self, values: tuple[str, ...], tid: str) -> tuple[str, str, str] | None:
        """Why no store can hold a row — ``(reason, ticket id as shown, column)`` — or
        ``None``: the one test behind :meth:`unstorable`."""
        joined = "".join(values)
        for char in FORBIDDEN_CHARACTERS:
            if char in joined:
                at = next(i for i, v in enumerate(values) if char in v)
                why = field_problem(self.cols.names[at], values[at]) or ""
                return why, _printable(tid), self.cols.names[at]
        for name, index, limit in self._limited:
            if len(values[index]) <= limit:  # most cells: short enough before stripping
                continue
            value = values[index].strip()
            if len(value) > limit:
                why = f"column {self.cols.names[index]!r}: {field_problem(name, value)}"
                return why, tid, self.cols.names[index]
        return None

    def reject(
        self, line: int, kind: RejectKind, reason: str, tid: str = "", col: str = ""
    ) -> None:
        self.rejects.add(Reject(self.name, line, kind, reason, tid, col))

    def time(self, values: tuple[str, ...], index: int | None, line: int, tid: str) -> Any:
        """The parsed time, ``None`` when empty, or ``False`` after rejecting the row."""
        if index is None:
            return None
        text = values[index].strip()
        if not text:
            return None
        try:
            moment = self.parse(text)
        except (ValueError, OverflowError) as exc:
            fmt = self.mapping.time_format
            why = f"cannot read time {text!r} as {fmt}: {exc}"
            self.reject(line, RejectKind.BAD_TIME, why, tid, self.cols.names[index])
            return False
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            why = (
                f"time {text!r} is out of range: replay reads years {EARLIEST_YEAR} to "
                f"{LATEST_YEAR} (a placeholder date?)"
            )
            self.reject(line, RejectKind.BAD_TIME, why, tid, self.cols.names[index])
            return False
        return moment

    def facts(self, values: tuple[str, ...], line: int, tid: str) -> SourceTicket | None:
        """The ticket-level facts of a row (area, category, source due and verdict)."""
        c = self.cols
        area, kind, why, column = self.area(values)
        if area is None:
            self.reject(line, kind or RejectKind.BAD_VALUE, why, tid, column)
            return None
        due = self.time(values, c.due_at, line, tid)
        if due is False:
            return None
        verdict_text = _get(values, c.verdict)
        verdict: bool | None = None
        if verdict_text in self.on_time:
            verdict = True
        elif verdict_text in self.overdue:
            verdict = False
        elif verdict_text:
            expected = sorted(self.on_time | self.overdue)
            col = self.mapping.columns.verdict or ""
            self.reject(
                line,
                RejectKind.BAD_VALUE,
                f"verdict {verdict_text!r} is not one of {expected}",
                tid,
                col,
            )
            return None
        ticket = SourceTicket(  # positional: one per row
            tid,
            line,
            area,
            _get(values, c.category),
            _get(values, c.channel),
            _get(values, c.unit),
            due,
            verdict,
        )
        if c.satisfaction is not None and (cell := values[c.satisfaction].strip()):
            satisfied = self.satisfied.get(cell)
            if satisfied is None:
                self.reject(
                    line,
                    RejectKind.BAD_VALUE,
                    f"satisfaction {cell!r} is not one of {sorted(self.satisfied)} "
                    "(add it to satisfaction_values)",
                    tid,
                    self.mapping.columns.satisfaction or "",
                )
                return None
            ticket.source_satisfied = satisfied
        return ticket


def read_tickets(
    mapping: ReplayMapping,
    source: InputFile,
    *,
    areas: AreaIndex | None,
    rejects: RejectLog,
    keep: Callable[[str], bool] = lambda _tid: True,
    recent_ids: int = RECENT_IDS,
    spill_dir: Path | None = None,
    counts: RowCounts | None = None,
    ends: Callable[[SourceTicket], bool] = folds_to_end,
) -> Generator[SourceTicket, None, None]:
    """Every usable ticket of ``source``; unusable rows go to ``rejects``.

    ``keep(ticket_id)`` selects the tickets of one worker under ``--jobs``; rows
    of other tickets are skipped here and handled by their own worker.

    Finished ids beyond the most recent ``recent_ids`` are kept in a temporary
    index under ``spill_dir`` (default: the system's temporary directory).  It is
    removed when the stream ends, fails, or is closed: close a stream you stop
    reading early (``contextlib.closing``) rather than leave it to the garbage
    collector.

    ``counts`` receives the rows met (those ``keep`` selects) and those ignored: with
    ``rejects.rows`` they account for every row the stream read.

    ``ends(ticket)`` says whether an event log's case, with its events so far, has
    reached a final state (asked at each event whose trigger can end it): then it is
    yielded, and a later event of it is an ``after_end`` reject.  A refused close
    does not end it.  Default: :func:`folds_to_end`; a replay passes its engine's
    :meth:`~gridgov.replay.ReplayEngine.ends`, which also routes.
    """
    reader = _Reader(mapping, source, areas, rejects, keep, recent_ids, spill_dir, counts, ends)
    if mapping.kind == "snapshot":
        return _snapshot(reader)
    return _event_log(reader)


def _snapshot(r: _Reader) -> Generator[SourceTicket, None, None]:
    with SeenIds(recent=r.recent_ids, directory=r.spill_dir) as seen:
        yield from _snapshot_rows(r, seen)


def _snapshot_rows(r: _Reader, seen: SeenIds) -> Generator[SourceTicket, None, None]:
    c, rules = r.cols, r.mapping.snapshot
    closed_values = frozenset(rules.closed_values)
    id_at, keep, first_of = c.id, r.keep, seen.first_of  # hot loop: locals
    met = replayed = 0
    for line, values in r.records():
        if isinstance(values, str):
            if keep(""):
                met += 1
                r.reject(line, RejectKind.UNREADABLE, values)
            continue
        tid = "" if id_at is None else values[id_at].strip()
        if not keep(tid):
            continue
        met += 1
        ticket = snapshot_record(r, values, line, tid, first_of, closed_values)
        if ticket is not None:
            replayed += 1
            yield ticket
    r.counts.rows += met
    r.counts.replayed += replayed


def snapshot_record(
    r: _Reader,
    values: tuple[str, ...],
    line: int,
    tid: str,
    first_of: Callable[[str, int], int | None],
    closed_values: frozenset[str],
) -> SourceTicket | None:
    """One kept row of a snapshot: its ticket, or its reject (``None``), checked in this
    order — an id, a storable row, a new id, then the row itself (:func:`_snapshot_ticket`).
    ``first_of(tid, line)`` is the line ``tid`` was first recorded at (``None``: new, and
    now recorded at ``line``)."""
    if not tid:
        r.reject(line, RejectKind.MISSING_VALUE, "no ticket id", col=r.mapping.columns.id)
        return None
    if r.unstorable(values, line, tid):
        return None
    first = first_of(tid, line)
    if first is not None:
        r.reject(
            line,
            RejectKind.DUPLICATE_ID,
            f"ticket id {tid!r} already on line {first}",
            tid,
            r.mapping.columns.id,
        )
        return None
    return _snapshot_ticket(r, values, line, tid, closed_values)


def implied_times(on_open: Sequence[str], on_close: Sequence[str]) -> tuple[str, ...]:
    """The time each event a snapshot row implies takes, by event index: ``"opened"``,
    ``"dispatched"`` (the dispatch time, else the opening: a ``dispatch`` step) or
    ``"closed"`` — where :func:`_snapshot_ticket` places them, and where the columnar
    engine reads their times."""
    return (
        *("dispatched" if trigger == "dispatch" else "opened" for trigger in on_open),
        *("closed" for _ in on_close),
    )


def _snapshot_ticket(
    r: _Reader, values: tuple[str, ...], line: int, tid: str, closed_values: frozenset[str]
) -> SourceTicket | None:
    c, m = r.cols, r.mapping
    opened = r.time(values, c.opened_at, line, tid)
    if opened is None:
        r.reject(line, RejectKind.MISSING_VALUE, "no opening time", tid, m.columns.opened_at or "")
    if opened is None or opened is False:
        return None
    closed = r.time(values, c.closed_at, line, tid)
    if closed is False:
        return None
    dispatched = r.time(values, c.dispatched_at, line, tid)
    if dispatched is False:  # one reject a row: a row's first fault is named
        return None
    status = _get(values, c.status)
    is_closed = status in closed_values if c.status is not None else closed is not None
    if is_closed and closed is None:
        r.reject(
            line,
            RejectKind.MISSING_VALUE,
            f"status {status!r} says closed but there is no closing time",
            tid,
            m.columns.closed_at or "",
        )
        return None
    if closed is not None and not is_closed:
        r.reject(
            line,
            RejectKind.BAD_VALUE,
            f"a closing time but status {status!r} is not one of {sorted(closed_values)}",
            tid,
            m.columns.status or "",
        )
        return None
    skewed = closed is not None and closed < opened
    if skewed and opened - closed > r.skew:
        r.reject(
            line,
            RejectKind.CLOSE_BEFORE_OPEN,
            f"closed {closed.isoformat()} before it opened {opened.isoformat()} (more than "
            f"clock_skew_seconds = {m.clock_skew_seconds:g} before)",
            tid,
            m.columns.closed_at or "",
        )
        return None
    if skewed:
        closed = opened  # clock skew between the source's systems: closed as it opened
    if dispatched is not None and not opened <= dispatched <= (closed or dispatched):
        r.reject(
            line,
            RejectKind.OUT_OF_ORDER,
            f"dispatched {dispatched.isoformat()} outside opening {opened.isoformat()} "
            f"to closing {closed.isoformat() if closed else '(open)'}",
            tid,
            m.columns.dispatched_at or "",
        )
        return None
    ticket = r.facts(values, line, tid)
    if ticket is None:
        return None
    if skewed:
        ticket.flags = (CLOSE_BEFORE_OPEN_SKEW,)
    events = ticket.events
    for trigger, which in zip(r.on_open, r.open_times, strict=True):
        at = opened if which == "opened" or dispatched is None else dispatched
        events.append(_event(SourceEvent, (trigger, at, line, "", "", NO_PAYLOAD)))
    if closed is not None:
        payload = {"result": _get(values, c.result) or "closed in source"}
        for trigger in r.on_close:
            events.append(_event(SourceEvent, (trigger, closed, line, "", "", payload)))
    ticket.last_line = line
    return ticket


def _event_log(r: _Reader) -> Generator[SourceTicket, None, None]:
    with SeenIds(recent=r.recent_ids, directory=r.spill_dir) as ended:
        yield from _event_rows(r, ended)


def _event_rows(r: _Reader, ended: SeenIds) -> Generator[SourceTicket, None, None]:
    c, m = r.cols, r.mapping
    steps = m.steps()  # activity -> its triggers; a note's: none
    ignored = frozenset(m.ignore_activities)
    open_tickets: dict[str, SourceTicket] = {}
    payload_at = [(key, i, key in LIST_FIELDS) for key, i in c.payload.items() if i is not None]
    id_at, activity_at, keep = c.id, c.activity, r.keep  # hot loop: locals, no calls
    ended_on, end, ends = ended.line_of, ended.add, r.ends
    met = ignored_rows = replayed = 0
    for line, values in r.records():
        if isinstance(values, str):
            if keep(""):
                met += 1
                r.reject(line, RejectKind.UNREADABLE, values)
            continue
        tid = "" if id_at is None else values[id_at].strip()
        if not keep(tid):
            continue
        met += 1
        if not tid:
            r.reject(line, RejectKind.MISSING_VALUE, "no case id", col=m.columns.id)
            continue
        if r.unstorable(values, line, tid):
            continue
        activity = "" if activity_at is None else values[activity_at].strip()
        if activity in ignored:
            ignored_rows += 1
            continue
        triggers = steps.get(activity)
        if triggers is None:
            r.reject(
                line,
                RejectKind.UNKNOWN_ACTIVITY,
                f"activity {activity!r} is not in [activities], ignore_activities or "
                "note_activities",
                tid,
                m.columns.activity or "",
            )
            continue
        ticket = open_tickets.get(tid)
        if ticket is None:  # an open case has not ended: only the others are looked up
            ended_line = ended_on(tid)
            if ended_line is not None:
                r.reject(
                    line,
                    RejectKind.AFTER_END,
                    f"case {tid!r} already ended on line {ended_line}",
                    tid,
                    m.columns.activity or "",
                )
                continue
        at = r.time(values, c.at, line, tid)
        if at is None:
            r.reject(line, RejectKind.MISSING_VALUE, "no event time", tid, m.columns.at or "")
            continue
        if at is False:
            continue
        if ticket is None:
            ticket = r.facts(values, line, tid)
            if ticket is None:
                continue
            ticket.rows = 0
            open_tickets[tid] = ticket
        elif (ticket.notes or at < ticket.events[-1].at) and _before_previous(
            r, ticket, at, line, tid
        ):
            continue
        ticket.rows += 1
        actor = _get(values, c.actor)
        if not triggers:  # a note: kept with the ticket, decides nothing
            ticket.notes += (SourceNote(activity, at, line, actor),)
            continue
        payload: dict[str, Any] | None = None  # most rows: no payload, no dict
        for key, i, listed in payload_at:
            if value := values[i].strip():
                if payload is None:
                    payload = {}
                payload[key] = split_list(value) if listed else value
        role, data = _get(values, c.role), payload or NO_PAYLOAD
        append = ticket.events.append
        for trigger in triggers:  # most activities: one step
            append(_event(SourceEvent, (trigger, at, line, actor, role, data)))
        if not FINAL_TRIGGERS.isdisjoint(triggers):
            ticket.last_line = line  # the outcome ``ends`` may keep names its last line
            if not ends(ticket):  # a refused close: flagged by the fold, the case goes on
                ticket.last_line = 0
                continue
            end(tid, line)
            replayed += ticket.rows
            yield open_tickets.pop(tid)
    r.counts.rows += met
    r.counts.ignored += ignored_rows
    left = sorted(open_tickets.values(), key=lambda t: t.first_line)
    for ticket in left:  # the cases the file leaves open
        if ticket.events:
            _close_at_last_event(r, ticket)
            replayed += ticket.rows
            yield ticket
        else:
            _notes_alone(r, ticket)
    r.counts.replayed += replayed


def _before_previous(r: _Reader, ticket: SourceTicket, at: datetime, line: int, tid: str) -> bool:
    """Reject a row earlier than its case's previous row (event or note)."""
    before: SourceEvent | SourceNote = ticket.events[-1] if ticket.events else ticket.notes[-1]
    if ticket.notes and ticket.notes[-1].line > before.line:
        before = ticket.notes[-1]
    if at >= before.at:
        return False
    r.reject(
        line,
        RejectKind.OUT_OF_ORDER,
        f"{at.isoformat()} is before the case's previous event "
        f"on line {before.line} ({before.at.isoformat()})",
        tid,
        r.mapping.columns.at or "",
    )
    return True


_CLOSED_AT_LAST = MappingProxyType({"result": "closed at the log's last event"})


def _close_at_last_event(r: _Reader, ticket: SourceTicket) -> None:
    """The mapping's ``events.close_at_last_event`` steps, at the case's last event."""
    last = ticket.events[-1]
    for trigger in r.mapping.events.close_at_last_event:
        event = (trigger, last.at, last.line, "", "", _CLOSED_AT_LAST)
        ticket.events.append(_event(SourceEvent, event))


def _notes_alone(r: _Reader, ticket: SourceTicket) -> None:
    """A case with notes and no lifecycle event is no ticket: each note is a reject."""
    tid, column = ticket.ticket_id, r.mapping.columns.activity or ""
    for note in ticket.notes:
        why = f"case {tid!r} has notes but no lifecycle event"
        r.reject(note.line, RejectKind.MISSING_VALUE, why, tid, column)
