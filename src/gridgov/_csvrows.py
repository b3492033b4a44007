"""Reading CSV by physical lines, with every line accounted for.

:class:`CsvRows` yields each record of a CSV text with the physical lines it
occupies, or the reason it cannot be read.  The standard ``csv`` reader alone
loses data two ways: an unbalanced quote opens a cell that swallows every later
line (to the next stray quote, or to the end of the file, with no error), and a
cell over the reader's limit raises ``field larger than field limit`` and ends
the file.  Here a record is refused, at the line where it opened, when

- it ends inside a quoted cell at the end of the file;
- a quoted cell is still open after ``max_lines`` lines (:data:`MAX_RECORD_LINES`);
- a cell is longer than :data:`CELL_LIMIT` characters, or ``csv`` refuses it otherwise;
- it spans several lines and has the wrong number of cells (``width``), or one of
  its later lines would be a whole row on its own (two stray quotes in one column
  close each other and give the right number of cells).

After such a refusal reading resumes at the line after the one it opened on,
so the rows a stray quote would have swallowed are read as rows.  Each physical
line then belongs to exactly one yielded record or one blank line: the spans of
the records plus :attr:`CsvRows.blank_lines` equal :attr:`CsvRows.lines`.

:func:`find_bad_bytes` locates the first byte that does not decode (UTF-8 by default:
:func:`find_bad_utf8`) by the file's line and byte offset (a decoder names a position
in its buffer).
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple

__all__ = [
    "CELL_LIMIT",
    "MAX_RECORD_LINES",
    "BadByte",
    "CsvRow",
    "CsvRows",
    "find_bad_bytes",
    "find_bad_utf8",
]

MAX_RECORD_LINES = 100
"""The most physical lines one record may span.  A quoted cell may hold line breaks
(a complaint's description); one still open after 100 lines is taken to be a stray
quote.  The 58,119 Boston 311 rows span one line each."""

CELL_LIMIT = csv.field_size_limit()
"""The longest cell the ``csv`` reader takes: 131,072 characters (its default limit)."""


class CsvRow(NamedTuple):
    """One record: the physical lines it spans and its cells, or why it cannot be read."""

    line: int
    last_line: int
    cells: list[str]
    problem: str = ""
    """Empty for a readable record; else the reason (``cells`` is then empty)."""


_row = tuple.__new__
"""Builds a :class:`CsvRow` without the keyword machinery (one per line of a file)."""


class CsvRows:
    """The records of ``lines`` (physical lines, their line breaks kept), blank lines skipped.

    ``first_line`` is the number of the first line given.  Set :attr:`width` (the
    header's cell count) once the header is read, so a record that spans lines with
    the wrong number of cells, or over lines that are rows of their own, is refused as
    a stray quote rather than swallowing rows.
    """

    def __init__(
        self,
        lines: Iterable[str],
        *,
        delimiter: str = ",",
        first_line: int = 1,
        max_lines: int = MAX_RECORD_LINES,
    ) -> None:
        self.width: int | None = None
        self.blank_lines = 0
        self._source = iter(lines)
        self._delimiter = delimiter
        self._max = max_lines
        self._first = first_line
        self._next = first_line  # the number of the next line the csv reader gets
        self._pending: deque[str] = deque()  # lines to read again after a refusal
        self._record: list[str] = []  # the lines of the record being read
        self._eof = False

    @property
    def lines(self) -> int:
        """How many physical lines were read so far."""
        return self._next - self._first

    def _feed(self) -> Iterator[str]:
        record, pending = self._record, self._pending
        append = record.append
        while pending:
            line = pending.popleft()
            append(line)
            yield line
        for line in self._source:
            append(line)  # the record's lines, to read again if it is refused
            yield line
        self._eof = True  # only a record inside a quoted cell asks past the last line

    def __iter__(self) -> Iterator[CsvRow]:
        record = self._record
        while True:
            reader = csv.reader(self._feed(), delimiter=self._delimiter)
            line = self._next
            try:
                for cells in reader:
                    span = len(record)
                    if span == 1 and not self._eof:  # nearly every record: one whole line
                        record.clear()
                        self._next = line = line + 1
                        if cells:
                            yield _row(CsvRow, (line - 1, line - 1, cells, ""))
                        else:
                            self.blank_lines += 1
                        continue
                    last = line + span - 1
                    why = self._open_at_end(line) or self._too_long(line)
                    why = why or self._swallowed(cells, line, last)
                    if why:
                        break
                    record.clear()
                    self._next = line = last + 1
                    yield _row(CsvRow, (line - span, last, cells, ""))
                else:
                    return
            except csv.Error as exc:
                why = self._too_long(line) or _csv_reason(exc)
            yield self._refuse(line, why)

    def _open_at_end(self, line: int) -> str:
        if not self._eof:
            return ""
        return (
            f"a quoted cell opened on line {line} is never closed (the file ends inside it): "
            "an unbalanced quote?"
        )

    def _too_long(self, line: int) -> str:
        if len(self._record) <= self._max:
            return ""
        return (
            f"a quoted cell opened on line {line} is still open after {self._max} lines: "
            "an unbalanced quote?"
        )

    def _swallowed(self, cells: list[str], line: int, last: int) -> str:
        """Why a record over several lines looks like rows swallowed by a stray quote."""
        if self.width is None:
            return ""
        if len(cells) != self.width:
            return (
                f"the row runs over lines {line}-{last} and has {len(cells)} cells, "
                f"the header has {self.width}: an unbalanced quote?"
            )
        for number, text in enumerate(self._record[1:], start=line + 1):
            try:
                alone = next(csv.reader([text], delimiter=self._delimiter), [])
            except csv.Error:
                continue
            if len(alone) == self.width:
                return (
                    f"a quoted cell opened on line {line} runs to line {last}, and line "
                    f"{number} inside it reads as a row of its own: an unbalanced quote?"
                )
        return ""

    def _refuse(self, line: int, reason: str) -> CsvRow:
        """Refuse the record opened on ``line``; read its other lines again as rows."""
        record = self._record
        if len(record) > 1:
            reason += f" (line {line} refused; reading resumes at line {line + 1})"
        self._pending.extendleft(reversed(record[1:]))
        record.clear()
        self._eof = False
        self._next = line + 1
        return _row(CsvRow, (line, line, [], reason))


def _csv_reason(exc: csv.Error) -> str:
    if "field limit" in str(exc):
        return f"a cell is longer than {CELL_LIMIT:,} characters (the most a CSV cell may hold)"
    return f"not valid CSV: {exc}"


class BadByte(NamedTuple):
    """Where the first byte that does not decode is: physical line, byte in it, offset in
    the file, and the line's bytes (to try other encodings on)."""

    line: int
    column: int
    """1-based byte position in the line."""
    offset: int
    """0-based byte offset from the start of the file (of the uncompressed data for .gz)."""
    byte: int
    encoding: str = "UTF-8"
    """The encoding it is not."""
    text: bytes = b""
    """The whole physical line holding it, line break and all."""

    def describe(self) -> str:
        """``byte 0xb0 at byte 21 of line 61 (offset 3,434) is not UTF-8``."""
        return (
            f"byte 0x{self.byte:02x} at byte {self.column} of line {self.line} "
            f"(offset {self.offset:,} in the file) is not {self.encoding}"
        )


def find_bad_utf8(stream: Iterable[bytes]) -> BadByte | None:
    """The first byte of ``stream`` that is not UTF-8 (:func:`find_bad_bytes`)."""
    return find_bad_bytes(stream, "utf-8")


def find_bad_bytes(stream: Iterable[bytes], encoding: str) -> BadByte | None:
    """The first byte of ``stream`` that does not decode as ``encoding``, by physical line;
    ``None`` if all do.

    Lines break at ``\\r\\n``, ``\\n`` and a lone ``\\r``, as the CSV reader counts
    them.  In an ASCII-compatible encoding (UTF-8, GBK, GB18030: the ones replay
    reads) a line break is never inside a character, so each ``\\n``-ended chunk
    decodes on its own.
    """
    line, offset = 1, 0
    for chunk in stream:
        try:
            chunk.decode(encoding)
        except UnicodeDecodeError as exc:
            before = chunk[: exc.start]  # ends before the chunk's "\n": every "\r" is lone
            line += before.count(b"\r")
            start = before.rfind(b"\r") + 1
            column = exc.start - start + 1  # 1-based
            end = chunk.find(b"\r", exc.start)
            text = chunk[start:] if end < 0 else chunk[start : end + 1]
            utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8")
            name = "UTF-8" if utf8 else encoding
            return BadByte(line, column, offset + exc.start, chunk[exc.start], name, text)
        line += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        offset += len(chunk)
    return None
