"""The area hierarchy (治理层级): district → community → grid → micro-grid, and who serves it.

- :class:`LevelSet` — the ordered level names (configuration, not code).
- :class:`Area` — one area with a stable code; :class:`AreaTree` — the checked,
  immutable hierarchy with O(1) :meth:`AreaTree.is_within`.
- :class:`Unit` and :class:`Directory` — people and units attached to areas, and
  "who is responsible for area A" with fallback up the tree.
- :func:`load_areas` / :func:`write_areas` — CSV, JSON and TOML files, all or
  nothing: a file with errors raises one error listing every problem.
- :func:`load_sample` — the Hangzhou and Boston hierarchies shipped in the
  package; :func:`boston_area_code` places a Boston 311 row on the latter.

This package imports only the standard library, pydantic and tomli-w.
"""

from gridgov.grid._area import Area, BBox, Geometry, Point
from gridgov.grid._boston import (
    BOSTON_CITY_CODE,
    boston_area_code,
    boston_precinct_code,
    boston_ward_code,
    clean_precinct,
    clean_ward,
)
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
from gridgov.grid._levels import (
    BOSTON_LEVELS,
    DEFAULT_LEVELS,
    HANGZHOU_LEVELS,
    LEVEL_LABELS_ZH,
    LevelSet,
)
from gridgov.grid._samples import SAMPLES, Sample, load_sample
from gridgov.grid._tree import AreaTree
from gridgov.grid._units import DEPARTMENT_LABELS_ZH, Directory, Unit, UnitKind

__all__ = [
    "BOSTON_CITY_CODE",
    "BOSTON_LEVELS",
    "DEFAULT_LEVELS",
    "DEPARTMENT_LABELS_ZH",
    "HANGZHOU_LEVELS",
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
    "boston_area_code",
    "boston_precinct_code",
    "boston_ward_code",
    "clean_precinct",
    "clean_ward",
    "decode",
    "dump_areas",
    "dump_units",
    "format_of",
    "load_areas",
    "load_sample",
    "parse_areas",
    "read_records",
    "write_areas",
]

from gridgov._public import publish

publish(globals())
