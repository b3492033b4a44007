"""An unsatisfied review does not stall (issue 13, item 16): nobody closes it without a
new review or a supervisor's decision, and when nobody acts the timers reopen it one
level up (the default policy's ``rework`` clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit.test_engine_actors import HEAD, RESIDENT, WORKER, _dispatched, _engine

from gridgov.clock import ManualClock
from gridgov.errors import PermissionDenied


def test_an_unsatisfied_review_left_alone_is_reopened_one_level_up() -> None:
    engine = _engine()
    clock = engine.clock
    assert isinstance(clock, ManualClock)
    ticket_id = _dispatched(engine)
    engine.act(ticket_id, "sign_for", actor=WORKER)
    engine.act(ticket_id, "mark_handled", actor=WORKER, result="已劝导")
    engine.act(ticket_id, "request_review", actor=WORKER)
    view = engine.act(
        ticket_id, "review", actor=RESIDENT, verdict="not_satisfied", comment="仍很吵"
    )
    assert view.state == "reviewing"
    assert [c.clock for c in view.clocks if c.status == "running"] == ["rework"]
    with pytest.raises(PermissionDenied, match="only a supervisor's decision"):
        engine.act(ticket_id, "close", actor=WORKER)
    clock.advance(timedelta(days=2, hours=12))  # two working days and more
    fired = [n for n in engine.advance_to() if n.kind == "breach"]
    assert [(n.clock, n.done) for n in fired] == [("rework", ["reopen"])]
    after = engine.get(ticket_id)
    assert (after.state, after.assigned_unit, after.reopen_count) == ("dispatched", "ZM-office", 1)
    assert engine.history(ticket_id)[-1].actor_role == "system"


def test_a_supervisor_closes_an_unsatisfied_review_with_a_reason() -> None:
    engine = _engine()
    ticket_id = _dispatched(engine)
    engine.act(ticket_id, "sign_for", actor=WORKER)
    engine.act(ticket_id, "mark_handled", actor=WORKER, result="已劝导")
    engine.act(ticket_id, "request_review", actor=WORKER)
    engine.act(ticket_id, "review", actor=RESIDENT, verdict="not_satisfied", comment="仍很吵")
    view = engine.act(ticket_id, "close", actor=HEAD, reason="核实后噪音已达标")
    assert view.state == "closed"
    assert all(c.status != "running" for c in view.clocks)
    assert engine.advance_to(engine.clock.now() + timedelta(days=30)) == []
