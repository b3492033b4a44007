"""Per-part SLA clocks of joint tickets (协办时限): one cycle per co-unit, on the live
SLA engine with the shipped default policy, fed by the loop's own events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit._workflow_world import COMMUNITY, FIRE, POLICE, RESIDENT, START, make_loop

from gridgov.clock import ManualClock
from gridgov.sla import SlaBreached, SlaEngine, load_default_policy
from gridgov.workflow import Ticket, TicketEvent, TicketLoop

MONDAY = START  # 2025-03-03 08:00 UTC, 16:00 in Beijing: inside working hours


def _engine_and_loop() -> tuple[SlaEngine, TicketLoop, ManualClock]:
    clock = ManualClock(MONDAY)
    return SlaEngine(load_default_policy()), make_loop(clock), clock


def _feed(sla: SlaEngine, events: list[TicketEvent]) -> list[object]:
    fired: list[object] = []
    for event in events:
        fired.extend(sla.record(event))
    return fired


def _joint(loop: TicketLoop) -> list[TicketEvent]:
    ticket, first = loop.report("T1", RESIDENT, category="construction", area_code="M1")
    return [
        first,
        loop.accept(ticket, COMMUNITY),
        loop.dispatch(ticket, COMMUNITY, co_units=["pol-D", "fire-D"]),
    ]


def test_a_joint_dispatch_starts_one_part_clock_per_co_unit() -> None:
    sla, loop, _ = _engine_and_loop()
    _feed(sla, _joint(loop))
    parts = {c.clock: c for c in sla.cycles("T1") if c.clock.startswith("part@")}
    assert set(parts) == {"part@pol-D", "part@fire-D"}
    assert all(c.is_open and c.started_at == MONDAY for c in parts.values())
    assert "handling" in sla.deadlines("T1")


def test_a_co_unit_stops_only_its_own_part_clock() -> None:
    sla, loop, clock = _engine_and_loop()
    events = _joint(loop)
    _feed(sla, events)
    ticket = _ticket_of(loop, events)
    clock.advance(timedelta(hours=1))
    _feed(sla, [loop.sign_for_part(ticket, POLICE)])
    clock.advance(timedelta(hours=1))
    _feed(sla, [loop.handle_part(ticket, POLICE, result="patrolled")])
    status = {c.clock: c.status for c in sla.cycles("T1")}
    assert status["part@pol-D"] == "met"
    assert status["part@fire-D"] == "running"


def test_a_late_part_breaches_under_its_own_name() -> None:
    sla, loop, _ = _engine_and_loop()
    _feed(sla, _joint(loop))
    fired = sla.advance_to(MONDAY + timedelta(days=30))
    breached = sorted(e.clock for e in fired if isinstance(e, SlaBreached))
    assert "part@fire-D" in breached
    assert "part@pol-D" in breached
    breach = next(e for e in fired if isinstance(e, SlaBreached) and e.clock == "part@pol-D")
    assert [a.action for a in breach.actions] == ["supervise"]


def test_the_lead_finishing_stops_every_part_and_closing_ends_the_rest() -> None:
    sla, loop, _ = _engine_and_loop()
    events = _joint(loop)
    _feed(sla, events)
    ticket = _ticket_of(loop, events)
    _feed(sla, [loop.sign_for(ticket, COMMUNITY), loop.sign_for_part(ticket, FIRE)])
    _feed(sla, [loop.handle_part(ticket, FIRE, result="lane cleared")])
    _feed(sla, [loop.sign_for_part(ticket, POLICE)])
    _feed(sla, [loop.handle_part(ticket, POLICE, result="patrolled")])
    _feed(sla, [loop.mark_handled(ticket, COMMUNITY, result="done")])
    _feed(sla, [loop.close(ticket, COMMUNITY)])
    assert all(not c.is_open for c in sla.cycles("T1"))
    assert {c.clock: c.status for c in sla.cycles("T1") if "@" in c.clock} == {
        "part@pol-D": "met",
        "part@fire-D": "met",
    }


def test_a_return_ends_the_parts_and_a_reopen_restarts_them() -> None:
    sla, loop, clock = _engine_and_loop()
    events = _joint(loop)
    _feed(sla, events)
    ticket = _ticket_of(loop, events)
    _feed(sla, [loop.sign_for(ticket, COMMUNITY)])
    for unit in (POLICE, FIRE):
        _feed(sla, [loop.sign_for_part(ticket, unit)])
        _feed(sla, [loop.handle_part(ticket, unit, result="done")])
    _feed(sla, [loop.mark_handled(ticket, COMMUNITY, result="done")])
    clock.advance(timedelta(hours=2))
    _feed(sla, [loop.reopen(ticket, COMMUNITY, reason="still blocked")])
    cycles = [(c.clock, c.number, c.status) for c in sla.cycles("T1") if "@" in c.clock]
    assert ("part@pol-D", 2, "running") in cycles
    assert ("part@fire-D", 2, "running") in cycles
    _feed(sla, [loop.return_to_dispatcher(ticket, COMMUNITY, reason="street's matter")])
    assert not [c for c in sla.cycles("T1") if "@" in c.clock and c.is_open]


def test_a_suspended_joint_ticket_pauses_its_parts() -> None:
    sla, loop, clock = _engine_and_loop()
    events = _joint(loop)
    _feed(sla, events)
    ticket = _ticket_of(loop, events)
    _feed(sla, [loop.suspend(ticket, COMMUNITY, reason="waiting for the owner")])
    assert all(c.status == "paused" for c in sla.cycles("T1") if "@" in c.clock)
    before = {c.clock: c.due for c in sla.cycles("T1") if "@" in c.clock}
    clock.advance(timedelta(days=1))
    _feed(sla, [loop.resume(ticket, COMMUNITY)])
    after = {c.clock: c.due for c in sla.cycles("T1") if "@" in c.clock}
    assert all(after[name] > before[name] for name in before)


def test_a_non_joint_ticket_has_no_part_clock() -> None:
    sla, loop, _ = _engine_and_loop()
    ticket, first = loop.report("T1", RESIDENT, category="construction", area_code="M1")
    _feed(sla, [first, loop.accept(ticket, COMMUNITY), loop.dispatch(ticket, COMMUNITY)])
    assert not [c for c in sla.cycles("T1") if "@" in c.clock]


@pytest.mark.parametrize(
    ("name", "found"),
    [("part@pol-D", "part"), ("part", None), ("handling", "handling"), ("handling@x", None)],
)
def test_a_rule_finds_the_plan_of_a_cycle(name: str, found: str | None) -> None:
    rule = load_default_policy().select_for(("construction", "complex", "normal", "app"))
    located = rule.plan_of(name)
    assert (located[1].name if located else None) == found


def _ticket_of(loop: TicketLoop, events: list[TicketEvent]) -> Ticket:
    """The ticket the events built (the loop keeps no tickets of its own)."""
    return Ticket.from_events(events)
