"""The samples shipped with gridgov (样例), as code: not domain constants.

The data files live beside this module (``hangzhou/``, ``boston311/``, ``sla/``,
``routing/``); :func:`gridgov.grid.load_sample` reads the area files, whose own
``levels`` they declare.  What is here is sample code the examples, tests and
benchmarks share:

- :data:`HANGZHOU_LEVELS` — a whole Hangzhou-style city, 市 → 区 → 街道 → 社区 → 网格
  → 微网格 (the shipped Hangzhou file makes 街道 optional).
- :data:`BOSTON_LEVELS` — Boston's electoral geography, city → ward → precinct, as
  the 311 data uses it (the levels of ``boston311/areas.csv``).
- :func:`boston_area_code` and its helpers — the codes of the Boston sample from a
  311 row's ward and precinct cells, used to build ``boston311/areas.csv``
  (``examples/build_boston_areas.py``).  Replay does not use them: the sample
  mapping's ``[[area.levels]]`` rules (``split = 100``) express the same codes, and
  a test holds the two equal.
"""

from gridgov.grid import LevelSet
from gridgov.samples._boston import (
    BOSTON_CITY_CODE,
    boston_area_code,
    boston_precinct_code,
    boston_ward_code,
    clean_precinct,
    clean_ward,
)

__all__ = [
    "BOSTON_CITY_CODE",
    "BOSTON_LEVELS",
    "HANGZHOU_LEVELS",
    "boston_area_code",
    "boston_precinct_code",
    "boston_ward_code",
    "clean_precinct",
    "clean_ward",
]

#: A whole Hangzhou-style city: 市 → 区 → 街道 → 社区 → 网格 → 微网格.
HANGZHOU_LEVELS = LevelSet(["city", "district", "street", "community", "grid", "micro_grid"])

#: Boston's electoral geography as the 311 data uses it.
BOSTON_LEVELS = LevelSet(["city", "ward", "precinct"])

from gridgov._public import publish  # noqa: E402

publish(globals())
