"""Cleaning a source's area columns into one area code of the tree (区域清洗).

Boston writes ward 5 as ``"Ward 5"``, ``"05"`` or ``"5"`` and precinct 509 as
``"509.0"``; the mapping's rules turn them into the tree's codes, and a ticket's
area is its finest non-empty level.  The reader remembers the result per distinct
raw cells (a city has thousands of areas but a file has millions of rows), up to
:data:`AREA_CACHE_LIMIT` of them (a file of free-text areas would otherwise keep
one per row); later new values are cleaned each time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

from gridgov.errors import PolicyError
from gridgov.replay._mapping import MAPPING_FILE, AreaLevelRule, AreaRules
from gridgov.replay._rejects import RejectKind

__all__ = ["AREA_CACHE_LIMIT", "AreaCleaner", "AreaIndex", "AreaResult", "LevelCode"]

AreaResult = tuple[str | None, RejectKind | None, str, str]
"""``(code, None, "", "")`` or ``(None, kind, reason, column)``."""


class LevelCode(NamedTuple):
    """One level's code in a row: the level's position in ``area.levels`` (``-1`` for
    ``area.missing``), the code, and the column it came from."""

    level: int
    code: str
    column: str


AREA_CACHE_LIMIT = 1 << 16
"""Distinct raw area values remembered with their result (a few MB at most)."""


class AreaIndex(Protocol):
    """What cleaning needs from an area tree (``gridgov.grid.AreaTree`` has it)."""

    def __contains__(self, code: object) -> bool: ...

    def is_within(self, code: str, ancestor_code: str) -> bool: ...

    @property
    def roots(self) -> tuple[Any, ...]: ...


def _clean_one(rule: AreaLevelRule, pattern: re.Pattern[str], raw: str) -> str | None:
    r"""The level's code, ``None`` when ``raw`` does not match, ``""`` when the group took
    no part in the match or matched nothing (``^(?:Unknown|(\d+))$`` on ``Unknown``): the
    level is then empty, never ``"None"``."""
    match = pattern.match(raw)
    if match is None:
        return None
    value = match.group(1)
    if not value:  # None when the group did not take part
        return ""
    if rule.integer:
        try:
            number = int(float(value))
        except ValueError:
            return None
        if rule.split is not None:
            return rule.prefix + rule.format.format(*divmod(number, rule.split))
        return rule.prefix + rule.format.format(number)
    return rule.prefix + rule.format.format(value)


class AreaCleaner:
    """Turns the raw area columns of one row into ``(code, None)`` or ``(None, reason)``."""

    def __init__(self, rules: AreaRules, tree: AreaIndex | None, source: str = "<mapping>") -> None:
        self.rules = rules
        self.tree = tree
        self._patterns = [re.compile(level.pattern) for level in rules.levels]
        self._root = rules.missing
        """Without levels: the one area of every ticket (see :class:`AreaRules`)."""
        if not rules.levels and self._root is None:
            self._root = _root_of(tree, source)

    def _everywhere(self) -> AreaResult:
        """A source without places: every ticket in the one root area."""
        code = self._root or ""
        if code and self.tree is not None and code not in self.tree:
            why = f"area {code!r} (area.missing) is not in the area tree"
            return None, RejectKind.UNKNOWN_AREA, why, ""
        return code, None, "", ""

    def read(self, raw: Sequence[str]) -> list[LevelCode] | AreaResult:
        """The row's codes, coarse to fine, each with its level's position (``-1`` for
        ``area.missing``) and column; or, as :meth:`clean`, why the row has none.

        The rules alone, no tree: ``gridgov areas infer`` builds a tree from these.
        """
        codes: list[LevelCode] = []
        for index, (rule, pattern, value) in enumerate(
            zip(self.rules.levels, self._patterns, raw, strict=True)
        ):
            if not value.strip():
                continue
            code = _clean_one(rule, pattern, value)
            if code is None:
                why = f"{value!r} does not match the {rule.level} pattern {rule.pattern}"
                return None, RejectKind.BAD_VALUE, why, rule.column
            if code:
                codes.append(LevelCode(index, code, rule.column))
        if not codes:
            if self.rules.missing is None:
                columns = ", ".join(r.column for r in self.rules.levels)
                why = f"no area: {columns} all empty (set area.missing to keep such rows)"
                return None, RejectKind.MISSING_VALUE, why, ""
            codes.append(LevelCode(-1, self.rules.missing, ""))
        return codes

    def clean(self, raw: Sequence[str]) -> AreaResult:
        """``(code, kind, reason, column)``: the area code, or the reject kind, why, and where."""
        if not self._patterns:
            return self._everywhere()
        codes = self.read(raw)
        if not isinstance(codes, list):
            return codes
        tree = self.tree
        if tree is not None:
            for _, code, column in codes:
                if code not in tree:
                    why = f"area {code!r} (from {list(raw)}) is not in the area tree"
                    return None, RejectKind.UNKNOWN_AREA, why, column
            if self.rules.nested:
                for (_, outer, _), (_, inner, column) in itertools.pairwise(codes):
                    if not tree.is_within(inner, outer):
                        why = f"area {inner!r} is not within {outer!r}"
                        return None, RejectKind.AREA_MISMATCH, why, column
        return codes[-1].code, None, "", ""


def _root_of(tree: AreaIndex | None, source: str) -> str:
    """The one root of ``tree`` (``""`` without a tree), for a source without places."""
    if tree is None:
        return ""
    roots = [area.code for area in tree.roots]
    if len(roots) == 1:
        return str(roots[0])
    raise PolicyError(
        source,
        f"the source has no area columns and the area tree has {len(roots)} roots "
        f"({', '.join(map(str, roots[:5]))}): set area.missing to the area of every ticket",
        key="area.missing",
        what=MAPPING_FILE.what,
    )
