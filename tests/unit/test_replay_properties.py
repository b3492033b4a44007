"""Replay invariants on random histories (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.replay import ReplayEngine, RoutingRules, SourceEvent, SourceTicket
from gridgov.replay._db import ticket_events
from gridgov.workflow import TERMINAL_STATES, Ticket, Trigger

T0 = datetime(2024, 5, 6, 9, tzinfo=UTC)
PAYLOADS = st.sampled_from(
    [{}, {"result": "done"}, {"verdict": "satisfied"}, {"verdict": "not_satisfied"}, {"into": "X"}]
)
EVENTS = st.lists(
    st.tuples(st.sampled_from([t.value for t in Trigger]), st.integers(0, 600), PAYLOADS),
    max_size=25,
)


def _ticket(raw: list[tuple[str, int, dict[str, str]]]) -> SourceTicket:
    at = T0
    events = [SourceEvent("report", at, 2)]
    for i, (trigger, minutes, payload) in enumerate(raw, start=3):
        at += timedelta(minutes=minutes)
        events.append(SourceEvent(trigger, at, i, payload=payload))
    return SourceTicket("T", 2, area="A", category="noise", events=events)


@settings(max_examples=300)
@given(EVENTS)
def test_every_event_is_either_accepted_or_flagged(
    raw: list[tuple[str, int, dict[str, str]]],
) -> None:
    outcome = ReplayEngine(RoutingRules().compile(), due_from_source=True, keep_events=True).replay(
        _ticket(raw)
    )
    assert len(outcome.accepted) + len(outcome.conformance) == len(raw) + 1
    assert outcome.final_state == (outcome.accepted[-1].to_state if outcome.accepted else "new")


@settings(max_examples=300)
@given(EVENTS)
def test_accepted_events_fold_into_the_same_ticket(
    raw: list[tuple[str, int, dict[str, str]]],
) -> None:
    outcome = ReplayEngine(RoutingRules().compile(), due_from_source=True, keep_events=True).replay(
        _ticket(raw)
    )
    ticket = Ticket.from_events(ticket_events(outcome))  # the loop's own fold accepts them all
    assert ticket.state == outcome.final_state
    assert ticket.reopen_count == outcome.reopened
    assert ticket.escalation_count == outcome.escalations


@settings(max_examples=300)
@given(EVENTS)
def test_closed_at_is_set_exactly_when_the_ticket_ends(
    raw: list[tuple[str, int, dict[str, str]]],
) -> None:
    outcome = ReplayEngine(RoutingRules().compile(), due_from_source=True).replay(_ticket(raw))
    ended = outcome.final_state in {s.value for s in TERMINAL_STATES}
    assert (outcome.closed_at is not None) == ended
    assert (outcome.on_time is not None) == (outcome.final_state == "closed")
