"""The area hierarchy (治理层级): district → community → grid → micro-grid, and who serves it.

- :class:`LevelSet` — the ordered level names (configuration, not code).
- :class:`Area` — one area with a stable code; :class:`AreaTree` — the checked,
  immutable hierarchy with O(1) :meth:`AreaTree.is_within`.
- :class:`Unit` and :class:`Directory` — people and units attached to areas, and
  "who is responsible for area A" with fallback up the tree.
- :func:`load_areas` / :func:`write_areas` — CSV, JSON and TOML files, all or
  nothing: a file with errors raises one error listing every problem.
- :func:`load_sample` — the Hangzhou and Boston hierarchies shipped in the
  package (their levels and Boston's 311 area codes are sample code, in
  :mod:`gridgov.samples`, not domain constants).

This package imports only the standard library, pydantic and tomli-w.
"""

from gridgov.grid._area import Area, BBox, Geometry, Point
from gridgov.grid._files import (
    AreaFile,
    Format,
    dump_areas,
    dump_units,
    format_of,
    load_areas,
    parse_areas,
    write_areas,
)
from gridgov.grid._formats import RawRecord, decode, read_records
from gridgov.grid._levels import DEFAULT_LEVELS, LEVEL_LABELS_ZH, LevelSet
from gridgov.grid._samples import SAMPLES, Sample, load_named_areas, load_sample
from gridgov.grid._tree import AreaTree
from gridgov.grid._units import DEPARTMENT_LABELS_ZH, Directory, Unit, UnitKind

__all__ = [
    "DEFAULT_LEVELS",
    "DEPARTMENT_LABELS_ZH",
    "LEVEL_LABELS_ZH",
    "SAMPLES",
    "Area",
    "AreaFile",
    "AreaTree",
    "BBox",
    "Directory",
    "Format",
    "Geometry",
    "LevelSet",
    "Point",
    "RawRecord",
    "Sample",
    "Unit",
    "UnitKind",
    "decode",
    "dump_areas",
    "dump_units",
    "format_of",
    "load_areas",
    "load_named_areas",
    "load_sample",
    "parse_areas",
    "read_records",
    "write_areas",
]

from gridgov._public import publish

publish(globals())

_MOVED = frozenset(
    {
        "BOSTON_CITY_CODE",
        "BOSTON_LEVELS",
        "HANGZHOU_LEVELS",
        "boston_area_code",
        "boston_precinct_code",
        "boston_ward_code",
        "clean_precinct",
        "clean_ward",
    }
)


def __getattr__(name: str) -> object:
    # Sample data, moved out of the domain in 0.1.0; the old path keeps working
    # with a warning until the next release.
    if name in _MOVED:
        import importlib
        import warnings

        warnings.warn(
            f"gridgov.grid.{name} moved to gridgov.samples.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module("gridgov.samples"), name)
    raise AttributeError(f"module 'gridgov.grid' has no attribute {name!r}")
