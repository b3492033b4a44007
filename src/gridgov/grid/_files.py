"""Loading and saving area hierarchies: CSV, JSON and TOML, all or nothing.

:func:`load_areas` reads a file (and optionally a units CSV), checks every
record and the hierarchy as a whole, and either returns the complete
:class:`AreaFile` or raises one :class:`~gridgov.errors.AreaFileError` that
lists every problem with its file, line and field.  Nothing is half-loaded.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import tomli_w

from gridgov.errors import AreaFileError, Problem
from gridgov.grid._area import Area, BBox, Point
from gridgov.grid._formats import RawFile, RawRecord, decode, read_csv, read_document
from gridgov.grid._levels import DEFAULT_LEVELS, LevelSet
from gridgov.grid._records import AREA_COLUMNS, UNIT_COLUMNS, area_from_record, unit_from_record
from gridgov.grid._tree import AreaTree
from gridgov.grid._units import Directory, Unit

__all__ = [
    "AreaFile",
    "Format",
    "dump_areas",
    "dump_units",
    "format_of",
    "load_areas",
    "parse_areas",
    "write_areas",
]

Format = Literal["csv", "json", "toml"]
_SUFFIXES: dict[str, Format] = {".csv": "csv", ".json": "json", ".toml": "toml"}


@dataclass(frozen=True, slots=True)
class AreaFile:
    """A loaded hierarchy: where it came from, the tree, and the units on it."""

    source: str
    tree: AreaTree
    directory: Directory


def format_of(path: str | Path) -> Format:
    """The format a file name's suffix says (``.csv``, ``.json``, ``.toml``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise AreaFileError(
            [Problem(str(path), f"unknown file type {suffix!r}: expected .csv, .json or .toml")]
        )
    return _SUFFIXES[suffix]


def load_areas(
    path: str | Path, *, levels: LevelSet | None = None, units: str | Path | None = None
) -> AreaFile:
    """Read and check an area file; ``units`` is an optional units CSV.

    ``levels`` overrides the level set the file declares; without either, the
    default ``district → community → grid → micro_grid`` applies.
    """
    source = str(path)
    data = _read_bytes(path)
    unit_text = None
    if units is not None:
        unit_text = (str(units), _read_bytes(units))
    return _load(data, source, format_of(path), levels, unit_text)


def parse_areas(
    text: str, fmt: Format, *, source: str = "<text>", levels: LevelSet | None = None
) -> AreaFile:
    """Like :func:`load_areas` for text already in memory."""
    return _load(text.encode("utf-8"), source, fmt, levels, None)


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise AreaFileError([Problem(str(path), f"cannot read: {exc.strerror}")]) from exc


def _load(
    data: bytes,
    source: str,
    fmt: Format,
    levels: LevelSet | None,
    unit_file: tuple[str, bytes] | None,
) -> AreaFile:
    raw = _read_raw(data, source, fmt, ("code", "name", "level", "parent_code"))
    problems = raw.problems
    unit_records: list[tuple[str, RawRecord]] = [(source, r) for r in raw.units]
    if unit_file is not None:
        unit_source, unit_data = unit_file
        unit_raw = _read_raw(unit_data, unit_source, "csv", UNIT_COLUMNS[:4])
        problems.extend(unit_raw.problems)
        unit_records += [(unit_source, r) for r in unit_raw.records]  # a CSV's rows
    level_set = levels or _declared_levels(raw, source, problems) or DEFAULT_LEVELS
    areas, lines = _areas(raw.records, source, problems)
    if not raw.records and not problems:
        problems.append(Problem(source, "no areas: the file holds no records"))
    try:  # the tree runs the structure checks once; their problems join the others
        tree: AreaTree | None = AreaTree(areas, level_set, source=source, lines=lines)
    except AreaFileError as exc:
        problems.extend(exc.problems)
        tree = None
    units = _units(unit_records, {a.code for a in areas}, problems)
    if problems or tree is None:
        # The area file's problems first, then the units file's; each by line.
        problems.sort(key=lambda p: (p.source != source, p.line is None, p.line or 0))
        raise AreaFileError(problems)
    return AreaFile(source, tree, Directory(tree, units))


def _read_raw(data: bytes, source: str, fmt: Format, required: tuple[str, ...]) -> RawFile:
    text = decode(data, source)
    if isinstance(text, Problem):
        return RawFile(problems=[text])
    if fmt == "csv":
        return read_csv(text, source, required)
    return read_document(text, source, fmt)


def _declared_levels(raw: RawFile, source: str, problems: list[Problem]) -> LevelSet | None:
    if raw.levels is None:
        return None
    try:
        if isinstance(raw.levels, str):
            return LevelSet.parse(raw.levels)
        return LevelSet.parse(",".join(raw.levels))
    except ValueError as exc:
        problems.append(Problem(source, str(exc), line=raw.levels_line, field="levels"))
        return None


def _where(record: RawRecord, problem: Problem, key: str) -> Problem:
    """Name the record by index when its line is unknown (JSON/TOML without a code)."""
    if problem.line is not None or record.line is not None:
        return problem
    field = f"{key}[{record.index}]" + (f".{problem.field}" if problem.field else "")
    return Problem(problem.source, problem.reason, line=None, field=field)


def _areas(
    records: list[RawRecord], source: str, problems: list[Problem]
) -> tuple[list[Area], list[int | None]]:
    areas: list[Area] = []
    lines: list[int | None] = []
    for record in records:
        result = area_from_record(record.data, source=source, line=record.line)
        area = result if isinstance(result, Area) else _skeleton(record.data)
        if isinstance(result, list):
            # The bare node is still checked, so its children do not report it missing.
            problems.extend(_where(record, p, "areas") for p in result)
        if area is not None:
            areas.append(area)
            lines.append(record.line)
    return areas, lines


def _skeleton(data: dict[str, Any]) -> Area | None:
    """The bare node of a record whose metadata is wrong, for the structure checks."""
    code, name, level, parent = (data.get(k) for k in ("code", "name", "level", "parent_code"))
    if not all(isinstance(v, str) for v in (code, name, level)):
        return None
    parent_code = parent.strip() or None if isinstance(parent, str) else None
    return Area(str(code).strip(), str(name).strip(), str(level).strip(), parent_code)


def _units(
    records: list[tuple[str, RawRecord]], area_codes: set[str], problems: list[Problem]
) -> list[Unit]:
    units: list[Unit] = []
    seen: dict[str, int | None] = {}
    for source, record in records:
        result = unit_from_record(record.data, source=source, line=record.line)
        if isinstance(result, list):
            problems.extend(_where(record, p, "units") for p in result)
            continue
        if result.code in seen:
            reason = f"duplicate unit code {result.code!r} (first at line {seen[result.code]})"
            problems.append(Problem(source, reason, line=record.line, field="code"))
            continue
        seen[result.code] = record.line
        if result.area_code not in area_codes:
            reason = f"unit {result.code!r}: unknown area {result.area_code!r}"
            problems.append(Problem(source, reason, line=record.line, field="area_code"))
            continue
        units.append(result)
    return units


# --------------------------------------------------------------------------- writing


def _area_record(area: Area) -> dict[str, Any]:
    record: dict[str, Any] = {"code": area.code, "name": area.name, "level": area.level}
    optional = {
        "parent_code": area.parent_code,
        "name_en": area.name_en,
        "households": area.households,
        "population": area.population,
    }
    record.update({k: v for k, v in optional.items() if v is not None})
    if isinstance(area.geometry, Point):
        record.update(lon=area.geometry.lon, lat=area.geometry.lat)
    elif isinstance(area.geometry, BBox):
        g = area.geometry
        record["bbox"] = [g.west, g.south, g.east, g.north]
    record.update(area.extra)
    return record


def _unit_record(unit: Unit) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": unit.code,
        "name": unit.name,
        "kind": str(unit.kind),
        "area_code": unit.area_code,
    }
    if unit.department:
        record["department"] = unit.department
    record.update(unit.extra)
    return record


def _csv(records: Iterable[dict[str, Any]], columns: tuple[str, ...], comment: str) -> str:
    rows = list(records)
    extra = sorted({k for r in rows for k in r} - set(columns))
    out = io.StringIO()
    out.write(comment)
    writer = csv.DictWriter(out, [*columns, *extra], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        if "bbox" in row:
            row = {**row, "bbox": " ".join(str(v) for v in row["bbox"])}
        writer.writerow(row)
    return out.getvalue()


def dump_areas(tree: AreaTree, fmt: Format, *, directory: Directory | None = None) -> str:
    """The hierarchy as text in ``fmt``; units go into JSON and TOML only.

    For CSV, write the units with :func:`dump_units` into a second file.
    """
    areas = [_area_record(a) for a in tree]
    if fmt == "csv":
        return _csv(areas, AREA_COLUMNS, f"# levels: {tree.levels.spec()}\n")
    document: dict[str, Any] = {"levels": tree.levels.spec(), "areas": areas}
    if directory is not None and len(directory):
        document["units"] = [_unit_record(u) for u in directory]
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return tomli_w.dumps(document)


def dump_units(directory: Directory) -> str:
    """The units as a CSV file (``code,name,kind,area_code,department``)."""
    return _csv((_unit_record(u) for u in directory), UNIT_COLUMNS, "")


def write_areas(path: str | Path, tree: AreaTree, *, directory: Directory | None = None) -> None:
    """Write the hierarchy to ``path`` in the format its suffix names."""
    Path(path).write_text(dump_areas(tree, format_of(path), directory=directory), "utf-8")
