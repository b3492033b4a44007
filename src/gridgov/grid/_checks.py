"""Every way a set of area records can fail to form a hierarchy, found at once.

The checks run over all records before anything is built, so a bad file is
reported in full (every problem, with its line) and nothing of it is used.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from gridgov.errors import Problem
from gridgov.grid._area import Area
from gridgov.grid._levels import LevelSet

__all__ = ["code_problem", "find_problems", "text_problem"]

# (record index, field, reason) -> Problem with the record's line
_Make = Callable[[int, str, str], Problem]


def find_problems(
    areas: Sequence[Area],
    levels: LevelSet,
    *,
    source: str = "<areas>",
    lines: Sequence[int | None] | None = None,
) -> list[Problem]:
    """All problems with ``areas`` as one hierarchy on ``levels``, in input order.

    ``lines[i]`` is the line of ``areas[i]`` in ``source`` when it came from a file.
    """

    def line(i: int) -> int | None:
        return lines[i] if lines is not None else None

    def problem(i: int, field: str, reason: str) -> Problem:
        return Problem(source, reason, line=line(i), field=field)

    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, area in enumerate(areas):
        for field, value in (("code", area.code), ("parent_code", area.parent_code)):
            bad = code_problem(value) if value else None
            if bad:
                problems.append(problem(i, field, f"area code {value!r}: {bad}"))
        for field, value in (("name", area.name), ("name_en", area.name_en)):
            bad = text_problem(value) if value else None
            if bad:
                problems.append(problem(i, field, f"area {area.code!r}: {field} {bad}"))
        if not area.code.strip():
            problems.append(problem(i, "code", "empty code: every area needs a stable code"))
        elif area.code in first:
            j = first[area.code]
            where = f"line {line(j)}" if line(j) is not None else f"record {j + 1}"
            problems.append(problem(i, "code", f"duplicate code {area.code!r} (first at {where})"))
        else:
            first[area.code] = i
        if not area.name.strip():
            problems.append(problem(i, "name", f"area {area.code!r}: empty name"))
        if area.level not in levels:
            expected = ", ".join(levels.names)
            reason = f"area {area.code!r}: unknown level {area.level!r} (expected: {expected})"
            problems.append(problem(i, "level", reason))
    for i, area in enumerate(areas):
        wrong_parent = _parent_problem(area, areas, first, levels)
        if wrong_parent:
            problems.append(problem(i, "parent_code", wrong_parent))
    problems.extend(_cycle_problems(areas, first, problem))
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))


def text_problem(value: str, *, allowed: str = "\t\n\r") -> str | None:
    """Why ``value`` cannot be stored as a name, or None: a control character other than
    ``allowed`` (NUL, escape, form feed ...) would be refused by PostgreSQL or garble a
    terminal."""
    for position, ch in enumerate(value, 1):
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            return f"holds the control character U+{ord(ch):04X} at position {position}"
    return None


def code_problem(value: str) -> str | None:
    """Why ``value`` is not a valid area or unit code, or None.  Codes may hold any
    printable character except ``/``, which separates the codes in an area's path."""
    if "/" in value:
        return "'/' is not allowed in a code (it separates the codes of an area's path)"
    return text_problem(value, allowed="")


def _parent_problem(
    area: Area, areas: Sequence[Area], first: dict[str, int], levels: LevelSet
) -> str | None:
    code, parent_code = area.code, area.parent_code
    if parent_code is None:
        return None
    if parent_code not in first:
        return f"area {code!r}: unknown parent {parent_code!r} (no area has this code)"
    parent = areas[first[parent_code]]
    if area.level not in levels or parent.level not in levels:
        return None  # the unknown level is reported on its own line
    if not levels.is_deeper(area.level, parent.level):
        return (
            f"area {code!r}: level {area.level!r} is out of order: it must be deeper than "
            f"the level of its parent {parent_code!r}, {parent.level!r} ({levels.spec()})"
        )
    if not levels.may_be_child(area.level, parent=parent.level):
        lo, hi = levels.index(parent.level), levels.index(area.level)
        skipped = ", ".join(repr(n) for n in levels.names[lo + 1 : hi])
        return (
            f"area {code!r}: level {area.level!r} under {parent.level!r} {parent_code!r} "
            f"skips {skipped}, which is not optional ({levels.spec()})"
        )
    return None


def _cycle_problems(areas: Sequence[Area], first: dict[str, int], problem: _Make) -> list[Problem]:
    """One problem per area that is its own ancestor, naming the whole loop."""
    parent_of = {
        a.code: a.parent_code for a in areas if a.parent_code is not None and a.parent_code in first
    }
    settled: set[str] = set()
    problems: list[Problem] = []
    for start in parent_of:
        trail: list[str] = []
        on_trail: set[str] = set()
        code: str | None = start
        while code is not None and code not in settled and code not in on_trail:
            trail.append(code)
            on_trail.add(code)
            code = parent_of.get(code)
        if code is not None and code in on_trail:
            loop = trail[trail.index(code) :]
            shown = " → ".join([*loop, code])
            problems.extend(
                problem(first[member], "parent_code", f"area {member!r} is in a cycle: {shown}")
                for member in loop
            )
        settled.update(trail)
    return problems
