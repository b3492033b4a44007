"""SLA clock cycles: stored, replaced, and claimed when due, in every store."""

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
    store,
)

__all__ = ["concurrent_store", "pg_store", "pg_url", "store"]


def _clock(ticket_id: str, fire_in_minutes: int | None, cycle: int = 1) -> ClockRecord:
    fire = None if fire_in_minutes is None else T0 + timedelta(minutes=fire_in_minutes)
    return ClockRecord(
        ticket_id=ticket_id,
        clock="resolution",
        cycle=cycle,
        status="running",
        started_at=T0,
        fingerprint="f" * 64,
        due_at=fire,
        next_fire_at=fire,
        data={"target": "24h"},
    )


def _put(store: Store, *clocks: ClockRecord) -> None:
    with store.unit_of_work() as uow:
        for clock in clocks:
            uow.clocks.put(clock)
        uow.commit()


def test_a_clock_reads_back_as_it_was_put_and_put_replaces_it(store: Store) -> None:
    add_ticket(store, dispatched("T1"))
    first = _clock("T1", 60)
    _put(store, first)
    with store.unit_of_work() as uow:
        assert uow.clocks.for_ticket("T1") == [first]
    stopped = replace(first, status="stopped", next_fire_at=None, stopped_at=T0)
    _put(store, stopped, _clock("T1", 90, cycle=2))
    with store.unit_of_work() as uow:
        stored = uow.clocks.for_ticket("T1")
    assert [(c.cycle, c.status) for c in stored] == [(1, "stopped"), (2, "running")]


def test_claim_due_returns_due_clocks_earliest_first(store: Store) -> None:
    for tid in ("A", "B", "C", "D"):
        add_ticket(store, dispatched(tid))
    _put(store, _clock("A", 30), _clock("B", 10), _clock("C", 500), _clock("D", None))
    with store.unit_of_work() as uow:
        due = uow.clocks.claim_due(T0 + timedelta(minutes=60), limit=10)
        first = uow.clocks.claim_due(T0 + timedelta(minutes=60), limit=1)
    assert [c.ticket_id for c in due] == ["B", "A"]
    assert [c.ticket_id for c in first] == ["B"]


def test_a_claimed_clock_is_skipped_by_a_second_worker(concurrent_store: Store) -> None:
    store = concurrent_store
    for tid in ("A", "B"):
        add_ticket(store, dispatched(tid))
    _put(store, _clock("A", 10), _clock("B", 20))
    moment = T0 + timedelta(hours=1)
    with store.unit_of_work() as one, store.unit_of_work() as two:
        mine = one.clocks.claim_due(moment, limit=1)
        theirs = two.clocks.claim_due(moment, limit=5)
    assert [c.ticket_id for c in mine] == ["A"]
    assert [c.ticket_id for c in theirs] == ["B"]
    with store.unit_of_work() as again:
        assert [c.ticket_id for c in again.clocks.claim_due(moment, limit=5)] == ["A", "B"]
