"""Explicit conversions between domain objects and table rows (procrastinate's
``from_row`` style).  Nothing else in the store knows both shapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from gridgov.grid import Area, AreaTree, BBox, Point, Unit, UnitKind
from gridgov.store._audit import AuditKey, event_hash
from gridgov.store._ports import OPEN_STATUSES, ClockRecord, TicketSummary
from gridgov.workflow import Actor, Category, RoutingPolicy, State, Ticket, TicketEvent

__all__ = [
    "CLOCK_IMPLIED",
    "CLOCK_STORED_AS",
    "actor_from_row",
    "actor_from_unit",
    "actor_to_row",
    "area_from_row",
    "area_path",
    "area_to_row",
    "category_from_row",
    "category_rows",
    "clock_from_row",
    "clock_to_row",
    "compact_clock_data",
    "event_from_row",
    "event_to_row",
    "full_clock_data",
    "is_open",
    "summary_from_row",
    "ticket_to_row",
    "unit_from_row",
    "unit_to_row",
]

Row = Mapping[Any, Any]
_CLOCK_FIELDS = tuple(f.name for f in fields(ClockRecord))
_EVENT_FIELDS = tuple(name for name in TicketEvent.model_fields if name != "payload")


def area_path(tree: AreaTree, code: str) -> str:
    """The materialised path ``/root/.../code/`` of an area.

    >>> from gridgov.grid import Area, AreaTree
    >>> tree = AreaTree(
    ...     [Area("YH", "余杭区", "district"), Area("ZM", "朱庙社区", "community", "YH")]
    ... )
    >>> area_path(tree, "ZM")
    '/YH/ZM/'
    """
    return "/" + "".join(f"{a.code}/" for a in tree.path(code))


def area_to_row(area: Area, tree: AreaTree) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "name_en": area.name_en,
        "households": area.households,
        "population": area.population,
        "extra": dict(area.extra),
    }
    if isinstance(area.geometry, Point):
        attrs["point"] = [area.geometry.lon, area.geometry.lat]
    elif isinstance(area.geometry, BBox):
        g = area.geometry
        attrs["bbox"] = [g.west, g.south, g.east, g.north]
    return {
        "code": area.code,
        "parent_code": area.parent_code,
        "level": area.level,
        "name": area.name,
        "path": area_path(tree, area.code),
        "depth": tree.depth(area.code),
        "attrs": attrs,
    }


def area_from_row(row: Row) -> Area:
    attrs: Mapping[str, Any] = row["attrs"] or {}
    geometry: Point | BBox | None = None
    if attrs.get("point"):
        geometry = Point(*attrs["point"])
    elif attrs.get("bbox"):
        geometry = BBox(*attrs["bbox"])
    return Area(
        code=row["code"],
        name=row["name"],
        level=row["level"],
        parent_code=row["parent_code"],
        name_en=attrs.get("name_en"),
        households=attrs.get("households"),
        population=attrs.get("population"),
        geometry=geometry,
        extra=dict(attrs.get("extra") or {}),
    )


def event_to_row(
    event: TicketEvent, prev_hash: str | None, key: AuditKey | None = None
) -> dict[str, Any]:
    """The ``ticket_events`` row, chained to ``prev_hash`` (the hash of the ticket's
    event before, which the row does not store again) and signed with ``key``
    (None: unkeyed) — the bulk path's hot spot: read straight from the attributes,
    the same dict ``model_dump`` gives."""
    row = {name: getattr(event, name) for name in _EVENT_FIELDS}
    row["payload"] = dict(event.payload)
    row["key_id"] = None if key is None else key.key_id
    row["hash"] = event_hash(row, prev_hash, key)
    return row


def event_from_row(row: Row) -> TicketEvent:
    return TicketEvent(
        ticket_id=row["ticket_id"],
        seq=row["seq"],
        trigger=row["trigger"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        actor_id=row["actor_id"],
        actor_role=row["actor_role"],
        at=row["at"],
        payload=dict(row["payload"]),
    )


def is_open(state: str) -> bool:
    """Whether a ticket in ``state`` is still in the loop (not 归档/无效/撤回/合并)."""
    return not State(state).is_terminal


def ticket_to_row(
    ticket: Ticket, *, path: str, next_due_at: datetime | None, created_at: datetime
) -> dict[str, Any]:
    """The ``tickets`` row for ``ticket`` (its area's materialised ``path`` given)."""
    assert ticket.area_code is not None
    assert ticket.updated_at is not None
    return {
        "id": ticket.id,
        "state": ticket.state,
        "is_open": is_open(ticket.state),
        "area_code": ticket.area_code,
        "area_path": path,
        "category": ticket.category,
        "tier": ticket.tier,
        "assigned_unit": ticket.assigned_unit,
        "version": ticket.version,
        "next_due_at": next_due_at,
        "created_at": created_at,
        "updated_at": ticket.updated_at,
        "data": _row_data(ticket),
    }


def _row_data(ticket: Ticket) -> dict[str, Any]:
    """The row's ``data``: the verdict as judged when written, and a merged ticket's
    target (what :meth:`TicketRepository.merged_into` looks for), its reporter
    (scoped reads: a resident sees their own reports) and the co-units of its joint
    dispatch (a co-unit sees its joint tickets) — each only when it has one."""
    data: dict[str, Any] = {"stayed_in_grid": ticket.stayed_in_grid}
    if ticket.reporter_id is not None:
        data["reporter_id"] = ticket.reporter_id
    if ticket.merged_into is not None:
        data["merged_into"] = ticket.merged_into
    if ticket.parts:
        data["co_units"] = [part.unit for part in ticket.parts]
    return data


def summary_from_row(row: Row) -> TicketSummary:
    return TicketSummary(
        id=row["id"],
        state=row["state"],
        is_open=bool(row["is_open"]),
        area_code=row["area_code"],
        category=row["category"],
        tier=row["tier"],
        stayed_in_grid=(row["data"] or {}).get("stayed_in_grid"),
        assigned_unit=row["assigned_unit"],
        version=row["version"],
        next_due_at=row["next_due_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _utc_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


CLOCK_IMPLIED: dict[str, Callable[[Row], Any]] = {
    "clock": lambda row: row["clock"],
    "number": lambda row: row["cycle"],
    "policy_fingerprint": lambda row: row["fingerprint"],
    "started_at": lambda row: _utc_iso(row["started_at"]),
    "due": lambda row: _utc_iso(row["due_at"]),
    "stopped_at": lambda row: _utc_iso(row["stopped_at"]),
    "outcome": lambda row: None if row["status"] in OPEN_STATUSES else row["status"],
    "pauses": lambda row: [],
    "paused_since": lambda row: None,
    "fired": lambda row: [],
    "assumed_years": lambda row: [],
}
"""What a clock row's ``data`` does not store again: each key's value as the row's
columns (or the default) give it.  A key is left out of the stored ``data`` only
when its value is exactly that, and put back when the row is read, so the SLA
engine's record (:meth:`ClockCycle.to_dict <gridgov.sla.ClockCycle.to_dict>`) comes
back whole."""


CLOCK_STORED_AS = {
    "budget_seconds": "budget_s",
    "elapsed_seconds": "elapsed_s",
    "calendar_fingerprint": "calendar_fp",
}
"""The shorter names the longest keys of a clock row's ``data`` are stored under
(every row repeats them); whole seconds are stored without ``.0``."""
_STORED_KEY_OF = {short: name for name, short in CLOCK_STORED_AS.items()}


def compact_clock_data(row: Row, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without what :data:`CLOCK_IMPLIED` gives from ``row``, its long keys
    under their :data:`CLOCK_STORED_AS` names."""
    compact: dict[str, Any] = {}
    for key, value in data.items():
        if key in CLOCK_IMPLIED and value == CLOCK_IMPLIED[key](row):
            continue
        if key in CLOCK_STORED_AS:
            if type(value) is float and value.is_integer():
                value = int(value)
            key = CLOCK_STORED_AS[key]
        compact[key] = value
    return compact


def full_clock_data(row: Row, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (as stored) with what :data:`CLOCK_IMPLIED` gives from ``row`` put back
    and its keys by their own names (the SLA engine's record, whole)."""
    full = {key: implied(row) for key, implied in CLOCK_IMPLIED.items()}
    for key, value in data.items():
        if key in _STORED_KEY_OF:
            key = _STORED_KEY_OF[key]
            if key != "calendar_fingerprint" and type(value) is int:
                value = float(value)
        full[key] = value
    return full


def clock_to_row(clock: ClockRecord) -> dict[str, Any]:
    """The ``sla_clocks`` row (``data`` without what the columns give: :data:`CLOCK_IMPLIED`)."""
    row = {name: getattr(clock, name) for name in _CLOCK_FIELDS}
    row["data"] = compact_clock_data(row, clock.data)
    return row


def clock_from_row(row: Row) -> ClockRecord:
    return ClockRecord(
        ticket_id=row["ticket_id"],
        clock=row["clock"],
        cycle=row["cycle"],
        status=row["status"],
        breached=bool(row["breached"]),
        started_at=row["started_at"],
        due_at=row["due_at"],
        fingerprint=row["fingerprint"],
        stopped_at=row["stopped_at"],
        data=full_clock_data(row, row["data"] or {}),
    )


def unit_to_row(unit: Unit) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind.value,
        "department": unit.department,
        "area_code": unit.area_code,
        "attrs": {"extra": dict(unit.extra)},
    }


def unit_from_row(row: Row) -> Unit:
    attrs: Mapping[str, Any] = row["attrs"] or {}
    return Unit(
        code=row["code"],
        name=row["name"],
        kind=UnitKind(row["kind"]),
        area_code=row["area_code"],
        department=row["department"],
        extra=dict(attrs.get("extra") or {}),
    )


def category_rows(routing: RoutingPolicy) -> list[dict[str, Any]]:
    """The routing policy's categories, parents before children, with their tiers."""
    ordered = sorted(
        routing.categories.values(),
        key=lambda c: (sum(1 for _ in routing.ancestors(c.code)), c.code),
    )
    return [
        {
            "code": c.code,
            "parent_code": c.parent,
            "name": c.label_en,
            "label_zh": c.label_zh,
            "tier": routing.tier_of(c.code).name,
        }
        for c in ordered
    ]


def category_from_row(row: Row) -> tuple[Category, str | None]:
    category = Category(row["code"], row["label_zh"] or "", row["name"], row["parent_code"])
    return category, row["tier"]


def actor_to_row(actor: Actor) -> dict[str, Any]:
    return {
        "id": actor.id,
        "name": actor.name or actor.id,
        "role": actor.role,
        "unit_code": actor.unit_code,
        "area_code": actor.area_code,
    }


def actor_from_row(row: Row) -> Actor:
    # ``name`` is NOT NULL: a person saved without one holds their id there.
    name = row["name"] if row["name"] != row["id"] else None
    return Actor(row["id"], row["role"], row["area_code"], row["unit_code"], name=name)


def actor_from_unit(unit: Unit) -> Actor:
    """A unit acting as itself: its kind is the role, its area the home area."""
    return Actor(unit.code, unit.kind.value, unit.area_code, unit.code, name=unit.name)
