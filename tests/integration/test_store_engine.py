"""The Engine behaves the same on every store: the loop, timers, subscriptions, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from gridgov import Engine, SlaNotice, TicketView
from gridgov.clock import ManualClock
from gridgov.errors import (
    DatabaseNotMigrated,
    InvalidInput,
    InvalidTime,
    PermissionDenied,
    StoreError,
    TicketExists,
    TransitionNotAllowed,
    UnknownActor,
    UnknownArea,
    UnknownCategory,
    UnknownTicket,
)
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import Store
from gridgov.workflow import Actor, Ticket, TicketEvent
from tests.integration._store_harness import T0, TREE, pg_store, pg_url, store

__all__ = ["pg_store", "pg_url", "store"]

WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")
UNITS = [
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def engine(store: Store, clock: ManualClock) -> Engine:
    return Engine(store=store, directory=Directory(TREE, UNITS), clock=clock)


def _dispatched(engine: Engine) -> TicketView:
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
    engine.act(ticket.id, "accept", actor=WORKER)
    return engine.act(ticket.id, "dispatch", actor=WORKER)


def _snapshot(engine: Engine) -> list[tuple[str, str, int, int]]:
    return [
        (t.id, t.state, t.version, len(engine.history(t.id)))
        for t in engine.tickets(open_only=False)
    ]


def test_a_ticket_goes_round_the_whole_loop(engine: Engine, clock: ManualClock) -> None:
    heard: list[object] = []
    engine.subscribe(heard.append)
    ticket = _dispatched(engine)
    assert ticket.assigned_unit == "W1"
    for trigger, params in [
        ("sign_for", {}),
        ("mark_handled", {"result": "已劝导", "photos": ["after.jpg"]}),
        ("request_review", {}),
    ]:
        clock.advance(timedelta(minutes=1))
        engine.act(ticket.id, trigger, actor=WORKER, **params)
    closed = engine.act(ticket.id, "review", actor=RESIDENT, verdict="satisfied")
    assert (closed.state, closed.version, closed.photos) == ("closed", 7, ["after.jpg"])
    history = engine.history(ticket.id)
    assert Ticket.from_events(history).state == "closed"
    assert [e.seq for e in heard if isinstance(e, TicketEvent)] == [1, 2, 3, 4, 5, 6, 7]
    assert engine.store.verify() == []
    assert engine.get(ticket.id) == closed


def test_a_handling_breach_fires_once_and_escalates(engine: Engine, clock: ManualClock) -> None:
    ticket = _dispatched(engine)
    engine.act(ticket.id, "sign_for", actor=WORKER)
    clock.advance(timedelta(hours=25))
    fired = engine.advance_to()
    breaches = [n for n in fired if n.kind == "breach" and n.clock == "handling"]
    assert len(breaches) == 1
    assert breaches[0].done == ["supervise", "escalate"]
    assert [n.at for n in fired] == sorted(n.at for n in fired)
    after = engine.get(ticket.id)
    assert (after.assigned_unit, after.supervised, after.escalation_count) == ("ZM-office", True, 1)
    assert engine.advance_to() == []
    assert engine.history(ticket.id)[-1].actor_role == "system"


def test_nothing_fires_before_it_is_due(engine: Engine, clock: ManualClock) -> None:
    ticket = _dispatched(engine)
    engine.act(ticket.id, "sign_for", actor=WORKER)
    assert engine.advance_to(T0 + timedelta(hours=1)) == []
    assert engine.get(ticket.id).next_due_at == T0 + timedelta(hours=12)


def test_tickets_are_listed_by_area_subtree_and_assignee(engine: Engine) -> None:
    mine = _dispatched(engine)
    other = engine.report(actor=WORKER, category="noise", area_code="ZM-01")
    assert {t.id for t in engine.tickets(within="ZM-01-01")} == {mine.id}
    assert {t.id for t in engine.tickets(within="YH")} == {mine.id, other.id}
    assert [t.id for t in engine.tickets(assigned_unit="W1")] == [mine.id]


def test_views_are_json_serialisable_with_a_schema(engine: Engine) -> None:
    ticket = _dispatched(engine)
    assert TicketView.model_validate_json(ticket.model_dump_json()) == ticket
    assert "next_due_at" in TicketView.model_json_schema()["properties"]
    assert "done" in SlaNotice.model_json_schema()["properties"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda e, t: e.act("nope", "accept", actor=WORKER), UnknownTicket),
        (lambda e, t: e.get("nope"), UnknownTicket),
        (lambda e, t: e.report(actor=WORKER, category="noise", area_code="X"), UnknownArea),
        (lambda e, t: e.report(actor=WORKER, category="zzz", area_code="ZM-01"), UnknownCategory),
        (
            lambda e, t: e.act(t, "review", actor=RESIDENT, verdict="satisfied"),
            TransitionNotAllowed,
        ),
        (lambda e, t: e.act(t, "sign_for", actor=RESIDENT), PermissionDenied),
        (lambda e, t: e.act(t, "fly", actor=WORKER), InvalidInput),
        (lambda e, t: e.act(t, "sign_for", actor=WORKER, colour="red"), InvalidInput),
        (lambda e, t: e.act(t, "mark_handled", actor=WORKER, result=""), InvalidInput),
        (lambda e, t: e.advance_to(datetime(2025, 3, 4)), InvalidTime),
        (lambda e, t: e.tickets(within="X"), UnknownArea),
        (lambda e, t: e.actor("nobody"), PermissionDenied),
    ],
)
def test_bad_input_gets_a_specific_error_and_changes_nothing(
    engine: Engine, call: object, error: type[Exception]
) -> None:
    ticket = _dispatched(engine)
    before = _snapshot(engine)
    with pytest.raises(error):
        call(engine, ticket.id)  # type: ignore[operator]
    assert _snapshot(engine) == before


def test_an_unknown_trigger_is_named_with_the_ones_expected(engine: Engine) -> None:
    ticket = _dispatched(engine)
    with pytest.raises(InvalidInput) as caught:
        engine.act(ticket.id, "fly", actor=WORKER)
    problem = caught.value.problems[0]
    assert problem.field == "trigger"
    assert problem.reason.startswith("unknown trigger 'fly': expected one of ")
    expected = problem.reason.removeprefix("unknown trigger 'fly': expected one of ").split(", ")
    assert "sign_for" in expected
    assert "report" not in expected
    assert "Trigger." not in problem.reason  # plain names, not enum reprs


# issue 13, item 20: error messages a person can act on
def test_a_mistyped_trigger_gets_the_closest_one_suggested(engine: Engine) -> None:
    ticket = _dispatched(engine)
    with pytest.raises(
        InvalidInput, match=r"unknown trigger 'sign_fro' \(did you mean 'sign_for'\?\)"
    ):
        engine.act(ticket.id, "sign_fro", actor=WORKER)


def test_a_mistyped_category_lists_the_known_ones_and_suggests_one(engine: Engine) -> None:
    with pytest.raises(UnknownCategory) as caught:
        engine.report(actor=RESIDENT, category="nosie", area_code="ZM-01-01")
    message = str(caught.value)
    assert message.startswith(
        "unknown category 'nosie' (did you mean 'noise'?); known categories: "
    )
    assert "noise" in caught.value.known


def test_an_unknown_actor_is_named_as_unknown(engine: Engine) -> None:
    with pytest.raises(UnknownActor) as caught:
        engine.actor("nobody")
    assert str(caught.value).startswith("unknown actor 'nobody': no stored person or unit")
    assert isinstance(caught.value, PermissionDenied)


def test_reporting_an_existing_id_says_it_exists_and_changes_nothing(engine: Engine) -> None:
    ticket = _dispatched(engine)
    before = _snapshot(engine)
    with pytest.raises(TicketExists, match=f"ticket '{ticket.id}' already exists"):
        engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01", ticket_id=ticket.id)
    assert _snapshot(engine) == before


def test_an_engine_on_a_wrong_url_fails_with_a_store_error() -> None:
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        Engine(url="mysql://u@h/db")


def test_an_engine_connects_on_first_use_and_refuses_an_unmigrated_database(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.db"
    engine = Engine(url=f"sqlite:///{path}", directory=Directory(TREE, UNITS))
    assert not path.exists()  # nothing connected yet
    path.touch()
    with pytest.raises(DatabaseNotMigrated):
        engine.report(actor=WORKER, category="noise", area_code="ZM-01")
    assert inspect(create_engine(f"sqlite:///{path}")).get_table_names() == []


def test_an_engine_can_take_just_an_area_tree(store: Store, clock: ManualClock) -> None:
    engine = Engine(store=store, areas=TREE, clock=clock)
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01-01")
    assert engine.get(ticket.id).area_code == "ZM-01-01"
    with pytest.raises(ValueError, match="not both"):
        Engine(store=store, areas=TREE, directory=Directory(TREE))
