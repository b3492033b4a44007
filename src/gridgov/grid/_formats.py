"""Reading the three file formats into raw records, each with its line.

Area files: CSV (``code,name,level,parent_code,...``, optional leading
``# levels: ...`` comment), JSON and TOML (``levels``, ``areas`` and ``units``
keys).  Other record files (the people file of :mod:`gridgov.workflow`) use
:func:`read_records`: the same CSV reader with a closed set of columns, and a
JSON/TOML document holding one list.  Nothing here checks the records
themselves: that is :mod:`gridgov.grid._records` and :mod:`gridgov.grid._checks`
(and the people file's own checks).
"""

from __future__ import annotations

import functools
import io
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gridgov._csvrows import CsvRows, find_bad_utf8
from gridgov._toml import syntax_problem
from gridgov.errors import Problem

__all__ = ["RawFile", "RawRecord", "decode", "read_csv", "read_document", "read_records"]

_LEVELS_DIRECTIVE = re.compile(r"^#\s*levels\s*:\s*(?P<spec>.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read, and where it was (``index`` counts from 0 in its list)."""

    data: dict[str, Any]
    line: int | None
    index: int


@dataclass(slots=True)
class RawFile:
    """What a file declared: its level set text, its records, units, and problems.

    ``records`` are an area document's areas, or the rows of a CSV file or the list
    of a one-list document (units, people) whatever they describe.
    """

    levels: str | list[str] | None = None
    levels_line: int | None = None
    records: list[RawRecord] = field(default_factory=list)
    units: list[RawRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes, source: str) -> str | Problem:
    """UTF-8 text (a BOM is allowed), or a problem naming the line and byte offset of the
    first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bad = find_bad_utf8(io.BytesIO(data))
        assert bad is not None  # the bytes did not decode: one of them is not UTF-8
        reason = (
            f"wrong encoding: {bad.describe()} "
            "(save the file as UTF-8; GBK/GB18030 exports must be converted first)"
        )
        return Problem(source, reason, line=bad.line)


# --------------------------------------------------------------------------- CSV


def read_csv(
    text: str, source: str, required: Sequence[str], *, known: Sequence[str] | None = None
) -> RawFile:
    """Rows of a CSV file with a header; leading ``#`` lines are comments.

    A ``# levels: city > district > street? > community`` comment declares the level set.
    With ``known``, a header column outside it is a problem (area files take any column).
    """
    raw = RawFile()
    # The file's physical lines: str.splitlines would also break at U+2028, form feed
    # and the like, and every later line number would be off.
    lines = io.StringIO(text, newline="").readlines()
    skipped = 0
    while skipped < len(lines) and lines[skipped].lstrip().startswith("#"):
        match = _LEVELS_DIRECTIVE.match(lines[skipped].strip())
        if match:
            raw.levels, raw.levels_line = match["spec"].strip(), skipped + 1
        skipped += 1
    table = CsvRows(lines[skipped:], first_line=skipped + 1)
    rows = iter(table)
    first = next(rows, None)
    if first is None:
        line = skipped + 1
        raw.problems.append(Problem(source, "empty file: expected a header line", line=line))
        return raw
    if first.problem:
        raw.problems.append(Problem(source, f"header: {first.problem}", line=first.line))
        return raw
    header_line = first.line
    columns = [c.strip().lower() for c in first.cells]
    missing = [c for c in required if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or repeated or "" in columns:
        reason = f"header must name the columns {', '.join(required)} (each once, none empty)"
        detail = f"; missing {missing}" if missing else f"; repeated {repeated}" if repeated else ""
        raw.problems.append(Problem(source, reason + detail, line=header_line))
        return raw
    unknown = [c for c in columns if known is not None and c not in known]
    if unknown:
        reason = f"unknown columns {unknown} (expected {', '.join(known or ())})"
        raw.problems.append(Problem(source, reason, line=header_line))
        return raw
    table.width = len(columns)  # a row over lines with other cells is a stray quote
    for index, row in enumerate(rows):
        # A quoted cell may span lines: a row's line is the first one it occupies.
        if row.problem:
            raw.problems.append(Problem(source, row.problem, line=row.line))
            continue
        if not any(cell.strip() for cell in row.cells):
            continue
        if len(row.cells) != len(columns):
            reason = f"row has {len(row.cells)} cells, the header has {len(columns)}"
            raw.problems.append(Problem(source, reason, line=row.line))
            continue
        raw.records.append(RawRecord(dict(zip(columns, row.cells, strict=True)), row.line, index))
    return raw


# --------------------------------------------------------------------------- JSON / TOML


_UNREADABLE = object()


def _parse(text: str, source: str, fmt: str, raw: RawFile) -> Any:
    """The JSON or TOML document in ``text``; ``_UNREADABLE`` after adding its syntax
    error to ``raw`` (a JSON ``null`` is a document, and gets the shape error)."""
    try:
        return json.loads(text) if fmt == "json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raw.problems.append(Problem(source, f"not valid JSON: {exc.msg}", line=exc.lineno))
    except tomllib.TOMLDecodeError as exc:
        raw.problems.append(syntax_problem(exc, source))
    return _UNREADABLE


def read_document(text: str, source: str, fmt: str) -> RawFile:
    """A JSON or TOML area document: ``{"levels": ..., "areas": [...], "units": [...]}``.

    A JSON document may also be a bare list of areas.
    """
    raw = RawFile()
    document = _parse(text, source, fmt, raw)
    if document is _UNREADABLE:
        return raw
    if isinstance(document, list):
        document = {"areas": document}
    if not isinstance(document, dict):
        raw.problems.append(Problem(source, "expected a table with an 'areas' list"))
        return raw
    unknown = sorted(set(document) - {"levels", "areas", "units"})
    if unknown:
        reason = f"unknown top-level keys {unknown} (expected levels, areas, units)"
        raw.problems.append(Problem(source, reason))
    raw.levels = _levels_value(document.get("levels"), source, raw.problems)
    if raw.levels is not None:
        levels_key = r'"levels"\s*:' if fmt == "json" else r"(?m)^\s*levels\s*="
        raw.levels_line = _find_line(text, re.compile(levels_key), 0)[0]
    raw.records = _records(document, "areas", text, source, fmt, raw.problems)
    raw.units = _records(document, "units", text, source, fmt, raw.problems)
    if "areas" not in document:
        raw.problems.append(Problem(source, "no 'areas' list", field="areas"))
    return raw


def read_records(
    text: str,
    source: str,
    fmt: str,
    *,
    key: str,
    id_key: str,
    required: Sequence[str],
    known: Sequence[str],
) -> RawFile:
    """The records of a one-list file, in ``raw.records`` like a CSV file's rows.

    CSV: a header naming every ``required`` column and no column outside ``known``.
    JSON and TOML: ``{key: [...]}`` (JSON also a bare list); a record's line is
    that of its ``id_key``; a key outside ``known`` is a problem on that record.
    """
    if fmt == "csv":
        return read_csv(text, source, required, known=known)
    raw = RawFile()
    document = _parse(text, source, fmt, raw)
    if document is _UNREADABLE:
        return raw
    if isinstance(document, list):
        document = {key: document}
    if not isinstance(document, dict) or key not in document:
        raw.problems.append(Problem(source, f"expected a table with a {key!r} list", field=key))
        return raw
    unknown = sorted(set(document) - {key})
    if unknown:
        raw.problems.append(Problem(source, f"unknown top-level keys {unknown} (expected {key})"))
    raw.records = _records(document, key, text, source, fmt, raw.problems, id_key=id_key)
    for record in raw.records:
        for name in record.data:
            if name not in known:
                where = f"{key}[{record.index}].{name}" if record.line is None else name
                reason = f"unknown column {name!r} (expected {', '.join(known)})"
                raw.problems.append(Problem(source, reason, line=record.line, field=where))
    return raw


def _levels_value(value: Any, source: str, problems: list[Problem]) -> str | list[str] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    reason = "levels must be a string like 'district > community > grid' or a list of names"
    problems.append(Problem(source, reason, field="levels"))
    return None


def _records(
    document: dict[str, Any],
    key: str,
    text: str,
    source: str,
    fmt: str,
    problems: list[Problem],
    *,
    id_key: str = "code",
) -> list[RawRecord]:
    items = document.get(key, [])
    if not isinstance(items, list):
        problems.append(Problem(source, f"'{key}' must be a list of tables", field=key))
        return []
    records: list[RawRecord] = []
    lines = _CodeLines(text, fmt, id_key)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(source, "expected a table/object", field=f"{key}[{index}]"))
            continue
        code = item.get(id_key)
        records.append(RawRecord(item, lines.next(code) if isinstance(code, str) else None, index))
    return records


@functools.cache
def _key_pattern(fmt: str, key: str) -> re.Pattern[str]:
    """``"key": "value"`` (JSON) or ``key = "value"`` / ``key = 'value'`` (TOML)."""
    name = re.escape(key)
    if fmt == "json":
        return re.compile(rf'"{name}"\s*:\s*"((?:[^"\\]|\\.)*)"')
    return re.compile(rf"""(?<![\w"'.-]){name}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')""")


class _CodeLines:
    """The lines of ``code = "..."`` keys (or another identifying key), in file order.

    tomllib and json give no positions, but records come in file order: each
    record's line is that of the next ``code`` key holding its code.  One pass
    over the text, so a 200,000-area file costs no more than reading it.
    """

    def __init__(self, text: str, fmt: str, key: str = "code") -> None:
        self._found: list[tuple[str, int]] = []
        line, last = 1, 0
        for match in _key_pattern(fmt, key).finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            self._found.append((_unescape(*match.groups()), line))
        self._next = 0

    def next(self, code: str) -> int | None:
        """The line of the next ``code`` key holding ``code``; ``None`` if none follows."""
        for i in range(self._next, len(self._found)):
            value, line = self._found[i]
            if value == code:
                self._next = i + 1
                return line
        return None


def _unescape(basic: str | None, literal: str | None = None) -> str:
    """A quoted value as the parser read it: JSON/TOML basic-string escapes undone."""
    if basic is None:
        return literal or ""
    try:
        return str(json.loads(f'"{basic}"'))
    except json.JSONDecodeError:
        return basic


def _find_line(text: str, pattern: re.Pattern[str], start: int) -> tuple[int | None, int]:
    """The line of the first match at or after ``start``, and where to look next."""
    match = pattern.search(text, start)
    if match is None:
        return None, start
    return text.count("\n", 0, match.start()) + 1, match.end()
