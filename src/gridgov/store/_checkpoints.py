"""Audit checkpoints (审计检查点): a signed digest of every ticket's chain head.

Each ticket's chain shows an edited or deleted event, but not a ticket deleted
whole, or one whose last events were cut off together with its ``version``.  A
checkpoint records, as of the event with id ``last_event_id``, how many tickets
and events there were and a digest of each ticket's head ``(id, seq, hash)``,
signed like the events and chained to the checkpoint before.  ``verify``
recomputes the digest of the latest checkpoint from the events stored now:
anything removed or rewritten at or before it shows.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from gridgov.store._audit import AuditKey, ChainBreak, Keyring, digest_of, key_for

__all__ = ["Head", "checkpoint_breaks", "checkpoint_row", "heads_digest"]

Head = tuple[str, int, str]
"""A ticket's chain head: ``(ticket_id, seq, hash)`` of its last event."""

_SIGNED = ("taken_at", "last_event_id", "tickets", "events", "heads", "prev_hash")


def heads_digest(heads: Iterable[Head]) -> str:
    """SHA-256 of the heads in ticket id order (Python's, not the database's collation)."""
    digest = hashlib.sha256()
    for ticket_id, seq, hash_ in sorted(heads):
        digest.update(f"{ticket_id}\t{seq}\t{hash_}\n".encode())
    return digest.hexdigest()


def _signed(row: Mapping[str, Any]) -> dict[str, Any]:
    content = {name: row[name] for name in _SIGNED}
    taken: datetime = row["taken_at"]
    content["taken_at"] = taken.isoformat()
    return content


def checkpoint_row(
    *,
    taken_at: datetime,
    last_event_id: int,
    events: int,
    heads: Sequence[Head],
    prev_hash: str | None,
    key: AuditKey | None,
) -> dict[str, Any]:
    """The ``audit_checkpoints`` row for these heads, signed with ``key`` (or unkeyed)."""
    row: dict[str, Any] = {
        "taken_at": taken_at,
        "last_event_id": last_event_id,
        "tickets": len(heads),
        "events": events,
        "heads": heads_digest(heads),
        "prev_hash": prev_hash,
        "key_id": None if key is None else key.key_id,
    }
    row["hash"] = digest_of(_signed(row), key)
    return row


def checkpoint_breaks(
    rows: Sequence[Mapping[str, Any]],
    keyring: Keyring | None,
    heads_now: Sequence[Head],
    events_now: int,
) -> list[ChainBreak]:
    """What is wrong with the checkpoints (given oldest first), the latest checked
    against ``heads_now`` / ``events_now``: the heads and count of the events with
    an id up to its ``last_event_id``, as stored now."""
    breaks: list[ChainBreak] = []
    prev: str | None = None
    for row in rows:
        name = f"(checkpoint {row['id']})"
        key = key_for(row, keyring)
        if isinstance(key, str):
            breaks.append(ChainBreak(name, row["id"], key))
        elif row["prev_hash"] != prev:
            breaks.append(ChainBreak(name, row["id"], "a checkpoint before it is missing"))
        elif not hmac.compare_digest(digest_of(_signed(row), key), str(row["hash"])):
            breaks.append(ChainBreak(name, row["id"], "content does not match its hash (edited)"))
        prev = row["hash"]
    if rows and not breaks:
        last = rows[-1]
        name = f"(checkpoint {last['id']})"
        if (len(heads_now), events_now) != (last["tickets"], last["events"]):
            breaks.append(
                ChainBreak(
                    name,
                    last["id"],
                    f"it saw {last['tickets']} tickets and {last['events']} events up to "
                    f"event id {last['last_event_id']}; there are {len(heads_now)} and "
                    f"{events_now} now (tickets or events deleted)",
                )
            )
        elif heads_digest(heads_now) != last["heads"]:
            breaks.append(
                ChainBreak(
                    name,
                    last["id"],
                    "the tickets' chain heads differ from the ones it signed "
                    "(a ticket's events were replaced)",
                )
            )
    return breaks
