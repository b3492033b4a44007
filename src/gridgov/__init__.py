"""gridgov: grid-governance work orders (网格化治理工单).

The public API is what ``__all__`` lists; modules whose names start with an
underscore are private.  Importing gridgov connects to nothing and reads no clock.
"""

from gridgov._version import __version__
from gridgov.errors import GridGovError
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, load_areas

__all__ = [
    "Area",
    "AreaTree",
    "Directory",
    "GridGovError",
    "LevelSet",
    "Unit",
    "__version__",
    "load_areas",
]
