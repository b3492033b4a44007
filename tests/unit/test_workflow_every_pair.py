"""Every (state, trigger) pair through the object API: each defined move works, every other
is refused with ``TransitionNotAllowed`` and leaves the ticket untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.unit._workflow_world import POLICE, RESIDENT, make_loop

from gridgov.errors import PermissionDenied, TransitionNotAllowed
from gridgov.workflow import (
    PART_TRIGGERS,
    TABLE,
    Actor,
    State,
    Ticket,
    TicketEvent,
    TicketLoop,
    Trigger,
)

BOSS = Actor("boss", "community_office", "D")

PATHS: dict[State, list[str]] = {
    State.REPORTED: [],
    State.ACCEPTED: ["accept"],
    State.DISPATCHED: ["accept", "dispatch"],
    State.IN_PROGRESS: ["accept", "dispatch", "sign_for"],
    State.SUSPENDED: ["accept", "dispatch", "sign_for", "suspend"],
    State.HANDLED: ["accept", "dispatch", "sign_for", "mark_handled"],
    State.REVIEWING: ["accept", "dispatch", "sign_for", "mark_handled", "request_review"],
    State.CLOSED: ["accept", "dispatch", "sign_for", "mark_handled", "close"],
    State.REJECTED: ["reject"],
    State.WITHDRAWN: ["withdraw"],
    State.MERGED: ["merge_into"],
}


def _action(loop: TicketLoop, ticket: Ticket, trigger: str) -> Callable[[], TicketEvent]:
    actions: dict[str, Callable[[], TicketEvent]] = {
        "accept": lambda: loop.accept(ticket, BOSS),
        "reject": lambda: loop.reject(ticket, BOSS, reason="invalid"),
        "dispatch": lambda: loop.dispatch(ticket, BOSS),
        "sign_for": lambda: loop.sign_for(ticket, BOSS),
        "return_to_dispatcher": lambda: loop.return_to_dispatcher(ticket, BOSS, reason="wrong"),
        "suspend": lambda: loop.suspend(ticket, BOSS, reason="wait"),
        "resume": lambda: loop.resume(ticket, BOSS),
        "mark_handled": lambda: loop.mark_handled(ticket, BOSS, result="done"),
        "request_review": lambda: loop.request_review(ticket, BOSS),
        "review": lambda: loop.review(ticket, RESIDENT, verdict="satisfied"),
        "reopen": lambda: loop.reopen(ticket, BOSS, reason="again"),
        "escalate": lambda: loop.escalate(ticket, BOSS, reason="too big"),
        "supervise": lambda: loop.supervise(ticket, BOSS, reason="slow"),
        "merge_into": lambda: loop.merge_into(ticket, BOSS, into="T0"),
        "withdraw": lambda: loop.withdraw(ticket, RESIDENT),
        "close": lambda: loop.close(ticket, BOSS),
        "sign_for_part": lambda: loop.sign_for_part(ticket, POLICE),
        "handle_part": lambda: loop.handle_part(ticket, POLICE, result="patrolled"),
    }
    return actions[trigger]


def _ticket_in(state: State) -> tuple[TicketLoop, Ticket]:
    loop = make_loop()
    ticket, _ = loop.report("T1", RESIDENT, category="noise", area_code="M1")
    for trigger in PATHS[state]:
        _action(loop, ticket, trigger)()
    assert ticket.state == state
    return loop, ticket


PAIRS = [
    (s, t) for s in State for t in Trigger if t is not Trigger.REPORT and t not in PART_TRIGGERS
]


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_object_api_follows_the_table(state: State, trigger: Trigger) -> None:
    loop, ticket = _ticket_in(state)
    before = (ticket.state, ticket.version, ticket.assigned_unit, ticket.escalation_count)
    if TABLE.is_defined(state, trigger):
        event = _action(loop, ticket, trigger)()
        assert event.to_state in TABLE.destinations(state, trigger)
        assert (event.from_state, ticket.state, ticket.version) == (
            state.value,
            event.to_state,
            before[1] + 1,
        )
    else:
        with pytest.raises(TransitionNotAllowed) as info:
            _action(loop, ticket, trigger)()
        assert (info.value.state, info.value.trigger) == (state.value, trigger.value)
        after = (ticket.state, ticket.version, ticket.assigned_unit, ticket.escalation_count)
        assert after == before


def _joint_ticket_in(state: State, trigger: str) -> tuple[TicketLoop, Ticket]:
    """A joint ticket (lead: the community office, co-unit: the police) in ``state``; the
    police part is signed for already when ``trigger`` is ``handle_part``, and handled
    before the lead's 办结 on the paths through it."""
    loop = make_loop()
    ticket, _ = loop.report("T1", RESIDENT, category="construction", area_code="M1")
    for step in PATHS[state]:
        if step == "dispatch":
            loop.dispatch(ticket, BOSS, co_units=["pol-D"])
            continue
        if step == "mark_handled":
            _action(loop, ticket, "sign_for_part")()
            _action(loop, ticket, "handle_part")()
        _action(loop, ticket, step)()
    if trigger == Trigger.HANDLE_PART and state in (State.DISPATCHED, State.IN_PROGRESS):
        _action(loop, ticket, "sign_for_part")()
    assert ticket.state == state
    return loop, ticket


PART_PAIRS = [(s, t) for s in State for t in Trigger if t in PART_TRIGGERS]


@pytest.mark.parametrize(("state", "trigger"), PART_PAIRS, ids=[f"{s}-{t}" for s, t in PART_PAIRS])
def test_a_co_unit_acts_on_its_part_where_the_table_says(state: State, trigger: Trigger) -> None:
    loop, ticket = _joint_ticket_in(state, trigger)
    before = (ticket.state, ticket.version, ticket.parts)
    if TABLE.is_defined(state, trigger):
        event = _action(loop, ticket, trigger)()
        assert (event.from_state, event.to_state, ticket.version) == (
            state.value,
            state.value,
            before[1] + 1,
        )
        assert ticket.parts != before[2]
    else:  # before the joint dispatch the police are no co-unit: refused before the table
        with pytest.raises((TransitionNotAllowed, PermissionDenied)):
            _action(loop, ticket, trigger)()
        assert (ticket.state, ticket.version, ticket.parts) == before
