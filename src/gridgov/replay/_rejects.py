"""Rejected input rows (被拒记录): every row replay cannot use, with where and why.

Nothing is dropped silently: each reject names the file, the line, the field
and the reason, is counted by kind in the report, and is written to the
rejects file.  With ``strict`` the first reject stops the replay.
"""

from __future__ import annotations

import contextlib
import csv
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from gridgov.errors import InvalidInput, OutputFileError, Problem
from gridgov.replay._outputs import writing

__all__ = ["Reject", "RejectKind", "RejectLog", "RowCounts"]


class RejectKind(StrEnum):
    """Why a row was rejected; the report counts rejects by kind."""

    UNREADABLE = "unreadable"
    MISSING_VALUE = "missing_value"
    BAD_TIME = "bad_time"
    BAD_VALUE = "bad_value"
    UNKNOWN_AREA = "unknown_area"
    AREA_MISMATCH = "area_mismatch"
    UNKNOWN_ACTIVITY = "unknown_activity"
    CLOSE_BEFORE_OPEN = "close_before_open"
    OUT_OF_ORDER = "out_of_order"
    DUPLICATE_ID = "duplicate_id"
    AFTER_END = "after_end"


@dataclass(frozen=True, slots=True)
class Reject:
    """One rejected row: ``line`` is 1-based in ``source``; ``field`` names the column."""

    source: str
    line: int
    kind: RejectKind
    reason: str
    ticket_id: str = ""
    field: str = ""

    def as_problem(self) -> Problem:
        """The same reject as an :class:`~gridgov.errors.Problem` (for ``--strict``)."""
        return Problem(self.source, self.reason, line=self.line, field=self.field or None)


@dataclass(slots=True)
class RowCounts:
    """The rows a reader met (for its worker under ``--jobs``), and what became of them.

    Each is counted where it goes: into a ticket it yields (``replayed``: a snapshot
    ticket's row, an event log ticket's events), ignored (an activity in
    ``ignore_activities``) or rejected (:attr:`RejectLog.rows`).  The three add up to
    ``rows`` unless a row was lost.
    """

    rows: int = 0
    replayed: int = 0
    ignored: int = 0


_OPTION = "--rejects-out"

REJECT_COLUMNS = ("source", "line", "ticket_id", "kind", "field", "reason")


class RejectLog:
    """Counts rejects by kind and writes them, one CSV row each, to ``path`` (if given)."""

    def __init__(self, path: str | Path | None = None, *, strict: bool = False) -> None:
        self.strict = strict
        self.counts: Counter[str] = Counter()
        self.rows = 0
        """How many rows were rejected (a row with two faults has two rejects, one row)."""
        self._last: tuple[str, int] | None = None
        self._file: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None
        self._path = path
        if path is not None:
            with writing(path, option=_OPTION):
                self._file = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
                self._writer = csv.DictWriter(self._file, REJECT_COLUMNS, lineterminator="\n")
                try:
                    self._writer.writeheader()
                    self._file.flush()  # a full disk shows now, not after the replay
                except OSError:
                    with contextlib.suppress(OSError):
                        self._file.close()
                    raise

    def add(self, reject: Reject) -> None:
        """Record one reject; raise :class:`InvalidInput` at once in strict mode."""
        if self.strict:
            raise InvalidInput([reject.as_problem()], what="input (--strict)")
        self.counts[reject.kind.value] += 1
        where = (reject.source, reject.line)
        if where != self._last:  # a row's rejects come together, as it is read
            self.rows += 1
            self._last = where
        if self._writer is not None:
            row = {
                "source": reject.source,
                "line": reject.line,
                "ticket_id": reject.ticket_id,
                "kind": reject.kind.value,
                "field": reject.field,
                "reason": reject.reason,
            }
            try:
                self._writer.writerow(row)
            except OSError as exc:
                self._writer = None
                file, self._file = self._file, None
                with contextlib.suppress(OSError):  # the rest cannot be flushed either
                    if file is not None:
                        file.close()
                reason = exc.strerror or str(exc)
                raise OutputFileError(str(self._path), reason, option=_OPTION) from exc

    @property
    def total(self) -> int:
        """How many rows were rejected."""
        return sum(self.counts.values())

    def close(self) -> None:
        """Flush and close the rejects file (safe to call twice)."""
        file, self._file = self._file, None
        if file is not None:
            with writing(str(self._path), option=_OPTION):
                file.close()  # closes the file even when the flush fails
