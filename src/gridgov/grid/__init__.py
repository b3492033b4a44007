"""The area hierarchy (治理层级): district → community → grid → micro-grid, and who serves it.

- :class:`LevelSet` — the ordered level names (configuration, not code).
- :class:`Area` — one area with a stable code; :class:`AreaTree` — the checked,
  immutable hierarchy with O(1) :meth:`AreaTree.is_within`.
- :class:`Unit` and :class:`Directory` — people and units attached to areas, and
  "who is responsible for area A" with fallback up the tree.

This package imports only the standard library and pydantic.
"""

from gridgov.grid._area import Area, BBox, Geometry, Point
from gridgov.grid._levels import (
    BOSTON_LEVELS,
    DEFAULT_LEVELS,
    HANGZHOU_LEVELS,
    LEVEL_LABELS_ZH,
    LevelSet,
)
from gridgov.grid._tree import AreaTree
from gridgov.grid._units import DEPARTMENT_LABELS_ZH, Directory, Unit, UnitKind

__all__ = [
    "BOSTON_LEVELS",
    "DEFAULT_LEVELS",
    "DEPARTMENT_LABELS_ZH",
    "HANGZHOU_LEVELS",
    "LEVEL_LABELS_ZH",
    "Area",
    "AreaTree",
    "BBox",
    "Directory",
    "Geometry",
    "LevelSet",
    "Point",
    "Unit",
    "UnitKind",
]
