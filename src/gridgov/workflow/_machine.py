"""The one shared ``transitions`` machine behind the object API.

Built once from :data:`~gridgov.workflow.DEFINITION` (``model=None``, no
``to_<state>`` auto-transitions) and fired with ``machine.events[name].trigger(obj)``
on a tiny cursor object, as the transitions FAQ recommends for many objects: no
``Machine`` per ticket, no models registered and forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, cast

from transitions import EventData, Machine, MachineError

from gridgov.workflow._definition import DEFINITION, GUARDS, SAME, Guard
from gridgov.workflow._states import NEW, State

__all__ = ["Record", "decide", "fire", "shared_machine"]


Record = Callable[[str, Mapping[str, Any]], None]
"""Called once the machine accepted a move: ``record(destination, payload)``."""


class _Cursor:
    """The only model the machine ever sees: a state string and this move's callbacks."""

    __slots__ = ("build", "record", "state")

    def __init__(
        self, state: str, build: Callable[[], Mapping[str, Any]], record: Record | None
    ) -> None:
        self.state = state
        self.build = build
        self.record = record


def _condition(guard: Guard) -> Callable[[EventData], bool]:
    def check(event_data: EventData) -> bool:
        payload: Mapping[str, Any] = event_data.kwargs.get("payload") or {}
        return guard.check(payload)

    check.__name__ = guard.name
    return check


def _prepare(event_data: EventData) -> None:
    """Build the payload once the machine knows the trigger leaves this state (the unit
    of a dispatch is resolved only for a move that exists); the guards read it."""
    cursor = cast(_Cursor, event_data.model)
    event_data.kwargs["payload"] = cursor.build()


def _after(event_data: EventData) -> None:
    cursor = cast(_Cursor, event_data.model)
    if cursor.record is not None:
        cursor.record(cursor.state, event_data.kwargs["payload"])


@cache
def shared_machine() -> Machine:
    """The machine compiled from the definition table (built on first use)."""
    machine = Machine(
        model=None,
        states=[NEW, *(s.value for s in State)],
        initial=NEW,
        auto_transitions=False,
        send_event=True,
        prepare_event=[_prepare],
        after_state_change=[_after],
    )
    for spec in DEFINITION:
        machine.add_transition(
            spec.trigger.value,
            [str(s) for s in spec.sources],
            None if spec.dest == SAME else str(spec.dest),
            conditions=[_condition(GUARDS[name]) for name in spec.guards],
        )
    return machine


def decide(
    state: str,
    trigger: str,
    build: Callable[[], Mapping[str, Any]],
    record: Record | None = None,
) -> str | None:
    """Let the ``transitions`` machine decide ``trigger`` from ``state``, once.

    ``build`` makes the payload when the trigger leaves ``state`` at all; the guards
    check it; ``record(destination, payload)`` runs when the move is accepted (the
    live loop folds its event there).  Returns the destination, or ``None`` when the
    machine refuses (no such move, or its guards fail).
    """
    event = shared_machine().events.get(trigger)
    if event is None:
        return None
    cursor = _Cursor(state, build, record)
    try:
        accepted = event.trigger(cursor)
    except MachineError:
        return None
    return cursor.state if accepted else None


def fire(state: str, trigger: str, payload: Mapping[str, Any] | None = None) -> str | None:
    """The machine's answer for ``trigger`` from ``state`` with ``payload``, recording
    nothing (what the tests hold against the compiled table)."""
    data = payload or {}
    return decide(state, trigger, lambda: data)
