"""A ticket is the fold of its events, and the fold refuses histories the table forbids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridgov.errors import InvalidInput
from gridgov.workflow import Ticket, TicketEvent

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
Step = tuple[str, str, str, dict[str, Any]]


def history(*steps: Step) -> list[TicketEvent]:
    return [
        TicketEvent(
            ticket_id="T1",
            seq=i,
            trigger=trigger,
            from_state=src,
            to_state=dst,
            actor_id="a1",
            actor_role="grid_worker",
            at=START + timedelta(minutes=i),
            payload=payload,
        )
        for i, (trigger, src, dst, payload) in enumerate(steps, start=1)
    ]


REPORT: Step = (
    "report",
    "new",
    "reported",
    {"category": "noise", "tier": "small", "area_code": "G1", "channel": "app"},
)
FULL_LOOP: list[Step] = [
    REPORT,
    ("accept", "reported", "accepted", {}),
    ("dispatch", "accepted", "dispatched", {"unit": "U-grid", "level": "grid"}),
    ("sign_for", "dispatched", "in_progress", {}),
    ("suspend", "in_progress", "suspended", {"reason": "waiting for parts"}),
    ("resume", "suspended", "in_progress", {"resume_to": "in_progress"}),
    ("mark_handled", "in_progress", "handled", {"result": "fixed", "photos": ["a.jpg"]}),
    ("request_review", "handled", "reviewing", {}),
    ("review", "reviewing", "closed", {"verdict": "satisfied"}),
]


def test_full_loop_folds_to_closed_with_every_field() -> None:
    ticket = Ticket.from_events(history(*FULL_LOOP))
    assert ticket.state == "closed"
    assert ticket.version == 9
    assert (ticket.category, ticket.tier, ticket.area_code, ticket.channel) == (
        "noise",
        "small",
        "G1",
        "app",
    )
    assert ticket.reporter_id == "a1"
    assert (ticket.assigned_unit, ticket.assigned_level) == ("U-grid", "grid")
    assert ticket.handled_level == "grid"
    assert ticket.result == "fixed"
    assert ticket.photos == ("a.jpg",)
    assert ticket.review_verdict == "satisfied"
    assert ticket.suspended_from is None
    assert ticket.reported_at == START + timedelta(minutes=1)
    assert ticket.updated_at == START + timedelta(minutes=9)


def test_escalate_return_reopen_and_supervise_are_counted() -> None:
    ticket = Ticket.from_events(
        history(
            REPORT,
            ("accept", "reported", "accepted", {}),
            ("dispatch", "accepted", "dispatched", {"unit": "U1", "level": "grid"}),
            ("return_to_dispatcher", "dispatched", "accepted", {"reason": "beyond power"}),
            ("escalate", "accepted", "dispatched", {"unit": "C1", "level": "community"}),
            ("supervise", "dispatched", "dispatched", {"reason": "slow"}),
            ("sign_for", "dispatched", "in_progress", {}),
            ("mark_handled", "in_progress", "handled", {"result": "done"}),
            ("request_review", "handled", "reviewing", {}),
            ("review", "reviewing", "reviewing", {"verdict": "not_satisfied"}),
            ("reopen", "reviewing", "dispatched", {"unit": "C1", "level": "community"}),
        )
    )
    assert ticket.state == "dispatched"
    assert ticket.return_count == 1
    assert ticket.escalation_count == 1
    assert ticket.reopen_count == 1
    assert ticket.supervised is True
    assert ticket.assigned_level == "community"
    assert ticket.handled_level is None
    assert ticket.review_verdict is None


def test_suspend_remembers_where_it_came_from() -> None:
    ticket = Ticket.from_events(
        history(
            REPORT, ("accept", "reported", "accepted", {}), ("suspend", "accepted", "suspended", {})
        )
    )
    assert ticket.suspended_from == "accepted"


def test_merge_records_the_target() -> None:
    ticket = Ticket.from_events(
        history(REPORT, ("merge_into", "reported", "merged", {"into": "T0"}))
    )
    assert (ticket.state, ticket.merged_into) == ("merged", "T0")


def test_fold_refuses_a_move_outside_the_table() -> None:
    events = history(REPORT, ("close", "reported", "closed", {}))
    with pytest.raises(
        InvalidInput, match=r"event #2: 'close' is not allowed in 'reported' \(allowed here: accept"
    ):
        Ticket.from_events(events)


def test_fold_refuses_a_gap_in_sequence_numbers() -> None:
    events = history(REPORT, ("accept", "reported", "accepted", {}))
    with pytest.raises(InvalidInput, match="event #2: expected event #1 next"):
        Ticket.from_events(events[1:])


def test_fold_refuses_an_event_of_another_ticket() -> None:
    ticket = Ticket.from_events(history(REPORT))
    other = history(REPORT, ("accept", "reported", "accepted", {}))[1].model_copy(
        update={"ticket_id": "T2"}
    )
    with pytest.raises(InvalidInput, match="belongs to ticket 'T2'"):
        ticket.apply(other)
    assert ticket.version == 1


def test_fold_refuses_a_wrong_destination() -> None:
    events = history(REPORT, ("accept", "reported", "dispatched", {}))
    with pytest.raises(InvalidInput, match="'accept' leads to 'accepted', not 'dispatched'"):
        Ticket.from_events(events)


def test_fold_refuses_a_wrong_from_state() -> None:
    events = history(REPORT, ("sign_for", "dispatched", "in_progress", {}))
    with pytest.raises(InvalidInput, match="starts from 'dispatched'"):
        Ticket.from_events(events)


def test_no_events_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="no events"):
        Ticket.from_events([])


def test_events_are_immutable() -> None:
    event = history(REPORT)[0]
    with pytest.raises(ValueError, match="frozen"):
        event.seq = 5  # type: ignore[misc]


def test_events_need_aware_times() -> None:
    with pytest.raises(ValueError, match="timezone"):
        TicketEvent(
            ticket_id="T1",
            seq=1,
            trigger="report",
            from_state="new",
            to_state="reported",
            actor_id="a",
            actor_role="resident",
            at=datetime(2025, 1, 1),
        )
