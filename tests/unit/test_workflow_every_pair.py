"""Every (state, trigger) pair through the object API: each defined move works, every other
is refused with ``TransitionNotAllowed`` and leaves the ticket untouched."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.unit._workflow_world import RESIDENT, make_loop

from gridgov.errors import TransitionNotAllowed
from gridgov.workflow import TABLE, Actor, State, Ticket, TicketEvent, TicketLoop, Trigger

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
    }
    return actions[trigger]


def _ticket_in(state: State) -> tuple[TicketLoop, Ticket]:
    loop = make_loop()
    ticket, _ = loop.report("T1", RESIDENT, category="noise", area_code="M1")
    for trigger in PATHS[state]:
        _action(loop, ticket, trigger)()
    assert ticket.state == state
    return loop, ticket


PAIRS = [(s, t) for s in State for t in Trigger if t is not Trigger.REPORT]


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
