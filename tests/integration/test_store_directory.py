"""Areas, units, people and categories round-trip through every store."""

from __future__ import annotations

from gridgov.grid import Area, AreaTree, Unit, UnitKind
from gridgov.store import PeopleImport, Store, import_people
from gridgov.workflow import Actor, load_routing_policy
from tests.integration._store_harness import TREE, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]


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


def test_categories_are_stored_with_their_tiers_parents_first(store: Store) -> None:
    routing = load_routing_policy()
    assert store.save_categories(routing) == len(routing.categories)
    stored = store.load_categories()
    assert {c.code for c, _ in stored} == set(routing.categories)
    tiers = {c.code: tier for c, tier in stored}
    assert tiers == {code: routing.tier_of(code).name for code in routing.categories}
    position = {c.code: i for i, (c, _) in enumerate(stored)}
    assert all(position[c.parent] < position[c.code] for c, _ in stored if c.parent)


def test_saving_again_updates_changed_areas_and_keeps_the_rest(store: Store) -> None:
    renamed = AreaTree(
        [a if a.code != "LP" else Area("LP", "罗婆路社区(新)", "community", "YH") for a in TREE]
    )
    assert store.save_areas(renamed) == len(TREE)
    loaded = store.load_area_tree()
    assert loaded is not None
    assert loaded.get("LP").name == "罗婆路社区(新)"
    assert loaded.get("ZM").name == "朱庙社区"
    assert len(loaded) == len(TREE)


def test_people_are_listed_by_id_with_their_names(store: Store) -> None:
    store.save_units([Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")])
    store.save_people(
        [Actor("w-li", "grid_worker", "ZM-01", "W1", name="李娜"), Actor("r1", "resident")]
    )
    people = store.load_people()
    assert people == [Actor("r1", "resident"), Actor("w-li", "grid_worker", "ZM-01", "W1")]
    assert [p.name for p in people] == [None, "李娜"]
    found = store.find_actor("w-li")
    assert found is not None
    assert found.name == "李娜"


def test_importing_people_again_counts_what_changed(store: Store) -> None:
    store.save_units([Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")])
    first = [Actor("li", "grid_worker", "ZM-01", "W1"), Actor("r1", "resident")]
    assert import_people(store, first) == PeopleImport(inserted=2, updated=0, unchanged=0)
    assert import_people(store, first) == PeopleImport(inserted=0, updated=0, unchanged=2)
    again = [
        Actor("li", "grid_head", "ZM", None, name="李娜"),
        Actor("r1", "resident"),
        Actor("r2", "resident"),
    ]
    assert import_people(store, again) == PeopleImport(inserted=1, updated=1, unchanged=1)
    stored = {p.id: p for p in store.load_people()}
    assert stored["li"] == Actor("li", "grid_head", "ZM", None)
    assert stored["li"].name == "李娜"
    assert len(stored) == 3


def test_the_latest_policy_recorded_of_a_kind_is_read_back(store: Store) -> None:
    assert store.recorded_policy("defaults") is None
    store.record_policy("defaults", "first", "f1", '{"sla": null}')
    store.record_policy("defaults", "second", "f2", '{"routing": null}')
    store.record_policy("defaults", "first", "f1", '{"sla": null}')
    assert store.recorded_policy("defaults") == ("first", '{"sla": null}')
