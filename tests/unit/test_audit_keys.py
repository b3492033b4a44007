"""Audit keys (审计密钥): where they come from, how they rotate, what a bad one says."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import AuditKeyError
from gridgov.store import KEY_ENV, KEY_FILE_ENV, AuditKey, Keyring, event_hash


def test_no_key_in_the_environment_is_unkeyed() -> None:
    assert Keyring.from_env({}) is None


def test_the_key_file_wins_over_the_inline_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.write_text("from-file:0123456789abcdef\n")
    env = {KEY_FILE_ENV: str(keys), KEY_ENV: "inline:0123456789abcdef"}
    ring = Keyring.from_env(env)
    assert ring is not None
    assert ring.signing.key_id == "from-file"


def test_inline_keys_are_comma_separated_and_the_first_signs() -> None:
    ring = Keyring.from_env({KEY_ENV: "k2:0123456789abcdef-2, k1:0123456789abcdef-1"})
    assert ring is not None
    assert (ring.signing.key_id, ring.key("k1")) == ("k2", AuditKey("k1", b"0123456789abcdef-1"))


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("k1 0123456789abcdef", 1, "expected ID:SECRET"),
        ("# keys\n\nk1:0123456789abcdef\nk1:0123456789abcdef", 4, "given twice"),
        ("bad id:0123456789abcdef", 1, "expected ID:SECRET"),
        ("# nothing", None, "no key in it"),
    ],
)
def test_a_bad_key_file_names_the_line(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(AuditKeyError) as caught:
        Keyring.parse(text, "keys.txt")
    assert (caught.value.source, caught.value.line) == ("keys.txt", line)
    assert reason in caught.value.reason


def test_a_missing_key_file_is_an_audit_key_error(tmp_path: Path) -> None:
    with pytest.raises(AuditKeyError, match="cannot read the key file"):
        Keyring.from_file(tmp_path / "absent")


def test_the_key_id_is_signed_too() -> None:
    from datetime import UTC, datetime

    event = {
        "ticket_id": "T1", "seq": 1, "trigger": "report", "from_state": "new",
        "to_state": "reported", "actor_id": "r1", "actor_role": "resident",
        "at": datetime(2025, 1, 1, tzinfo=UTC), "payload": {},
    }  # fmt: skip
    secret = b"0123456789abcdef"
    assert event_hash(event, None, AuditKey("a", secret)) != event_hash(
        event, None, AuditKey("b", secret)
    )
