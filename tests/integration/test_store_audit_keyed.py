"""Tamper evidence that means something (issue 13, items 11 and 12): a keyed chain,
checkpoints of the chain heads, derived columns checked against a refold, append-only
tables, and a verify that reports every broken ticket and keeps going.

Each attack is what someone with write access to the database can do: edit rows
and recompute hashes with gridgov's own code, with the append-only triggers off.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gridgov import Engine
from gridgov.app import clock_check
from gridgov.clock import ManualClock
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.sla import load_default_policy
from gridgov.store import AuditKey, Keyring, SqlStore, Store, event_hash
from gridgov.store._schema import stored_time, to_micros
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor, TicketEvent
from tests.integration._store_harness import (
    T0,
    TREE,
    add_ticket,
    dispatched,
    event,
    pg_store,
    pg_url,
    reported,
    sql_store,
    store,
    tamper,
)

__all__ = ["pg_store", "pg_url", "sql_store", "store"]

K1 = AuditKey("k1", b"the first secret, 2026")
K2 = AuditKey("k2", b"the second secret, 2027")


def _keyed(store: Store, *keys: AuditKey) -> None:
    ring = Keyring(keys) if keys else None
    if isinstance(store, SqlStore):
        store.keyring = ring
    else:
        assert isinstance(store, InMemoryStore)
        store._data.keyring = ring


def _rows(store: SqlStore, ticket_id: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT * FROM ticket_events WHERE ticket_id = :t ORDER BY seq"), {"t": ticket_id}
        ).mappings()
        return [dict(r) for r in rows]


def _forge_actor(store: SqlStore, ticket_id: str, seq: int, actor: str) -> None:
    """Edit an event and recompute its hash, and every later one, with gridgov's
    own unkeyed ``event_hash``: what passed ``db verify`` before the chain was keyed."""
    from gridgov.store._mapping import event_from_row

    prev = None
    statements = []
    for row in _rows(store, ticket_id):
        event = event_from_row(
            {**row, "payload": _json(row["payload"]), "at": _aware(row["at"])}
        ).model_dump()
        if row["seq"] == seq:
            event["actor_id"] = actor
        new = event_hash(event, prev)
        statements.append(
            f"UPDATE ticket_events SET actor_id = '{event['actor_id']}', "
            f"hash = {_digest(store, new)}, key_id = NULL "
            f"WHERE ticket_id = '{ticket_id}' AND seq = {row['seq']}"
        )
        prev = new
    tamper(store, *statements)


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def _aware(value: object) -> datetime:
    """A stored time as read back raw (SQLite gives microseconds since the epoch)."""
    moment = stored_time(value)
    assert moment is not None
    return moment


def _hex(value: object) -> str:
    """A hash as read back raw (its bytes) in hex."""
    assert isinstance(value, bytes | memoryview)
    return bytes(value).hex()


def _digest(store: SqlStore, hex_digest: str) -> str:
    """A hash as SQL writes it into ``ticket_events.hash`` (its bytes)."""
    if store.engine.dialect.name == "sqlite":
        return f"X'{hex_digest}'"
    return f"decode('{hex_digest}', 'hex')"


def _time(store: SqlStore, moment: datetime) -> str:
    """A time as SQL writes it into the store's columns."""
    if store.engine.dialect.name == "sqlite":
        return str(to_micros(moment))
    return f"'{moment.isoformat()}'"


# ----------------------------------------------------------------- keyed chain


def test_an_unkeyed_chain_is_rewritten_without_a_trace(sql_store: SqlStore) -> None:
    """The limit of unkeyed mode, as documented: a recomputed chain verifies."""
    add_ticket(sql_store, dispatched("T1"))
    _forge_actor(sql_store, "T1", 2, "mallory")
    assert sql_store.verify() == []


def test_a_recomputed_chain_does_not_verify_under_a_key(sql_store: SqlStore) -> None:
    _keyed(sql_store, K1)
    add_ticket(sql_store, dispatched("T1"))
    add_ticket(sql_store, dispatched("T2"))
    assert sql_store.verify() == []
    _forge_actor(sql_store, "T1", 2, "mallory")
    [broken] = sql_store.verify()
    assert (broken.ticket_id, broken.seq) == ("T1", 1)
    assert "not signed" in broken.reason


def test_a_hash_made_with_another_key_does_not_verify(sql_store: SqlStore) -> None:
    _keyed(sql_store, K1)
    add_ticket(sql_store, dispatched("T1"))
    [row] = [r for r in _rows(sql_store, "T1") if r["seq"] == 1]
    event = {**row, "payload": _json(row["payload"]), "at": _aware(row["at"])}
    guessed = AuditKey("k1", b"a guess at the secret")
    forged = event_hash({**event, "actor_id": "mallory"}, None, guessed)
    tamper(
        sql_store,
        f"UPDATE ticket_events SET actor_id = 'mallory', hash = {_digest(sql_store, forged)} "
        "WHERE ticket_id = 'T1' AND seq = 1",
    )
    [broken] = sql_store.verify()
    assert (broken.ticket_id, broken.seq, broken.reason) == (
        "T1",
        1,
        "content does not match its hash (edited)",
    )


def test_rows_signed_with_a_rotated_key_verify_while_it_is_in_the_keyring(store: Store) -> None:
    _keyed(store, K1)
    add_ticket(store, reported("T1"))
    _keyed(store, K2, K1)  # rotated: k2 signs, k1 still verifies
    add_ticket(store, reported("T2"))
    assert store.verify() == []
    _keyed(store, K2)  # k1 dropped
    [broken] = store.verify()
    assert (broken.ticket_id, broken.reason) == (
        "T1",
        "signed with key 'k1', which is not in the keyring",
    )


def test_a_keyed_chain_verified_without_the_key_is_not_vouched_for(store: Store) -> None:
    _keyed(store, K1)
    add_ticket(store, reported("T1"))
    _keyed(store)
    [broken] = store.verify()
    assert "signed with key 'k1'" in broken.reason


def test_a_forged_event_appended_with_a_valid_unkeyed_hash_is_caught(sql_store: SqlStore) -> None:
    _keyed(sql_store, K1)
    add_ticket(sql_store, dispatched("T1"))
    last = _rows(sql_store, "T1")[-1]
    forged = {
        "ticket_id": "T1",
        "seq": 4,
        "trigger": "sign_for",
        "from_state": "dispatched",
        "to_state": "signed",
        "actor_id": "mallory",
        "actor_role": "grid_worker",
        "at": T0 + timedelta(minutes=9),
        "payload": {},
    }
    previous = _hex(last["hash"])
    digest = _digest(sql_store, event_hash(forged, previous))
    at = _time(sql_store, forged["at"])  # type: ignore[arg-type]
    tamper(
        sql_store,
        "INSERT INTO ticket_events (ticket_id, seq, trigger, from_state, to_state, actor_id, "
        "actor_role, at, payload, hash) VALUES ('T1', 4, 'sign_for', 'dispatched', "
        f"'signed', 'mallory', 'grid_worker', {at}, '{{}}', {digest})",
        "UPDATE tickets SET version = 4, state = 'signed' WHERE id = 'T1'",
    )
    [broken] = sql_store.verify()
    assert (broken.ticket_id, broken.seq) == ("T1", 4)
    assert "not signed" in broken.reason


# ----------------------------------------------------------------- checkpoints


def test_a_ticket_deleted_whole_is_caught_by_the_checkpoint(store: Store) -> None:
    _keyed(store, K1)
    add_ticket(store, dispatched("T1"))
    add_ticket(store, dispatched("T2"))
    checkpoint = store.checkpoint(at=T0)
    add_ticket(store, reported("T3"))  # after the checkpoint: not its concern
    assert store.verify() == []
    _delete_ticket(store, "T1")
    [broken] = store.verify()
    assert broken.ticket_id == f"(checkpoint {checkpoint['id']})"
    assert "2 tickets and 6 events" in broken.reason
    assert "there are 1 and 3 now" in broken.reason


def test_a_last_event_cut_off_with_its_version_is_caught_by_the_checkpoint(
    sql_store: SqlStore,
) -> None:
    _keyed(sql_store, K1)
    add_ticket(sql_store, dispatched("T1"))
    checkpoint = sql_store.checkpoint(at=T0)
    tamper(
        sql_store,
        "DELETE FROM ticket_events WHERE ticket_id = 'T1' AND seq = 3",
        "UPDATE tickets SET version = 2, state = 'accepted', assigned_unit = NULL, "
        "tier = NULL, updated_at = '2025-03-03 09:01:00' WHERE id = 'T1'",
    )
    # The ticket alone looks whole now (a reported, accepted ticket) ...
    assert [b.ticket_id for b in sql_store.verify()] == [f"(checkpoint {checkpoint['id']})"]


def test_an_edited_checkpoint_does_not_verify(sql_store: SqlStore) -> None:
    _keyed(sql_store, K1)
    add_ticket(sql_store, dispatched("T1"))
    first = sql_store.checkpoint(at=T0)
    sql_store.checkpoint(at=T0 + timedelta(hours=1))
    tamper(sql_store, f"UPDATE audit_checkpoints SET tickets = 7 WHERE id = {first['id']}")
    [broken] = sql_store.verify()
    assert (broken.ticket_id, broken.reason) == (
        f"(checkpoint {first['id']})",
        "content does not match its hash (edited)",
    )


def _delete_ticket(store: Store, ticket_id: str) -> None:
    if isinstance(store, SqlStore):
        tamper(
            store,
            f"DELETE FROM sla_clocks WHERE ticket_id = '{ticket_id}'",
            f"DELETE FROM ticket_events WHERE ticket_id = '{ticket_id}'",
            f"DELETE FROM tickets WHERE id = '{ticket_id}'",
        )
    else:
        assert isinstance(store, InMemoryStore)
        del store._data.tickets[ticket_id]
        del store._data.events[ticket_id]


# ----------------------------------------------------------------- derived columns


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ("state = 'closed', is_open = false", "state"),
        ("is_open = false", "is_open"),
        ("assigned_unit = 'W9'", "assigned_unit"),
        ("area_path = '/LP/'", "area_path"),  # out of the subtree lists of ZM
        ("updated_at = '2020-01-01 00:00:00'", "updated_at"),
    ],
)
def test_an_edited_ticket_column_disagrees_with_the_refold(
    sql_store: SqlStore, change: str, column: str
) -> None:
    add_ticket(sql_store, dispatched("T1"))
    add_ticket(sql_store, dispatched("T2"))
    tamper(sql_store, f"UPDATE tickets SET {change} WHERE id = 'T2'")
    [broken] = sql_store.verify()
    assert broken.ticket_id == "T2"
    assert broken.reason.startswith(f"tickets.{column} is ")
    assert broken.reason.endswith("(edited)")


def _joint(ticket_id: str) -> list[TicketEvent]:
    """Reported, accepted and dispatched to W1 with the co-units W2 and W3."""
    return [
        *reported(ticket_id),
        event(ticket_id, 2, "accept", "reported", "accepted", 1),
        event(
            ticket_id,
            3,
            "dispatch",
            "accepted",
            "dispatched",
            2,
            unit="W1",
            level="grid",
            co_units=["W2", "W3"],
        ),
    ]


@pytest.mark.parametrize(
    ("co_units", "shown"),
    [
        (["W2"], "['W2']"),  # W3 no longer lists the ticket
        (["W2", "W3", "W9"], "['W2', 'W3', 'W9']"),  # W9 sees a ticket not its own
        (None, "None"),  # the key removed: no co-unit lists it
    ],
)
def test_edited_co_units_disagree_with_the_refold(
    sql_store: SqlStore, co_units: list[str] | None, shown: str
) -> None:
    """Issue 13, item 24: the co-units stored for a joint ticket are checked like the
    derived columns (a co-unit finds its joint tickets by them)."""
    add_ticket(sql_store, _joint("T1"))
    add_ticket(sql_store, _joint("T2"))
    with sql_store.engine.connect() as conn:
        stored = conn.execute(text("SELECT data FROM tickets WHERE id = 'T2'")).scalar_one()
    data = json.loads(stored) if isinstance(stored, str) else dict(stored)
    assert data["co_units"] == ["W2", "W3"]
    data.pop("co_units")
    if co_units is not None:
        data["co_units"] = co_units
    literal = json.dumps(data).replace("'", "''")
    tamper(sql_store, f"UPDATE tickets SET data = '{literal}' WHERE id = 'T2'")
    [broken] = sql_store.verify()
    assert broken.ticket_id == "T2"
    assert broken.reason == (
        f"tickets.data.co_units is {shown} but the events give ['W2', 'W3'] (edited)"
    )


def test_an_edited_merge_target_disagrees_with_the_refold(sql_store: SqlStore) -> None:
    add_ticket(sql_store, dispatched("T1"))
    tamper(sql_store, """UPDATE tickets SET data = '{"reporter_id": "u1", "merged_into": "T9"}'""")
    [broken] = sql_store.verify()
    assert broken.reason == "tickets.data.merged_into is 'T9' but the events give None (edited)"


WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")


def _engine_ticket(store: Store) -> str:
    units = [Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")]
    engine = Engine(store=store, directory=Directory(TREE, units), clock=ManualClock(T0))
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
    engine.act(ticket.id, "accept", actor=WORKER)
    engine.act(ticket.id, "dispatch", actor=WORKER)
    assert engine.get(ticket.id).next_due_at is not None
    return ticket.id


def test_an_engines_clocks_verify_against_their_refold(store: Store) -> None:
    _engine_ticket(store)
    assert store.verify(clocks=clock_check(load_default_policy())) == []


def test_a_ticket_whose_timers_fired_still_verifies(store: Store) -> None:
    """Warnings, breaches and their escalations reschedule ``next_due_at``; the
    refold must agree with what the timers wrote (no false alarm)."""
    _keyed(store, K1)
    units = [
        Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
        Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
    ]
    clock = ManualClock(T0)
    engine = Engine(store=store, directory=Directory(TREE, units), clock=clock)
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
    engine.act(ticket.id, "accept", actor=WORKER)
    engine.act(ticket.id, "dispatch", actor=WORKER)
    fired = engine.advance_to(T0 + timedelta(days=20))
    assert fired
    assert len(engine.history(ticket.id)) > 3  # the timers acted on the ticket
    assert engine.verify() == []


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("UPDATE tickets SET next_due_at = NULL", "tickets.next_due_at is None"),
        (
            "UPDATE tickets SET next_due_at = '2030-01-01 00:00:00+00:00'",
            "tickets.next_due_at is 2030-01-01T00:00:00+00:00",
        ),
        ("UPDATE sla_clocks SET due_at = '2030-01-01 00:00:00+00:00'", "is due 2030-01-01"),
        (
            "INSERT INTO sla_clocks (ticket_id, clock, cycle, status, breached, started_at, "
            "due_at, stopped_at, fingerprint, data) SELECT ticket_id, clock, cycle + 1, status, "
            "breached, started_at, due_at, stopped_at, fingerprint, data FROM sla_clocks",
            "but the events give",
        ),
        ("DELETE FROM sla_clocks", "but it has no clocks"),
    ],
)
def test_an_edited_due_time_that_hides_a_ticket_from_timers_is_caught(
    sql_store: SqlStore, statement: str, what: str
) -> None:
    ticket_id = _engine_ticket(sql_store)
    tamper(sql_store, statement)
    [broken] = sql_store.verify(clocks=clock_check(load_default_policy()))
    assert broken.ticket_id == ticket_id
    assert what in broken.reason


# ----------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ticket_events SET actor_id = 'mallory'",
        "DELETE FROM ticket_events",
        "UPDATE audit_checkpoints SET tickets = 0",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_database_refuses_to_change_the_audit_log(sql_store: SqlStore, statement: str) -> None:
    add_ticket(sql_store, dispatched("T1"))
    sql_store.checkpoint(at=T0)
    with pytest.raises(DBAPIError, match="append-only"), sql_store.engine.begin() as conn:
        conn.execute(text(statement))
    assert sql_store.verify() == []


@pytest.mark.postgres
def test_postgres_refuses_to_truncate_the_events(pg_store: SqlStore) -> None:
    with pytest.raises(DBAPIError, match="append-only"), pg_store.engine.begin() as conn:
        conn.execute(text("TRUNCATE ticket_events CASCADE"))


# ----------------------------------------------------------------- item 12: keep going


def test_verify_reports_every_unreadable_ticket_and_keeps_going(sql_store: SqlStore) -> None:
    for ticket_id in ("T1", "T2", "T3", "T4"):
        add_ticket(sql_store, dispatched(ticket_id))
    sqlite = sql_store.engine.dialect.name == "sqlite"
    # PostgreSQL's json type refuses text that is not JSON; a JSON array gets in.
    bad_json = "'{\"unit\": '" if sqlite else "'[1, 2]'"
    statements = [
        f"UPDATE ticket_events SET payload = {bad_json} WHERE ticket_id = 'T1' AND seq = 3",
        "UPDATE ticket_events SET actor_id = 'mallory' WHERE ticket_id = 'T3' AND seq = 1",
    ]
    if sqlite:  # PostgreSQL's timestamptz refuses a malformed time
        statements.append(
            "UPDATE ticket_events SET at = 'yesterday' WHERE ticket_id = 'T4' AND seq = 2"
        )
    tamper(sql_store, *statements)
    broken = {b.ticket_id: (b.seq, b.reason) for b in sql_store.verify()}
    assert broken["T1"][0] == 3
    assert broken["T1"][1].startswith("payload is")
    assert broken["T3"] == (1, "content does not match its hash (edited)")
    if sqlite:
        assert broken["T4"][0] == 2
        assert broken["T4"][1].startswith("`at` is not a time")
    assert "T2" not in broken


def test_verify_reports_its_progress(store: Store) -> None:
    for number in range(3):
        add_ticket(store, reported(f"T{number}"))
    seen: list[tuple[int, int]] = []
    store.verify(progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)
