"""Streaming readers: CSV (plain or gzip), JSON Lines and XES, one record at a time.

Each reader yields ``(line, values)`` where ``values`` holds the wanted columns
in the order asked (an absent value is ``""``), or a ``str`` saying why the
record could not be read.  Nothing is loaded whole: memory stays flat however
large the file.  XES (the IEEE process-mining standard pm4py reads) is read
with an incremental XML parser, clearing each trace once it is done; trace
attributes appear as ``case:<key>`` as in pm4py (``case:concept:name`` is the
case id).
"""

from __future__ import annotations

import gzip
import io
import json
import operator
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from gridgov._csvrows import BadByte, CsvRows, find_bad_bytes
from gridgov.errors import InvalidInput, Problem

__all__ = ["InputFile", "Record"]

Record = tuple[int, tuple[str, ...] | str]
"""``(line, values)`` or ``(line, reason the record cannot be read)``."""


class InputFile:
    """One input file, its format taken from the mapping or from its extension.

    ``bytes_total`` and :meth:`bytes_read` measure progress on the file as
    stored (compressed bytes for ``.gz``), so a progress bar can show an ETA.
    """

    def __init__(self, path: str | Path, fmt: str | None = None, *, delimiter: str = ",") -> None:
        self.path = Path(path)
        self.format = fmt or _format_from_name(self.path)
        self.delimiter = delimiter
        try:
            self.bytes_total = os.path.getsize(self.path)
        except OSError as exc:
            raise InvalidInput([Problem(str(self.path), f"cannot read: {exc.strerror}")]) from exc
        self._raw: IO[bytes] | None = None
        self.lines: int | None = None
        """Physical lines read (CSV and JSON Lines; ``None`` for XES, read by element)."""
        self.header_lines = 0
        self.blank_lines = 0
        self.continuation_lines = 0
        """Lines after the first of the records whose quoted cells span lines."""

    def bytes_read(self) -> int:
        """How far into the stored file the reader is."""
        raw = self._raw
        if raw is None or raw.closed:
            return self.bytes_total if raw is not None else 0
        return raw.tell()

    def _open_text(self, encoding: str) -> IO[str]:
        self._raw = raw = open(self.path, "rb")  # noqa: SIM115 - closed by the caller's finally
        codec = _decoding(encoding)
        if self.path.suffix == ".gz":
            unzipped = gzip.GzipFile(fileobj=raw, mode="rb")
            return io.TextIOWrapper(unzipped, encoding=codec, newline="")
        return io.TextIOWrapper(raw, encoding=codec, newline="")

    def records(self, wanted: Sequence[str], *, encoding: str = "utf-8") -> Iterator[Record]:
        """Yield every record of the file with the ``wanted`` columns, decoded as
        ``encoding`` (UTF-8 by default; a byte-order mark is skipped).

        Afterwards :attr:`lines` counts the file's physical lines: the header's, each
        record's (a quoted cell may span lines), and the blank ones in :attr:`blank_lines`.
        """
        self.lines, self.header_lines, self.blank_lines = None, 0, 0
        self.continuation_lines = 0  # counted afresh by each pass over the file
        text = self._open_text(encoding)
        try:
            if self.format == "csv":
                yield from self._csv(text, wanted)
            elif self.format == "jsonl":
                yield from self._jsonl(text, wanted)
            elif self.format == "open311":
                from gridgov.replay._open311 import open311_records

                yield from open311_records(text, wanted, str(self.path))
            else:
                yield from _xes(text, wanted, str(self.path))
        except UnicodeDecodeError as exc:
            raise InvalidInput([self._bad_byte(exc, encoding)]) from exc
        except (OSError, EOFError) as exc:
            raise InvalidInput([Problem(str(self.path), f"cannot read the file: {exc}")]) from exc
        finally:
            text.close()
            if self._raw is not None:
                self._raw.close()  # a GzipFile does not close the file it was given

    def line_counts(self) -> dict[str, int]:
        """Where the lines read went (empty for XES): ``lines`` is the sum of the others and
        of the records read."""
        if self.lines is None:
            return {}
        return {
            "lines": self.lines,
            "header_lines": self.header_lines,
            "blank_lines": self.blank_lines,
            "continuation_lines": self.continuation_lines,
        }

    def _bad_byte(self, exc: UnicodeDecodeError, encoding: str) -> Problem:
        """Where the byte that does not decode is in the file (the decoder only knows its
        buffer), and the mapping's ``encoding`` that would read it."""
        with open(self.path, "rb") as raw:
            stream = gzip.GzipFile(fileobj=raw) if self.path.suffix == ".gz" else raw
            bad = find_bad_bytes(stream, _decoding(encoding))
        if bad is None:  # pragma: no cover - the decoder found one
            return Problem(str(self.path), f"cannot read the file: {exc}")
        of = " of the uncompressed data" if self.path.suffix == ".gz" else ""
        reason = f"wrong encoding: {bad.describe()}{of} ({_suggestion(bad, encoding)})"
        return Problem(str(self.path), reason, line=bad.line, field="encoding")

    def _csv(self, text: IO[str], wanted: Sequence[str]) -> Iterator[Record]:
        table = CsvRows(text, delimiter=self.delimiter)
        rows = iter(table)
        header = next(rows, None)
        self.lines, self.blank_lines = table.lines, table.blank_lines
        if header is None:
            raise InvalidInput([Problem(str(self.path), "the file is empty: expected a header")])
        if header.problem:
            raise InvalidInput(
                [Problem(str(self.path), f"header: {header.problem}", line=header.line)]
            )
        index = {name.strip(): i for i, name in enumerate(header.cells)}
        missing = [w for w in wanted if w not in index]
        if missing:
            raise InvalidInput(
                [
                    Problem(str(self.path), f"no column {m!r} in the header", line=1, field=m)
                    for m in missing
                ]
            )
        picks = [index[w] for w in wanted]
        pick = operator.itemgetter(*picks) if len(picks) > 1 else (lambda r: (r[picks[0]],))
        width = table.width = len(header.cells)
        self.header_lines = header.last_line - header.line + 1
        try:
            for line, last, row, problem in rows:
                if last != line:  # a quoted cell over several lines
                    self.continuation_lines += last - line
                if problem:
                    yield line, problem
                elif len(row) != width:
                    yield line, f"has {len(row)} fields, the header has {width}"
                else:
                    yield line, pick(row)
        finally:
            self.lines, self.blank_lines = table.lines, table.blank_lines

    def _jsonl(self, text: IO[str], wanted: Sequence[str]) -> Iterator[Record]:
        line = 0
        try:
            for line, raw in enumerate(text, start=1):
                if not raw.strip():
                    self.blank_lines += 1
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    yield line, f"not valid JSON: {exc.msg} at column {exc.colno}"
                    continue
                if not isinstance(obj, dict):
                    yield line, f"expected a JSON object, found {type(obj).__name__}"
                    continue
                yield line, tuple(_text(obj.get(w)) for w in wanted)
        finally:
            self.lines = line


ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030")
"""The encodings the docs name (any ASCII-compatible codec Python knows is read)."""


def _decoding(encoding: str) -> str:
    """The codec that reads ``encoding``: UTF-8 skips a byte-order mark either way."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _suggestion(bad: BadByte, encoding: str) -> str:
    """Which ``encoding`` setting reads the bad line, if one of the usual ones does."""
    for candidate in ("utf-8", "gb18030"):
        if _decoding(candidate) == _decoding(encoding):
            continue
        try:
            bad.text.decode(candidate)
        except UnicodeDecodeError:
            continue
        return (
            f'the line reads as {candidate.upper()}: set encoding = "{candidate}" in the mapping'
            + ("; GBK exports read as GB18030, its superset" if candidate == "gb18030" else "")
        )
    return (
        f'the mapping reads it as encoding = "{encoding}"; set the file\'s own encoding '
        f"there ({', '.join(ENCODINGS)}, or another that Python knows)"
    )


def _format_from_name(path: Path) -> str:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    ext = suffixes[-1].lstrip(".").lower() if suffixes else ""
    if ext in ("csv", "tsv", "txt"):
        return "csv"
    if ext in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if ext == "xes":
        return "xes"
    raise InvalidInput(
        [Problem(str(path), "cannot tell the format from the name: expected .csv, .jsonl or .xes")]
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element: ET.Element) -> dict[str, str]:
    return {
        child.attrib["key"]: child.attrib.get("value", "")
        for child in element
        if "key" in child.attrib
    }


def _xes(text: IO[str], wanted: Sequence[str], source: str) -> Iterator[Record]:
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    stack: list[str] = []  # local tag names from the root to the current element
    trace: dict[str, str] = {}
    event_line = 0
    root: ET.Element | None = None
    for line, raw in enumerate(text, start=1):
        try:
            parser.feed(raw)
            events = list(parser.read_events())
        except ET.ParseError as exc:
            raise InvalidInput([Problem(source, f"not valid XML: {exc}", line=line)]) from exc
        for event in events:
            if len(event) != 2 or not isinstance(event[1], ET.Element):
                continue  # only start/end events, with their element, were asked for
            kind, element = event[0], event[1]
            tag = _local(element.tag)
            if kind == "start":
                stack.append(tag)
                root = element if root is None else root
                if tag == "event":
                    event_line = line
                continue
            stack.pop()
            parent = stack[-1] if stack else ""
            if tag == "event":
                values = {**trace, **_attributes(element)}
                yield event_line, tuple(values.get(w, "") for w in wanted)
                element.clear()
            elif tag == "trace":
                trace = {}
                element.clear()
                if root is not None and parent == "log":
                    root.remove(element)  # the finished trace is the log's last child
            elif parent == "trace" and "key" in element.attrib:
                trace[f"case:{element.attrib['key']}"] = element.attrib.get("value", "")
    parser.close()
