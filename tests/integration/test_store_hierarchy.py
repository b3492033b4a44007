"""One area hierarchy per database (issue 13, item 21): another one is refused and
nothing is written; ``replace=True`` swaps it only while no ticket needs the old one."""

from __future__ import annotations

import pytest

from gridgov.errors import HierarchyConflict
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, UnitKind
from gridgov.store import Store, TicketLoad
from gridgov.workflow import Actor, Ticket
from tests.integration._store_harness import TREE, pg_store, pg_url, reported, store

__all__ = ["pg_store", "pg_url", "store"]

BOSTON = AreaTree(
    [
        Area("BOS", "Boston", "city"),
        Area("BOS-W01", "Ward 1", "ward", "BOS"),
        Area("BOS-W01-P01", "Precinct 1", "precinct", "BOS-W01"),
    ],
    LevelSet.parse("city > ward > precinct"),
)


def test_another_hierarchy_is_refused_and_the_stored_one_kept(store: Store) -> None:
    with pytest.raises(HierarchyConflict) as caught:
        store.save_areas(BOSTON)
    message = str(caught.value)
    assert "holds another area hierarchy (district > community > grid > micro_grid" in message
    assert "unknown level 'district'" in message
    assert "--replace" in message
    loaded = store.load_area_tree()
    assert loaded is not None
    assert [a.code for a in loaded] == [a.code for a in TREE]
    assert loaded.levels == TREE.levels


def test_areas_of_the_same_hierarchy_are_merged(store: Store) -> None:
    more = AreaTree(
        [
            Area("YH", "余杭区", "district"),
            Area("XQ", "新桥社区", "community", "YH"),
            Area("XQ-01", "新桥第一网格", "grid", "XQ"),
        ]
    )
    assert store.save_areas(more) == 3
    loaded = store.load_area_tree()
    assert loaded is not None
    assert {a.code for a in loaded} == {a.code for a in TREE} | {"XQ", "XQ-01"}
    assert loaded.is_within("XQ-01", "YH")
    assert loaded.is_within("ZM-01-01", "YH")


def test_replace_swaps_the_hierarchy_when_no_ticket_needs_it(store: Store) -> None:
    store.save_units([Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")])
    units = [Unit("BOS-PW", "Public Works", UnitKind.DEPARTMENT, "BOS", "public_works")]
    assert store.save_directory(Directory(BOSTON, units), replace=True) == len(BOSTON)
    directory = store.load_directory()
    assert directory is not None
    assert [a.code for a in directory.tree] == [a.code for a in BOSTON]
    assert directory.tree.levels == BOSTON.levels
    assert [u.code for u in directory] == ["BOS-PW"]


def test_replace_is_refused_while_tickets_are_stored(store: Store) -> None:
    ticket = Ticket.from_events(reported("T1"))
    store.load_tickets([TicketLoad(ticket, reported("T1"))])
    with pytest.raises(HierarchyConflict, match=r"it holds tickets .* 'ZM-01'"):
        store.save_directory(Directory(BOSTON), replace=True)
    loaded = store.load_area_tree()
    assert loaded is not None
    assert loaded.levels == TREE.levels


def test_replace_is_refused_for_a_person_the_new_hierarchy_has_no_place_for(
    store: Store,
) -> None:
    store.save_people([Actor("r1", "resident", "ZM-01-01")])
    with pytest.raises(HierarchyConflict, match="person 'r1' is in area 'ZM-01-01'"):
        store.save_directory(Directory(BOSTON), replace=True)
    assert store.find_actor("r1") == Actor("r1", "resident", "ZM-01-01")
