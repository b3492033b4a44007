"""The tables (SQLAlchemy Core).  The domain never sees them: ``_mapping`` converts.

Times are stored in UTC; :class:`UtcDateTime` gives them back time-zone aware on
every database: PostgreSQL's ``timestamptz``, on SQLite an integer count of
microseconds since the epoch (6 bytes where the text form took 26).  Hashes are
stored as their 32 bytes (:class:`Digest`) and read back as hex.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_micros(moment: datetime) -> int:
    """An aware time as SQLite stores it: microseconds since the epoch (UTC).

    >>> to_micros(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC))
    1000005
    """
    return (moment - _EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    """The aware UTC time of :func:`to_micros`."""
    return _EPOCH + timedelta(microseconds=value)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC; naive values are refused.

    PostgreSQL keeps a ``timestamptz``; SQLite an integer of microseconds since the
    epoch (:func:`to_micros`).  A text value found in a SQLite file (written before
    revision 0004, or by hand) is still read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: the store needs aware times")
        return to_micros(value) if dialect.name == "sqlite" else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return stored_time(value)


def stored_time(value: Any) -> datetime | None:
    """A time as a database gives it (a datetime, SQLite's integer or an older file's
    text) as an aware UTC datetime; :class:`TypeError` / :class:`ValueError` if it is
    none of these."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return from_micros(value)
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"{value!r} is not a time")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Digest(TypeDecorator[str]):
    """A SHA-256 or HMAC-SHA256, given and read as 64 hex digits, stored as its 32
    bytes (``bytea`` / ``BLOB``).  A value that is not bytes (text written by hand
    into the column) is read as it is, so it simply does not match."""

    impl = LargeBinary(32)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else bytes.fromhex(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return bytes(value).hex() if isinstance(value, bytes | memoryview) else str(value)


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
    # The timer queue: only tickets with a next due moment (a replayed history is
    # mostly closed tickets, which it would index for nothing).
    Index(
        "ix_tickets_next_due_at_id",
        "next_due_at",
        "id",
        sqlite_where=text("next_due_at IS NOT NULL"),
        postgresql_where=text("next_due_at IS NOT NULL"),
    ),
)

# 事件: the append-only log (triggers refuse UPDATE and DELETE).  ``hash`` covers
# the event and the hash of the ticket's event before (``seq - 1``, not stored
# again here): an HMAC under the key ``key_id``, or a SHA-256 if NULL.
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
    Column("hash", Digest, nullable=False),
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
