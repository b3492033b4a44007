"""One ticket through the loop and its clocks: conformance, reopen, pauses, verdicts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gridgov.grid import Area, AreaTree
from gridgov.replay import PolicyInForce, ReplayEngine, RoutingRules, SourceEvent, SourceTicket
from gridgov.sla import parse_policy

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=SH)  # a Monday

POLICY = """\
[policy]
name = "test"

[calendars.office]
timezone = "Asia/Shanghai"
working_hours = ["09:00-17:00"]
workweek = ["mon", "tue", "wed", "thu", "fri"]

[clocks.handling]
start = "report"
stop = "mark_handled"
calendar = "office"
due = "8h"
"""
ROUTING = RoutingRules(tiers={"noise": "small", "housing": "complex"}).compile()
TREE = AreaTree([Area("C", "社区", "community"), Area("A", "网格", "grid", "C")])
"""Areas without units: replay routes to levels (small → grid, complex → community)."""


def _ticket(*steps: tuple[str, float], category: str = "noise", **payloads: Any) -> SourceTicket:
    events = [
        SourceEvent(
            trigger, T0 + timedelta(hours=hours), line=i + 2, payload=payloads.get(trigger, {})
        )
        for i, (trigger, hours) in enumerate(steps)
    ]
    return SourceTicket(
        "T1", 2, area="A", category=category, events=events, last_line=len(steps) + 1
    )


LOOP = [("report", 0), ("accept", 0.1), ("dispatch", 0.2), ("sign_for", 0.5)]
DONE: dict[str, Any] = {"mark_handled": {"result": "fixed"}}


def _engine(**kw: object) -> ReplayEngine:
    policy = parse_policy(POLICY)
    kw.setdefault("directory", TREE)
    return ReplayEngine(ROUTING, policies=(PolicyInForce(policy),), **kw)  # type: ignore[arg-type]


def test_full_loop_is_conformant_and_on_time() -> None:
    outcome = _engine().replay(_ticket(*LOOP, ("mark_handled", 3), ("close", 3.5), **DONE))
    assert outcome.final_state == "closed"
    assert outcome.conformance == ()
    assert outcome.due_at == T0 + timedelta(hours=8)
    assert outcome.closed_at == T0 + timedelta(hours=3.5)
    assert outcome.on_time is True
    assert outcome.handling == timedelta(hours=3.5)
    assert outcome.stayed_in_grid is True


def test_handling_clock_runs_on_working_time_overnight() -> None:
    outcome = _engine().replay(_ticket(*LOOP, ("mark_handled", 25), ("close", 25), **DONE))
    assert outcome.due_at == T0 + timedelta(hours=8)  # 8 working hours: Monday 17:00
    assert outcome.on_time is False
    assert outcome.breaches == ("handling",)
    assert outcome.handling == timedelta(hours=9)  # Mon 09-17 and Tue 09-10


def test_disallowed_moves_are_flagged_not_forced() -> None:
    outcome = _engine().replay(_ticket(("report", 0), ("close", 1), ("accept", 2)))
    assert outcome.conformance == ("reported:close",)
    assert outcome.final_state == "accepted"
    assert outcome.closed_at is None
    assert outcome.on_time is None


def test_guard_failure_is_a_conformance_flag() -> None:
    outcome = _engine().replay(_ticket(*LOOP, ("mark_handled", 1)))  # no result text
    assert outcome.conformance == ("in_progress:mark_handled",)
    assert outcome.final_state == "in_progress"


def test_resume_returns_to_the_state_it_was_suspended_from() -> None:
    steps = (*LOOP, ("suspend", 1), ("resume", 2), ("mark_handled", 3), ("close", 3))
    outcome = _engine().replay(_ticket(*steps, **DONE))
    assert outcome.conformance == ()
    assert outcome.final_state == "closed"


def test_suspension_moves_the_deadline_by_the_paused_working_time() -> None:
    steps = (*LOOP, ("suspend", 1), ("resume", 3), ("mark_handled", 9), ("close", 9))
    outcome = _engine().replay(_ticket(*steps, **DONE))
    # 2 working hours paused: due Tuesday 11:00 instead of Monday 17:00
    assert outcome.due_at == T0 + timedelta(days=1, hours=2)
    assert outcome.on_time is True


def test_reopen_and_escalation_are_counted_and_leave_the_grid() -> None:
    steps = (
        *LOOP, ("escalate", 1), ("sign_for", 1.5), ("mark_handled", 2), ("reopen", 2.5),
        ("sign_for", 3), ("mark_handled", 4), ("close", 4.5),
    )  # fmt: skip
    outcome = _engine().replay(_ticket(*steps, **DONE))
    assert (outcome.reopened, outcome.escalations) == (1, 1)
    assert outcome.stayed_in_grid is False
    assert outcome.conformance == ()


def test_a_tier_above_the_grid_never_stays_in_the_grid() -> None:
    outcome = _engine().replay(
        _ticket(*LOOP, ("mark_handled", 1), ("close", 1), category="housing", **DONE)
    )
    assert outcome.tier == "complex"
    assert outcome.stayed_in_grid is False


def test_without_an_area_hierarchy_stayed_in_the_grid_is_unknown() -> None:
    outcome = _engine(directory=None).replay(
        _ticket(*LOOP, ("mark_handled", 1), ("close", 1), **DONE)
    )
    assert (outcome.final_state, outcome.stayed_in_grid) == ("closed", None)


@pytest.mark.parametrize(
    ("due_hours", "closed_hours", "on_time"),
    [(10, 5, True), (10, 10, True), (10, 11, False), (None, 500, True)],
)
def test_due_from_source_judges_against_the_source_due(
    due_hours: float | None, closed_hours: float, on_time: bool
) -> None:
    ticket = _ticket(*LOOP, ("mark_handled", closed_hours), ("close", closed_hours), **DONE)
    ticket.source_due = None if due_hours is None else T0 + timedelta(hours=due_hours)
    outcome = ReplayEngine(ROUTING, due_from_source=True).replay(ticket)
    assert outcome.due_at == ticket.source_due
    assert outcome.on_time is on_time


def test_policy_in_force_at_opening_is_used() -> None:
    strict = parse_policy(POLICY.replace('due = "8h"', 'due = "1h"').replace('"test"', '"strict"'))
    engine = ReplayEngine(
        ROUTING,
        policies=(
            PolicyInForce(parse_policy(POLICY)),
            PolicyInForce(strict, T0 + timedelta(days=1)),
        ),
    )
    before = engine.replay(_ticket(*LOOP, ("mark_handled", 3), ("close", 3), **DONE))
    assert before.on_time is True
    later = _ticket(*LOOP, ("mark_handled", 3), ("close", 3), **DONE)
    later.events = [e._replace(at=e.at + timedelta(days=1)) for e in later.events]
    assert engine.replay(later).on_time is False


def test_unknown_clock_name_is_refused() -> None:
    from gridgov.errors import PolicyError

    with pytest.raises(PolicyError, match="no rule of policy 'test' has a clock 'resolution'"):
        _engine(clock="resolution")


def test_clock_cycles_are_kept_only_with_the_events() -> None:
    closed = _ticket(*LOOP, ("mark_handled", 9), ("close", 9), **DONE)
    assert _engine().replay(closed).cycles == ()  # the hot path keeps none
    engine = _engine(keep_events=True)
    fingerprint = parse_policy(POLICY).fingerprint
    late = engine.replay(closed).cycles
    assert [(c.clock, c.number, c.status, c.breached) for c in late] == [
        ("handling", 1, "breached", True)
    ]
    assert late[0].policy_fingerprint == fingerprint
    assert late[0].due == T0 + timedelta(hours=8)
    assert late[0].stopped_at == T0 + timedelta(hours=9)
    still_open = engine.replay(_ticket(*LOOP)).cycles
    assert [(c.status, c.stopped_at) for c in still_open] == [("running", None)]


def test_due_from_source_without_a_policy_runs_no_clock_cycles() -> None:
    engine = ReplayEngine(ROUTING, due_from_source=True, keep_events=True)
    outcome = engine.replay(_ticket(*LOOP, ("mark_handled", 2), **DONE))
    assert outcome.accepted  # the events are kept ...
    assert outcome.cycles == ()  # ... but no policy, no clock


def test_a_ticket_without_category_gets_the_rule_the_live_engine_gives() -> None:
    """A source without a category is ``""`` in replay and ``None`` in the live engine;
    a rule matching every category (``*``) must select neither, in both."""
    from gridgov.sla import SlaEngine
    from gridgov.workflow import TicketEvent

    text = POLICY + '\n[[rules]]\nname = "any"\nmatch = { category = ["*"] }\n'
    text += 'clocks.handling = { due = "2h" }\n'
    policy = parse_policy(text)
    engine = ReplayEngine(ROUTING, policies=(PolicyInForce(policy),))
    uncategorised = engine.replay(_ticket(*LOOP, category=""))
    categorised = engine.replay(_ticket(*LOOP, category="noise"))
    assert categorised.due_at == T0 + timedelta(hours=2)
    assert uncategorised.due_at == T0 + timedelta(hours=8)  # the default rule, not "any"
    live = SlaEngine(policy)
    live.record(
        TicketEvent(
            ticket_id="T1",
            seq=1,
            trigger="report",
            from_state="new",
            to_state="reported",
            actor_id="r",
            actor_role="resident",
            at=T0,
            payload={"category": None, "tier": "grid"},
        )
    )
    assert [c.due for c in live.cycles("T1")] == [uncategorised.due_at]
