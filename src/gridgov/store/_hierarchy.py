"""One area hierarchy per database (一库一套区域层级).

Saving a directory merges it into the stored areas: areas of the file are
inserted or updated, stored areas absent from it are kept (tickets may point at
them), and the file's level set becomes the database's.  That is only right
when the result is still one hierarchy under those levels; a file of another
hierarchy (Hangzhou's districts into a database of Boston's wards) would leave
areas on levels the database no longer knows, and every later command failed
on them.  :func:`merged_hierarchy` is the check every store runs first;
:func:`refuse_replace` the one for replacing the stored hierarchy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gridgov.errors import AreaFileError, HierarchyConflict
from gridgov.grid import Area, AreaTree, Directory

__all__ = ["merged_hierarchy", "refuse_replace"]

_REPLACE = (
    "import it into another database, or replace the stored one "
    "(`gridgov areas import FILE --db URL --replace`; nothing was written)"
)


def merged_hierarchy(
    url: str, stored: Sequence[Area], stored_levels: str | None, given: AreaTree
) -> AreaTree:
    """The hierarchy the store holds once ``given`` is saved over the ``stored``
    areas; :class:`HierarchyConflict` when the two do not make one hierarchy
    under ``given``'s levels (nothing is written then)."""
    codes = {area.code for area in given}
    kept = [area for area in stored if area.code not in codes]
    if not kept:
        return given
    try:
        return AreaTree([*given, *kept], given.levels)
    except AreaFileError as exc:
        stored_one = _describe(stored, stored_levels)
        given_one = _describe(list(given), given.levels.spec())
        raise HierarchyConflict(
            url,
            f"holds another area hierarchy ({stored_one}), not the one given ({given_one}): "
            f"{exc.problems[0].reason}; {_REPLACE}",
        ) from None


def refuse_replace(
    url: str,
    directory: Directory,
    ticket_areas: Iterable[str],
    people: Iterable[tuple[str, str | None, str | None]],
) -> None:
    """:class:`HierarchyConflict` unless ``directory`` may replace the stored hierarchy:
    no ticket is stored (it keeps its area and its path), and every stored person
    (id, area, unit) keeps their area and unit."""
    blockers = _blockers(directory, ticket_areas, people)
    if blockers:
        raise HierarchyConflict(url, f"cannot replace its area hierarchy: {'; '.join(blockers)}")


def _blockers(
    directory: Directory,
    ticket_areas: Iterable[str],
    people: Iterable[tuple[str, str | None, str | None]],
) -> list[str]:
    tree = directory.tree
    units = {unit.code for unit in directory}
    reasons = []
    tickets = sorted(set(ticket_areas))
    if tickets:
        reasons.append(
            f"it holds tickets (in {len(tickets)} area(s), e.g. {tickets[0]!r}): "
            "replay or import into a new database instead"
        )
    for person, area, unit in people:
        if (area is not None and area not in tree) or (unit is not None and unit not in units):
            reasons.append(
                f"person {person!r} is in area {area!r}, unit {unit!r}, which the new "
                "hierarchy lacks: import people that fit it first"
            )
            break
    return reasons


def _describe(areas: Sequence[Area], levels: str | None) -> str:
    roots = sorted(area.code for area in areas if area.parent_code is None)
    shown = ", ".join(roots[:3]) + (", ..." if len(roots) > 3 else "")
    return f"{levels or 'no levels'}: {len(areas)} areas under {shown or 'no root'}"
