"""The people who act on tickets (人员): CSV, JSON and TOML files, all or nothing.

A people file holds one record per person: ``id``, ``role`` (a role of the
permission policy), ``area_code`` (the home area: an area-scoped role acts on
tickets in its subtree), ``unit_code`` (the unit the person works in: tickets
dispatched to it reach them) and an optional ``name``.  :func:`load_people`
checks every record against the hierarchy, its units and the permission policy,
and either returns every person or raises one
:class:`~gridgov.errors.PeopleFileError` listing each problem with its file,
line and field.  The formats are those of the area files: CSV with a header,
JSON or TOML with a ``people`` list (JSON may be a bare list).

>>> from gridgov.grid import load_sample
>>> hangzhou = load_sample("hangzhou")
>>> text = "id,role,area_code,unit_code\\nli,grid_worker,,HZ-YH-CQ-ZM-G01-worker\\n"
>>> parse_people(text, "csv", hangzhou.directory).people[0].area_code
'HZ-YH-CQ-ZM-G01'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from gridgov._limits import field_problem
from gridgov.errors import AreaFileError, PeopleFileError, Problem
from gridgov.grid import Directory, Format, RawRecord, decode, format_of, read_records
from gridgov.workflow._permissions import (
    DEFAULT_PERMISSIONS,
    SYSTEM_ROLE,
    Actor,
    PermissionPolicy,
    Scope,
)

__all__ = ["PEOPLE_COLUMNS", "PeopleFile", "dump_people", "load_people", "parse_people"]

#: The columns of a people file, in the order files are written; ``name`` may be left out.
PEOPLE_COLUMNS = ("id", "role", "area_code", "unit_code", "name")
_REQUIRED = PEOPLE_COLUMNS[:4]


@dataclass(frozen=True, slots=True)
class PeopleFile:
    """A checked people file: where it came from and its people, in file order."""

    source: str
    people: tuple[Actor, ...]


def load_people(
    path: str | Path, directory: Directory, *, permissions: PermissionPolicy = DEFAULT_PERMISSIONS
) -> PeopleFile:
    """Read and check a people file against ``directory`` (areas and units) and ``permissions``."""
    source = str(path)
    try:
        fmt = format_of(path)
    except AreaFileError as exc:
        raise PeopleFileError(exc.problems) from None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PeopleFileError([Problem(source, f"cannot read: {exc.strerror}")]) from exc
    return _load(data, source, fmt, directory, permissions)


def parse_people(
    text: str,
    fmt: Format,
    directory: Directory,
    *,
    permissions: PermissionPolicy = DEFAULT_PERMISSIONS,
    source: str = "<text>",
) -> PeopleFile:
    """Like :func:`load_people` for text already in memory."""
    return _load(text.encode("utf-8"), source, fmt, directory, permissions)


def _load(
    data: bytes, source: str, fmt: Format, directory: Directory, permissions: PermissionPolicy
) -> PeopleFile:
    text = decode(data, source)
    if isinstance(text, Problem):
        raise PeopleFileError([text])
    raw = read_records(
        text, source, fmt, key="people", id_key="id", required=_REQUIRED, known=PEOPLE_COLUMNS
    )
    problems = raw.problems
    if not raw.records and not problems:
        problems.append(Problem(source, "no people: the file holds no records"))
    checker = _Checker(source, directory, permissions, problems)
    people = [p for p in (checker.person(r) for r in raw.records) if p is not None]
    if problems:
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        raise PeopleFileError(problems)
    return PeopleFile(source, tuple(people))


class _Checker:
    """Checks records one by one, remembering ids; every problem goes to ``problems``."""

    def __init__(
        self,
        source: str,
        directory: Directory,
        permissions: PermissionPolicy,
        problems: list[Problem],
    ) -> None:
        self._source = source
        self._directory = directory
        self._permissions = permissions
        self._problems = problems
        self._first_line: dict[str, int | None] = {}

    def person(self, record: RawRecord) -> Actor | None:
        """The person of one record, or None when it has problems (all of them reported)."""
        before = len(self._problems)
        values: dict[str, str | None] = {}
        unreadable: set[str] = set()  # not text: reported once, not again as empty
        for key in PEOPLE_COLUMNS:
            count = len(self._problems)
            values[key] = self._text(record, key)
            if len(self._problems) > count:
                unreadable.add(key)
        person_id, role = values["id"], values["role"]
        label = f"person {person_id!r}: " if person_id else ""
        stored = [("id", "actor_id", person_id), ("name", "name", values["name"])]
        for key, field, value in stored:  # what the store cannot hold fails here, by line
            why = field_problem(field, value) if value is not None else None
            if why is not None:
                self._add(record, key, why.replace(field, key, 1))
        if person_id is None:
            if "id" not in unreadable:
                self._add(record, "id", "empty id: every person needs one")
        elif person_id in self._first_line:
            first = self._first_line[person_id]
            where = f"line {first}" if first is not None else "an earlier record"
            self._add(record, "id", f"duplicate id {person_id!r} (first at {where})")
        else:
            self._first_line[person_id] = record.line
        if role == SYSTEM_ROLE:
            reason = (
                f"{label}role {SYSTEM_ROLE!r} is reserved for the engine's own timers "
                "(no person acts as it)"
            )
            self._add(record, "role", reason)
        elif role not in self._permissions.roles and "role" not in unreadable:
            known = ", ".join(self._permissions.roles)
            shown = f"unknown role {role!r}" if role else "empty role"
            self._add(record, "role", f"{label}{shown} (the permission policy has: {known})")
        area_code = self._area(record, label, values["area_code"], values["unit_code"])
        if role in self._permissions.roles and role != SYSTEM_ROLE and not unreadable:
            assert role is not None
            self._scope(record, label, role, area_code, values["unit_code"])
        if len(self._problems) > before or person_id is None or role is None:
            return None
        return Actor(person_id, role, area_code, values["unit_code"], name=values["name"])

    def _text(self, record: RawRecord, key: str) -> str | None:
        value = record.data.get(key)
        if type(value) is str:  # nearly every value: the one check most records need
            return value.strip() or None
        if isinstance(value, bool) or not isinstance(value, str | int | float | None):
            self._add(record, key, f"expected text, got {value!r}")
            return None
        text = "" if value is None else str(value).strip()
        return text or None

    def _area(
        self, record: RawRecord, label: str, area_code: str | None, unit_code: str | None
    ) -> str | None:
        """The person's home area: as given, else their unit's; its problems reported."""
        tree = self._directory.tree
        known_area = area_code is None or area_code in tree
        if not known_area:
            reason = f"{label}unknown area {area_code!r} (no area of the hierarchy has this code)"
            self._add(record, "area_code", reason)
        if unit_code is None:
            return area_code
        unit = self._directory.find(unit_code)
        if unit is None:
            reason = f"{label}unknown unit {unit_code!r} (no unit of the hierarchy has this code)"
            self._add(record, "unit_code", reason)
            return area_code
        if area_code is None:
            return unit.area_code
        if known_area and not tree.is_within(area_code, unit.area_code):
            reason = (
                f"{label}unit {unit_code!r} sits on area {unit.area_code!r}, which does not "
                f"cover the person's area {area_code!r} (expected a unit of that area or above it)"
            )
            self._add(record, "unit_code", reason)
        return area_code

    def _scope(
        self, record: RawRecord, label: str, role: str, area_code: str | None, unit: str | None
    ) -> None:
        """A role that acts within an area needs one; a role acting on assigned tickets, a unit."""
        scope = self._permissions.roles[role].scope
        if scope is Scope.AREA and area_code is None:
            reason = f"{label}role {role!r} acts on tickets within its area: give an area_code"
            self._add(record, "area_code", reason)
        if scope is Scope.ASSIGNED and unit is None:
            reason = (
                f"{label}role {role!r} acts on tickets dispatched to its unit: give a unit_code"
            )
            self._add(record, "unit_code", reason)

    def _add(self, record: RawRecord, field: str, reason: str) -> None:
        # A JSON/TOML record without a readable id has no line: name it by index.
        where = field if record.line is not None else f"people[{record.index}].{field}"
        self._problems.append(Problem(self._source, reason, line=record.line, field=where))


# --------------------------------------------------------------------------- writing


def _record(person: Actor) -> dict[str, Any]:
    values = {
        "id": person.id,
        "role": person.role,
        "area_code": person.area_code,
        "unit_code": person.unit_code,
        "name": person.name,
    }
    return {k: v for k, v in values.items() if v is not None}


def dump_people(people: Iterable[Actor], fmt: Format) -> str:
    """The people as a people file's text in ``fmt``; :func:`load_people` reads it back."""
    records = [_record(p) for p in people]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, PEOPLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        return out.getvalue()
    document: Mapping[str, Any] = {"people": records}
    if fmt == "json":
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return tomli_w.dumps(document)
