"""A ticket (工单) as the fold of its events."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from gridgov.errors import InvalidInput, Problem
from gridgov.workflow._events import TicketEvent
from gridgov.workflow._states import (
    NEW,
    PART_TRIGGERS,
    TERMINAL_STATES,
    PartState,
    State,
    Trigger,
)
from gridgov.workflow._table import TABLE

__all__ = ["Move", "Part", "Ticket", "parts_of"]

_NO_PAYLOAD: Mapping[str, Any] = MappingProxyType({})
_TERMINAL = frozenset(s.value for s in TERMINAL_STATES)
_SUSPENDED = State.SUSPENDED.value
_RESUME = Trigger.RESUME.value
_CLOSE = Trigger.CLOSE.value
_REVIEWING = State.REVIEWING.value
_NOT_SATISFIED = "not_satisfied"
_OPEN_PARTS = frozenset(s.value for s in PartState if s.is_open)
"""The stored values of :attr:`PartState.is_open` states (a set test, not an enum call)."""
_IMPLYING = frozenset(
    {_RESUME, Trigger.MARK_HANDLED.value, Trigger.REOPEN.value, Trigger.CLOSE.value, *PART_TRIGGERS}
)
"""Triggers whose payload the ticket completes before the table decides (see
:meth:`Ticket.implied`)."""
_IMPLIED_KEYS = ("part_state", "open_parts", "lead_may_finish", "contested")
"""What :meth:`Ticket.implied` always states from the ticket itself (a stored event must
agree with the ticket it is folded into)."""
_UNSEEN = "<unseen>"
_GUARDED = "<guarded>"
_MOVES: dict[tuple[str, str], str | None] = {}
"""``TABLE.next_state(state, trigger)`` for every pair no guard reads the payload of (the
answer for any payload), else ``_GUARDED``: remembered (replay's hot path)."""
_new_move = tuple.__new__
"""Builds a :class:`Move` from a full tuple without the keyword machinery (hot path)."""


def _next_state(state: str, trigger: str, payload: Mapping[str, Any]) -> str | None:
    """``TABLE.next_state(state, trigger, payload)``, the payload read only where a guard
    reads it (:data:`_MOVES`): what :meth:`Ticket.fire` and :meth:`Ticket.apply` decide by."""
    key = (state, trigger)
    dest = _MOVES.get(key, _UNSEEN)  # most moves: the answer depends on the pair alone
    if dest is _UNSEEN:
        guarded = TABLE.is_guarded(state, trigger)
        dest = _MOVES[key] = _GUARDED if guarded else TABLE.next_state(state, trigger)
    if dest is _GUARDED:
        return TABLE.next_state(state, trigger, payload)
    return dest


class Move(NamedTuple):
    """One accepted move of one ticket, before it is numbered and stored as a
    :class:`TicketEvent` (a plain tuple: replay folds millions of them)."""

    trigger: str
    from_state: str
    to_state: str
    at: datetime
    actor_id: str = ""
    actor_role: str = ""
    payload: Mapping[str, Any] = _NO_PAYLOAD

    def event(self, ticket_id: str, seq: int) -> TicketEvent:
        """The stored event for this move, the ``seq``-th of ``ticket_id``."""
        return TicketEvent(
            ticket_id=ticket_id,
            seq=seq,
            trigger=self.trigger,
            from_state=self.from_state,
            to_state=self.to_state,
            actor_id=self.actor_id,
            actor_role=self.actor_role,
            at=self.at,
            payload=dict(self.payload),
        )


@dataclass(frozen=True, slots=True)
class Part:
    """One co-unit's part (协办) of a joint ticket: dispatched with the lead's dispatch,
    signed for and handled by the co-unit itself (:attr:`Trigger.SIGN_FOR_PART`,
    :attr:`Trigger.HANDLE_PART`)."""

    unit: str
    dispatched_at: datetime
    state: str = PartState.DISPATCHED.value
    signed_at: datetime | None = None
    handled_at: datetime | None = None
    result: str | None = None

    @property
    def is_open(self) -> bool:
        """True while the co-unit still owes its part."""
        return self.state in _OPEN_PARTS

    @property
    def took(self) -> timedelta | None:
        """Dispatch to handled (办结), elapsed time; ``None`` until it is handled."""
        return None if self.handled_at is None else self.handled_at - self.dispatched_at


def parts_of(trigger: str, payload: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The co-units a move concerns, read from the move alone (the fold and the SLA
    clocks both ask it): for :data:`PART_TRIGGERS` the one unit acting on its part; for
    a move that sets a joint ticket's parts afresh (a dispatch, a return, an escalation
    or reopen naming ``co_units``) the new set; ``None`` for a move that leaves them."""
    if trigger in PART_TRIGGERS:
        return (str(payload.get("unit")),)
    if trigger == Trigger.DISPATCH:
        return tuple(payload.get("co_units") or ())
    if trigger == Trigger.RETURN_TO_DISPATCHER:
        return ()
    if trigger in (Trigger.ESCALATE, Trigger.REOPEN) and "co_units" in payload:
        return tuple(payload["co_units"] or ())
    return None


@dataclass(slots=True)
class Ticket:
    """The current view of one ticket, rebuilt by folding its events in order.

    ``state`` is a plain string (a :class:`~gridgov.workflow.State` value, or ``"new"``
    before the report).  ``version`` is the number of events folded so far.  There is one
    fold, reached three ways:

    - :meth:`apply` folds a stored event and refuses one the loop's table does not allow
      (loading a history);
    - :meth:`fire` decides a move with the table and folds it, recording a refused move in
      :attr:`nonconformance` instead of raising (replay and simulation);
    - the object API (:class:`~gridgov.workflow.TicketLoop`) lets the ``transitions``
      machine decide and folds the event the machine accepted.
    """

    id: str
    state: str = NEW
    category: str | None = None
    tier: str | None = None
    area_code: str | None = None
    channel: str | None = None
    priority: str | None = None
    reporter_id: str | None = None
    assigned_unit: str | None = None
    assigned_level: str | None = None
    assigned_department: str | None = None
    handled_level: str | None = None
    escalation_count: int = 0
    return_count: int = 0
    reopen_count: int = 0
    supervised: bool = False
    suspended_from: str | None = None
    merged_into: str | None = None
    result: str | None = None
    photos: tuple[str, ...] = ()
    review_verdict: str | None = None
    joint: bool = False
    """Dispatched jointly, to a lead unit (主办) and co-units (协办) (大事协同解决, 联动);
    stays True once it was."""
    parts: tuple[Part, ...] = ()
    """The co-units' parts of the current joint dispatch, in the order dispatched."""
    lead_may_finish: bool = False
    """The routing policy let the lead unit mark the ticket handled before every part is
    (recorded with the joint dispatch)."""
    early_reason: str | None = None
    """Why the lead finished before every part was handled, when it did."""
    reported_at: datetime | None = None
    handled_at: datetime | None = None
    """When it was last handled (办结); cleared by a reopen (重办)."""
    closed_at: datetime | None = None
    """When it reached a final state (归档, 无效, 撤回, 合并)."""
    updated_at: datetime | None = None
    version: int = 0
    stayed_in_grid: bool | None = field(default=None, compare=False)
    """小事不出网格 as the routing policy last judged it
    (:meth:`RoutingPolicy.stayed_in_grid <gridgov.workflow.RoutingPolicy.stayed_in_grid>`):
    set by the loop after each move and by replay, stored with the ticket's row; a fold of
    bare events leaves it ``None`` (it needs the policy and the area levels)."""
    nonconformance: list[str] = field(default_factory=list)
    """Moves :meth:`fire` refused, as ``state:trigger`` (a history the loop does not allow)."""

    @classmethod
    def from_events(cls, events: Iterable[TicketEvent]) -> Ticket:
        """Rebuild a ticket from its whole history (checked against the loop's table)."""
        ticket: Ticket | None = None
        for event in events:
            if ticket is None:
                ticket = cls(id=event.ticket_id)
            ticket.apply(event)
        if ticket is None:
            raise InvalidInput([Problem("<events>", "no events: a ticket starts with 'report'")])
        return ticket

    def apply(self, event: TicketEvent) -> None:
        """Fold the next event in; refuses one that does not follow from the table."""
        mismatch = self._mismatch(event)
        if mismatch is not None:
            key, reason = mismatch
            where = f"<events of ticket {self.id}>"
            raise InvalidInput(
                [Problem(where, f"event #{event.seq}: {reason}", line=event.seq, field=key)],
                what="ticket history",
            )
        self._fold(event)

    def fire(
        self,
        trigger: str,
        at: datetime,
        payload: Mapping[str, Any] | None = None,
        *,
        actor_id: str = "",
        actor_role: str = "",
        complete: Callable[[Ticket, str, Mapping[str, Any]], Mapping[str, Any]] | None = None,
    ) -> Move | None:
        """Decide ``trigger`` with the loop's table and fold it; ``None`` when the table
        refuses it: the move goes to :attr:`nonconformance` and nothing else changes.

        ``complete(ticket, trigger, payload)`` runs for an accepted move only, before the
        fold, and returns the payload to record (replay fills in the routing's
        assignment there, as the live loop's dispatch does).

        >>> from datetime import datetime, UTC
        >>> t = Ticket("T1")
        >>> t.fire("report", datetime(2025, 3, 3, 9, tzinfo=UTC)).to_state
        'reported'
        >>> t.fire("close", datetime(2025, 3, 3, 10, tzinfo=UTC)) is None, t.nonconformance
        (True, ['reported:close'])
        """
        state = self.state
        data = payload or _NO_PAYLOAD
        if trigger in _IMPLYING:
            data = self.implied(trigger, data)
        dest = _next_state(state, trigger, data)
        if dest is None:
            self.nonconformance.append(f"{state}:{trigger}")
            return None
        if complete is not None:
            data = complete(self, trigger, data)
        move: Move = _new_move(
            Move, (trigger, state, dest, at, actor_id, actor_role, data or _NO_PAYLOAD)
        )
        self._fold(move)
        return move

    def implied(self, trigger: str, payload: Mapping[str, Any] | None) -> Mapping[str, Any]:
        """``payload`` with what the ticket itself implies, so the loop's table (which
        reads payloads only) can judge the move:

        - ``resume`` returns to the state the ticket was suspended from unless the
          payload says otherwise;
        - a co-unit's move on its part gets ``part_state``, the state of the part of
          the payload's ``unit`` (``"none"`` when it has none);
        - ``mark_handled`` of a joint ticket with parts still open gets ``open_parts``
          (their units) and ``lead_may_finish`` (what the joint dispatch recorded);
        - ``reopen`` of a joint ticket names its ``co_units`` again: every part is
          handled anew (重办);
        - ``close`` of a ticket whose last review was not satisfied gets ``contested``:
          it closes only with a reason (a supervisor's decision), see :attr:`contested`.
        """
        data = payload or _NO_PAYLOAD
        if trigger == _RESUME:
            if self.suspended_from and not data.get("resume_to"):
                return {**data, "resume_to": self.suspended_from}
            return data
        if trigger in PART_TRIGGERS:
            part = self.part(data.get("unit"))
            return {**data, "part_state": part.state if part is not None else "none"}
        if trigger == _CLOSE:
            return {**data, "contested": True} if self.contested else data
        if not self.parts:
            return data
        if trigger == Trigger.MARK_HANDLED:
            still = [p.unit for p in self.parts if p.is_open]
            if still:
                return {**data, "open_parts": still, "lead_may_finish": self.lead_may_finish}
            return data
        if trigger == Trigger.REOPEN and "co_units" not in data:
            return {**data, "co_units": [p.unit for p in self.parts]}
        return data

    @property
    def contested(self) -> bool:
        """An unsatisfied review (回访不满意) stands: until a new review, a reopen (重办) or a
        supervisor's decision with a reason, the ticket cannot be closed."""
        return self.review_verdict == _NOT_SATISFIED and self.state == _REVIEWING

    def part(self, unit: object) -> Part | None:
        """The part of co-unit ``unit``, or ``None`` when it has none."""
        for part in self.parts:
            if part.unit == unit:
                return part
        return None

    def _fold(self, move: Move | TicketEvent) -> None:
        """The one fold: what an accepted move changes (the move is not checked here)."""
        fold = _FOLDS.get(move.trigger)
        if fold is not None:
            fold(self, move)
        to_state = move.to_state
        if self.suspended_from is not None and to_state != _SUSPENDED:
            self.suspended_from = None  # resumed, withdrawn ...: nothing to resume to
        if to_state in _TERMINAL and self.state not in _TERMINAL:
            self.closed_at = move.at
        self.state = to_state
        self.version += 1
        self.updated_at = move.at

    def _mismatch(self, event: TicketEvent) -> tuple[str, str] | None:
        if event.ticket_id != self.id:
            return "ticket_id", f"belongs to ticket {event.ticket_id!r}"
        if event.seq != self.version + 1:
            return "seq", f"expected event #{self.version + 1} next"
        if event.from_state != self.state:
            return (
                "from_state",
                f"starts from {event.from_state!r} but the ticket is {self.state!r}",
            )
        if event.trigger in _IMPLYING:
            implied = self.implied(event.trigger, event.payload)
            if implied is not event.payload:  # the same payload agrees with itself
                for key in _IMPLIED_KEYS:
                    if implied.get(key) != event.payload.get(key):
                        return key, (
                            f"records {key}={event.payload.get(key)!r} but the ticket implies "
                            f"{implied.get(key)!r}"
                        )
        expected = _next_state(self.state, event.trigger, event.payload)
        if expected is None:
            why = TABLE.why_not(self.state, event.trigger)
            return "trigger", f"{event.trigger!r} is not allowed in {self.state!r} ({why})"
        if expected != event.to_state:
            return "to_state", f"{event.trigger!r} leads to {expected!r}, not {event.to_state!r}"
        return None


_Folded = Move | TicketEvent


def _fold_report(ticket: Ticket, event: _Folded) -> None:
    p = event.payload
    ticket.category = p.get("category", ticket.category)
    ticket.tier = p.get("tier", ticket.tier)
    ticket.area_code = p.get("area_code", ticket.area_code)
    ticket.channel = p.get("channel", ticket.channel)
    ticket.priority = p.get("priority", ticket.priority)
    ticket.reporter_id = p.get("reporter_id", ticket.reporter_id or event.actor_id or None)
    ticket.reported_at = event.at


def _fold_parts(ticket: Ticket, event: _Folded) -> None:
    """A move that sets the parts afresh (:func:`parts_of`): one new part per co-unit."""
    units = parts_of(event.trigger, event.payload)
    if units is None:
        return
    ticket.parts = tuple(Part(unit, event.at) for unit in units)
    if units:
        ticket.joint = True
        ticket.lead_may_finish = bool(event.payload.get("lead_may_finish"))


def _fold_assignment(ticket: Ticket, event: _Folded) -> None:
    p = event.payload
    _fold_parts(ticket, event)
    ticket.assigned_unit = p.get("unit")
    ticket.assigned_level = p.get("level")
    ticket.assigned_department = p.get("department")
    if p.get("supervised"):
        ticket.supervised = True
    if event.trigger == Trigger.ESCALATE or p.get("escalated"):
        ticket.escalation_count += 1
    if event.trigger == Trigger.REOPEN:
        ticket.reopen_count += 1
        ticket.handled_level = None
        ticket.handled_at = None
        ticket.review_verdict = None
        ticket.early_reason = None


def _fold_return(ticket: Ticket, event: _Folded) -> None:
    ticket.return_count += 1
    _fold_parts(ticket, event)
    ticket.assigned_unit = None
    ticket.assigned_department = None


def _fold_suspend(ticket: Ticket, event: _Folded) -> None:
    ticket.suspended_from = event.from_state


def _fold_handled(ticket: Ticket, event: _Folded) -> None:
    ticket.result = event.payload.get("result")
    ticket.photos = tuple(event.payload.get("photos", ()))
    ticket.handled_level = ticket.assigned_level
    ticket.handled_at = event.at
    if event.payload.get("open_parts"):  # the lead finished first, as the policy allows
        ticket.early_reason = event.payload.get("early_reason")
        ticket.parts = tuple(
            replace(p, state=PartState.RELEASED.value) if p.is_open else p for p in ticket.parts
        )


def _fold_part(ticket: Ticket, event: _Folded) -> None:
    """A co-unit signs for (签收) or handles (办结) its own part."""
    unit = event.payload.get("unit")
    signed = event.trigger == Trigger.SIGN_FOR_PART
    ticket.parts = tuple(
        (
            replace(p, state=PartState.IN_PROGRESS.value, signed_at=event.at)
            if signed
            else replace(
                p,
                state=PartState.HANDLED.value,
                handled_at=event.at,
                result=event.payload.get("result"),
            )
        )
        if p.unit == unit
        else p
        for p in ticket.parts
    )


def _fold_review(ticket: Ticket, event: _Folded) -> None:
    ticket.review_verdict = event.payload.get("verdict")


def _fold_supervise(ticket: Ticket, event: _Folded) -> None:
    ticket.supervised = True


def _fold_merge(ticket: Ticket, event: _Folded) -> None:
    ticket.merged_into = event.payload.get("into")


_FOLDS: dict[str, Callable[[Ticket, _Folded], None]] = {
    Trigger.REPORT: _fold_report,
    Trigger.DISPATCH: _fold_assignment,
    Trigger.ESCALATE: _fold_assignment,
    Trigger.REOPEN: _fold_assignment,
    Trigger.RETURN_TO_DISPATCHER: _fold_return,
    Trigger.SUSPEND: _fold_suspend,
    Trigger.MARK_HANDLED: _fold_handled,
    Trigger.SIGN_FOR_PART: _fold_part,
    Trigger.HANDLE_PART: _fold_part,
    Trigger.REVIEW: _fold_review,
    Trigger.SUPERVISE: _fold_supervise,
    Trigger.MERGE_INTO: _fold_merge,
}
