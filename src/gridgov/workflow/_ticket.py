"""A ticket (工单) as the fold of its events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from gridgov.errors import InvalidInput, Problem
from gridgov.workflow._events import TicketEvent
from gridgov.workflow._states import NEW, State, Trigger
from gridgov.workflow._table import TABLE

__all__ = ["Ticket"]


@dataclass(slots=True)
class Ticket:
    """The current view of one ticket, rebuilt by folding its events in order.

    ``state`` is a plain string (a :class:`~gridgov.workflow.State` value, or ``"new"``
    before the report).  ``version`` is the number of events folded so far.  The only way
    to change a ticket is :meth:`apply` with the next event; the object API
    (:class:`~gridgov.workflow.TicketLoop`) builds those events through the state machine.
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
    reported_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 0

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
            field, reason = mismatch
            where = f"<events of ticket {self.id}>"
            raise InvalidInput(
                [Problem(where, f"event #{event.seq}: {reason}", line=event.seq, field=field)],
                what="ticket history",
            )
        _FOLDS.get(event.trigger, _fold_nothing)(self, event)
        if event.to_state != State.SUSPENDED:
            self.suspended_from = None  # resumed, withdrawn ...: nothing to resume to
        self.state = event.to_state
        self.version = event.seq
        self.updated_at = event.at

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
        expected = TABLE.next_state(self.state, event.trigger, event.payload)
        if expected is None:
            why = TABLE.why_not(self.state, event.trigger)
            return "trigger", f"{event.trigger!r} is not allowed in {self.state!r} ({why})"
        if expected != event.to_state:
            return "to_state", f"{event.trigger!r} leads to {expected!r}, not {event.to_state!r}"
        return None


def _fold_nothing(ticket: Ticket, event: TicketEvent) -> None:
    """Triggers that change only the state."""


def _fold_report(ticket: Ticket, event: TicketEvent) -> None:
    p = event.payload
    ticket.category = p.get("category")
    ticket.tier = p.get("tier")
    ticket.area_code = p.get("area_code")
    ticket.channel = p.get("channel")
    ticket.priority = p.get("priority")
    ticket.reporter_id = p.get("reporter_id", event.actor_id)
    ticket.reported_at = event.at


def _fold_assignment(ticket: Ticket, event: TicketEvent) -> None:
    p = event.payload
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
        ticket.review_verdict = None


def _fold_return(ticket: Ticket, event: TicketEvent) -> None:
    ticket.return_count += 1
    ticket.assigned_unit = None
    ticket.assigned_department = None


def _fold_suspend(ticket: Ticket, event: TicketEvent) -> None:
    ticket.suspended_from = event.from_state


def _fold_handled(ticket: Ticket, event: TicketEvent) -> None:
    ticket.result = event.payload.get("result")
    ticket.photos = tuple(event.payload.get("photos", ()))
    ticket.handled_level = ticket.assigned_level


def _fold_review(ticket: Ticket, event: TicketEvent) -> None:
    ticket.review_verdict = event.payload.get("verdict")


def _fold_supervise(ticket: Ticket, event: TicketEvent) -> None:
    ticket.supervised = True


def _fold_merge(ticket: Ticket, event: TicketEvent) -> None:
    ticket.merged_into = event.payload.get("into")


_FOLDS: dict[str, Callable[[Ticket, TicketEvent], None]] = {
    Trigger.REPORT: _fold_report,
    Trigger.DISPATCH: _fold_assignment,
    Trigger.ESCALATE: _fold_assignment,
    Trigger.REOPEN: _fold_assignment,
    Trigger.RETURN_TO_DISPATCHER: _fold_return,
    Trigger.SUSPEND: _fold_suspend,
    Trigger.MARK_HANDLED: _fold_handled,
    Trigger.REVIEW: _fold_review,
    Trigger.SUPERVISE: _fold_supervise,
    Trigger.MERGE_INTO: _fold_merge,
}
