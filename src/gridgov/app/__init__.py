"""The application layer (应用层): the :class:`Engine` that wires the store, the
area hierarchy, the policies and the clock, with its SLA clocks, timers and views.

It imports the domain (grid, workflow, sla) and the store; nothing below it
imports it.
"""

from gridgov.app._clocks import TicketClocks
from gridgov.app._engine import Engine, Notification, Subscriber
from gridgov.app._views import ClockView, SlaNotice, TicketView

__all__ = [
    "ClockView",
    "Engine",
    "Notification",
    "SlaNotice",
    "Subscriber",
    "TicketClocks",
    "TicketView",
]
