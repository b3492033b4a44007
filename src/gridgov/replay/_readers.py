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

import csv
import gzip
import io
import json
import operator
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

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

    def bytes_read(self) -> int:
        """How far into the stored file the reader is."""
        raw = self._raw
        if raw is None or raw.closed:
            return self.bytes_total if raw is not None else 0
        return raw.tell()

    def _open_text(self) -> IO[str]:
        self._raw = raw = open(self.path, "rb")  # noqa: SIM115 - closed by the caller's finally
        if self.path.suffix == ".gz":
            unzipped = gzip.GzipFile(fileobj=raw, mode="rb")
            return io.TextIOWrapper(unzipped, encoding="utf-8-sig", newline="")
        return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")

    def records(self, wanted: Sequence[str]) -> Iterator[Record]:
        """Yield every record of the file with the ``wanted`` columns."""
        text = self._open_text()
        try:
            if self.format == "csv":
                yield from self._csv(text, wanted)
            elif self.format == "jsonl":
                yield from _jsonl(text, wanted)
            else:
                yield from _xes(text, wanted, str(self.path))
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise InvalidInput([Problem(str(self.path), f"cannot read the file: {exc}")]) from exc
        finally:
            text.close()
            if self._raw is not None:
                self._raw.close()  # a GzipFile does not close the file it was given

    def _csv(self, text: IO[str], wanted: Sequence[str]) -> Iterator[Record]:
        reader = csv.reader(text, delimiter=self.delimiter)
        header = next(reader, None)
        if header is None:
            raise InvalidInput([Problem(str(self.path), "the file is empty: expected a header")])
        index = {name.strip(): i for i, name in enumerate(header)}
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
        width = len(header)
        previous_end = 1
        for row in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if len(row) != width:
                if not row:
                    continue  # a blank line is not a record
                yield line, f"has {len(row)} fields, the header has {width}"
                continue
            yield line, pick(row)


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


def _jsonl(text: IO[str], wanted: Sequence[str]) -> Iterator[Record]:
    for line, raw in enumerate(text, start=1):
        if not raw.strip():
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
