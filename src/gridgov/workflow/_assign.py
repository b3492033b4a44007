"""Finding the unit a ticket goes to, through the area hierarchy (never by name matching).

The one routing rule for the live loop, replay and simulation: category → tier →
the tier's level → a unit there.  A tier with its own ``handler_kinds`` takes the
nearest unit of those kinds at or below its level, walking up from the ticket's own
area (a micro-grid worker 微网格员 before the grid worker); a tier without takes a
unit of the policy's ``handler_kinds`` at its level.  When no unit serves the tier's
level, the nearest handler above it takes the ticket (``fallback``), so a grid
without a grid worker falls back to its community office.

A joint dispatch (大事协同解决, 联动) gives the ticket to that lead unit (主办) and to
co-units (协办): the ones the dispatcher names, or for a ``joint`` tier the units of the
route's and the tier's departments covering the ticket's area.  Only a ticket whose
tier finishes above the grid level is handled jointly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from gridgov.errors import InvalidInput, NoResponsibleUnit, Problem, UnknownArea
from gridgov.grid import AreaTree, Directory, Unit
from gridgov.workflow._routing import RoutingPolicy, Tier
from gridgov.workflow._states import Trigger
from gridgov.workflow._ticket import Ticket

__all__ = ["Assigner", "Assignment"]

_CACHE_LIMIT = 65_536


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who a dispatch, escalation or reopen gives the ticket to.

    ``unit`` is ``None`` when the hierarchy has no units (a replay of a city's export
    with areas only): the ticket is then at ``level`` of its area, nobody in particular.
    ``fallback`` is True when no unit served the tier's level and one above it took it.
    ``co_units`` are the co-units (协办) of a joint dispatch, ``None`` when the move
    leaves the ticket's parts as they are; ``lead_may_finish`` is the tier's rule.
    """

    unit: str | None
    level: str | None
    department: str | None = None
    fallback: bool = False
    co_units: tuple[str, ...] | None = None
    lead_may_finish: bool = False
    _payload: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        data: dict[str, Any] = {
            "unit": self.unit,
            "level": self.level,
            "department": self.department,
        }
        if self.fallback:
            data["fallback"] = True
        if self.co_units is not None:
            data["co_units"] = list(self.co_units)
            if self.co_units and self.lead_may_finish:
                data["lead_may_finish"] = True
        object.__setattr__(self, "_payload", data)

    def payload(self) -> Mapping[str, Any]:
        """What an assignment event records (built once: callers copy it into their own
        payload, as ``{**assignment.payload(), ...}``)."""
        return self._payload


class Assigner:
    """Resolves dispatch, escalation and department targets for tickets.

    With ``units_required`` (the live loop) a ticket that no unit can take raises
    :class:`~gridgov.errors.NoResponsibleUnit`; without it (replay over a hierarchy
    without units) the assignment names the level only.
    """

    def __init__(
        self, directory: Directory, policy: RoutingPolicy, *, units_required: bool = True
    ) -> None:
        self.directory = directory
        self.tree: AreaTree = directory.tree
        self.policy = policy
        self.units_required = units_required
        policy.check_levels(self.tree.levels)
        self._for_tier: dict[tuple[str, str], Assignment] = {}

    def assign(self, ticket: Ticket, trigger: str, payload: Mapping[str, Any]) -> Assignment:
        """The assignment ``trigger`` makes: what the live loop's dispatch, escalate and
        reopen record, and what replay fills in when a source names no unit.

        ``payload`` may name ``unit`` or ``department`` (dispatch), ``department``
        (escalate) or ``higher`` (reopen); a dispatch or an escalation may name
        ``co_units`` (a joint dispatch; an empty list: not joint).
        """
        lead = self._lead(ticket, trigger, payload)
        if trigger == Trigger.REOPEN:
            return lead  # a joint ticket's parts are reopened with it (Ticket.implied)
        wanted, joint = payload.get("co_units"), bool(payload.get("joint"))
        co_units = self.co_units(ticket, trigger, wanted, lead, joint=joint)
        if co_units is None:
            return lead
        tier = self.policy.tier_of(_category(ticket))
        return replace(lead, co_units=co_units, lead_may_finish=tier.lead_may_finish)

    def co_units(
        self, ticket: Ticket, trigger: str, wanted: Any, lead: Assignment, *, joint: bool = False
    ) -> tuple[str, ...] | None:
        """The co-units (协办) of a dispatch or escalation led by ``lead``: ``wanted``
        (checked), else for a dispatch of a ``joint`` tier, or one asked to be ``joint``,
        its route's and tier's departments' units, else ``None`` (an escalation keeps the
        parts it has; a dispatch has none)."""
        tier = self.policy.tier_of(_category(ticket))
        if wanted is None:
            if trigger != Trigger.DISPATCH or not (tier.joint or joint):
                return None
            if self.units_required and not self.policy.above_grid(tier, self.tree.levels):
                raise _invalid_co_units(ticket, _IN_THE_GRID.format(tier.name, self.policy))
            route = self.policy.route(_category(ticket))
            departments = dict.fromkeys(d for d in (route.department, *tier.departments) if d)
            if lead.department:
                departments.pop(lead.department, None)
            found = (self.department(ticket, d) for d in departments)
            return tuple(dict.fromkeys(a.unit or a.department or "" for a in found))
        if isinstance(wanted, str) or not all(isinstance(u, str) and u for u in wanted):
            raise _invalid_co_units(ticket, f"a list of unit codes, got {wanted!r}")
        units = tuple(dict.fromkeys(wanted))
        if not units:
            return units
        if lead.unit is not None and lead.unit in units:
            raise _invalid_co_units(ticket, f"{lead.unit!r} leads the ticket: not a co-unit too")
        if self.units_required:
            levels = self.tree.levels
            if not self.policy.above_grid(tier, levels):
                raise _invalid_co_units(ticket, _IN_THE_GRID.format(tier.name, self.policy))
            for code in units:
                self.unit(ticket, code)  # it exists and covers the ticket's area
        return units

    def _lead(self, ticket: Ticket, trigger: str, payload: Mapping[str, Any]) -> Assignment:
        unit_code = payload.get("unit")
        department = payload.get("department")
        if trigger == Trigger.DISPATCH:
            if unit_code:
                return self.unit(ticket, unit_code)
            if department:
                return self.department(ticket, department)
            return self.for_tier(ticket)
        if trigger == Trigger.ESCALATE:
            return self.department(ticket, department) if department else self.one_level_up(ticket)
        if trigger == Trigger.REOPEN:
            if payload.get("higher") or (ticket.assigned_unit is None and self.units_required):
                return self.one_level_up(ticket)
            return self._current(ticket)
        raise ValueError(f"{trigger!r} assigns nobody")

    def for_tier(self, ticket: Ticket) -> Assignment:
        """The handler of the ticket's tier: see the module docstring."""
        area = _area(ticket)
        tier = self.policy.tier_of(_category(ticket))
        key = (area, tier.name)
        found = self._for_tier.get(key)
        if found is None:
            found = self._route(area, self._tier_level(area, tier), tier.handler_kinds)
            if len(self._for_tier) >= _CACHE_LIMIT:
                self._for_tier.clear()
            self._for_tier[key] = found
        return found

    def _tier_level(self, area: str, tier: Tier) -> str:
        """The level that finishes ``tier`` for a ticket in ``area``: the first of the
        tier's levels on the area's own path (an optional 街道 level may be missing
        there: Xiaoshan's communities sit under the district), else the first the
        hierarchy defines."""
        on_path = {a.level for a in self.tree.path(area)}
        for level in tier.levels:
            if level in on_path:
                return level
        return tier.level_in(self.tree.levels)

    def _route(self, area: str, target: str, tier_kinds: tuple[str, ...]) -> Assignment:
        levels = self.tree.levels
        path = [a.code for a in reversed(self.tree.path(area))]  # the area first, root last
        kinds = tier_kinds or self.policy.handler_kinds
        above = [code for code in path if levels.is_deeper(target, self.tree.level_of(code))]
        within = [code for code in path if code not in above]
        if not tier_kinds:  # the policy's kinds serve the tier's own level only
            within = [code for code in within if self.tree.level_of(code) == target]
        for code in within:
            unit = self._handler_at(code, kinds)
            if unit is not None:
                return self._of(unit)
        for code in above:
            unit = self._handler_at(code, self.policy.handler_kinds)
            if unit is not None:
                return self._of(unit, fallback=bool(within))
        if self.units_required:
            wanted = "/".join(kinds)
            raise NoResponsibleUnit(area, f"{wanted} at level {target!r}")
        own = self.tree.level_of(area)
        return Assignment(None, own if levels.is_deeper(target, own) else target)

    def department(self, ticket: Ticket, department: str) -> Assignment:
        """The nearest unit of ``department`` covering the ticket's area (联动)."""
        try:
            unit = self.directory.responsible(_area(ticket), department=department)
        except NoResponsibleUnit:
            if self.units_required:
                raise
            return Assignment(None, None, department)
        return self._of(unit)

    def one_level_up(self, ticket: Ticket) -> Assignment:
        """The handler one level above the one that has the ticket now.

        With no unit yet, "now" is the tier's handler.  Levels without a handler are
        skipped, nearest first; the root has nothing above it (:class:`NoResponsibleUnit`).
        """
        current = self._current(ticket)
        area = self._area_of(ticket, current)
        above = self.tree.parent(area)
        while above is not None:
            unit = self._handler_at(above.code, self.policy.handler_kinds)
            if unit is not None:
                return self._of(unit)
            if not self.units_required and not self.directory_has_units:
                return Assignment(None, above.level)
            above = self.tree.parent(above.code)
        raise NoResponsibleUnit(_area(ticket), f"handler above {current.unit or area!r}")

    def unit(self, ticket: Ticket, unit_code: str) -> Assignment:
        """A unit named by the dispatcher; it must cover the ticket's area."""
        try:
            unit = self.directory.get(unit_code)
        except KeyError:
            if not self.units_required:
                return Assignment(unit_code, None)
            raise NoResponsibleUnit(_area(ticket), f"unit {unit_code!r}") from None
        if not self.tree.is_within(_area(ticket), unit.area_code):
            raise NoResponsibleUnit(_area(ticket), f"unit {unit_code!r} (it does not cover it)")
        return self._of(unit)

    def unit_of(self, code: str) -> Unit:
        """The unit with this code (:class:`KeyError` if none)."""
        return self.directory.get(code)

    @property
    def directory_has_units(self) -> bool:
        """False for a hierarchy without units (areas only)."""
        return len(self.directory) > 0

    def _current(self, ticket: Ticket) -> Assignment:
        if ticket.assigned_unit is not None:
            try:
                return self._of(self.directory.get(ticket.assigned_unit))
            except KeyError:
                if self.units_required:
                    raise NoResponsibleUnit(
                        _area(ticket), f"unit {ticket.assigned_unit!r}"
                    ) from None
        if ticket.assigned_level is not None:
            return Assignment(
                ticket.assigned_unit, ticket.assigned_level, ticket.assigned_department
            )
        return self.for_tier(ticket)

    def _area_of(self, ticket: Ticket, assignment: Assignment) -> str:
        """The area whose parent is "one level up" from ``assignment``."""
        if assignment.unit is not None:
            try:
                return self.directory.get(assignment.unit).area_code
            except KeyError:
                pass  # a unit the source named but the hierarchy does not know
        area = _area(ticket)
        if assignment.level is not None:
            found = self.tree.nearest_at_level(area, assignment.level)
            if found is not None:
                return found.code
        return area

    def _of(self, unit: Unit, *, fallback: bool = False) -> Assignment:
        return Assignment(unit.code, self.tree.level_of(unit.area_code), unit.department, fallback)

    def _handler_at(self, area_code: str, kinds: tuple[str, ...]) -> Unit | None:
        """The first unit of ``kinds`` (in order) whose own area is ``area_code``."""
        level = self.tree.level_of(area_code)
        for kind in kinds:
            for unit in self.directory.covering(area_code, level=level, kind=kind):
                return unit
        return None


_IN_THE_GRID = (
    "tier {0!r} is handled in the grid (小事不出网格); only a tier above the "
    "{1.grid_level!r} level is handled jointly"
)


def _invalid_co_units(ticket: Ticket, reason: str) -> InvalidInput:
    where = f"ticket {ticket.id}"
    return InvalidInput([Problem(where, reason, field="co_units")], what="joint dispatch")


def _area(ticket: Ticket) -> str:
    if ticket.area_code is None:
        raise UnknownArea("<none>")
    return ticket.area_code


def _category(ticket: Ticket) -> str:
    return ticket.category or ""
