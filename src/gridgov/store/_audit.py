"""The audit hash chain (审计链): each event's hash covers its content and the
hash of the ticket's previous event, so an edited or deleted row shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["ChainBreak", "event_hash", "verify_chain"]

_FIELDS = ("ticket_id", "seq", "trigger", "from_state", "to_state", "actor_id", "actor_role")
# One encoder for every hash (``json.dumps`` with options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(event: Mapping[Any, Any], prev_hash: str | None) -> str:
    """SHA-256 (hex) of an event's canonical JSON and the previous hash.

    >>> from datetime import UTC, datetime
    >>> e = dict(ticket_id="T1", seq=1, trigger="report", from_state="new",
    ...          to_state="reported", actor_id="r1", actor_role="resident",
    ...          at=datetime(2025, 1, 1, tzinfo=UTC), payload={})
    >>> len(event_hash(e, None)), event_hash(e, None) == event_hash(e, "x")
    (64, False)
    """
    at: datetime = event["at"]
    content = {name: event[name] for name in _FIELDS}
    content["at"] = at.astimezone(UTC).isoformat()
    content["payload"] = event["payload"]
    content["prev"] = prev_hash
    canonical = _CANONICAL.encode(content)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ChainBreak:
    """Where and why one ticket's chain fails to verify."""

    __slots__ = ("reason", "seq", "ticket_id")

    def __init__(self, ticket_id: str, seq: int, reason: str) -> None:
        self.ticket_id = ticket_id
        self.seq = seq
        self.reason = reason

    def __repr__(self) -> str:
        return f"ChainBreak({self.ticket_id!r}, {self.seq}, {self.reason!r})"


def verify_chain(ticket_id: str, rows: Iterable[Mapping[Any, Any]]) -> ChainBreak | None:
    """The first break in one ticket's events (given in ``seq`` order), or None.

    Each row has the event fields plus ``hash`` and ``prev_hash``.  A gap in the
    sequence is a deleted row; a hash that does not match is an edited one.
    """
    prev: str | None = None
    expected_seq = 1
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            return ChainBreak(ticket_id, expected_seq, f"event #{expected_seq} is missing")
        if row["prev_hash"] != prev:
            return ChainBreak(ticket_id, seq, "prev_hash does not match the previous event")
        if event_hash(row, prev) != row["hash"]:
            return ChainBreak(ticket_id, seq, "content does not match its hash (edited)")
        prev = row["hash"]
        expected_seq += 1
    return None
