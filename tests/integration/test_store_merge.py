"""合并 (issue 13, item 17): a ticket is merged only into another open ticket that
exists, never back along a chain, and the link shows from both tickets."""

from __future__ import annotations

import pytest

from gridgov import Engine
from gridgov.app._merge import hold_merge_target
from gridgov.clock import ManualClock
from gridgov.errors import ConcurrentUpdate, MergeRefused
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import Store
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor
from tests.integration._store_harness import T0, TREE, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]

WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")
UNITS = [Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01")]


@pytest.fixture
def engine(store: Store) -> Engine:
    return Engine(store=store, directory=Directory(TREE, UNITS), clock=ManualClock(T0))


def _reported(engine: Engine, ticket_id: str) -> str:
    engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01", ticket_id=ticket_id)
    return ticket_id


def test_merging_into_a_ticket_that_does_not_exist_is_refused(engine: Engine) -> None:
    a = _reported(engine, "A")
    with pytest.raises(MergeRefused, match="'A' cannot be merged into 'NOPE': there is no ticket"):
        engine.act(a, "merge_into", actor=WORKER, into="NOPE")
    assert engine.get(a).state == "reported"
    assert len(engine.history(a)) == 1


def test_merging_back_is_refused_and_the_issue_stays_open(engine: Engine) -> None:
    a, b = _reported(engine, "A"), _reported(engine, "B")
    engine.act(a, "merge_into", actor=WORKER, into=b)
    with pytest.raises(MergeRefused, match=r"'A' is already merged into 'B'.*cycle"):
        engine.act(b, "merge_into", actor=WORKER, into=a)
    assert engine.get(b).state == "reported"
    assert engine.get(a).state == "merged"


def test_a_longer_cycle_is_refused_too(engine: Engine) -> None:
    a, b, c = _reported(engine, "A"), _reported(engine, "B"), _reported(engine, "C")
    engine.act(a, "merge_into", actor=WORKER, into=b)
    engine.act(b, "merge_into", actor=WORKER, into=c)
    with pytest.raises(MergeRefused, match="'A' is already merged into 'B' → 'C': merging back"):
        engine.act(c, "merge_into", actor=WORKER, into=a)
    assert engine.get(c).state == "reported"


def test_merging_into_a_merged_ticket_names_the_open_one(engine: Engine) -> None:
    a, b, c = _reported(engine, "A"), _reported(engine, "B"), _reported(engine, "C")
    engine.act(a, "merge_into", actor=WORKER, into=b)
    with pytest.raises(MergeRefused, match="'A' is itself merged into 'B': merge into that"):
        engine.act(c, "merge_into", actor=WORKER, into=a)


def test_merging_into_a_closed_ticket_is_refused(engine: Engine) -> None:
    a, b = _reported(engine, "A"), _reported(engine, "B")
    engine.act(b, "reject", actor=WORKER, reason="无效")
    with pytest.raises(MergeRefused, match="'B' is rejected \\(closed\\)"):
        engine.act(a, "merge_into", actor=WORKER, into=b)


def test_both_tickets_show_the_link(engine: Engine) -> None:
    a, b, c = _reported(engine, "A"), _reported(engine, "B"), _reported(engine, "C")
    view = engine.act(a, "merge_into", actor=WORKER, into=b)
    engine.act(c, "merge_into", actor=WORKER, into=b)
    assert view.merged_into == "B"
    assert engine.get(a).merged_into == "B"
    assert engine.duplicates(b) == ["A", "C"]
    assert engine.duplicates(a) == []
    assert engine.get(b).merged_into is None


def test_two_merges_the_other_way_round_at_once_cannot_both_commit() -> None:
    """A → B and B → A in two units of work that both pass the check: the held
    target makes the second commit fail, so one ticket stays open."""
    store = InMemoryStore()
    engine = Engine(store=store, directory=Directory(TREE, UNITS), clock=ManualClock(T0))
    a, b = _reported(engine, "A"), _reported(engine, "B")
    first, second = store.unit_of_work(), store.unit_of_work()
    with first, second:
        for uow, source, target in ((first, a, b), (second, b, a)):
            ticket = uow.tickets.get(source)
            event = engine.loop.merge_into(ticket, WORKER, into=target)
            hold_merge_target(uow, source, target)
            uow.tickets.record(ticket, [event], expected_version=1)
        first.commit()
        with pytest.raises(ConcurrentUpdate):
            second.commit()
    assert sorted(engine.get(t).state for t in (a, b)) == ["merged", "reported"]
