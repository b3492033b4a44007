"""The audit hash chain shows an edited or deleted event row, in every store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from gridgov.grid import AreaTree, Unit, UnitKind
from gridgov.store import SqlStore, Store
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor
from tests.integration._store_harness import TREE, add_ticket, dispatched, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]

EventRows = list[dict[str, Any]]


def _tamper(store: Store, sql: str, in_memory: Callable[[EventRows], None]) -> None:
    """Change stored rows behind the store's back, as an attacker with DB access would."""
    if isinstance(store, SqlStore):
        with store.engine.begin() as conn:
            conn.execute(text(sql))
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


def test_areas_round_trip_with_their_levels(store: Store) -> None:
    loaded = store.load_area_tree()
    assert isinstance(loaded, AreaTree)
    assert [a.code for a in loaded] == [a.code for a in TREE]
    assert loaded.levels == TREE.levels
    assert loaded.get("ZM-01-01") == TREE.get("ZM-01-01")
    assert loaded.is_within("ZM-01-01", "YH")


def test_units_and_people_round_trip_and_units_act_as_themselves(store: Store) -> None:
    worker = Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")
    store.save_units([worker, Unit("CG", "余杭城管", UnitKind.DEPARTMENT, "YH", "chengguan")])
    store.save_people([Actor("r1", "resident", "ZM-01-01")])
    directory = store.load_directory()
    assert directory is not None
    assert directory.responsible("ZM-01-01", kind="grid_worker") == worker
    assert directory.responsible("ZM-02", department="chengguan").code == "CG"
    assert store.find_actor("r1") == Actor("r1", "resident", "ZM-01-01")
    assert store.find_actor("W1") == Actor("W1", "grid_worker", "ZM-01", "W1")
    assert store.find_actor("nobody") is None
