"""Levels of the area hierarchy (治理层级) as configuration, not code.

A :class:`LevelSet` is an ordered list of level names, shallowest first.  The
default is the one the Hangzhou grid cards use, 区 → 社区 → 网格 → 微网格; a city
may declare its own (市 → 区 → 街道 → 社区 → 网格 → 微网格, or Boston's
city → ward → precinct).  A level marked optional may be skipped: a child can sit
two levels below its parent only when every level in between is optional.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

from gridgov.errors import UnknownLevel

__all__ = [
    "DEFAULT_LEVELS",
    "LEVEL_LABELS_ZH",
    "LevelSet",
]

#: Chinese labels for the level names gridgov ships with.
LEVEL_LABELS_ZH: Mapping[str, str] = MappingProxyType(
    {
        "province": "省",
        "city": "市",
        "district": "区(县)",
        "street": "街道(乡镇)",
        "community": "社区(村)",
        "grid": "网格",
        "micro_grid": "微网格",
        "building": "楼栋",
        "ward": "选区 (ward)",
        "precinct": "投票分区 (precinct)",
    }
)


class LevelSet:
    """Ordered level names, shallowest first, some of them optional (skippable).

    >>> levels = LevelSet.parse("city > district > street? > community")
    >>> levels.index("community"), levels.is_deeper("community", "city")
    (3, True)
    >>> levels.may_be_child("community", parent="district")  # street is optional
    True
    """

    __slots__ = ("_index", "_names", "_optional")

    def __init__(self, names: Iterable[str], optional: Iterable[str] = ()) -> None:
        self._names: tuple[str, ...] = tuple(names)
        if not self._names:
            raise ValueError("a level set needs at least one level")
        bad = [n for n in self._names if not n or not n.strip() or n != n.strip()]
        if bad:
            raise ValueError(f"level names must be non-empty and unpadded: {bad!r}")
        self._index: dict[str, int] = {name: i for i, name in enumerate(self._names)}
        if len(self._index) != len(self._names):
            raise ValueError(f"level names repeat: {list(self._names)!r}")
        self._optional = frozenset(optional)
        unknown = sorted(self._optional - self._index.keys())
        if unknown:
            raise ValueError(f"optional levels {unknown!r} are not in {list(self._names)!r}")

    @classmethod
    def parse(cls, text: str) -> LevelSet:
        """Read ``"city > district > street? > community"`` (``,`` also separates).

        A trailing ``?`` marks a level optional.
        """
        parts = [p.strip() for p in text.replace(">", ",").split(",")]
        names = [p.rstrip("?").strip() for p in parts if p]
        optional = [p.rstrip("?").strip() for p in parts if p.endswith("?")]
        return cls(names, optional)

    @property
    def names(self) -> tuple[str, ...]:
        """The level names, shallowest first."""
        return self._names

    @property
    def optional(self) -> frozenset[str]:
        """The levels that may be skipped between a parent and its child."""
        return self._optional

    def index(self, level: str) -> int:
        """Position of ``level``, 0 for the shallowest; :class:`UnknownLevel` if absent."""
        try:
            return self._index[level]
        except KeyError:
            raise UnknownLevel(level, self._names) from None

    def is_deeper(self, a: str, b: str) -> bool:
        """True when level ``a`` lies below level ``b``."""
        return self.index(a) > self.index(b)

    def may_be_child(self, level: str, *, parent: str) -> bool:
        """Whether an area at ``level`` may sit directly under one at ``parent``.

        It must be deeper, and every level skipped in between must be optional.
        """
        lo, hi = self.index(parent), self.index(level)
        return hi > lo and all(n in self._optional for n in self._names[lo + 1 : hi])

    def label_zh(self, level: str) -> str:
        """The Chinese label of a level (the name itself when gridgov has none)."""
        self.index(level)
        return LEVEL_LABELS_ZH.get(level, level)

    def spec(self) -> str:
        """The text :meth:`parse` reads back into an equal level set."""
        return " > ".join(f"{n}?" if n in self._optional else n for n in self._names)

    def __contains__(self, level: object) -> bool:
        return level in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LevelSet):
            return NotImplemented
        return self._names == other._names and self._optional == other._optional

    def __hash__(self) -> int:
        return hash((self._names, self._optional))

    def __repr__(self) -> str:
        return f"LevelSet.parse({self.spec()!r})"


#: The grid card's default: 区 → 社区 → 网格 → 微网格.
DEFAULT_LEVELS = LevelSet(["district", "community", "grid", "micro_grid"])
