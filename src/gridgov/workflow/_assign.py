"""Finding the unit a ticket goes to, through the area hierarchy (never by name matching)."""

from __future__ import annotations

from typing import Any

from gridgov.errors import NoResponsibleUnit, UnknownArea
from gridgov.grid import Directory, Unit
from gridgov.workflow._routing import RoutingPolicy
from gridgov.workflow._ticket import Ticket

__all__ = ["Assigner"]


class Assigner:
    """Resolves dispatch, escalation and department targets for tickets."""

    def __init__(self, directory: Directory, policy: RoutingPolicy) -> None:
        self.directory = directory
        self.tree = directory.tree
        self.policy = policy
        policy.check_levels(self.tree.levels)

    def for_tier(self, ticket: Ticket) -> Unit:
        """The handler at the level the ticket's tier must be finished at (or the area's own
        level, when the ticket sits above it), preferring ``handler_kinds`` in order."""
        area = _area(ticket)
        levels = self.tree.levels
        target = self.policy.tier_of(_category(ticket)).level_in(levels)
        own = self.tree.level_of(area)
        level = own if levels.is_deeper(target, own) else target
        return self._handler(area, level)

    def department(self, ticket: Ticket, department: str) -> Unit:
        """The nearest unit of ``department`` covering the ticket's area (联动)."""
        return self.directory.responsible(_area(ticket), department=department)

    def one_level_up(self, ticket: Ticket) -> Unit:
        """The handler one level above the unit that has the ticket now.

        With no unit yet, "now" is the tier's handler.  Levels without a handler are
        skipped, nearest first; the root has nothing above it (:class:`NoResponsibleUnit`).
        """
        current = (
            self.directory.get(ticket.assigned_unit)
            if ticket.assigned_unit
            else self.for_tier(ticket)
        )
        above = self.tree.parent(current.area_code)
        while above is not None:
            try:
                return self._handler(above.code, above.level)
            except NoResponsibleUnit:
                above = self.tree.parent(above.code)
        raise NoResponsibleUnit(_area(ticket), f"handler above {current.code!r}")

    def unit(self, ticket: Ticket, unit_code: str) -> Unit:
        """A unit named by the dispatcher; it must cover the ticket's area."""
        try:
            unit = self.directory.get(unit_code)
        except KeyError:
            raise NoResponsibleUnit(_area(ticket), f"unit {unit_code!r}") from None
        if not self.tree.is_within(_area(ticket), unit.area_code):
            raise NoResponsibleUnit(_area(ticket), f"unit {unit_code!r} (it does not cover it)")
        return unit

    def payload(self, unit: Unit) -> dict[str, Any]:
        """What an assignment event records about the unit."""
        return {
            "unit": unit.code,
            "level": self.tree.level_of(unit.area_code),
            "department": unit.department,
        }

    def _handler(self, area_code: str, level: str) -> Unit:
        for kind in self.policy.handler_kinds:
            try:
                return self.directory.responsible(area_code, level=level, kind=kind)
            except NoResponsibleUnit:
                continue
        kinds = "/".join(self.policy.handler_kinds)
        raise NoResponsibleUnit(area_code, f"{kinds} at level {level!r}")


def _area(ticket: Ticket) -> str:
    if ticket.area_code is None:
        raise UnknownArea("<none>")
    return ticket.area_code


def _category(ticket: Ticket) -> str:
    return ticket.category or ""
