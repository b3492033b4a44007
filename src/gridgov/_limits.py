"""What a stored text field may hold (no SQLAlchemy here): lengths, and no NUL.

One source of truth, kept import-light so replay can check rows at read time without
loading the store: :mod:`gridgov.store._schema` sizes its columns from
:data:`FIELD_LIMITS`, and :mod:`gridgov.store` re-exports these names.  Replay (at read
time) and the store (at its boundary) thus refuse the same values on every backend,
rather than SQLite accepting what PostgreSQL refuses.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FIELD_LIMITS", "FORBIDDEN_CHARACTERS", "field_problem"]

FIELD_LIMITS: Mapping[str, int] = {
    "ticket_id": 64,
    "area_code": 64,
    "category": 64,
    "unit": 64,
    "actor_id": 64,
}
"""The longest value, in characters, of each stored text field (the length of its
column: ``tickets.id``, ``tickets.area_code``, ``tickets.category``,
``tickets.assigned_unit``, ``ticket_events.actor_id``)."""

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


field_problem.__module__ = "gridgov.store"  # its public home (re-exported there)
