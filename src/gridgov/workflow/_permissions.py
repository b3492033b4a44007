"""Who may do what to which ticket: permissions as data (role × trigger), area-scoped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Final, Protocol, Self

from pydantic import BaseModel, ConfigDict, model_validator

from gridgov._toml import TomlKind, read_toml
from gridgov.errors import PermissionDenied
from gridgov.workflow._definition import DEFINITION
from gridgov.workflow._states import NEW, PART_TRIGGERS, State, Trigger
from gridgov.workflow._ticket import Ticket

__all__ = [
    "DEFAULT_PERMISSIONS",
    "PERMISSION_MATRIX",
    "SYSTEM_ROLE",
    "Actor",
    "AreaScope",
    "PermissionPolicy",
    "RoleGrant",
    "Scope",
    "Visibility",
    "load_permissions",
]

PERMISSION_MATRIX = TomlKind("permission matrix")
"""How errors name a permission matrix file (权限矩阵)."""

SYSTEM_ROLE: Final = "system"
"""The role of the engine's own timers (SLA escalation, supervision, auto-close).  Only
they close automatically (``close(auto=True)``) or escalate for an SLA breach; an engine
never lets a caller act in this role."""


def _unit_free() -> frozenset[str]:
    """Triggers no unit's claim limits: a co-unit's own part moves, and the moves that
    only ever meet a ticket not yet dispatched (上报, 受理, 派单 ...), read off the loop."""
    before = {NEW, State.REPORTED, State.ACCEPTED}
    sources: dict[str, set[str]] = {}
    for spec in DEFINITION:
        sources.setdefault(spec.trigger.value, set()).update(spec.sources)
    return frozenset(PART_TRIGGERS) | {t for t, s in sources.items() if s <= before}


_UNIT_FREE: Final = _unit_free()


class Scope(StrEnum):
    """Which tickets a role's grants reach."""

    OWN = "own"
    """only tickets the actor reported (residents)"""
    AREA = "area"
    """tickets whose area lies in the actor's home area subtree"""
    ASSIGNED = "assigned"
    """tickets currently dispatched to the actor's unit (departments, property companies)"""
    ANY = "any"
    """every ticket (the system itself: auto-close, SLA escalation)"""


@dataclass(frozen=True, slots=True)
class Actor:
    """Someone acting on a ticket: an id, a role, a home area and (optionally) a unit.

    ``name`` is for people reading lists (张伟); it takes no part in permissions
    or in comparing actors.
    """

    id: str
    role: str
    area_code: str | None = None
    unit_code: str | None = None
    name: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which tickets an actor may see, as a query wants it: every field narrows
    (:meth:`PermissionPolicy.visibility`); ``nothing`` when the role's scope holds
    none.  ``part_of`` adds (never narrows) the joint tickets that unit has a part in
    (协办), whatever the scope: a co-unit sees its joint tickets."""

    within: str | None = None
    assigned_unit: str | None = None
    reporter_id: str | None = None
    nothing: bool = False
    part_of: str | None = None


class AreaScope(Protocol):
    """What permission checks need from the area hierarchy (an ``AreaTree`` has it)."""

    def is_within(self, code: str, ancestor_code: str) -> bool: ...


class RoleGrant(BaseModel):
    """The triggers one role may fire, and on which tickets.

    In an ``area`` scope, a ticket dispatched to a unit is that unit's: a trigger in
    ``triggers`` reaches it only when the actor acts for the assigned unit
    (``unit_code``), unless the trigger is also in ``on_others`` (督办, 重办, 回访 of
    other units' tickets).  A ticket not dispatched to any unit (reported, accepted,
    returned) is reached by every trigger of the role in its area.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    label_zh: str
    scope: Scope
    triggers: frozenset[Trigger]
    on_others: frozenset[Trigger] = frozenset()
    """The triggers this role may fire on a ticket dispatched to another unit."""

    @model_validator(mode="after")
    def _others_are_granted(self) -> Self:
        extra = self.on_others - self.triggers
        if extra:
            names = ", ".join(sorted(extra))
            raise ValueError(f"on_others lists triggers the role is not granted: {names}")
        return self

    def reach(self, trigger: str) -> str:
        """``"any"`` when ``trigger`` reaches every ticket in scope, ``"unit"`` when only
        tickets not dispatched or dispatched to the actor's own unit, ``""`` when none."""
        if trigger not in self.triggers:
            return ""
        if self.scope is not Scope.AREA or trigger in self.on_others or trigger in _UNIT_FREE:
            return "any"
        return "unit"


class PermissionPolicy(BaseModel):
    """Role name → :class:`RoleGrant`.  Build one from a dict or TOML to change the matrix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    roles: dict[str, RoleGrant]

    def allows(self, role: str, trigger: str) -> bool:
        """Whether ``role`` may ever fire ``trigger`` (ignoring scope)."""
        grant = self.roles.get(role)
        return grant is not None and trigger in grant.triggers

    def visibility(self, actor: Actor) -> Visibility:
        """The tickets ``actor`` may see: its role's scope, read as a query (a resident
        its own reports, an area role its area's subtree, a unit its dispatched tickets),
        and the joint tickets the actor's unit has a part in."""
        grant = self.roles.get(actor.role)
        if grant is None:
            return Visibility(nothing=True)
        part_of = actor.unit_code  # as :meth:`sees`: a co-unit sees its joint tickets
        if grant.scope is Scope.OWN:
            return Visibility(reporter_id=actor.id, part_of=part_of)
        if grant.scope is Scope.AREA:
            nothing = actor.area_code is None
            return Visibility(within=actor.area_code, nothing=nothing, part_of=part_of)
        if grant.scope is Scope.ASSIGNED:
            nothing = actor.unit_code is None
            return Visibility(assigned_unit=actor.unit_code, nothing=nothing, part_of=part_of)
        return Visibility()

    def sees(self, actor: Actor, ticket: Ticket, areas: AreaScope) -> bool:
        """Whether ``actor`` may see ``ticket``: in its role's scope (as
        :meth:`visibility`), or a co-unit (协办) of it."""
        grant = self.roles.get(actor.role)
        if grant is None:
            return False
        if not _out_of_scope(grant.scope, actor, ticket, areas):
            return True
        return actor.unit_code is not None and ticket.part(actor.unit_code) is not None

    def check(self, actor: Actor, trigger: str, ticket: Ticket, areas: AreaScope) -> None:
        """Raise :class:`~gridgov.errors.PermissionDenied` unless ``actor`` may fire ``trigger``."""
        reason = self.refusal(actor, trigger, ticket, areas)
        if reason:
            raise PermissionDenied(actor.id, str(trigger), ticket.id, reason)

    def refusal(self, actor: Actor, trigger: str, ticket: Ticket, areas: AreaScope) -> str:
        """Why ``actor`` may not fire ``trigger`` on ``ticket`` ("" when it may)."""
        trigger = str(trigger)
        grant = self.roles.get(actor.role)
        if grant is None:
            return f"unknown role {actor.role!r}"
        if trigger not in grant.triggers:
            return f"role {actor.role!r} ({grant.label_zh}) has no {trigger!r} permission"
        if trigger in PART_TRIGGERS and grant.scope is not Scope.ANY:
            return _not_a_co_unit(actor, ticket)
        return _out_of_scope(grant.scope, actor, ticket, areas) or _not_the_assigned_unit(
            grant, trigger, actor, ticket
        )


def _not_the_assigned_unit(grant: RoleGrant, trigger: str, actor: Actor, ticket: Ticket) -> str:
    """A dispatched ticket is its unit's: others act on it only where ``on_others`` says."""
    if grant.reach(trigger) != "unit" or ticket.assigned_unit is None:
        return ""
    if actor.unit_code == ticket.assigned_unit:
        return ""
    return (
        f"the ticket is dispatched to unit {ticket.assigned_unit!r}, not to the actor's unit "
        f"{actor.unit_code!r}, and role {str(actor.role)!r} may {trigger!r} only its own unit's "
        "tickets (on_others)"
    )


def _not_a_co_unit(actor: Actor, ticket: Ticket) -> str:
    """A part of a joint ticket is acted on by its own co-unit only, whatever the scope."""
    if actor.unit_code is not None and ticket.part(actor.unit_code) is not None:
        return ""
    units = ", ".join(p.unit for p in ticket.parts) or "none: the ticket is not joint"
    return f"unit {actor.unit_code!r} is not a co-unit (协办) of this ticket (co-units: {units})"


def _out_of_scope(scope: Scope, actor: Actor, ticket: Ticket, areas: AreaScope) -> str:
    if scope is Scope.ANY:
        return ""
    if scope is Scope.OWN:
        return "" if ticket.reporter_id == actor.id else "not the reporter of this ticket"
    if scope is Scope.ASSIGNED:
        if actor.unit_code is not None and ticket.assigned_unit == actor.unit_code:
            return ""
        return f"the ticket is not dispatched to unit {actor.unit_code!r}"
    if actor.area_code is None or ticket.area_code is None:
        return "area-scoped role without a home area, or ticket without an area"
    if areas.is_within(ticket.area_code, actor.area_code):
        return ""
    return f"area {ticket.area_code!r} is outside the actor's area {actor.area_code!r}"


T = Trigger
_HANDLE = frozenset({T.SIGN_FOR, T.RETURN_TO_DISPATCHER, T.SUSPEND, T.RESUME, T.MARK_HANDLED})
_PART = frozenset({T.SIGN_FOR_PART, T.HANDLE_PART})
"""A co-unit's (协办) own moves: the units above the grid that joint tickets call in."""
_TRIAGE = frozenset({T.ACCEPT, T.REJECT, T.DISPATCH, T.MERGE_INTO, T.ESCALATE})
_FOLLOW_UP = frozenset({T.REQUEST_REVIEW, T.CLOSE})
_OVERSEE = frozenset({T.SUPERVISE, T.REOPEN, T.REVIEW})
_ALL_BUT_WITHDRAW = frozenset(Trigger) - {T.WITHDRAW}


def _grant(
    label_zh: str,
    scope: Scope,
    *groups: frozenset[Trigger] | set[Trigger],
    on_others: frozenset[Trigger] | set[Trigger] = frozenset(),
) -> RoleGrant:
    triggers = frozenset[Trigger]().union(*groups)
    return RoleGrant(
        label_zh=label_zh, scope=scope, triggers=triggers, on_others=frozenset(on_others)
    )


_DIRECT = _TRIAGE | _FOLLOW_UP | _OVERSEE
"""What the offices above the grid do to any ticket in their area, whoever handles it."""

_DEFAULT_ROLES: Mapping[str, RoleGrant] = {
    "resident": _grant("居民", Scope.OWN, {T.REPORT, T.WITHDRAW, T.REVIEW}),
    "volunteer": _grant("志愿者", Scope.AREA, {T.REPORT}),
    "building_leader": _grant("楼道长", Scope.AREA, {T.REPORT, T.SIGN_FOR, T.MARK_HANDLED}),
    "micro_grid_worker": _grant("微网格员", Scope.AREA, {T.REPORT, T.ESCALATE}, _HANDLE),
    "grid_worker": _grant(
        "网格员", Scope.AREA, {T.REPORT}, _TRIAGE, _HANDLE, _FOLLOW_UP, on_others=_FOLLOW_UP
    ),
    "grid_head": _grant(
        "网格长",
        Scope.AREA,
        {T.REPORT},
        _TRIAGE,
        _HANDLE,
        _FOLLOW_UP,
        _OVERSEE,
        on_others={T.ESCALATE} | _FOLLOW_UP | _OVERSEE,
    ),
    "community_office": _grant("社区", Scope.AREA, _ALL_BUT_WITHDRAW, on_others=_DIRECT),
    "street_office": _grant(
        "街道", Scope.AREA, _TRIAGE, _HANDLE, _PART, _FOLLOW_UP, _OVERSEE, on_others=_DIRECT
    ),
    "district_office": _grant(
        "区级指挥中心", Scope.AREA, _TRIAGE, _FOLLOW_UP, _OVERSEE, on_others=_DIRECT
    ),
    "property_company": _grant("物业", Scope.ASSIGNED, _HANDLE, _PART),
    "department": _grant("职能部门", Scope.ASSIGNED, _HANDLE, _PART),
    SYSTEM_ROLE: _grant(
        "系统", Scope.ANY, {T.CLOSE, T.ESCALATE, T.SUPERVISE, T.REQUEST_REVIEW, T.REOPEN}
    ),
}

DEFAULT_PERMISSIONS: Final = PermissionPolicy(roles=dict(_DEFAULT_ROLES))
"""The shipped matrix; ``gridgov workflow permissions`` prints it."""


def load_permissions(path: str | Path) -> PermissionPolicy:
    """Read a permission matrix from TOML: one ``[roles.NAME]`` table per role.

    Each has ``label_zh``, ``scope`` (own, area, assigned, any) and ``triggers`` (a list);
    errors name the file, the line and the key.
    """
    return read_toml(path, PERMISSION_MATRIX).validate(PermissionPolicy)
