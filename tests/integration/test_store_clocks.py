"""SLA clock cycles are stored and replaced; due tickets are claimed once, in every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from gridgov.store import ClockRecord, Store
from tests.integration._store_harness import (
    T0,
    add_ticket,
    concurrent_store,
    dispatched,
    pg_store,
    pg_url,
    running_clock,
    store,
)

__all__ = ["concurrent_store", "pg_store", "pg_url", "store"]


def _put(store: Store, *clocks: ClockRecord) -> None:
    with store.unit_of_work() as uow:
        for clock in clocks:
            uow.clocks.put(clock)
        uow.commit()


def test_a_clock_reads_back_as_it_was_put_and_put_replaces_it(store: Store) -> None:
    add_ticket(store, dispatched("T1"))
    first = running_clock("T1")
    _put(store, first)
    with store.unit_of_work() as uow:
        assert uow.clocks.for_ticket("T1") == [first]
    data = {**first.data, "x": 1}
    stopped = replace(first, status="breached", breached=True, stopped_at=T0, data=data)
    _put(store, stopped, running_clock("T1", cycle=2))
    with store.unit_of_work() as uow:
        stored = uow.clocks.for_ticket("T1")
    assert [(c.cycle, c.status, c.breached) for c in stored] == [
        (1, "breached", True),
        (2, "running", False),
    ]
    assert stored[0].data == data


def test_claim_due_returns_due_tickets_earliest_first(store: Store) -> None:
    add_ticket(store, dispatched("A"), due=T0 + timedelta(minutes=30))
    add_ticket(store, dispatched("B"), due=T0 + timedelta(minutes=10))
    add_ticket(store, dispatched("C"), due=T0 + timedelta(minutes=500))
    add_ticket(store, dispatched("D"))
    moment = T0 + timedelta(minutes=60)
    with store.unit_of_work() as uow:
        due = uow.tickets.claim_due(moment, limit=10)
        first = uow.tickets.claim_due(moment, limit=1)
    assert [t.id for t in due] == ["B", "A"]
    assert [t.id for t in first] == ["B"]


def test_a_claimed_ticket_is_skipped_by_a_second_worker(concurrent_store: Store) -> None:
    store = concurrent_store
    add_ticket(store, dispatched("A"), due=T0 + timedelta(minutes=10))
    add_ticket(store, dispatched("B"), due=T0 + timedelta(minutes=20))
    moment = T0 + timedelta(hours=1)
    with store.unit_of_work() as one, store.unit_of_work() as two:
        mine = one.tickets.claim_due(moment, limit=1)
        theirs = two.tickets.claim_due(moment, limit=5)
    assert [t.id for t in mine] == ["A"]
    assert [t.id for t in theirs] == ["B"]
    with store.unit_of_work() as again:
        assert [t.id for t in again.tickets.claim_due(moment, limit=5)] == ["A", "B"]
