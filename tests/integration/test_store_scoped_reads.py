"""Reads are scoped (issue 13, item 15): ``tickets(visible_to=actor)`` returns only what
the actor's role and area may see, on every store; a resident sees only their own reports."""

from __future__ import annotations

import pytest

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.errors import PermissionDenied
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import Store
from gridgov.workflow import Actor
from tests.integration._store_harness import T0, TREE, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]

UNITS = [
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("W2", "李网格员", UnitKind.GRID_WORKER, "ZM-02"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
    Unit("cg", "城管", UnitKind.DEPARTMENT, "YH", "chengguan"),
]
W1 = Actor("W1", "grid_worker", "ZM-01", "W1")
W2 = Actor("W2", "grid_worker", "ZM-02", "W2")
R1 = Actor("r1", "resident", "ZM-01-01")
R2 = Actor("r2", "resident", "ZM-01-01")


@pytest.fixture
def engine(store: Store) -> Engine:
    engine = Engine(store=store, directory=Directory(TREE, UNITS), clock=ManualClock(T0))
    mine = engine.report(actor=R1, category="noise", area_code="ZM-01-01", ticket_id="mine")
    engine.report(actor=R2, category="noise", area_code="ZM-01-01", ticket_id="theirs")
    engine.report(actor=W2, category="noise", area_code="ZM-02", ticket_id="next-grid")
    engine.report(actor=W1, category="noise", area_code="ZM-01", ticket_id="for-r1",
                  reporter_id="r1")  # fmt: skip  # reported on the resident's behalf
    engine.act(mine.id, "accept", actor=W1)
    engine.act(mine.id, "dispatch", actor=W1, department="chengguan")
    return engine


def _ids(engine: Engine, actor: Actor | str, **kwargs: object) -> set[str]:
    return {t.id for t in engine.tickets(visible_to=actor, **kwargs)}  # type: ignore[arg-type]


def test_a_resident_sees_only_their_own_reports(engine: Engine) -> None:
    assert _ids(engine, R1) == {"mine", "for-r1"}
    assert _ids(engine, R2) == {"theirs"}
    assert len(engine.tickets()) == 4  # unscoped: the app's own view


def test_an_area_role_sees_its_area_and_a_department_what_is_dispatched_to_it(
    engine: Engine,
) -> None:
    assert _ids(engine, "W1") == {"mine", "theirs", "for-r1"}
    assert _ids(engine, "W2") == {"next-grid"}
    assert _ids(engine, "ZM-office") == {"mine", "theirs", "next-grid", "for-r1"}
    assert _ids(engine, "cg") == {"mine"}


def test_a_scoped_query_narrows_never_widens(engine: Engine) -> None:
    assert _ids(engine, "W1", within="ZM") == {"mine", "theirs", "for-r1"}
    assert _ids(engine, "W1", within="ZM-02") == set()
    assert _ids(engine, "ZM-office", within="ZM-02") == {"next-grid"}
    assert _ids(engine, "cg", assigned_unit="W1") == set()


def test_one_ticket_is_shown_only_to_who_may_see_it(engine: Engine) -> None:
    assert engine.get("mine", visible_to=R1).id == "mine"
    assert len(engine.history("mine", visible_to="cg")) == 3
    with pytest.raises(PermissionDenied, match="may not 'see'"):
        engine.get("mine", visible_to=R2)
    with pytest.raises(PermissionDenied):
        engine.history("theirs", visible_to="W2")


def test_a_co_unit_lists_the_joint_tickets_it_has_a_part_in(engine: Engine) -> None:
    """Issue 13, item 15: a co-unit (协办) of a joint ticket finds it in its scoped list,
    as :meth:`Engine.get` already shows it; its own filters still narrow the list."""
    _joint(engine)
    assert engine.get("joint", visible_to="cg").id == "joint"
    assert _ids(engine, "cg") == {"mine", "joint"}
    assert _ids(engine, "cg", within="ZM-02") == {"joint"}
    assert _ids(engine, "cg", state="dispatched") == {"mine", "joint"}
    assert _ids(engine, "cg", within="ZM-01") == {"mine"}
    assert _ids(engine, "cg", assigned_unit="ZM-office") == {"joint"}
    assert _ids(engine, "W1") == {"mine", "theirs", "for-r1"}  # not a co-unit of it
    assert len(engine.tickets(visible_to="cg", limit=1)) == 1


def test_a_co_unit_no_longer_lists_a_ticket_whose_parts_were_dispatched_afresh(
    engine: Engine,
) -> None:
    _joint(engine)
    engine.act("joint", "return_to_dispatcher", actor="ZM-office", reason="wrong unit")
    assert "joint" not in _ids(engine, "cg")


def _joint(engine: Engine) -> None:
    """A complex ticket in grid 2, led by the community office with 城管 as co-unit."""
    engine.report(actor=W2, category="illegal_parking", area_code="ZM-02", ticket_id="joint")
    engine.act("joint", "accept", actor="ZM-office")
    engine.act("joint", "dispatch", actor="ZM-office", unit_code="ZM-office", co_units=["cg"])
