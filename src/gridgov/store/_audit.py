"""The audit hash chain (审计链): each event's hash covers its content and the
hash of the ticket's previous event, so an edited or deleted row shows.

With an :class:`AuditKey` the hash is an HMAC-SHA256 under that key and the row
records the key's id: only a holder of the key can make a row that verifies.
Without one it is a plain SHA-256, which shows accidental corruption but not a
deliberate edit (anyone can recompute it).  docs/reference/security.md has the
threat model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gridgov.errors import AuditKeyError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "AuditKey",
    "ChainBreak",
    "Keyring",
    "event_hash",
    "verify_chain",
]

KEY_ENV = "GRIDGOV_AUDIT_KEY"
"""Environment variable holding the keys inline: ``ID:SECRET[,ID:SECRET...]``."""
KEY_FILE_ENV = "GRIDGOV_AUDIT_KEY_FILE"
"""Environment variable naming a key file: one ``ID:SECRET`` a line."""

_FIELDS = ("ticket_id", "seq", "trigger", "from_state", "to_state", "actor_id", "actor_role")
# One encoder for every hash (``json.dumps`` with options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MIN_SECRET = 16
"""The shortest secret a key may have, in characters."""


@dataclass(frozen=True, slots=True)
class AuditKey:
    """One HMAC key (审计密钥): its id is stored beside every row it signs."""

    key_id: str
    secret: bytes = field(repr=False)


class Keyring:
    """The keys ``db verify`` may meet; the first one signs new rows.

    Rotating a key: put the new key first and keep the old ones after it, so
    rows signed before still verify.

    >>> ring = Keyring.parse("k2:a-new-secret-of-some-length\\nk1:the-old-secret-0000")
    >>> ring.signing.key_id, ring.key("k1") is not None, ring.key("k0")
    ('k2', True, None)
    """

    def __init__(self, keys: Sequence[AuditKey]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._keys = {k.key_id: k for k in keys}
        if len(self._keys) != len(keys):
            raise ValueError("a keyring holds each key id once")
        self.signing = keys[0]

    def __repr__(self) -> str:
        return f"Keyring({list(self._keys)!r})"

    def key(self, key_id: str) -> AuditKey | None:
        return self._keys.get(key_id)

    @classmethod
    def parse(cls, text: str, source: str = "<keys>", *, separator: str = "\n") -> Keyring:
        """Keys written ``ID:SECRET``, one per ``separator``; ``#`` starts a comment line."""
        keys: list[AuditKey] = []
        seen: set[str] = set()
        for number, entry in enumerate(text.split(separator), start=1):
            entry = entry.strip()
            if not entry or entry.startswith("#"):
                continue
            line = number if separator == "\n" else None
            key_id, colon, secret = entry.partition(":")
            if not colon or not _KEY_ID.fullmatch(key_id):
                raise AuditKeyError(source, "expected ID:SECRET, ID of 1-32 [A-Za-z0-9_.-]", line)
            if len(secret) < MIN_SECRET:
                raise AuditKeyError(
                    source, f"the secret of key {key_id!r} is under {MIN_SECRET} characters", line
                )
            if key_id in seen:
                raise AuditKeyError(source, f"key {key_id!r} is given twice", line)
            seen.add(key_id)
            keys.append(AuditKey(key_id, secret.encode("utf-8")))
        if not keys:
            raise AuditKeyError(source, "no key in it")
        return cls(keys)

    @classmethod
    def from_file(cls, path: str | Path) -> Keyring:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditKeyError(str(path), f"cannot read the key file: {exc}") from exc
        return cls.parse(text, str(path))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Keyring | None:
        """``$GRIDGOV_AUDIT_KEY_FILE``, else ``$GRIDGOV_AUDIT_KEY``, else None (unkeyed)."""
        env = os.environ if environ is None else environ
        if env.get(KEY_FILE_ENV):
            return cls.from_file(env[KEY_FILE_ENV])
        if env.get(KEY_ENV):
            return cls.parse(env[KEY_ENV], f"${KEY_ENV}", separator=",")
        return None


def _mac(canonical: str, key: AuditKey | None) -> str:
    data = canonical.encode("utf-8")
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key.secret, data, hashlib.sha256).hexdigest()


def event_hash(event: Mapping[Any, Any], prev_hash: str | None, key: AuditKey | None = None) -> str:
    """SHA-256 (hex) of an event's canonical JSON and the previous hash, or with
    ``key`` its HMAC-SHA256 (the key's id is part of what is signed).

    >>> from datetime import UTC, datetime
    >>> e = dict(ticket_id="T1", seq=1, trigger="report", from_state="new",
    ...          to_state="reported", actor_id="r1", actor_role="resident",
    ...          at=datetime(2025, 1, 1, tzinfo=UTC), payload={})
    >>> len(event_hash(e, None)), event_hash(e, None) == event_hash(e, "x")
    (64, False)
    >>> event_hash(e, None) == event_hash(e, None, AuditKey("k1", b"0123456789abcdef"))
    False
    """
    at: datetime = event["at"]
    content = {name: event[name] for name in _FIELDS}
    content["at"] = at.astimezone(UTC).isoformat()
    content["payload"] = event["payload"]
    content["prev"] = prev_hash
    if key is not None:
        content["key"] = key.key_id
    return _mac(_CANONICAL.encode(content), key)


def digest_of(content: Mapping[str, Any], key: AuditKey | None) -> str:
    """The hash (or HMAC under ``key``) of any JSON-able mapping, canonically encoded."""
    return _mac(_CANONICAL.encode({**content, "key": None if key is None else key.key_id}), key)


class ChainBreak:
    """Where and why one ticket's chain fails to verify."""

    __slots__ = ("reason", "seq", "ticket_id")

    def __init__(self, ticket_id: str, seq: int, reason: str) -> None:
        self.ticket_id = ticket_id
        self.seq = seq
        self.reason = reason

    def __repr__(self) -> str:
        return f"ChainBreak({self.ticket_id!r}, {self.seq}, {self.reason!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChainBreak):
            return NotImplemented
        return (self.ticket_id, self.seq, self.reason) == (other.ticket_id, other.seq, other.reason)

    def __hash__(self) -> int:
        return hash((self.ticket_id, self.seq, self.reason))


def key_for(row: Mapping[Any, Any], keyring: Keyring | None) -> AuditKey | str | None:
    """The key that signed ``row`` (None: unkeyed), or why it cannot be checked."""
    key_id = row.get("key_id")
    if key_id is None:
        if keyring is not None:
            return "not signed (an unkeyed row in a store verified with a key)"
        return None
    if keyring is None:
        return f"signed with key {key_id!r}: verify with the key (${KEY_FILE_ENV})"
    key = keyring.key(key_id)
    return key if key is not None else f"signed with key {key_id!r}, which is not in the keyring"


def verify_chain(
    ticket_id: str, rows: Iterable[Mapping[Any, Any]], keyring: Keyring | None = None
) -> ChainBreak | None:
    """The first break in one ticket's events (given in ``seq`` order), or None.

    Each row has the event fields plus ``hash`` and ``key_id``; each hash covers
    the hash of the event before, so a row is checked against the one before it
    as stored.  A gap in the sequence is a deleted row; a hash that does not match
    is an edited one (or follows one); with a ``keyring``, a row it did not sign is
    a forged one.
    """
    prev: str | None = None
    expected_seq = 1
    for row in rows:
        seq = int(row["seq"])
        if seq != expected_seq:
            return ChainBreak(ticket_id, expected_seq, f"event #{expected_seq} is missing")
        key = key_for(row, keyring)
        if isinstance(key, str):
            return ChainBreak(ticket_id, seq, key)
        if not hmac.compare_digest(event_hash(row, prev, key), str(row["hash"])):
            return ChainBreak(ticket_id, seq, "content does not match its hash (edited)")
        prev = row["hash"]
        expected_seq += 1
    return None
