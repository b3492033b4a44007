"""The compiled table and the ``transitions`` machine are two views of one definition."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.workflow import DEFINITION, NEW, SAME, TABLE, TERMINAL_STATES, State, Trigger
from gridgov.workflow._machine import fire, shared_machine

PAYLOADS: list[dict[str, Any]] = [
    {},
    {"verdict": "satisfied"},
    {"verdict": "basically_satisfied"},
    {"verdict": "not_satisfied"},
    {"verdict": "delighted"},
    {"result": "fixed", "photos": ["p1.jpg"]},
    {"result": "  "},
    {"into": "T-9"},
    {"resume_to": "accepted"},
    {"resume_to": "dispatched"},
    {"resume_to": "in_progress"},
    {"resume_to": "closed"},
    {"unit": "pol-D", "part_state": "dispatched"},
    {"unit": "pol-D", "part_state": "in_progress", "result": "patrolled"},
    {"unit": "pol-D", "part_state": "in_progress"},
    {"unit": "pol-D", "part_state": "handled", "result": "again"},
    {"result": "fixed", "open_parts": ["pol-D"]},
    {"result": "fixed", "open_parts": ["pol-D"], "lead_may_finish": True},
    {"result": "fixed", "open_parts": ["pol-D"], "lead_may_finish": True, "early_reason": "ok"},
    {"result": "fixed", "open_parts": [], "early_reason": "nothing open"},
]
PAIRS = [(s, t) for s in TABLE.states for t in TABLE.triggers]


@pytest.mark.parametrize(("state", "trigger"), PAIRS)
def test_table_and_machine_agree_on_every_pair(state: str, trigger: str) -> None:
    for payload in PAYLOADS:
        assert fire(state, trigger, payload) == TABLE.next_state(state, trigger, payload), payload


payload_values = st.one_of(st.none(), st.text(max_size=5), st.sampled_from(TABLE.states))
payload_strategy = st.dictionaries(
    st.sampled_from(
        [
            *("verdict", "result", "into", "resume_to", "reason", "unit", "part_state"),
            *("open_parts", "lead_may_finish", "early_reason"),
        ]
    ),
    st.one_of(
        payload_values,
        st.booleans(),
        st.lists(st.sampled_from(["pol-D", "fire-D"]), max_size=2),
        st.sampled_from(["satisfied", "not_satisfied", "fixed"]),
    ),
)


@given(
    state=st.sampled_from(TABLE.states),
    trigger=st.sampled_from([*TABLE.triggers, "to_closed", "fly"]),
    payload=payload_strategy,
)
def test_table_and_machine_agree_on_random_payloads(
    state: str, trigger: str, payload: dict[str, Any]
) -> None:
    assert fire(state, trigger, payload) == TABLE.next_state(state, trigger, payload)


def test_every_state_and_trigger_appears_in_the_definition() -> None:
    dests = {spec.dest for spec in DEFINITION} - {SAME}
    sources = {str(s) for spec in DEFINITION for s in spec.sources}
    assert dests | sources == {NEW, *State}
    assert {spec.trigger for spec in DEFINITION} == set(Trigger)


def test_machine_has_no_auto_transitions() -> None:
    names = set(shared_machine().events)
    assert names == {t.value for t in Trigger}
    assert not any(name.startswith("to_") for name in names)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_accept_nothing(state: State) -> None:
    assert TABLE.triggers_from(state) == ()
    assert all(TABLE.next_state(state, t, {"verdict": "satisfied"}) is None for t in Trigger)


def test_report_is_the_only_way_out_of_new() -> None:
    assert TABLE.triggers_from(NEW) == ("report",)
    assert TABLE.next_state(NEW, "report") == "reported"


def test_review_closes_when_satisfied_and_stays_when_not() -> None:
    assert TABLE.next_state("reviewing", "review", {"verdict": "satisfied"}) == "closed"
    assert TABLE.next_state("reviewing", "review", {"verdict": "basically_satisfied"}) == "closed"
    assert TABLE.next_state("reviewing", "review", {"verdict": "not_satisfied"}) == "reviewing"
    assert TABLE.next_state("reviewing", "review", {}) is None


@pytest.mark.parametrize("origin", ["accepted", "dispatched", "in_progress"])
def test_resume_returns_to_the_state_named_in_the_payload(origin: str) -> None:
    assert TABLE.next_state("suspended", "resume", {"resume_to": origin}) == origin


def test_resume_without_a_destination_is_refused() -> None:
    assert TABLE.next_state("suspended", "resume", {}) is None
    assert TABLE.next_state("suspended", "resume", {"resume_to": "closed"}) is None


def test_mark_handled_needs_a_result_text() -> None:
    assert TABLE.next_state("in_progress", "mark_handled", {"result": "fixed"}) == "handled"
    assert TABLE.next_state("in_progress", "mark_handled", {"result": " "}) is None


def test_supervise_keeps_the_state() -> None:
    for state in TABLE.states:
        dest = TABLE.next_state(state, "supervise")
        assert dest in (None, state)
    assert TABLE.next_state("in_progress", "supervise") == "in_progress"


def test_why_not_lists_allowed_triggers() -> None:
    assert TABLE.why_not("handled", "sign_for") == (
        "allowed here: request_review, reopen, supervise, close"
    )
    assert "verdict" in TABLE.why_not("reviewing", "review")


def test_destinations_lists_every_guarded_variant() -> None:
    assert TABLE.destinations("suspended", "resume") == ("accepted", "dispatched", "in_progress")
    assert TABLE.destinations("closed", "resume") == ()
