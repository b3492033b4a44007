"""What SLA clocks say as time passes: warnings (预警) and breaches (超时).

Events are plain frozen data.  The engine emits each at most once per clock cycle,
in time order; the composition root turns their :class:`SlaAction` into workflow
triggers (escalate 上报升级, supervise 督办, close 自动归档) or notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

__all__ = ["SlaAction", "SlaBreached", "SlaEvent", "SlaWarning"]

ActionKind = Literal["escalate", "supervise", "notify", "close", "reopen"]


@dataclass(frozen=True, slots=True)
class SlaAction:
    """Something the policy asks to be done when a clock warns or breaches.

    ``escalate`` moves the ticket ``levels`` up (上报升级); ``supervise`` marks it
    督办; ``notify`` tells ``role`` (提醒); ``close`` auto-closes it (自动归档);
    ``reopen`` sends it back to handling one level up (升级重办: an unsatisfied review
    nobody acted on).
    """

    action: ActionKind
    role: str | None = None
    levels: int = 1
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data."""
        return {"action": self.action, "role": self.role, "levels": self.levels, "note": self.note}


@dataclass(frozen=True, slots=True)
class SlaWarning:
    """A clock reached ``fraction`` of its allowed time (预警) at ``at``; it is due at ``due``."""

    ticket_id: str
    clock: str
    cycle: int
    at: datetime
    due: datetime
    fraction: float
    actions: tuple[SlaAction, ...] = ()

    kind = "warning"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (times as ISO 8601 text)."""
        return _as_dict(self, fraction=self.fraction)


@dataclass(frozen=True, slots=True)
class SlaBreached:
    """A clock passed its due time (超时) without being stopped; ``at`` equals ``due``."""

    ticket_id: str
    clock: str
    cycle: int
    at: datetime
    due: datetime
    actions: tuple[SlaAction, ...] = ()

    kind = "breached"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (times as ISO 8601 text)."""
        return _as_dict(self, fraction=1.0)


SlaEvent = SlaWarning | SlaBreached


def _as_dict(event: SlaWarning | SlaBreached, *, fraction: float) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "ticket_id": event.ticket_id,
        "clock": event.clock,
        "cycle": event.cycle,
        "at": event.at.isoformat(),
        "due": event.due.isoformat(),
        "fraction": fraction,
        "actions": [a.to_dict() for a in event.actions],
    }
