"""Every way a set of area records can fail to form a hierarchy, found at once.

The checks run over all records before anything is built, so a bad file is
reported in full (every problem, with its line) and nothing of it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gridgov.errors import Problem
from gridgov.grid._area import Area
from gridgov.grid._levels import LevelSet

__all__ = ["find_problems"]

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
