"""An area file from a source's own area columns (``gridgov areas infer``, 区域推断).

A new city's export names its areas in its own columns (Boston: ``ward`` and
``precinct``); the mapping's ``[area]`` rules clean them into codes.  This module
reads the file twice with those rules — :meth:`AreaCleaner.read
<gridgov.replay._areas.AreaCleaner.read>`, the code replay runs, so nothing here
cleans a cell its own way:

1. every row's codes, coarse to fine, vote for their parents: a code's parent is
   the code of the nearest coarser level in the same row, and the most frequent
   one wins (ties: the smallest code).  A code no row puts under a coarser one
   sits under ``area.missing`` (the root area, when the mapping has one), else is
   a root itself.  A level some area skips becomes optional (``ward?``).
2. every row is then cleaned against that tree exactly as replay cleans it
   (:meth:`AreaCleaner.clean <gridgov.replay._areas.AreaCleaner.clean>`): a row it
   places is counted at its area; a row it cannot place (a cell the pattern does
   not read, no area and no ``area.missing``, a precinct outside the ward its row
   names while the precinct's other rows put it elsewhere) is a
   :class:`~gridgov.replay.Reject` with its line.  Replay over the written file
   places exactly the rows counted here.

A row is a ticket's area row as replay reads it: each snapshot row whose ticket id
was not met before (a repeated id is rejected, as replay rejects it); in an event
log, the first row of each case whose activity is in ``[activities]`` or
``note_activities`` (replay makes the case's ticket at it and takes its area from it;
the case's other rows are counted as ``other_rows``).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from gridgov.errors import PolicyError
from gridgov.grid import Area, AreaTree, LevelSet
from gridgov.replay._areas import AreaCleaner, LevelCode
from gridgov.replay._mapping import MAPPING_FILE, ReplayMapping
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import Reject, RejectKind, RejectLog
from gridgov.replay._seen import RECENT_IDS, SeenIds
from gridgov.replay._sources import mapped_records

__all__ = ["InferredAreas", "infer_areas"]

SHOWN_REJECTS = 20
"""Rejects kept in :attr:`InferredAreas.first_rejects` (all go to the rejects log)."""


@dataclass
class InferredAreas:
    """The inferred hierarchy and what became of every row.

    Each area carries two extra columns: ``tickets``, the rows placed at it, and
    ``tickets_within``, those placed at it or below it.
    """

    tree: AreaTree
    tickets: Counter[str]
    """Rows placed at each area (exactly there, not below)."""
    rows: int = 0
    """Records read."""
    area_rows: int = 0
    """Rows that give a ticket its area (placed or not)."""
    placed: int = 0
    other_rows: int = 0
    """Event log rows that are not their case's area row."""
    not_placed: Counter[str] = field(default_factory=Counter)
    """Rows not placed, by reject kind."""
    first_rejects: list[Reject] = field(default_factory=list)

    @property
    def accounted(self) -> bool:
        """Every row read was placed, not placed, or another row of its case."""
        return self.rows == self.placed + sum(self.not_placed.values()) + self.other_rows


class _AreaRows:
    """One pass over the file: the area rows replay would read, with their cells."""

    def __init__(
        self,
        mapping: ReplayMapping,
        source: InputFile,
        recent_ids: int,
        spill_dir: Path | None,
    ) -> None:
        self.mapping, self.source = mapping, source
        self.recent_ids, self.spill_dir = recent_ids, spill_dir
        columns = [mapping.columns.id]
        if mapping.kind == "events" and mapping.columns.activity is not None:
            columns.append(mapping.columns.activity)
        columns += [level.column for level in mapping.area.levels]
        self.names = list(dict.fromkeys(columns))
        self.id_at = 0
        activity = mapping.columns.activity if mapping.kind == "events" else None
        self.activity_at = self.names.index(activity) if activity is not None else 0
        self.area_at = [self.names.index(level.column) for level in mapping.area.levels]
        self.rows = self.other_rows = 0

    def __call__(self, reject: Callable[[Reject], None]) -> Iterator[tuple[int, str, list[str]]]:
        """``(line, ticket id, area cells)`` of each area row; the rows replay rejects
        before it reads an area (unreadable, no id, a repeated snapshot id) go to
        ``reject``."""
        name, m = str(self.source.path), self.mapping
        events = m.kind == "events"
        mapped = m.steps()  # the activities a case's ticket is made at, notes too
        self.rows = self.other_rows = 0
        with SeenIds(recent=self.recent_ids, directory=self.spill_dir) as seen:
            for line, values in mapped_records(m, self.source, self.names):
                self.rows += 1
                if isinstance(values, str):
                    reject(Reject(name, line, RejectKind.UNREADABLE, values))
                    continue
                tid = values[self.id_at].strip()
                if not tid:
                    what = "no case id" if events else "no ticket id"
                    reject(Reject(name, line, RejectKind.MISSING_VALUE, what, "", m.columns.id))
                    continue
                first = seen.line_of(tid)
                if events and (first is not None or values[self.activity_at].strip() not in mapped):
                    self.other_rows += 1  # the case's area comes from its first mapped row
                    continue
                if first is not None:
                    why = f"ticket id {tid!r} already on line {first}"
                    reject(Reject(name, line, RejectKind.DUPLICATE_ID, why, tid, m.columns.id))
                    continue
                seen.add(tid, line)
                yield line, tid, [values[i].strip() for i in self.area_at]


def _votes(
    rows: Iterator[tuple[int, str, list[str]]], cleaner: AreaCleaner
) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """Each code's level (its coarsest, when rules give one code at two levels) and,
    for each code, how many rows put it under each coarser code."""
    level_of: dict[str, int] = {}
    parents: dict[str, Counter[str]] = {}
    read: dict[tuple[str, ...], list[LevelCode] | None] = {}
    for _line, _tid, cells in rows:
        key = tuple(cells)
        if key not in read:
            found = cleaner.read(cells)
            read[key] = found if isinstance(found, list) else None
        codes = read[key]
        if codes is None:
            continue  # rejected in the second pass, with its line
        for level, code, _column in codes:
            if level >= 0:  # not area.missing: the root is placed by _hierarchy
                level_of[code] = min(level, level_of.get(code, level))
        for (_, outer, _), (_, inner, _) in itertools.pairwise(codes):
            parents.setdefault(inner, Counter())[outer] += 1
    return level_of, parents


def _hierarchy(
    mapping: ReplayMapping,
    level_of: dict[str, int],
    parents: dict[str, Counter[str]],
    root_level: str,
) -> tuple[list[Area], LevelSet]:
    """The areas (parents first) and the level set they need."""
    names = [level.level for level in mapping.area.levels]
    root = mapping.area.missing
    new_root = root is not None and root not in level_of
    if new_root and root_level in names:
        raise ValueError(
            f"the root level {root_level!r} is also a level of area.levels: name the level of "
            f"area.missing ({root!r}) otherwise"
        )
    levels = [root_level, *names] if new_root else names
    shift = 1 if new_root else 0  # a level's position in ``levels``
    areas: list[Area] = [Area(root, root, root_level)] if new_root and root is not None else []
    optional: set[str] = set()
    for code in sorted(level_of, key=lambda c: (level_of[c], c)):
        level = level_of[code]
        votes = [(n, p) for p, n in parents.get(code, Counter()).items() if level_of[p] < level]
        parent: str | None = min(votes, key=lambda v: (-v[0], v[1]))[1] if votes else None
        beneath_root = root is not None and (new_root or level_of[root] < level)
        if parent is None and beneath_root and root != code:
            parent = root
        if parent is not None:  # the levels between the parent's and this one are skipped
            above = level_of.get(parent, -1)  # -1: the root area.missing names
            optional.update(levels[above + shift + 1 : level + shift])
        areas.append(Area(code, code, names[level], parent))
    return areas, LevelSet(levels, optional)


def infer_areas(
    mapping: ReplayMapping,
    source: InputFile,
    *,
    rejects: RejectLog,
    root_level: str = "city",
    recent_ids: int = RECENT_IDS,
    spill_dir: Path | None = None,
) -> InferredAreas:
    """The area hierarchy ``source``'s area columns describe under ``mapping``.

    ``root_level`` names the level of the root area ``area.missing`` (when the
    mapping has one and no level rule gives its code).  Rows that cannot be placed go
    to ``rejects``, by line, as replay would reject them.
    """
    if not mapping.area.levels:
        raise PolicyError(
            str(mapping.path or "<mapping>"),
            "the mapping has no [[area.levels]]: its rows name no area to infer a "
            "hierarchy from (every ticket is in one root area)",
            key="area.levels",
            what=MAPPING_FILE.what,
        )
    rows = _AreaRows(mapping, source, recent_ids, spill_dir)
    level_of, parents = _votes(rows(lambda _reject: None), AreaCleaner(mapping.area, None))
    areas, levels = _hierarchy(mapping, level_of, parents, root_level)
    where = f"areas inferred from {source.path}"
    tree = AreaTree(areas, levels, source=where)
    result = InferredAreas(tree, Counter())

    def reject(found: Reject) -> None:
        rejects.add(found)
        result.not_placed[found.kind.value] += 1
        if len(result.first_rejects) < SHOWN_REJECTS:
            result.first_rejects.append(found)

    cleaner = AreaCleaner(mapping.area, tree)  # replay's own check of a row's area
    cleaned: dict[tuple[str, ...], tuple[str | None, RejectKind | None, str, str]] = {}
    name = str(source.path)
    for line, tid, cells in rows(reject):
        result.area_rows += 1
        key = tuple(cells)
        found = cleaned.get(key)
        if found is None:
            found = cleaned[key] = cleaner.clean(cells)
        code, kind, why, column = found
        if code is None:
            reject(Reject(name, line, kind or RejectKind.BAD_VALUE, why, tid, column))
            continue
        result.tickets[code] += 1
        result.placed += 1
    result.rows, result.other_rows = rows.rows, rows.other_rows
    result.tree = _counted(tree, result.tickets, where)
    return result


def _counted(tree: AreaTree, tickets: Counter[str], source: str) -> AreaTree:
    """The tree with the ``tickets`` and ``tickets_within`` columns."""
    within: Counter[str] = Counter()
    for code, n in tickets.items():
        for area in tree.path(code):
            within[area.code] += n
    areas = [
        replace(a, extra={"tickets": str(tickets[a.code]), "tickets_within": str(within[a.code])})
        for a in tree
    ]
    return AreaTree(areas, tree.levels, source=source)
