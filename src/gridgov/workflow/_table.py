"""The loop compiled to dictionaries: the fast path for replaying millions of events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from gridgov.workflow._definition import DEFINITION, GUARDS, TransitionSpec
from gridgov.workflow._states import NEW, State, Trigger

__all__ = ["TABLE", "TransitionTable"]

_Check = Callable[[Mapping[str, Any]], bool]
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class TransitionTable:
    """A compiled :data:`~gridgov.workflow.DEFINITION`: ``(state, trigger) -> destination``.

    Works on plain strings and dicts, without ``transitions``: unguarded moves are one
    dict lookup; guarded ones try their variants in table order.
    """

    def __init__(self, specs: Iterable[TransitionSpec]) -> None:
        self.specs: tuple[TransitionSpec, ...] = tuple(specs)
        plain: dict[tuple[str, str], str] = {}
        guarded: dict[tuple[str, str], list[tuple[tuple[_Check, ...], str]]] = {}
        for spec in self.specs:
            checks = tuple(GUARDS[name].check for name in spec.guards)
            for source in spec.sources:
                key = (str(source), str(spec.trigger))
                if key in plain:
                    raise ValueError(f"{key} is defined twice without a guard")
                if checks:
                    guarded.setdefault(key, []).append((checks, str(spec.destination(source))))
                else:
                    plain[key] = str(spec.destination(source))
        overlap = plain.keys() & guarded.keys()
        if overlap:
            raise ValueError(f"{sorted(overlap)} mix guarded and unguarded rows")
        self._plain = plain
        self._guarded = {k: tuple(v) for k, v in guarded.items()}
        self.states: tuple[str, ...] = (NEW, *(s.value for s in State))
        self.triggers: tuple[str, ...] = tuple(t.value for t in Trigger)
        self._from = {
            s: tuple(t for t in self.triggers if self.is_defined(s, t)) for s in self.states
        }

    def next_state(
        self, state: str, trigger: str, payload: Mapping[str, Any] | None = None
    ) -> str | None:
        """The state a ticket in ``state`` moves to on ``trigger``, or ``None`` if not allowed.

        ``payload`` is the event payload; only guarded moves read it (``review`` needs
        ``verdict``, ``resume`` needs ``resume_to``, ``mark_handled`` needs ``result``,
        ``merge_into`` needs ``into``).

        >>> TABLE.next_state("dispatched", "sign_for")
        'in_progress'
        >>> TABLE.next_state("reviewing", "review", {"verdict": "not_satisfied"})
        'reviewing'
        >>> TABLE.next_state("closed", "reopen") is None
        True
        """
        dest = self._plain.get((state, trigger))
        if dest is not None:
            return dest
        variants = self._guarded.get((state, trigger))
        if variants is None:
            return None
        data = _EMPTY if payload is None else payload
        for checks, candidate in variants:
            for check in checks:  # a loop, not all(<generator>): replay's hot path
                if not check(data):
                    break
            else:
                return candidate
        return None

    def is_defined(self, state: str, trigger: str) -> bool:
        """True when some row leaves ``state`` on ``trigger`` (whatever its guards say)."""
        key = (state, trigger)
        return key in self._plain or key in self._guarded

    def is_guarded(self, state: str, trigger: str) -> bool:
        """True when the move from ``state`` on ``trigger`` depends on the payload (a guard
        reads it); otherwise :meth:`next_state` gives the same answer for any payload."""
        return (state, trigger) in self._guarded

    def triggers_from(self, state: str) -> tuple[str, ...]:
        """The triggers defined in ``state``, in :class:`Trigger` order."""
        return self._from.get(state, ())

    def destinations(self, state: str, trigger: str) -> tuple[str, ...]:
        """Every state ``trigger`` can lead to from ``state`` (one per guarded variant)."""
        key = (state, trigger)
        if key in self._plain:
            return (self._plain[key],)
        return tuple(dest for _, dest in self._guarded.get(key, ()))

    def why_not(self, state: str, trigger: str) -> str:
        """Why ``trigger`` is refused in ``state``, for error messages."""
        if not self.is_defined(state, trigger):
            allowed = ", ".join(self.triggers_from(state)) or "nothing (the ticket is final)"
            return f"allowed here: {allowed}"
        needs = [
            GUARDS[name].description
            for spec in self.specs
            if spec.trigger == trigger and state in spec.sources
            for name in spec.guards
        ]
        return "needs one of: " + "; ".join(needs)


TABLE: Final = TransitionTable(DEFINITION)
"""The compiled loop.  Replay calls ``TABLE.next_state(state, trigger, payload)``."""
