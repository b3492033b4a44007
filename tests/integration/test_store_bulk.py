"""Bulk loads (``load_tickets``) store what ``record`` would, once, in every store."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert, select, text

from gridgov.errors import StoreError, UnknownArea, UnknownTicket
from gridgov.store import SqlStore, Store, TicketLoad
from gridgov.store._mapping import ticket_to_row
from gridgov.store._schema import sla_clocks, ticket_events, tickets
from gridgov.workflow import Ticket, TicketEvent
from tests.integration._store_harness import (
    T0,
    TREE,
    _empty,
    add_ticket,
    append_only_off,
    dispatched,
    event,
    pg_store,
    pg_url,
    reported,
    running_clock,
    store,
)

__all__ = ["pg_store", "pg_url", "store"]  # fixtures used by the tests below


def _load(events: list[TicketEvent], **kwargs: object) -> TicketLoad:
    return TicketLoad(Ticket.from_events(events), events, **kwargs)  # type: ignore[arg-type]


def test_a_loaded_ticket_reads_back_like_a_recorded_one(store: Store) -> None:
    due = T0 + timedelta(hours=4)
    result = store.load_tickets([_load(dispatched("T1"), next_due_at=due)])
    assert result.written == ("T1",)
    assert result.already_there == ()
    with store.unit_of_work() as uow:
        ticket = uow.tickets.get("T1")
        summary = uow.tickets.summary("T1")
        events = uow.tickets.events("T1")
    assert (ticket.state, ticket.version, ticket.assigned_unit) == ("dispatched", 3, "W1")
    assert events == dispatched("T1")
    assert (summary.version, summary.area_code, summary.next_due_at) == (3, "ZM-01", due)
    assert summary.created_at == T0


def test_loaded_and_recorded_logs_carry_the_same_hashes() -> None:
    from gridgov.testing import InMemoryStore
    from tests.integration._store_harness import TREE

    loaded, recorded = InMemoryStore(), InMemoryStore()
    loaded.save_areas(TREE)
    recorded.save_areas(TREE)
    loaded.load_tickets([_load(dispatched("T1"))])
    add_ticket(recorded, dispatched("T1"))
    assert loaded._data.events["T1"] == recorded._data.events["T1"]
    assert loaded._data.tickets["T1"] == recorded._data.tickets["T1"]


def test_loading_again_adds_nothing_and_keeps_what_was_stored(store: Store) -> None:
    add_ticket(store, reported("OLD"))
    first = store.load_tickets([_load(dispatched("A")), _load(reported("B"))])
    again = store.load_tickets(
        [_load(reported("A")), _load(dispatched("OLD")), _load(reported("C"))]
    )
    assert first.written == ("A", "B")
    assert again.written == ("C",)
    assert sorted(again.already_there) == ["A", "OLD"]
    with store.unit_of_work() as uow:
        assert uow.tickets.summary("A").version == 3  # the first load's, not the second's
        assert uow.tickets.summary("OLD").version == 1
        assert len(uow.tickets.events("OLD")) == 1
    assert store.verify() == []


def test_a_ticket_repeated_in_one_batch_is_stored_once_the_first_way(store: Store) -> None:
    result = store.load_tickets([_load(dispatched("T1")), _load(reported("T1", area="LP"))])
    assert (result.written, result.already_there) == (("T1",), ("T1",))
    with store.unit_of_work() as uow:
        assert uow.tickets.summary("T1").area_code == "ZM-01"
        assert len(uow.tickets.events("T1")) == 3


def test_clock_cycles_are_loaded_with_their_ticket(store: Store) -> None:
    clocks = [running_clock("T1", fired=("warn",)), running_clock("T1", cycle=2, fired=("warn",))]
    store.load_tickets([_load(dispatched("T1"), clocks=clocks), _load(reported("T2"))])
    with store.unit_of_work() as uow:
        assert uow.clocks.for_ticket("T1") == clocks
        assert uow.clocks.for_ticket("T2") == []


def test_an_unknown_area_refuses_the_whole_batch(store: Store) -> None:
    with pytest.raises(UnknownArea, match="NOWHERE"):
        store.load_tickets([_load(reported("A")), _load(reported("B", area="NOWHERE"))])
    with store.unit_of_work() as uow, pytest.raises(UnknownTicket):
        uow.tickets.get("A")


def test_a_log_that_does_not_start_at_seq_1_is_refused(store: Store) -> None:
    log = dispatched("T1")
    with pytest.raises(ValueError, match="do not continue version 0"):
        store.load_tickets([TicketLoad(Ticket.from_events(log), log[1:])])
    with store.unit_of_work() as uow, pytest.raises(UnknownTicket):
        uow.tickets.get("T1")


def test_a_clock_of_another_ticket_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="belongs to 'T2'"):
        store.load_tickets([_load(reported("T1"), clocks=[running_clock("T2", fired=("warn",))])])


def test_an_empty_batch_stores_nothing(store: Store) -> None:
    result = store.load_tickets([])
    assert (result.written, result.already_there) == ((), ())


def test_a_loaded_ticket_moves_on_through_record(store: Store) -> None:
    store.load_tickets([_load(reported("T1"))])
    accept = event("T1", 2, "accept", "reported", "accepted", 5)
    with store.unit_of_work() as uow:
        uow.tickets.record(
            Ticket.from_events([*reported("T1"), accept]), [accept], expected_version=1
        )
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.tickets.summary("T1").state == "accepted"
    assert store.verify() == []


def test_an_edited_loaded_event_fails_verify(store: Store) -> None:
    from gridgov.store import SqlStore
    from gridgov.testing import InMemoryStore

    store.load_tickets([_load(dispatched("T1")), _load(reported("T2"))])
    if isinstance(store, SqlStore):
        with append_only_off(store) as conn:
            conn.execute(
                ticket_events.update()
                .where(ticket_events.c.ticket_id == "T1", ticket_events.c.seq == 2)
                .values(actor_id="someone else")
            )
    else:
        assert isinstance(store, InMemoryStore)
        store._data.events["T1"][1]["actor_id"] = "someone else"
    assert [(b.ticket_id, b.seq) for b in store.verify()] == [("T1", 2)]


@pytest.mark.postgres
def test_a_load_racing_another_writer_on_postgres_keeps_nothing(pg_store: SqlStore) -> None:
    """The other writer inserts T2 after this load looked for it: the batch fails whole."""
    _empty(pg_store)
    pg_store.save_areas(TREE)
    row = ticket_to_row(
        Ticket.from_events(reported("T2")), path="/YH/ZM/ZM-01/", next_due_at=None, created_at=T0
    )
    failure: list[BaseException] = []

    def load() -> None:
        try:
            pg_store.load_tickets([_load(reported("T1")), _load(reported("T2"))])
        except BaseException as exc:  # handed to the test thread
            failure.append(exc)

    with pg_store.engine.connect() as other:
        other.begin()
        other.execute(insert(tickets), row)  # not committed: invisible to the load's check
        loader = threading.Thread(target=load)
        loader.start()
        _wait_until_blocked(pg_store, failure)
        other.commit()
    loader.join(timeout=30)
    assert len(failure) == 1
    assert isinstance(failure[0], StoreError)
    assert "another writer" in str(failure[0])
    with pg_store.unit_of_work() as uow, pytest.raises(UnknownTicket):
        uow.tickets.get("T1")  # nothing of the batch was kept
    _empty(pg_store)


def _wait_until_blocked(store: SqlStore, failure: list[BaseException]) -> None:
    """Until a session waits on a lock in its ``COPY "tickets"`` (the load's bulk insert;
    an ``INSERT INTO tickets`` on a driver without COPY)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND (query LIKE 'COPY \"tickets\" %' OR query LIKE 'INSERT INTO tickets %')"
    )
    deadline = time.monotonic() + 20
    with store.engine.connect() as conn:
        # pg_stat_activity is a snapshot per transaction: a new one for every look.
        while conn.execute(query).scalar_one() == 0:
            conn.rollback()
            assert not failure, failure
            assert time.monotonic() < deadline, "the load never reached its insert"
            time.sleep(0.02)


def test_a_stored_ticket_in_the_batch_is_not_checked_again(store: Store) -> None:
    """Already there is already there, even if its area is unknown in this batch's copy."""
    add_ticket(store, reported("T1"))
    result = store.load_tickets([_load(reported("T1", area="NOWHERE")), _load(reported("T2"))])
    assert (result.written, result.already_there) == (("T2",), ("T1",))


@pytest.mark.postgres
def test_copy_on_postgres_stores_what_an_insert_stores(pg_store: SqlStore) -> None:
    """``load_tickets`` bulk-loads by COPY on PostgreSQL (issue 14): every row, its text
    with tabs, backslashes, newlines, quotes and Chinese, its JSON payload and its times,
    reads back exactly as the executemany INSERT of the same rows stores them."""
    odd = "tab\there \\ back\\slash\nnew line 'single' \"double\" 中文 \r end"
    events = [
        *dispatched("T1"),
        event("T1", 4, "sign_for", "dispatched", "in_progress", 30),
        event("T1", 5, "mark_handled", "in_progress", "handled", 90, result=odd, photos=["a"]),
    ]
    clocks = [running_clock("T1", fired=("warn",)), running_clock("T1", cycle=2)]
    loads = [_load(events, clocks=clocks), _load(reported("T2"))]
    tables = (tickets, ticket_events, sla_clocks)

    def stored() -> list[list[dict[str, Any]]]:
        with pg_store.engine.connect() as conn:
            return [
                [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key)).mappings()]
                for t in tables
            ]

    _empty(pg_store)
    pg_store.save_areas(TREE)
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    sqlalchemy_event.listen(pg_store.engine, "before_cursor_execute", record)
    try:
        pg_store.load_tickets(loads)
    finally:
        sqlalchemy_event.remove(pg_store.engine, "before_cursor_execute", record)
    assert not any(s.startswith("INSERT INTO ticket") for s in statements)  # COPY, not INSERT
    copied = stored()
    handled = [r for r in copied[1] if r["ticket_id"] == "T1" and r["seq"] == 5]
    assert handled[0]["payload"]["result"] == odd
    with append_only_off(pg_store) as conn:
        for t in reversed(tables):
            conn.execute(t.delete())
        for t, rows in zip(tables, copied, strict=True):
            conn.execute(insert(t), rows)
    assert stored() == copied
    assert pg_store.verify() == []
    _empty(pg_store)
