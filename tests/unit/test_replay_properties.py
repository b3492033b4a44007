"""Replay invariants on random histories (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.replay import (
    PolicyInForce,
    ReplayEngine,
    RoutingRules,
    SourceEvent,
    SourceTicket,
)
from gridgov.replay._db import ticket_events
from gridgov.sla import ClockRun, load_default_policy
from gridgov.workflow import (
    RECORDED_TEXTS,
    TABLE,
    TERMINAL_STATES,
    Ticket,
    Trigger,
    parts_of,
    text_given,
)

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


_WORDS = ["", "  ", "done", "fixed the lamp", "已修复"]
_PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        "result": st.sampled_from(_WORDS),
        "reason": st.sampled_from(_WORDS),
        "early_reason": st.sampled_from(_WORDS),
        "verdict": st.sampled_from(["satisfied", "not_satisfied"]),
        "co_units": st.just(["U1", "U2"]),
        "unit": st.sampled_from(["U1", "U9"]),
        "lead_may_finish": st.booleans(),
    },
)


_ENDING = frozenset({"withdraw", "reject", "merge_into"})
"""Allowed nearly everywhere, they would end most walks early."""


@st.composite
def _histories(draw: st.DrawFn) -> list[tuple[str, int, dict[str, Any]]]:
    """Histories that mostly move on: each trigger one the table allows from the state
    reached, not one that ends it early (now and then any trigger, refused or not)."""
    walk = Ticket("walk")
    walk.fire("report", T0)
    raw: list[tuple[str, int, dict[str, Any]]] = []
    for _ in range(draw(st.integers(0, 25))):
        allowed = [t for t in TABLE.triggers_from(walk.state) if t not in _ENDING]
        anything = draw(st.integers(0, 9)) == 0 or not allowed
        trigger = draw(st.sampled_from([t.value for t in Trigger] if anything else allowed))
        payload = draw(_PAYLOAD)
        raw.append((trigger, draw(st.integers(0, 600)), payload))
        walk.fire(trigger, T0, payload)
    return raw


def _reworded(raw: list[tuple[str, int, dict[str, Any]]]) -> list[tuple[str, int, dict[str, Any]]]:
    """``raw`` with other words in every given recorded text (the not-given left as they are)."""
    return [
        (
            trigger,
            minutes,
            {k: "other" if k in RECORDED_TEXTS and text_given(v) else v for k, v in p.items()},
        )
        for trigger, minutes, p in raw
    ]


@settings(max_examples=400)
@given(_histories())
def test_the_words_of_recorded_texts_decide_nothing(
    raw: list[tuple[str, int, dict[str, Any]]],
) -> None:
    """RECORDED_TEXTS (what replay's shapes key only by presence): rewording every given
    result, reason and early reason changes no move, flag, count or clock — so a ticket
    replayed from the shape of its rewording equals its own fold."""
    policy = (PolicyInForce(load_default_policy()),)

    def engine(shapes: bool) -> ReplayEngine:
        return ReplayEngine(RoutingRules().compile(), policies=policy, shapes=shapes)

    own, other = _ticket(raw), _ticket(_reworded(raw))
    fresh = dataclasses.astuple(engine(False).replay(own))
    assert dataclasses.astuple(engine(False).replay(other)) == fresh
    remembering = engine(True)
    remembering.replay(other)
    assert dataclasses.astuple(remembering.replay(own)) == fresh
    folds = []
    for ticket in (own, other):
        fold = Ticket(ticket.ticket_id)
        for e in ticket.events:
            fold.fire(e.trigger, e.at, e.payload)
        folds.append((fold.state, fold.nonconformance, fold.version, fold.closed_at,
                      fold.escalation_count, fold.reopen_count, fold.return_count,
                      [(p.unit, p.state) for p in fold.parts]))  # fmt: skip
    assert folds[0] == folds[1]


def _cycles(run: ClockRun) -> list[tuple[Any, ...]]:
    return [
        (
            c.clock,
            c.number,
            c.started_at,
            c.due,
            c.budget,
            c.stopped_at,
            c.outcome,
            c.fired,
            c.pauses,
            c.paused_since,
            c.elapsed,
        )
        for c in run.cycles
    ]


@settings(max_examples=300)
@given(_histories())
def test_the_moves_that_count_are_all_that_change_a_clock(
    raw: list[tuple[str, int, dict[str, Any]]],
) -> None:
    """``ClockRun.moves_that_count``: applying only those of a ticket's accepted moves
    (as a remembered shape does) gives the very cycles of applying every move, under
    each rule of the default policy (clocks that pause while suspended, per-part clocks)."""
    fold = Ticket("T")
    moves = []
    for e in _ticket(raw).events:
        move = fold.fire(e.trigger, e.at, e.payload)
        if move is not None:
            moves.append((move.trigger, move.to_state, parts_of(move.trigger, move.payload), e.at))
    for rule in load_default_policy().rules:
        every, counted = ClockRun(rule), ClockRun(rule)
        for trigger, to_state, parts, at in moves:
            every.apply(trigger, to_state, at, announce=True, parts=parts)
        chosen = ClockRun.moves_that_count(rule, [m[:3] for m in moves])
        for trigger, to_state, parts, at in (moves[i] for i in chosen):
            counted.apply(trigger, to_state, at, announce=True, parts=parts)
        assert _cycles(counted) == _cycles(every)
