"""gridgov: grid-governance work orders (网格化治理工单).

The public API is what ``__all__`` lists; modules whose names start with an
underscore are private.  Importing gridgov connects to nothing and reads no clock.
"""

from typing import TYPE_CHECKING

from gridgov._version import __version__
from gridgov.errors import GridGovError
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, load_areas

if TYPE_CHECKING:
    from gridgov.app._engine import Engine
    from gridgov.app._views import ClockView, SlaNotice, TicketView

__all__ = [
    "Area",
    "AreaTree",
    "ClockView",
    "Directory",
    "Engine",
    "GridGovError",
    "LevelSet",
    "SlaNotice",
    "TicketView",
    "Unit",
    "__version__",
    "load_areas",
]


def __getattr__(name: str) -> object:
    # The Engine pulls in SQLAlchemy and Alembic: import it on first use only,
    # so `import gridgov` and `gridgov --help` stay light.
    if name == "Engine":
        from gridgov.app._engine import Engine

        return Engine
    if name in {"ClockView", "SlaNotice", "TicketView"}:
        from gridgov.app import _views as _engine_views

        return getattr(_engine_views, name)
    raise AttributeError(f"module 'gridgov' has no attribute {name!r}")
