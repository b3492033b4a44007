"""Compact rows (issue 13, item 24): a replayed database took 3.8 KB per ticket.

- ``ticket_events.prev_hash`` is dropped: it was the hash of the ticket's event
  before, stored again; each hash still covers it, so the chain is unchanged and
  every stored hash stays valid (nothing is re-signed: no key is needed).
- ``ticket_events.hash`` holds the 32 bytes of the digest, not 64 hex digits.
- On SQLite every time is an integer of microseconds since the epoch (UTC), not
  26 characters of text; PostgreSQL keeps its 8-byte ``timestamptz``.
- ``sla_clocks.data`` no longer repeats what the row's columns or the defaults
  give (``gridgov.store._mapping.CLOCK_IMPLIED``), and its times are spelled in UTC.
- ``ix_tickets_next_due_at_id`` indexes only the tickets with a next due moment.
- ``tickets.data`` gains ``reporter_id`` where a row written before the scoped
  reads lacks it (from the ticket's report event, as the fold gives it), and keeps
  no ``reporter_id: null``; a joint ticket's row gains ``co_units`` (the co-units of
  its current dispatch, by a fold of its events) so its co-units list it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from gridgov.store._mapping import compact_clock_data, event_from_row, full_clock_data
from gridgov.store._schema import stored_time
from gridgov.workflow import Ticket

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TIMES = {
    "tickets": ("next_due_at", "created_at", "updated_at"),
    "ticket_events": ("at",),
    "sla_clocks": ("started_at", "due_at", "stopped_at"),
    "policies": ("recorded_at",),
    "audit_checkpoints": ("taken_at",),
}
_NULLABLE = {"next_due_at", "stopped_at"}
_APPEND_ONLY = ("ticket_events", "audit_checkpoints")  # as in 0003
_BATCH = 2000  # rows per executemany

# SQLAlchemy's SQLite text: "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC), to microseconds.
_TEXT_TO_MICROS = (
    "CAST(strftime('%s', substr({c}, 1, 19)) AS INTEGER) * 1000000 + CASE "
    "WHEN substr({c}, 20, 1) = '.' THEN CAST(substr(substr({c}, 21) || '000000', 1, 6) "
    "AS INTEGER) ELSE 0 END"
)
_MICROS_TO_TEXT = (
    "strftime('%Y-%m-%d %H:%M:%S', {c} / 1000000, 'unixepoch') || '.' || "
    "printf('%06d', {c} % 1000000)"
)


_DUE_INDEX = "ix_tickets_next_due_at_id"
_DUE_COLUMNS = ["next_due_at", "id"]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # The timer queue indexes only tickets with a next due moment.
    op.drop_index(_DUE_INDEX, table_name="tickets")
    if sqlite:
        _drop_sqlite_triggers()
        for table, columns in _TIMES.items():
            for column in columns:
                op.execute(
                    f"UPDATE {table} SET {column} = {_TEXT_TO_MICROS.format(c=column)} "
                    f"WHERE typeof({column}) = 'text'"
                )
    _compact_clocks()
    _ticket_data()
    _co_units()
    if sqlite:
        _hashes_to_bytes()
        for table, columns in _TIMES.items():
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.alter_column(
                        column,
                        existing_type=sa.DateTime(timezone=True),
                        type_=sa.BigInteger(),
                        existing_nullable=column in _NULLABLE,
                    )
                if table == "ticket_events":
                    batch.drop_column("prev_hash")
                    batch.alter_column(
                        "hash",
                        existing_type=sa.String(64),
                        type_=sa.LargeBinary(32),
                        existing_nullable=False,
                    )
        _create_sqlite_triggers()
    else:
        op.drop_column("ticket_events", "prev_hash")
        op.alter_column(
            "ticket_events",
            "hash",
            existing_type=sa.String(64),
            type_=sa.LargeBinary(32),
            existing_nullable=False,
            postgresql_using="decode(hash, 'hex')",
        )
    where = sa.text("next_due_at IS NOT NULL")
    op.create_index(_DUE_INDEX, "tickets", _DUE_COLUMNS, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index(_DUE_INDEX, table_name="tickets")
    if sqlite:
        _drop_sqlite_triggers()
    else:
        for table in _APPEND_ONLY:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    if sqlite:
        # Hex text before the rebuild (which casts a BLOB to text byte for byte);
        # times after it (a cast to DATETIME would read "2024-01-01 ..." as 2024).
        op.execute("UPDATE ticket_events SET hash = lower(hex(hash)) WHERE typeof(hash) = 'blob'")
        for table, columns in _TIMES.items():
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.alter_column(
                        column,
                        existing_type=sa.BigInteger(),
                        type_=sa.DateTime(timezone=True),
                        existing_nullable=column in _NULLABLE,
                    )
                if table == "ticket_events":
                    batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
                    batch.alter_column(
                        "hash",
                        existing_type=sa.LargeBinary(32),
                        type_=sa.String(64),
                        existing_nullable=False,
                    )
        for table, columns in _TIMES.items():
            for column in columns:
                op.execute(
                    f"UPDATE {table} SET {column} = {_MICROS_TO_TEXT.format(c=column)} "
                    f"WHERE typeof({column}) = 'integer'"
                )
    else:
        op.add_column("ticket_events", sa.Column("prev_hash", sa.String(64), nullable=True))
        op.alter_column(
            "ticket_events",
            "hash",
            existing_type=sa.LargeBinary(32),
            type_=sa.String(64),
            existing_nullable=False,
            postgresql_using="encode(hash, 'hex')",
        )
    op.execute(
        "UPDATE ticket_events SET prev_hash = (SELECT p.hash FROM ticket_events p "
        "WHERE p.ticket_id = ticket_events.ticket_id AND p.seq = ticket_events.seq - 1)"
    )
    _expand_clocks()
    op.create_index(_DUE_INDEX, "tickets", _DUE_COLUMNS)
    if sqlite:
        _create_sqlite_triggers()
    else:
        for table in _APPEND_ONLY:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


# ----------------------------------------------------------------------- the rows

_clocks = sa.table(
    "sla_clocks",
    sa.column("id", sa.Integer()),
    sa.column("clock", sa.String()),
    sa.column("cycle", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("started_at"),
    sa.column("due_at"),
    sa.column("stopped_at"),
    sa.column("fingerprint", sa.String()),
    sa.column("data", sa.JSON()),
)
_tickets = sa.table("tickets", sa.column("id", sa.String()), sa.column("data", sa.JSON()))
_events = sa.table(
    "ticket_events",
    *(
        sa.column(name)
        for name in (
            "id",
            "ticket_id",
            "seq",
            "trigger",
            "from_state",
            "to_state",
            "actor_id",
            "actor_role",
            "at",
            "hash",
        )
    ),
    sa.column("payload", sa.JSON()),
)


def _batches(query: sa.Select[Any], key: sa.ColumnElement[Any]) -> Iterator[Sequence[sa.Row[Any]]]:
    """The rows of ``query``, :data:`_BATCH` at a time in ``key`` order (each batch a
    query of its own: the rows may be updated between batches)."""
    last: Any = None
    while True:
        page = query.order_by(key).limit(_BATCH)
        if last is not None:
            page = page.where(key > last)
        rows = op.get_bind().execute(page).all()
        if not rows:
            return
        last = rows[-1]._mapping[key]
        yield rows


def _update(table: sa.TableClause, column: str, values: list[dict[str, Any]]) -> None:
    """Set ``column`` of the rows with the given ids (``_id``: the key)."""
    if values:
        key = table.c.id
        op.get_bind().execute(
            sa.update(table).where(key == sa.bindparam("_id")).values({column: sa.bindparam("v")}),
            values,
        )


def _clock_row(row: sa.Row[Any]) -> dict[str, Any]:
    values = dict(row._mapping)
    for name in ("started_at", "due_at", "stopped_at"):
        values[name] = stored_time(values[name])
    return values


def _utc_text(value: Any) -> Any:
    """An ISO time as ``ClockCycle.to_dict`` now spells it: in UTC."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC).isoformat()
    return value


def _compact_clocks() -> None:
    changed: list[dict[str, Any]] = []
    for rows in _batches(sa.select(_clocks), _clocks.c.id):
        for row in rows:
            values = _clock_row(row)
            data = dict(values["data"] or {})
            for key in ("started_at", "due", "stopped_at", "paused_since"):
                if key in data:
                    data[key] = _utc_text(data[key])
            if isinstance(data.get("pauses"), list):
                data["pauses"] = [[_utc_text(t) for t in pause] for pause in data["pauses"]]
            compact = compact_clock_data(values, data)
            if compact != values["data"]:
                changed.append({"_id": values["id"], "v": compact})
        _update(_clocks, "data", changed)
        changed = []


def _expand_clocks() -> None:
    for rows in _batches(sa.select(_clocks), _clocks.c.id):
        values = [_clock_row(row) for row in rows]
        full = [{"_id": v["id"], "v": full_clock_data(v, v["data"] or {})} for v in values]
        _update(_clocks, "data", full)


def _ticket_data() -> None:
    """``reporter_id`` as the report event gives it, where a row lacks it; no nulls."""
    reports = sa.select(_events, _tickets.c.data.label("row_data")).join(
        _tickets, _tickets.c.id == _events.c.ticket_id
    )
    changed: list[dict[str, Any]] = []
    for rows in _batches(reports.where(_events.c.seq == 1), _events.c.ticket_id):
        for row in rows:
            data = dict(row.row_data or {})
            if "reporter_id" not in data:
                event = event_from_row({**row._mapping, "at": stored_time(row.at)})
                data["reporter_id"] = Ticket.from_events([event]).reporter_id
            if data["reporter_id"] is None:
                del data["reporter_id"]
            if data != row.row_data:
                changed.append({"_id": row.ticket_id, "v": data})
        _update(_tickets, "data", changed)
        changed = []


_SETS_PARTS = ("dispatch", "return_to_dispatcher", "escalate", "reopen")


def _co_units() -> None:
    """``co_units`` in the rows of the tickets whose events ever named co-units."""
    moves = sa.select(_events.c.id, _events.c.ticket_id, _events.c.payload).where(
        _events.c.trigger.in_(_SETS_PARTS)
    )
    joint = sorted(
        {r.ticket_id for rows in _batches(moves, _events.c.id) for r in rows if _names_parts(r)}
    )
    for start in range(0, len(joint), _BATCH):
        chunk = joint[start : start + _BATCH]
        found = op.get_bind().execute(
            sa.select(_events, _tickets.c.data.label("row_data"))
            .join(_tickets, _tickets.c.id == _events.c.ticket_id)
            .where(_events.c.ticket_id.in_(chunk))
            .order_by(_events.c.ticket_id, _events.c.seq)
        )
        logs: dict[str, list[sa.Row[Any]]] = {}
        for row in found:
            logs.setdefault(row.ticket_id, []).append(row)
        changed = []
        for ticket_id, rows in logs.items():
            events = [event_from_row({**r._mapping, "at": stored_time(r.at)}) for r in rows]
            parts = [part.unit for part in Ticket.from_events(events).parts]
            data = {k: v for k, v in (rows[0].row_data or {}).items() if k != "co_units"}
            if parts:
                data["co_units"] = parts
            if data != rows[0].row_data:
                changed.append({"_id": ticket_id, "v": data})
        _update(_tickets, "data", changed)


def _names_parts(row: sa.Row[Any]) -> bool:
    payload = row.payload
    return isinstance(payload, dict) and bool(payload.get("co_units"))


def _hashes_to_bytes() -> None:
    """SQLite (3.40 has no ``unhex``): each hex hash as its bytes."""
    found = sa.select(_events.c.id, _events.c.hash).where(sa.text("typeof(hash) = 'text'"))
    for rows in _batches(found, _events.c.id):
        _update(_events, "hash", [{"_id": r.id, "v": bytes.fromhex(r.hash)} for r in rows])


# ---------------------------------------------------------------- SQLite triggers


def _drop_sqlite_triggers() -> None:
    for table in _APPEND_ONLY:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def _create_sqlite_triggers() -> None:
    for table in _APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'gridgov: {action} on {table} refused: "
                "the audit log is append-only'); END"
            )
