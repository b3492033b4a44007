"""gridgov: grid-governance work orders (网格化治理工单).

The public API is what ``__all__`` lists; modules whose names start with an
underscore are private.  Importing gridgov connects to nothing and reads no clock.
"""

import importlib
from typing import TYPE_CHECKING

from gridgov._version import __version__
from gridgov.errors import (
    ConcurrentUpdate,
    GridGovError,
    InvalidInput,
    PermissionDenied,
    StoreError,
    TransitionNotAllowed,
    UnknownTicket,
)
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, load_areas

if TYPE_CHECKING:
    from gridgov.app import (
        ClockView,
        Engine,
        Notification,
        SlaNotice,
        TicketView,
        open_engine,
        open_store,
    )
    from gridgov.workflow import Actor

__all__ = [
    "Actor",
    "Area",
    "AreaTree",
    "ClockView",
    "ConcurrentUpdate",
    "Directory",
    "Engine",
    "GridGovError",
    "InvalidInput",
    "LevelSet",
    "Notification",
    "PermissionDenied",
    "SlaNotice",
    "StoreError",
    "TicketView",
    "TransitionNotAllowed",
    "Unit",
    "UnknownTicket",
    "__version__",
    "load_areas",
    "open_engine",
    "open_store",
]

# The application layer pulls in SQLAlchemy and Alembic, the workflow the state
# machine: import them on first use only, so `import gridgov` and `gridgov --help`
# stay light.
_LAZY = {
    "Actor": "gridgov.workflow",
    "ClockView": "gridgov.app",
    "Engine": "gridgov.app",
    "Notification": "gridgov.app",
    "SlaNotice": "gridgov.app",
    "TicketView": "gridgov.app",
    "open_engine": "gridgov.app",
    "open_store": "gridgov.app",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'gridgov' has no attribute {name!r}")
