"""16 threads fire conflicting triggers at the same tickets on PostgreSQL.

Proves: no lost update (every accepted action is in the log), no duplicate
sequence number, and every ticket's stored state is the fold of its events.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.errors import ConcurrentUpdate, GridGovError
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import SqlStore
from gridgov.store._schema import ticket_events
from gridgov.workflow import Actor, Ticket
from tests.integration._store_harness import T0, TREE, pg_url

__all__ = ["pg_url"]

THREADS = 16
TICKETS = 6
ROUNDS = 12
HEAD = Actor("H1", "grid_head", "ZM", "H1")
WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
UNITS = [
    Unit("H1", "李网格长", UnitKind.GRID_HEAD, "ZM"),
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]
# Every one of these is legal from some state the tickets pass through; many collide.
MOVES: list[tuple[str, dict[str, object]]] = [
    ("sign_for", {}),
    ("suspend", {"reason": "等待业主"}),
    ("resume", {}),
    ("supervise", {"reason": "督办"}),
    ("return_to_dispatcher", {"reason": "不属本网格"}),
    ("dispatch", {}),
    ("escalate", {"reason": "难事"}),
]


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    store = SqlStore(pg_url)
    store.upgrade()
    clock = ManualClock(T0 + timedelta(minutes=1))
    yield Engine(store=store, directory=Directory(TREE, UNITS), clock=clock)
    store.close()


@pytest.mark.postgres
def test_sixteen_threads_lose_no_update_and_keep_the_log_whole(pg_engine: Engine) -> None:
    engine = pg_engine
    ids = []
    for _ in range(TICKETS):
        ticket = engine.report(actor=HEAD, category="noise", area_code="ZM-01")
        engine.act(ticket.id, "accept", actor=HEAD)
        ids.append(engine.act(ticket.id, "dispatch", actor=HEAD).id)
    accepted: Counter[str] = Counter()
    conflicts: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        for _ in range(ROUNDS):
            ticket_id = rng.choice(ids)
            trigger, params = rng.choice(MOVES)
            try:
                engine.act(ticket_id, trigger, actor=HEAD, **params)
            except ConcurrentUpdate:
                with lock:
                    conflicts[ticket_id] += 1
            except GridGovError:
                continue  # illegal in the state the ticket happened to be in
            else:
                with lock:
                    accepted[ticket_id] += 1

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(conflicts.values()) > 0, "the test must actually make threads collide"
    store = engine.store
    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        duplicates = conn.execute(
            select(ticket_events.c.ticket_id, ticket_events.c.seq)
            .group_by(ticket_events.c.ticket_id, ticket_events.c.seq)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []
    for ticket_id in ids:
        events = engine.history(ticket_id)
        summary = engine.tickets(open_only=False, limit=1000)
        row = next(t for t in summary if t.id == ticket_id)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert len(events) == 3 + accepted[ticket_id]  # report, accept, dispatch + winners
        folded = Ticket.from_events(events)
        assert (row.state, row.version) == (folded.state, folded.version)
    assert store.verify() == []


@pytest.mark.postgres
def test_two_timer_workers_never_fire_the_same_thing_twice(pg_url: str) -> None:
    clock = ManualClock(T0)
    directory = Directory(TREE, UNITS)
    first = Engine(store=SqlStore(pg_url), directory=directory, clock=clock)
    ids = []
    for _ in range(20):
        ticket = first.report(actor=HEAD, category="noise", area_code="ZM-01")
        first.act(ticket.id, "accept", actor=HEAD)
        first.act(ticket.id, "dispatch", actor=HEAD)
        ids.append(first.act(ticket.id, "sign_for", actor=WORKER).id)
    second = Engine(store=SqlStore(pg_url), directory=directory, clock=clock)
    moment = T0 + timedelta(hours=25)
    results: dict[int, list[tuple[str, str, int, float]]] = {}
    start = threading.Barrier(2)

    def tick(n: int, engine: Engine) -> None:
        start.wait()
        fired = engine.advance_to(moment)
        results[n] = [(f.ticket_id, f.clock, f.cycle, f.fraction) for f in fired]

    threads = [threading.Thread(target=tick, args=(n, e)) for n, e in enumerate([first, second])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = results[0] + results[1]
    assert len(everything) == len(set(everything))
    # each new ticket: handling warnings at 50% and 80%, then the breach
    assert Counter(f[0] for f in everything if f[0] in ids) == dict.fromkeys(ids, 3)
    for ticket_id in ids:
        escalations = [e for e in first.history(ticket_id) if e.trigger == "escalate"]
        assert len(escalations) == 1
    for engine in (first, second):
        engine.store.close()
