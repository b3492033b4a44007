"""What the :class:`~gridgov.Engine` returns: pydantic models, JSON-serialisable,
each with a JSON Schema (``TicketView.model_json_schema()``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gridgov.sla import ClockCycle, SlaBreached, SlaWarning
from gridgov.workflow import Part, PartState, State, Ticket

__all__ = ["ClockView", "PartView", "SlaNotice", "TicketView"]


class ClockView(BaseModel):
    """One SLA clock cycle of a ticket (时限), as an app shows it."""

    model_config = ConfigDict(frozen=True)

    clock: str
    cycle: int
    status: str = Field(description="running, paused, met, breached or cancelled")
    breached: bool
    started_at: AwareDatetime
    due_at: AwareDatetime
    stopped_at: AwareDatetime | None = None
    provisional: bool = Field(
        default=False,
        description="due time computed on a provisional calendar (a year without official data)",
    )
    provisional_years: tuple[int, ...] = ()

    @classmethod
    def from_cycle(cls, cycle: ClockCycle) -> ClockView:
        """The view of ``cycle``: its :meth:`~gridgov.sla.ClockCycle.summary`."""
        return cls(**cycle.summary())


class PartView(BaseModel):
    """One co-unit's part (协办) of a joint ticket, and how long it took."""

    model_config = ConfigDict(frozen=True)

    unit: str
    state: str = Field(description="dispatched, in_progress, handled or released")
    state_zh: str
    dispatched_at: AwareDatetime
    signed_at: AwareDatetime | None
    handled_at: AwareDatetime | None
    result: str | None
    took: timedelta | None = Field(description="dispatch to handled, elapsed (None until then)")

    @classmethod
    def of(cls, part: Part) -> PartView:
        return cls(
            unit=part.unit,
            state=part.state,
            state_zh=PartState(part.state).label_zh,
            dispatched_at=part.dispatched_at,
            signed_at=part.signed_at,
            handled_at=part.handled_at,
            result=part.result,
            took=part.took,
        )


class TicketView(BaseModel):
    """A ticket (工单) as an embedding app shows it: the fold of its events plus its clocks."""

    model_config = ConfigDict(frozen=True)

    id: str
    state: str
    state_zh: str
    category: str | None
    tier: str | None
    area_code: str | None
    channel: str | None
    priority: str | None
    reporter_id: str | None
    assigned_unit: str | None
    assigned_level: str | None
    assigned_department: str | None
    escalation_count: int
    reopen_count: int
    supervised: bool
    joint: bool = Field(description="dispatched jointly: a lead unit (主办) and co-units (协办)")
    parts: list[PartView] = Field(description="the co-units' parts of the joint dispatch")
    early_reason: str | None = Field(
        description="why the lead unit finished before every co-unit had (when it did)"
    )
    stayed_in_grid: bool | None = Field(
        description="小事不出网格: closed after being handled at the grid level or below, "
        "never escalated, not handled jointly (None while open or unknown)"
    )
    result: str | None
    photos: list[str]
    review_verdict: str | None
    reported_at: AwareDatetime | None
    updated_at: AwareDatetime | None
    version: int
    next_due_at: AwareDatetime | None
    clocks: list[ClockView]

    @classmethod
    def of(
        cls, ticket: Ticket, *, next_due_at: datetime | None, clocks: list[ClockView]
    ) -> TicketView:
        """The view of ``ticket``: its own fields, its state in Chinese, and its clocks."""
        own = {name: getattr(ticket, name) for name in _FROM_TICKET}
        return cls(
            **own,
            state_zh=State(ticket.state).label_zh,
            parts=[PartView.of(p) for p in ticket.parts],
            next_due_at=next_due_at,
            clocks=clocks,
        )


_FROM_TICKET = tuple(
    name
    for name in TicketView.model_fields
    if name not in {"state_zh", "parts", "next_due_at", "clocks"}
)
"""The view's fields that are the ticket's own, copied by name."""


class SlaNotice(BaseModel):
    """A warning (预警) or a breach (超时) that fired, and what was done about it."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["warning", "breach"]
    ticket_id: str
    clock: str
    cycle: int
    at: AwareDatetime
    due: AwareDatetime
    fraction: float
    actions: list[dict[str, Any]] = Field(
        description="the policy's actions (escalate, supervise, notify, close)"
    )
    done: list[str] = Field(
        default_factory=list, description="triggers fired for the actions, in order"
    )
    failed: list[str] = Field(
        default_factory=list, description="actions that could not be done, with the reason"
    )

    @classmethod
    def of(cls, event: SlaWarning | SlaBreached, done: list[str], failed: list[str]) -> SlaNotice:
        warning = isinstance(event, SlaWarning)
        return cls(
            kind="warning" if warning else "breach",
            ticket_id=event.ticket_id,
            clock=event.clock,
            cycle=event.cycle,
            at=event.at,
            due=event.due,
            fraction=event.fraction if isinstance(event, SlaWarning) else 1.0,
            actions=[a.to_dict() for a in event.actions],
            done=done,
            failed=failed,
        )
