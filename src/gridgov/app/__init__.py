"""The application layer (应用层): the one composition root and the :class:`Engine`.

:func:`open_engine` (URL or settings → store → Engine) and :func:`open_store`
(URL → store) are where every entry point — the CLI, ``replay --db``, an
embedding app — builds its store and Engine.  The Engine wires the store, the
area hierarchy, the policies and the clock; its SLA clocks, timers and views
live beside it.  It imports the domain (grid, workflow, sla) and the store;
nothing in those imports it.
"""

from gridgov._public import publish
from gridgov.app._clocks import TicketClocks
from gridgov.app._engine import Engine, Notification, Subscriber
from gridgov.app._open import open_engine
from gridgov.app._stores import open_store
from gridgov.app._views import ClockView, PartView, SlaNotice, TicketView

__all__ = [
    "ClockView",
    "Engine",
    "Notification",
    "PartView",
    "SlaNotice",
    "Subscriber",
    "TicketClocks",
    "TicketView",
    "open_engine",
    "open_store",
]

publish(globals())
