"""Tickets and their event logs behave the same in every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridgov.errors import ConcurrentUpdate, UnknownArea, UnknownTicket
from gridgov.store import Store, TicketFilter
from gridgov.workflow import Ticket
from tests.integration._store_harness import (
    T0,
    add_ticket,
    dispatched,
    event,
    pg_store,
    pg_url,
    reported,
    store,
)

__all__ = ["pg_store", "pg_url", "store"]  # fixtures used by the tests below


def test_a_recorded_ticket_reads_back_as_the_fold_of_its_events(store: Store) -> None:
    add_ticket(store, dispatched("T1"), due=T0 + timedelta(hours=4))
    with store.unit_of_work() as uow:
        ticket = uow.tickets.get("T1")
        summary = uow.tickets.summary("T1")
        events = uow.tickets.events("T1")
    assert (ticket.state, ticket.version, ticket.assigned_unit) == ("dispatched", 3, "W1")
    assert [e.seq for e in events] == [1, 2, 3]
    assert events == dispatched("T1")
    assert summary.state == "dispatched"
    assert summary.version == 3
    assert summary.area_code == "ZM-01"
    assert summary.next_due_at == T0 + timedelta(hours=4)
    assert summary.created_at == T0


def test_appending_events_moves_the_version_on(store: Store) -> None:
    before = add_ticket(store, reported("T1"))
    accept = event("T1", 2, "accept", "reported", "accepted", 5)
    after = Ticket.from_events([*reported("T1"), accept])
    with store.unit_of_work() as uow:
        uow.tickets.record(after, [accept], expected_version=before.version)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.tickets.get("T1").state == "accepted"
        assert uow.tickets.summary("T1").version == 2


def test_a_stale_version_raises_concurrent_update_and_changes_nothing(store: Store) -> None:
    add_ticket(store, dispatched("T1"))
    sign = event("T1", 2, "accept", "reported", "accepted", 5)
    stale = Ticket.from_events([*reported("T1"), sign])
    with store.unit_of_work() as uow, pytest.raises(ConcurrentUpdate) as caught:
        uow.tickets.record(stale, [sign], expected_version=1)
    assert (caught.value.ticket_id, caught.value.expected_version) == ("T1", 1)
    assert caught.value.found_version == 3
    with store.unit_of_work() as uow:
        assert uow.tickets.summary("T1").version == 3
        assert len(uow.tickets.events("T1")) == 3


def test_two_units_of_work_racing_on_one_ticket_let_only_one_win(store: Store) -> None:
    add_ticket(store, reported("T1"))
    accept = event("T1", 2, "accept", "reported", "accepted", 1)
    reject = event("T1", 2, "reject", "reported", "rejected", 1, reason="dup")
    with store.unit_of_work() as first:
        first.tickets.record(
            Ticket.from_events([*reported("T1"), accept]), [accept], expected_version=1
        )
        first.commit()
    loser = Ticket.from_events([*reported("T1"), reject])
    with store.unit_of_work() as second, pytest.raises(ConcurrentUpdate):  # noqa: PT012
        # SQL stores refuse at the write; the in-memory store may refuse at commit.
        second.tickets.record(loser, [reject], expected_version=1)
        second.commit()
    with store.unit_of_work() as uow:
        assert uow.tickets.get("T1").state == "accepted"


def test_reporting_an_existing_ticket_id_again_is_a_concurrent_update(store: Store) -> None:
    add_ticket(store, reported("T1"))
    with pytest.raises(ConcurrentUpdate) as caught:
        add_ticket(store, reported("T1", area="LP"))
    assert caught.value.found_version == 1
    with store.unit_of_work() as uow:
        assert uow.tickets.summary("T1").area_code == "ZM-01"


def test_a_ticket_in_an_unknown_area_is_refused_and_not_stored(store: Store) -> None:
    with pytest.raises(UnknownArea, match="NOWHERE"):
        add_ticket(store, reported("T1", area="NOWHERE"))
    with store.unit_of_work() as uow, pytest.raises(UnknownTicket):
        uow.tickets.get("T1")


def test_an_unknown_ticket_id_raises_unknown_ticket(store: Store) -> None:
    with store.unit_of_work() as uow:
        with pytest.raises(UnknownTicket, match="nope"):
            uow.tickets.get("nope")
        with pytest.raises(UnknownTicket):
            uow.tickets.summary("nope")


def test_leaving_a_unit_of_work_without_commit_keeps_nothing(store: Store) -> None:
    events = reported("T1")
    with store.unit_of_work() as uow:
        uow.tickets.record(Ticket.from_events(events), events, expected_version=0)
    with store.unit_of_work() as uow, pytest.raises(UnknownTicket):
        uow.tickets.summary("T1")


def test_find_within_an_area_covers_its_whole_subtree_only(store: Store) -> None:
    add_ticket(store, reported("A", area="ZM-01-01"))
    add_ticket(store, reported("B", area="ZM-02"))
    add_ticket(store, reported("C", area="LP"))
    with store.unit_of_work() as uow:
        within = {
            code: sorted(t.id for t in uow.tickets.find(TicketFilter(within=code)))
            for code in ("ZM-01", "ZM", "YH", "LP")
        }
        with pytest.raises(UnknownArea):
            uow.tickets.find(TicketFilter(within="NOWHERE"))
    assert within == {"ZM-01": ["A"], "ZM": ["A", "B"], "YH": ["A", "B", "C"], "LP": ["C"]}


def test_find_lists_open_tickets_by_assignee_earliest_due_first(store: Store) -> None:
    add_ticket(store, dispatched("late", unit="W1"), due=T0 + timedelta(hours=9))
    add_ticket(store, dispatched("soon", unit="W1"), due=T0 + timedelta(hours=1))
    add_ticket(store, dispatched("other", unit="W2"), due=T0)
    add_ticket(store, dispatched("undated", unit="W1"))
    rejected = [*reported("gone"), event("gone", 2, "reject", "reported", "rejected", 1)]
    add_ticket(store, rejected)
    with store.unit_of_work() as uow:
        mine = [t.id for t in uow.tickets.find(TicketFilter(assigned_unit="W1"))]
        due = [t.id for t in uow.tickets.find(TicketFilter(due_by=T0 + timedelta(hours=2)))]
        everything = uow.tickets.find(TicketFilter(open_only=False))
        closed = [t.id for t in uow.tickets.find(TicketFilter(state="rejected", open_only=False))]
    assert mine == ["soon", "late", "undated"]
    assert due == ["other", "soon"]
    assert len(everything) == 5
    assert closed == ["gone"]
