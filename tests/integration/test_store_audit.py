"""The audit hash chain shows an edited or deleted event row, in every store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridgov.store import SqlStore, Store
from gridgov.testing import InMemoryStore
from tests.integration._store_harness import (
    add_ticket,
    dispatched,
    pg_store,
    pg_url,
    store,
    tamper,
)

__all__ = ["pg_store", "pg_url", "store"]

EventRows = list[dict[str, Any]]


def _tamper(store: Store, sql: str, in_memory: Callable[[EventRows], None]) -> None:
    """Change stored rows behind the store's back, as an attacker with DB access would."""
    if isinstance(store, SqlStore):
        tamper(store, sql)
    else:
        assert isinstance(store, InMemoryStore)
        in_memory(store._data.events["T1"])


def test_an_untouched_log_verifies(store: Store) -> None:
    add_ticket(store, dispatched("T1"))
    add_ticket(store, dispatched("T2"))
    assert store.verify() == []


def test_an_edited_event_breaks_its_tickets_chain_only(store: Store) -> None:
    add_ticket(store, dispatched("T1"))
    add_ticket(store, dispatched("T2"))

    def edit(rows: EventRows) -> None:
        rows[1]["actor_id"] = "someone-else"

    _tamper(
        store,
        "UPDATE ticket_events SET actor_id = 'someone-else' WHERE ticket_id = 'T1' AND seq = 2",
        edit,
    )
    [broken] = store.verify()
    assert (broken.ticket_id, broken.seq) == ("T1", 2)
    assert "edited" in broken.reason


def test_a_deleted_middle_event_breaks_the_chain(store: Store) -> None:
    add_ticket(store, dispatched("T1"))

    def delete(rows: EventRows) -> None:
        del rows[1]

    _tamper(store, "DELETE FROM ticket_events WHERE ticket_id = 'T1' AND seq = 2", delete)
    [broken] = store.verify()
    assert (broken.ticket_id, broken.seq) == ("T1", 2)
    assert "missing" in broken.reason


def test_a_deleted_last_event_is_caught_by_the_ticket_version(store: Store) -> None:
    add_ticket(store, dispatched("T1"))

    def delete(rows: EventRows) -> None:
        del rows[-1]

    _tamper(store, "DELETE FROM ticket_events WHERE ticket_id = 'T1' AND seq = 3", delete)
    [broken] = store.verify()
    assert broken.ticket_id == "T1"
    assert "deleted" in broken.reason
