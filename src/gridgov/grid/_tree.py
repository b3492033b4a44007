"""The area hierarchy as an immutable tree with O(1) "is A inside B?".

Each area gets an Euler-tour interval ``[enter, leave)``: its position in a
depth-first pre-order walk and that position plus the size of its subtree.  A
is inside B exactly when B's interval holds A's ``enter``, so permissions and
routing can ask it millions of times without walking the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from gridgov.errors import AreaFileError, UnknownArea
from gridgov.grid._area import Area
from gridgov.grid._checks import find_problems
from gridgov.grid._levels import DEFAULT_LEVELS, LevelSet

__all__ = ["AreaTree"]


class _Node:
    """An area's place in the tree: its interval, depth and children (sorted codes)."""

    __slots__ = ("area", "children", "depth", "enter", "leave")

    def __init__(self, area: Area) -> None:
        self.area = area
        self.children: tuple[str, ...] = ()  # a leaf shares the one empty tuple
        self.depth = 0
        self.enter = 0
        self.leave = 0


class AreaTree:
    """An immutable area hierarchy (治理层级), checked as a whole when built.

    Build it from :class:`Area` records in any order; a parent need not come
    before its children.  Problems (duplicate or empty codes, unknown parents,
    cycles, unknown or out-of-order levels, empty names) raise one
    :class:`~gridgov.errors.AreaFileError` listing all of them.  Several roots
    are allowed (a file may hold just two communities).

    Iteration is depth-first pre-order with siblings sorted by code, so the same
    areas always come out in the same order.  Lookups by code are O(1); walks up
    the tree (``ancestors``, ``lca``, ``nearest_at_level``) are O(depth);
    :meth:`is_within` is O(1).

    >>> from gridgov.grid import Area, AreaTree
    >>> tree = AreaTree([
    ...     Area("YH", "余杭区", "district"),
    ...     Area("ZM", "朱庙社区", "community", "YH"),
    ...     Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
    ... ])
    >>> [a.code for a in tree.ancestors("ZM-01")]
    ['ZM', 'YH']
    >>> tree.is_within("ZM-01", "YH"), tree.is_within("YH", "ZM")
    (True, False)
    """

    __slots__ = ("_enter", "_levels", "_nodes", "_order", "_roots", "_span")

    def __init__(
        self,
        areas: Iterable[Area],
        levels: LevelSet = DEFAULT_LEVELS,
        *,
        source: str = "<areas>",
        lines: Sequence[int | None] | None = None,
    ) -> None:
        records = list(areas)
        problems = find_problems(records, levels, source=source, lines=lines)
        if problems:
            raise AreaFileError(problems)
        self._levels = levels
        self._nodes: dict[str, _Node] = {a.code: _Node(a) for a in records}
        children: dict[str, list[str]] = {}
        for area in records:
            if area.parent_code is not None:
                children.setdefault(area.parent_code, []).append(area.code)
        for code, below in children.items():
            self._nodes[code].children = tuple(sorted(below))
        self._roots = tuple(sorted(a.code for a in records if a.parent_code is None))
        self._order: list[Area] = []
        self._number()

    def _number(self) -> None:
        """Walk depth-first, giving every node its depth and Euler interval."""
        nodes, order = self._nodes, self._order
        stack = [(code, 0) for code in reversed(self._roots)]
        while stack:
            code, depth = stack.pop()
            node = nodes[code]
            node.depth = depth
            node.enter = len(order)
            order.append(node.area)
            stack.extend((child, depth + 1) for child in reversed(node.children))
        for area in reversed(order):
            node = nodes[area.code]
            node.leave = nodes[node.children[-1]].leave if node.children else node.enter + 1
        # Flat copies for is_within, the hottest lookup: ints and tuples beat attribute access.
        self._enter = {code: node.enter for code, node in nodes.items()}
        self._span = {code: (node.enter, node.leave) for code, node in nodes.items()}

    # ------------------------------------------------------------------ lookups

    def _node(self, code: str) -> _Node:
        try:
            return self._nodes[code]
        except KeyError:
            raise UnknownArea(code) from None

    @property
    def levels(self) -> LevelSet:
        """The level set the areas were checked against."""
        return self._levels

    @property
    def roots(self) -> tuple[Area, ...]:
        """The areas without a parent, by code."""
        return tuple(self._nodes[c].area for c in self._roots)

    def get(self, code: str) -> Area:
        """The area with ``code``; :class:`~gridgov.errors.UnknownArea` if there is none."""
        return self._node(code).area

    def find(self, code: str) -> Area | None:
        """The area with ``code``, or ``None``."""
        node = self._nodes.get(code)
        return node.area if node is not None else None

    def parent(self, code: str) -> Area | None:
        """The parent area, ``None`` for a root."""
        parent_code = self._node(code).area.parent_code
        return None if parent_code is None else self._nodes[parent_code].area

    def children(self, code: str) -> list[Area]:
        """The direct children, by code."""
        return [self._nodes[c].area for c in self._node(code).children]

    def ancestors(self, code: str) -> list[Area]:
        """The areas above ``code``, nearest first (the parent, then its parent...)."""
        found: list[Area] = []
        parent_code = self._node(code).area.parent_code
        while parent_code is not None:
            area = self._nodes[parent_code].area
            found.append(area)
            parent_code = area.parent_code
        return found

    def path(self, code: str) -> list[Area]:
        """The areas from the root down to ``code``, both included."""
        return [*reversed(self.ancestors(code)), self.get(code)]

    def descendants(self, code: str) -> list[Area]:
        """Every area below ``code`` (not itself), in pre-order."""
        node = self._node(code)
        return self._order[node.enter + 1 : node.leave]

    def subtree(self, code: str) -> list[Area]:
        """``code`` and every area below it, in pre-order."""
        node = self._node(code)
        return self._order[node.enter : node.leave]

    def subtree_size(self, code: str) -> int:
        """How many areas the subtree of ``code`` holds, itself included."""
        node = self._node(code)
        return node.leave - node.enter

    def depth(self, code: str) -> int:
        """0 for a root, 1 for its children, and so on."""
        return self._node(code).depth

    def level_of(self, code: str) -> str:
        """The level name of the area."""
        return self._node(code).area.level

    def is_within(self, code: str, ancestor_code: str) -> bool:
        """Whether ``code`` lies in the subtree of ``ancestor_code`` (True for itself). O(1)."""
        try:
            enter = self._enter[code]
            low, high = self._span[ancestor_code]
        except KeyError as exc:
            raise UnknownArea(str(exc.args[0])) from None
        return low <= enter < high

    def nearest_at_level(self, code: str, level: str) -> Area | None:
        """The area itself or its nearest ancestor at ``level``; ``None`` if none is.

        :class:`~gridgov.errors.UnknownLevel` if the level set has no such level.
        """
        wanted = self._levels.index(level)
        area: Area | None = self.get(code)
        while area is not None:
            if area.level == level:
                return area
            if self._levels.index(area.level) < wanted:
                return None
            area = None if area.parent_code is None else self._nodes[area.parent_code].area
        return None

    def lca(self, a: str, b: str) -> Area | None:
        """The lowest common ancestor of two areas (an area is its own ancestor here).

        ``None`` when they lie under different roots.
        """
        na, nb = self._node(a), self._node(b)
        while na.depth > nb.depth:
            na = self._nodes[na.area.parent_code]  # type: ignore[index]
        while nb.depth > na.depth:
            nb = self._nodes[nb.area.parent_code]  # type: ignore[index]
        while na is not nb:
            if na.area.parent_code is None:
                return None
            na = self._nodes[na.area.parent_code]
            nb = self._nodes[nb.area.parent_code]  # type: ignore[index]
        return na.area

    # ------------------------------------------------------------------ walking

    def walk(
        self, code: str | None = None, *, max_depth: int | None = None
    ) -> Iterator[tuple[Area, int]]:
        """``(area, depth below the start)`` in pre-order, from ``code`` or every root.

        ``max_depth=0`` yields only the start; ``None`` walks the whole subtree.
        """
        starts = [self._node(code)] if code is not None else [self._nodes[c] for c in self._roots]
        for start in starts:
            for area in self._order[start.enter : start.leave]:
                relative = self._nodes[area.code].depth - start.depth
                if max_depth is None or relative <= max_depth:
                    yield area, relative

    def count_by_level(self, code: str | None = None) -> dict[str, int]:
        """How many areas each level holds (in the subtree of ``code``), in level order."""
        counts = dict.fromkeys(self._levels.names, 0)
        for area in self.subtree(code) if code is not None else self._order:
            counts[area.level] += 1
        return {level: n for level, n in counts.items() if n}

    def __iter__(self) -> Iterator[Area]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, code: object) -> bool:
        return code in self._nodes

    def __repr__(self) -> str:
        return f"<AreaTree {len(self)} areas, levels {self._levels.spec()!r}>"
