"""The application layer (应用层): the one composition root and the :class:`Engine`.

:func:`open_engine` (URL or settings → store → Engine) and :func:`open_store`
(URL → store) are where every entry point — the CLI, ``replay --db``, an
embedding app — builds its store and Engine.  The Engine wires the store, the
area hierarchy, the policies and the clock; its SLA clocks, timers and views
live beside it.  It imports the domain (grid, workflow, sla) and the store;
nothing in those imports it.
"""

from gridgov._public import publish
from gridgov.app._actors import GUEST_ROLES, ActorResolver, StoredActors, trust_callers
from gridgov.app._built_with import BuiltWith, built_with, record_built_with
from gridgov.app._clocks import TicketClocks, clock_check
from gridgov.app._engine import Engine, Notification, Subscriber
from gridgov.app._open import open_engine
from gridgov.app._stores import open_store
from gridgov.app._views import ClockView, PartView, SlaNotice, TicketView

__all__ = [
    "GUEST_ROLES",
    "ActorResolver",
    "BuiltWith",
    "ClockView",
    "Engine",
    "Notification",
    "PartView",
    "SlaNotice",
    "StoredActors",
    "Subscriber",
    "TicketClocks",
    "TicketView",
    "built_with",
    "clock_check",
    "open_engine",
    "open_store",
    "record_built_with",
    "trust_callers",
]

publish(globals())
