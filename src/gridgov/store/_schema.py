"""The tables (SQLAlchemy Core).  The domain never sees them: ``_mapping`` converts.

Times are stored in UTC; :class:`UtcDateTime` gives them back time-zone aware on
every database (SQLite keeps no offset of its own).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from gridgov._limits import FIELD_LIMITS

__all__ = [
    "APPEND_ONLY",
    "areas",
    "audit_checkpoints",
    "categories",
    "metadata",
    "people",
    "policies",
    "sla_clocks",
    "ticket_events",
    "tickets",
    "units",
]


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store needs aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Materialised paths compare byte by byte (prefix ranges must not depend on the locale).
_PATH = Text().with_variant(Text(collation="C"), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# 区域: one row per node of the hierarchy; ``path`` is the materialised path
# ("/root/child/.../code/") so "everything within X" is one indexed prefix match.
areas = Table(
    "areas",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("parent_code", String(64), ForeignKey("areas.code"), nullable=True),
    Column("level", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("path", _PATH, nullable=False),
    Column("depth", Integer, nullable=False),
    Column("attrs", JSON, nullable=False, default=dict),
    Index("ix_areas_parent_code", "parent_code"),
    Index("ix_areas_path", "path"),
)

# 单位: grid heads, grid workers, property companies, departments...
units = Table(
    "units",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("department", String(32), nullable=True),
    Column("area_code", String(64), ForeignKey("areas.code"), nullable=False),
    Column("attrs", JSON, nullable=False, default=dict),
    Index("ix_units_area_code_kind", "area_code", "kind"),
)

# 人员: the people who act on tickets, each in at most one unit.
people = Table(
    "people",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("unit_code", String(64), ForeignKey("units.code"), nullable=True),
    Column("area_code", String(64), ForeignKey("areas.code"), nullable=True),
    Index("ix_people_unit_code", "unit_code"),
)

# 事项分类: the category taxonomy (一级/二级/三级).
categories = Table(
    "categories",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("parent_code", String(64), ForeignKey("categories.code"), nullable=True),
    Column("name", Text, nullable=False),
    Column("label_zh", Text, nullable=True),
    Column("tier", String(32), nullable=True),
)

# 工单: the current state of each ticket; ``version`` guards every change.
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(FIELD_LIMITS["ticket_id"]), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("area_code", String(FIELD_LIMITS["area_code"]), nullable=False),
    Column("area_path", _PATH, nullable=False),
    Column("category", String(FIELD_LIMITS["category"]), nullable=True),
    Column("tier", String(32), nullable=True),
    Column("assigned_unit", String(FIELD_LIMITS["unit"]), nullable=True),
    Column("version", Integer, nullable=False),
    Column("next_due_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False, default=dict),
    CheckConstraint("version >= 1", name="version_positive"),
    Index("ix_tickets_is_open_area_path", "is_open", "area_path"),
    Index("ix_tickets_assigned_unit_is_open", "assigned_unit", "is_open"),
    Index("ix_tickets_next_due_at_id", "next_due_at", "id"),
)

# 事件: the append-only log (triggers refuse UPDATE and DELETE).  ``hash`` covers
# the event and ``prev_hash``: an HMAC under the key ``key_id``, or a SHA-256 if NULL.
ticket_events = Table(
    "ticket_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), ForeignKey("tickets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("from_state", String(32), nullable=False),
    Column("to_state", String(32), nullable=False),
    Column("actor_id", String(FIELD_LIMITS["actor_id"]), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(32), nullable=True),
    UniqueConstraint("ticket_id", "seq"),
    CheckConstraint("seq >= 1", name="seq_positive"),
)

# 时限: one row per SLA clock cycle of a ticket (a reopen starts a new cycle).
# ``data`` is the SLA engine's own record of the cycle (pauses, fired thresholds);
# the columns are for reports.  The timer queue is ``tickets.next_due_at``.
CLOCK_NAME_LENGTH = 32 + 1 + 64
"""A clock's name (up to 32 characters), or a part's ``NAME@UNIT`` (a unit code of up
to 64): a ``per_part`` clock runs one cycle per co-unit of a joint ticket."""

sla_clocks = Table(
    "sla_clocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ticket_id", String(64), ForeignKey("tickets.id"), nullable=False),
    Column("clock", String(CLOCK_NAME_LENGTH), nullable=False),  # NAME, or NAME@UNIT (a part)
    Column("cycle", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("breached", Boolean, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime, nullable=True),
    Column("fingerprint", String(64), nullable=False),
    Column("data", JSON, nullable=False, default=dict),
    UniqueConstraint("ticket_id", "clock", "cycle"),
)

# 策略: every routing / SLA policy and calendar the engine has run with, by fingerprint.
policies = Table(
    "policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "fingerprint"),
)

# 审计检查点: a signed digest of every ticket's chain head as of event ``last_event_id``,
# chained to the checkpoint before (append-only, like the events).
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("taken_at", UtcDateTime, nullable=False),
    Column("last_event_id", Integer, nullable=False),
    Column("tickets", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("heads", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=True),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(32), nullable=True),
)

APPEND_ONLY = {"ticket_events": ("UPDATE", "DELETE"), "audit_checkpoints": ("UPDATE", "DELETE")}
"""What the database refuses (migration 0003's triggers): rows written once, never changed."""
