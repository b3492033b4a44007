"""What a stored text field may hold: lengths read from the schema, and no NUL.

One source of truth: the limits are the column lengths of :mod:`gridgov.store._schema`,
so replay (at read time) and the store (at its boundary) refuse the same values on
every backend, rather than SQLite accepting what PostgreSQL refuses.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Column, String

from gridgov.errors import InvalidValue
from gridgov.store._schema import ticket_events, tickets

__all__ = ["FIELD_LIMITS", "FORBIDDEN_CHARACTERS", "check_fields", "field_problem"]


def _length(column: Column[str]) -> int:
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"column {column.name} has no length")
    return kind.length


FIELD_LIMITS: Mapping[str, int] = {
    "ticket_id": _length(tickets.c.id),
    "area_code": _length(tickets.c.area_code),
    "category": _length(tickets.c.category),
    "unit": _length(tickets.c.assigned_unit),
    "actor_id": _length(ticket_events.c.actor_id),
}
"""The longest value, in characters, of each stored text field."""

FORBIDDEN_CHARACTERS: Mapping[str, str] = {"\x00": "NUL (U+0000)"}
"""Characters no field may hold (PostgreSQL stores no NUL in text)."""


def field_problem(field: str, value: str) -> str | None:
    """Why ``value`` cannot be stored as ``field``, or ``None`` when it can."""
    for char, name in FORBIDDEN_CHARACTERS.items():
        if char in value:
            return f"{field} {value[:40]!r} contains the character {name}"
    limit = FIELD_LIMITS.get(field)
    if limit is not None and len(value) > limit:
        return f"{field} is {len(value)} characters long, over the limit of {limit}"
    return None


def check_fields(**fields: str | None) -> None:
    """Raise :class:`~gridgov.errors.InvalidValue` for the first value that cannot be stored."""
    for field, value in fields.items():
        if value is None:
            continue
        reason = field_problem(field, value)
        if reason is not None:
            raise InvalidValue(field, reason)
