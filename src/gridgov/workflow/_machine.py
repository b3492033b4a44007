"""The one shared ``transitions`` machine behind the object API.

Built once from :data:`~gridgov.workflow.DEFINITION` (``model=None``, no
``to_<state>`` auto-transitions) and fired with ``machine.events[name].trigger(obj)``
on a tiny cursor object, as the transitions FAQ recommends for many objects: no
``Machine`` per ticket, no models registered and forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from transitions import EventData, Machine, MachineError

from gridgov.workflow._definition import DEFINITION, GUARDS, SAME, Guard
from gridgov.workflow._states import NEW, State

__all__ = ["fire", "shared_machine"]


class _Cursor:
    """The only model the machine ever sees: a state string, nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _condition(guard: Guard) -> Callable[[EventData], bool]:
    def check(event_data: EventData) -> bool:
        payload: Mapping[str, Any] = event_data.kwargs.get("payload") or {}
        return guard.check(payload)

    check.__name__ = guard.name
    return check


@cache
def shared_machine() -> Machine:
    """The machine compiled from the definition table (built on first use)."""
    machine = Machine(
        model=None,
        states=[NEW, *(s.value for s in State)],
        initial=NEW,
        auto_transitions=False,
        send_event=True,
    )
    for spec in DEFINITION:
        machine.add_transition(
            spec.trigger.value,
            [str(s) for s in spec.sources],
            None if spec.dest == SAME else str(spec.dest),
            conditions=[_condition(GUARDS[name]) for name in spec.guards],
        )
    return machine


def fire(state: str, trigger: str, payload: Mapping[str, Any] | None = None) -> str | None:
    """Run ``trigger`` through the ``transitions`` machine from ``state``.

    Returns the destination, or ``None`` when the machine refuses (no such move, or
    its guards fail).  Nothing outside the throw-away cursor changes.
    """
    event = shared_machine().events.get(trigger)
    if event is None:
        return None
    cursor = _Cursor(state)
    try:
        accepted = event.trigger(cursor, payload=payload or {})
    except MachineError:
        return None
    return cursor.state if accepted else None
