"""Ticket shapes (工单形态): what the fold and the routing concluded, remembered per shape.

The loop's table, the fold and the routing read a ticket's events — triggers, actors,
payloads — and its category, area, channel and tier, never its times (they are only
stored, ``reported_at``, ``closed_at`` …, and measured by the SLA clocks), and of a
recorded text (:data:`~gridgov.workflow.RECORDED_TEXTS`: a result, a reason) only
whether one is given, never its words.  So two tickets with the same *shape*
(everything but their times and those words) fold to the same states,
counts, flags and routing.  Replay folds the first ticket of each shape with
:meth:`Ticket.fire <gridgov.workflow.Ticket.fire>` as usual and remembers the result as
a :class:`Shape`: *observed* — which events were accepted, with which destination, at
which event the ticket closed — not derived from any rule here.  A later ticket of
that shape runs only its clocks (:class:`~gridgov.sla.ClockRun`, on its own times).

A ticket whose fold depends on its times is never remembered: one with a joint
dispatch's parts (they record when each co-unit took its part).  A file whose tickets
rarely repeat (free-text results, a log with per-event actors) turns remembering off
after a trial (:class:`ShapeMemo`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gridgov.replay._sources import SourceTicket
from gridgov.sla import ClockRun, CycleShape, SlaRule, compile_cycles
from gridgov.workflow import RECORDED_TEXTS, text_given

__all__ = ["Shape", "ShapeMemo"]

_RECORDED = RECORDED_TEXTS

SHAPES_LIMIT = 65_536
"""Shapes remembered per engine at most (then the memo starts afresh): about 400 bytes
each, their events and moves shared (under 30 MB when full).  A city's month has tens
of thousands of shapes (the synthetic 200,000-ticket file 18,952: area × category ×
channel × status), so a smaller memo starting afresh again and again loses most hits
(16,384 gave 52% of its tickets the remembered path, this 90%)."""
TRIAL = 2_000
"""Tickets in each window after which remembering stops unless :data:`WORTH` of them
repeated a shape."""
WARM_UP = 5
"""Windows not judged: the first tickets of each shape cannot repeat yet."""
WORTH = 0.3
"""The share of repeats that pays for keying every ticket (a key costs about a third of
what a repeat saves)."""

Accepted = tuple[int, str, str, tuple[str, ...] | None]
"""An accepted move: its event's index, trigger, destination, and the parts passed to
the clocks (``None``: none)."""


@dataclass(slots=True)
class Shape:
    """What folding one ticket of a shape concluded, its times left out (by event index)."""

    accepted: tuple[Accepted, ...]
    attributes: tuple[str | None, str | None, str | None, str | None]
    """(category, tier, priority, channel) after the first accepted move: the SLA rule's."""
    closed: int | None
    """The event whose time the ticket closed at (``closed_at``), if it closed."""
    last: int | None
    """The event whose time the ticket was last updated at (``updated_at``)."""
    state: str
    reopened: int
    escalations: int
    stayed_in_grid: bool | None
    conformance: tuple[str, ...]
    satisfied: bool | None
    """The last accepted review's verdict: satisfied (or basically), not, or no review."""
    clocked: dict[int, tuple[Accepted, ...]] = field(default_factory=dict)
    """The accepted moves that can change a clock, by the id of the SLA rule they run
    under (:meth:`ClockRun.moves_that_count <gridgov.sla.ClockRun.moves_that_count>`)."""

    compiled: dict[int, tuple[tuple[CycleShape, ...], Hashable] | None] = field(
        default_factory=dict
    )
    """The cycles those moves run, by rule id, for the columnar path
    (:func:`~gridgov.sla._vector.compile_cycles`; ``None``: not of its kinds)."""

    def cycles_for(
        self,
        rule: SlaRule,
        probe: datetime,
        compiled: dict[tuple[int, tuple[Accepted, ...]], tuple[CycleShape, ...] | None],
    ) -> tuple[tuple[CycleShape, ...], Hashable] | None:
        """The cycles this shape's moves run under ``rule``, by event index (compiled on
        probe times once per rule), with their *signature*: the events every column reads
        (each cycle's start and end, the last and the closing event).  Shapes of one
        signature under one rule have their clocks computed together.  ``None`` when the
        cycles must run one by one.  ``compiled`` holds the cycles by rule and accepted
        moves, for every shape (many shapes share their moves: they differ by area)."""
        key = id(rule)
        if key not in self.compiled:
            moves = (key, self.accepted)
            if moves not in compiled:
                compiled[moves] = compile_cycles(rule, self.moves_for(rule), probe)
            cycles = compiled[moves]
            self.compiled[key] = (
                None
                if cycles is None
                else (
                    cycles,
                    (tuple((c.clock, c.start, c.end) for c in cycles), self.last, self.closed),
                )
            )
        return self.compiled[key]

    def moves_for(self, rule: SlaRule) -> tuple[Accepted, ...]:
        """The accepted moves to apply to the clocks of ``rule`` (the others change none)."""
        found = self.clocked.get(id(rule))
        if found is None:
            accepted = self.accepted
            counted = ClockRun.moves_that_count(rule, [m[1:] for m in accepted])
            found = self.clocked[id(rule)] = tuple(accepted[i] for i in counted)
        return found


ShapeKey = tuple[Hashable, ...]
"""(category, area, channel, tier, events): see :func:`shape_key`."""


def _decided(payload: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """What the loop decides on in ``payload``: its items, each of the
    :data:`~gridgov.workflow.RECORDED_TEXTS` only as whether it is given."""
    return tuple(
        (name, text_given(value)) if name in _RECORDED else (name, value)
        for name, value in payload.items()
    )


def shape_key(source: SourceTicket, tier: str) -> ShapeKey:
    """Everything of ``source`` the fold and the routing decide on: all but its times and
    the words of its recorded texts (a result's, a reason's)."""
    events = [  # hot path: a list comprehension over the unpacked events
        (
            trigger,
            actor,
            role,
            ()
            if not payload
            else tuple(payload.items())
            if _RECORDED.isdisjoint(payload)
            else _decided(payload),
        )
        for trigger, _at, _line, actor, role, payload in source.events
    ]
    return (source.category, source.area, source.channel, tier, tuple(events))


class ShapeMemo:
    """Shapes by :func:`shape_key`, bounded, and given up when tickets rarely repeat."""

    def __init__(self) -> None:
        self.shapes: dict[ShapeKey, Shape] = {}
        self._moves: dict[tuple[Accepted, ...], tuple[Accepted, ...]] = {}
        self.compiled: dict[tuple[int, tuple[Accepted, ...]], tuple[CycleShape, ...] | None] = {}
        """The clock cycles of each rule and sequence of accepted moves
        (:meth:`Shape.cycles_for`)."""
        self._events: dict[Hashable, Hashable] = {}
        """One copy of each sequence of accepted moves and of events (many shapes share
        one: they differ by category and area)."""
        self.active = True
        self.windows = 0
        self.tried = 0
        """Tickets looked up in the current window."""
        self.hits = 0

    def get(self, key: ShapeKey) -> Shape | None:
        """The shape remembered for ``key``; ``None`` (and counted) when there is none."""
        self.tried += 1
        try:
            found = self.shapes.get(key)
        except TypeError:  # a payload holding a list (co-units, photos): not remembered
            found = None
        if found is not None:
            self.hits += 1
        if self.tried == TRIAL:  # a window of tickets: did enough of them repeat a shape?
            self.windows += 1
            if self.windows > WARM_UP and self.hits < TRIAL * WORTH:
                self.active = False  # keying every ticket would cost more than it saves
                self.shapes.clear()
                self._moves.clear()
                self._events.clear()
                self.compiled.clear()
            self.tried = self.hits = 0
        return found

    def add(self, key: ShapeKey, shape: Shape) -> None:
        """Remember ``shape`` for ``key`` (not when the key holds a list)."""
        if len(self.shapes) >= SHAPES_LIMIT:
            self.shapes.clear()
            self._moves.clear()
            self._events.clear()
            self.compiled.clear()
        with suppress(TypeError):  # a key holding a list: not remembered
            events = key[4]
            key = (key[0], key[1], key[2], key[3], self._events.setdefault(events, events))
            accepted = shape.accepted
            shape.accepted = self._moves.setdefault(accepted, accepted)
            self.shapes[key] = shape
