"""Joint handling (大事协同解决, 联动): a lead unit (主办) and co-units (协办), each part
signed for and handled by its own unit, the ticket handled once every part is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit._workflow_world import (
    AREAS,
    CHENGGUAN,
    COMMUNITY,
    FIRE,
    LEVELS,
    POLICE,
    RESIDENT,
    START,
    STREET,
    UNITS,
    WORKER,
    make_loop,
    reported,
)

from gridgov.clock import ManualClock
from gridgov.errors import (
    InvalidInput,
    NoResponsibleUnit,
    PermissionDenied,
    PolicyError,
    TransitionNotAllowed,
)
from gridgov.grid import AreaTree, Directory
from gridgov.workflow import (
    PartState,
    RoutingPolicy,
    Ticket,
    TicketEvent,
    TicketLoop,
    Tier,
    load_routing_policy,
    parts_of,
)


def _joint(loop: TicketLoop, category: str = "construction") -> Ticket:
    """A complex (难事) ticket led by the community office with the police as co-unit."""
    ticket = reported(loop, category)
    loop.accept(ticket, COMMUNITY)
    loop.dispatch(ticket, COMMUNITY, co_units=["pol-D"])
    return ticket


def _tier_policy(**changes: object) -> RoutingPolicy:
    """The shipped policy with the complex tier changed (joint, lead_may_finish ...)."""
    policy = load_routing_policy()
    tier = policy.tiers["complex"]
    fields = {name: getattr(tier, name) for name in Tier.__dataclass_fields__}
    changed = Tier(**{**fields, **changes})
    routes = {c: policy.route(c) for c in policy.categories}
    routes = {
        c: type(r)(r.category, changed if r.tier.name == "complex" else r.tier, r.department)
        for c, r in routes.items()
    }
    return RoutingPolicy(
        policy.categories,
        {**policy.tiers, "complex": changed},
        routes,
        policy.handler_kinds,
        grid_level=policy.grid_level,
        default_tier=policy.default_tier,
    )


def _loop_with(policy: RoutingPolicy, clock: ManualClock | None = None) -> TicketLoop:
    directory = Directory(AreaTree(AREAS, LEVELS), UNITS)
    return TicketLoop(directory=directory, clock=clock or ManualClock(START), policy=policy)


def test_a_joint_dispatch_gives_each_co_unit_a_part() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    assert (ticket.assigned_unit, ticket.joint) == ("co-C1", True)
    assert [(p.unit, p.state, p.dispatched_at) for p in ticket.parts] == [
        ("pol-D", "dispatched", START)
    ]


def test_each_part_is_signed_for_and_handled_by_its_own_unit() -> None:
    clock = ManualClock(START)
    loop = make_loop(clock)
    ticket = _joint(loop)
    loop.sign_for(ticket, COMMUNITY)
    clock.advance(timedelta(minutes=30))
    loop.sign_for_part(ticket, POLICE)
    clock.advance(timedelta(hours=2))
    event = loop.handle_part(ticket, POLICE, result="patrolled, warned the builder")
    assert (event.trigger, event.from_state, event.to_state) == (
        "handle_part",
        "in_progress",
        "in_progress",
    )
    (part,) = ticket.parts
    assert part.state == PartState.HANDLED
    assert part.result == "patrolled, warned the builder"
    assert part.took == timedelta(hours=2, minutes=30)
    assert part.signed_at == START + timedelta(minutes=30)


def test_only_the_co_unit_acts_on_its_part() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    with pytest.raises(PermissionDenied, match="not a co-unit"):
        loop.sign_for_part(ticket, FIRE)
    with pytest.raises(PermissionDenied, match="not a co-unit"):
        loop.sign_for_part(ticket, CHENGGUAN)
    with pytest.raises(PermissionDenied, match="not dispatched to unit 'pol-D'"):
        loop.sign_for(ticket, POLICE)  # a co-unit is not the lead
    assert ticket.version == 3


def test_a_part_is_signed_for_before_it_is_handled_and_only_once() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    with pytest.raises(TransitionNotAllowed, match="signed for its part"):
        loop.handle_part(ticket, POLICE, result="done")
    loop.sign_for_part(ticket, POLICE)
    with pytest.raises(TransitionNotAllowed, match="waits to be signed for"):
        loop.sign_for_part(ticket, POLICE)


def test_the_lead_finishes_only_after_every_part() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    loop.sign_for(ticket, COMMUNITY)
    with pytest.raises(TransitionNotAllowed, match="every co-unit's part is handled"):
        loop.mark_handled(ticket, COMMUNITY, result="done")
    assert ticket.state == "in_progress"
    loop.sign_for_part(ticket, POLICE)
    loop.handle_part(ticket, POLICE, result="patrolled")
    loop.mark_handled(ticket, COMMUNITY, result="done")
    loop.close(ticket, COMMUNITY)
    assert ticket.state == "closed"
    assert loop.stayed_in_grid(ticket) is False  # joint tickets never stay in the grid


def test_a_reason_is_not_enough_unless_the_tier_lets_the_lead_finish_first() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    loop.sign_for(ticket, COMMUNITY)
    with pytest.raises(TransitionNotAllowed):
        loop.mark_handled(ticket, COMMUNITY, result="done", early_reason="police too slow")


def test_a_tier_may_let_the_lead_finish_first_with_a_reason() -> None:
    loop = _loop_with(_tier_policy(lead_may_finish=True))
    ticket = _joint(loop)
    loop.sign_for(ticket, COMMUNITY)
    with pytest.raises(TransitionNotAllowed):
        loop.mark_handled(ticket, COMMUNITY, result="done")  # no reason given
    event = loop.mark_handled(
        ticket, COMMUNITY, result="done", early_reason="the builder stopped on his own"
    )
    assert event.payload["open_parts"] == ["pol-D"]
    assert event.payload["early_reason"] == "the builder stopped on his own"
    assert ticket.early_reason == "the builder stopped on his own"
    assert [p.state for p in ticket.parts] == [PartState.RELEASED]


def test_a_joint_tier_calls_in_its_departments_by_default() -> None:
    loop = _loop_with(_tier_policy(joint=True, departments=("chengguan", "police")))
    ticket = reported(loop, "thrown_objects")  # complex, route department: police
    loop.accept(ticket, COMMUNITY)
    event = loop.dispatch(ticket, COMMUNITY)
    assert event.payload["co_units"] == ["pol-D", "cg-D"]
    assert [p.unit for p in ticket.parts] == ["pol-D", "cg-D"]


def test_an_empty_list_dispatches_a_joint_tier_alone() -> None:
    loop = _loop_with(_tier_policy(joint=True))
    ticket = reported(loop, "construction")
    loop.accept(ticket, COMMUNITY)
    loop.dispatch(ticket, COMMUNITY, co_units=[])
    assert (ticket.joint, ticket.parts) == (False, ())


def test_small_issues_are_not_handled_jointly() -> None:
    loop = make_loop()
    ticket = reported(loop, "noise")
    loop.accept(ticket, WORKER)
    with pytest.raises(InvalidInput, match="handled in the grid") as info:
        loop.dispatch(ticket, WORKER, co_units=["pol-D"])
    assert info.value.problems[0].field == "co_units"
    assert (ticket.state, ticket.parts) == ("accepted", ())


def test_a_co_unit_must_exist_cover_the_area_and_not_lead() -> None:
    loop = make_loop()
    ticket = reported(loop, "construction")
    loop.accept(ticket, COMMUNITY)
    with pytest.raises(NoResponsibleUnit, match="nobody"):
        loop.dispatch(ticket, COMMUNITY, co_units=["nobody"])
    with pytest.raises(NoResponsibleUnit, match="does not cover"):
        loop.dispatch(ticket, COMMUNITY, co_units=["co-C2"])
    with pytest.raises(InvalidInput, match="leads the ticket"):
        loop.dispatch(ticket, COMMUNITY, co_units=["co-C1"])
    assert ticket.state == "accepted"


def test_a_joint_policy_tier_must_finish_above_the_grid() -> None:
    policy = _tier_policy(joint=True, levels=("grid",))
    with pytest.raises(PolicyError, match="joint tier must finish above the grid"):
        _loop_with(policy)


def test_reopen_sends_every_part_back_and_return_ends_them() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    loop.sign_for(ticket, COMMUNITY)
    loop.sign_for_part(ticket, POLICE)
    loop.handle_part(ticket, POLICE, result="patrolled")
    loop.mark_handled(ticket, COMMUNITY, result="done")
    event = loop.reopen(ticket, COMMUNITY, reason="still noisy at night")
    assert event.payload["co_units"] == ["pol-D"]
    assert [p.state for p in ticket.parts] == [PartState.DISPATCHED]
    loop.return_to_dispatcher(ticket, COMMUNITY, reason="needs the street")
    assert (ticket.parts, ticket.joint) == ((), True)


def test_an_escalation_keeps_the_parts_unless_it_names_new_ones() -> None:
    loop = make_loop()
    ticket = _joint(loop)
    loop.sign_for_part(ticket, POLICE)
    loop.escalate(ticket, COMMUNITY, reason="too big for the community")
    assert [(p.unit, p.state) for p in ticket.parts] == [("pol-D", "in_progress")]
    loop.escalate(ticket, STREET, reason="enforcement", department="chengguan", co_units=["fire-D"])
    assert [(p.unit, p.state) for p in ticket.parts] == [("fire-D", "dispatched")]


def _closed_joint() -> tuple[Ticket, list[TicketEvent]]:
    """A joint ticket driven to closed, with every event it recorded."""
    loop = make_loop()
    ticket, first = loop.report("T1", RESIDENT, category="construction", area_code="M1")
    events = [
        first,
        loop.accept(ticket, COMMUNITY),
        loop.dispatch(ticket, COMMUNITY, co_units=["pol-D", "fire-D"]),
        loop.sign_for_part(ticket, FIRE),
        loop.sign_for(ticket, COMMUNITY),
        loop.sign_for_part(ticket, POLICE),
        loop.handle_part(ticket, POLICE, result="patrolled"),
        loop.handle_part(ticket, FIRE, result="cleared the lane"),
        loop.mark_handled(ticket, COMMUNITY, result="done"),
        loop.close(ticket, COMMUNITY),
    ]
    return ticket, events


def test_the_stored_history_folds_back_to_the_same_ticket() -> None:
    ticket, events = _closed_joint()
    assert Ticket.from_events(events) == ticket
    replayed = Ticket(ticket.id)  # replay's path: the table decides, the ticket implies
    for event in events:
        given = {k: v for k, v in event.payload.items() if k not in IMPLIED}
        replayed.fire(event.trigger, event.at, given)
    assert replayed == ticket
    assert not replayed.nonconformance


def test_a_history_that_lies_about_a_part_is_refused() -> None:
    _, events = _closed_joint()
    index = next(i for i, e in enumerate(events) if e.trigger == "handle_part")
    forged = events[index]
    events[index] = forged.model_copy(
        update={"payload": {**forged.payload, "part_state": "dispatched"}}
    )
    with pytest.raises(InvalidInput, match="part_state"):
        Ticket.from_events(events)


def test_parts_of_reads_the_move_alone() -> None:
    assert parts_of("dispatch", {"co_units": ["a", "b"]}) == ("a", "b")
    assert parts_of("dispatch", {}) == ()
    assert parts_of("handle_part", {"unit": "a"}) == ("a",)
    assert parts_of("escalate", {}) is None
    assert parts_of("escalate", {"co_units": []}) == ()
    assert parts_of("return_to_dispatcher", {}) == ()
    assert parts_of("sign_for", {"unit": "a"}) is None


IMPLIED = ("part_state", "open_parts", "lead_may_finish")
"""What a ticket states itself in its events (replay's sources do not)."""


def test_any_tier_above_the_grid_can_be_asked_to_go_jointly_with_its_departments() -> None:
    loop = make_loop()
    ticket = reported(loop, "order")  # major, not a joint tier; its route's department: police
    loop.accept(ticket, COMMUNITY)
    event = loop.dispatch(ticket, COMMUNITY, joint=True)
    assert (event.payload["unit"], event.payload["co_units"]) == ("so-S", ["pol-D"])
    small = make_loop()
    noise = reported(small, "noise")
    small.accept(noise, WORKER)
    with pytest.raises(InvalidInput, match="handled in the grid"):
        small.dispatch(noise, WORKER, joint=True)
