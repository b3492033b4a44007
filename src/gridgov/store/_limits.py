"""What a stored text field may hold, at the store's boundary.

The limits themselves live in :mod:`gridgov._limits` (no SQLAlchemy, so replay checks
rows at read time without loading the store); :mod:`gridgov.store._schema` sizes its
columns from them.  This module adds the check that raises.
"""

from __future__ import annotations

from gridgov._limits import FIELD_LIMITS, FORBIDDEN_CHARACTERS, field_problem
from gridgov.errors import InvalidValue

__all__ = ["FIELD_LIMITS", "FORBIDDEN_CHARACTERS", "check_fields", "field_problem"]


def check_fields(**fields: str | None) -> None:
    """Raise :class:`~gridgov.errors.InvalidValue` for the first value that cannot be stored."""
    for field, value in fields.items():
        if value is None:
            continue
        reason = field_problem(field, value)
        if reason is not None:
            raise InvalidValue(field, reason)
