"""The history of a ticket: one immutable event per accepted transition."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["TicketEvent"]


class TicketEvent(BaseModel):
    """One accepted transition of one ticket (工单流转记录).

    ``seq`` counts from 1 per ticket; ``from_state`` of the ``report`` event is
    ``"new"``.  ``payload`` is JSON-serialisable and carries what the trigger needs
    and records: reason, unit, level, department, result, photos, verdict, comment ...

    >>> from datetime import datetime, UTC
    >>> event = TicketEvent(ticket_id="T1", seq=1, trigger="report", from_state="new",
    ...     to_state="reported", actor_id="r1", actor_role="resident",
    ...     at=datetime(2025, 3, 1, 8, tzinfo=UTC), payload={"category": "noise"})
    >>> event.to_state
    'reported'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str = Field(min_length=1)
    seq: int = Field(ge=1)
    trigger: str
    from_state: str
    to_state: str
    actor_id: str
    actor_role: str
    at: AwareDatetime
    payload: dict[str, Any] = Field(default_factory=dict)
