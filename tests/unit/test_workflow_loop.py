"""The object API runs tickets through the loop, resolving units through the area tree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.unit._workflow_world import (
    CHENGGUAN,
    COMMUNITY,
    HEAD,
    MICRO,
    NEIGHBOUR,
    RESIDENT,
    START,
    STREET,
    SYSTEM,
    WORKER,
    in_progress,
    make_loop,
    reported,
    reviewing,
)

from gridgov.clock import ManualClock
from gridgov.errors import (
    InvalidInput,
    NoResponsibleUnit,
    PermissionDenied,
    PolicyError,
    TransitionNotAllowed,
    UnknownArea,
    UnknownCategory,
)
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, UnitKind
from gridgov.workflow import Actor, Ticket, TicketLoop, Tier


def test_small_issue_runs_the_whole_loop_inside_the_grid() -> None:
    clock = ManualClock(START)
    loop = make_loop(clock)
    ticket, first = loop.report("T1", RESIDENT, category="noise", area_code="M1")
    events = [first]
    for step in (
        lambda: loop.accept(ticket, WORKER),
        lambda: loop.dispatch(ticket, WORKER),
        lambda: loop.sign_for(ticket, MICRO),
        lambda: loop.mark_handled(ticket, MICRO, result="quiet now", photos=["a.jpg"]),
        lambda: loop.request_review(ticket, WORKER),
        lambda: loop.review(ticket, RESIDENT, verdict="satisfied"),
    ):
        clock.advance(timedelta(minutes=10))
        events.append(step())
    assert ticket.state == "closed"
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert [e.at for e in events] == [START + timedelta(minutes=10 * i) for i in range(7)]
    assert events[2].payload["unit"] == "mw-M1"  # the micro-grid worker (微网格员) first
    assert events[2].payload["level"] == "micro_grid"
    assert ticket.tier == "small"
    assert ticket.handled_level == "micro_grid"
    assert loop.stayed_in_grid(ticket) is True
    assert Ticket.from_events(events) == ticket


def test_complex_issue_goes_to_the_community_with_linked_departments() -> None:
    loop = make_loop()
    ticket = reported(loop, category="property_dispute", area="G1")
    loop.accept(ticket, WORKER)
    event = loop.dispatch(ticket, WORKER)
    assert (event.payload["unit"], event.payload["level"]) == ("co-C1", "community")
    assert event.payload["linked_departments"] == ["chengguan", "market_regulation"]
    assert ticket.supervised is False


def test_major_issue_goes_to_the_street_and_is_supervised() -> None:
    loop = make_loop()
    ticket = reported(loop, category="fraud")
    loop.accept(ticket, WORKER)
    event = loop.dispatch(ticket, WORKER)
    assert (event.payload["unit"], event.payload["level"]) == ("so-S", "street")
    assert event.payload["linked_departments"][0] == "police"
    assert ticket.supervised is True


def test_dispatch_to_a_named_department() -> None:
    loop = make_loop()
    ticket = reported(loop, category="illegal_building")
    loop.accept(ticket, WORKER)
    event = loop.dispatch(ticket, WORKER, department="chengguan")
    assert (event.payload["unit"], event.payload["department"]) == ("cg-D", "chengguan")
    loop.sign_for(ticket, CHENGGUAN)
    assert ticket.state == "in_progress"


def test_dispatch_to_a_unit_that_does_not_cover_the_area_is_refused() -> None:
    loop = make_loop()
    ticket = reported(loop)
    loop.accept(ticket, WORKER)
    with pytest.raises(NoResponsibleUnit, match="gw-G3"):
        loop.dispatch(ticket, WORKER, unit_code="gw-G3")
    assert (ticket.state, ticket.version) == ("accepted", 2)


def test_escalation_climbs_one_level_at_a_time_and_records_who_and_why() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    assert ticket.assigned_unit == "mw-M1"
    first = loop.escalate(ticket, MICRO, reason="needs the grid worker")
    assert (first.payload["unit"], first.payload["level"]) == ("gw-G1", "grid")
    assert (first.actor_id, first.payload["reason"], first.payload["cause"]) == (
        "mw-M1",
        "needs the grid worker",
        "person",
    )
    assert first.payload["from_unit"] == "mw-M1"
    second = loop.escalate(ticket, WORKER, reason="needs the property company")
    assert (second.payload["unit"], second.payload["level"]) == ("co-C1", "community")
    third = loop.escalate(ticket, SYSTEM, reason="beyond the community", cause="sla_breach")
    assert (third.payload["unit"], third.payload["level"]) == ("so-S", "street")
    assert ticket.escalation_count == 3
    with pytest.raises(NoResponsibleUnit):
        loop.escalate(ticket, STREET, reason="no one above")
    assert ticket.escalation_count == 3


def test_escalation_to_a_department_for_linked_handling() -> None:
    loop = make_loop()
    ticket = in_progress(loop, category="illegal_building")
    event = loop.escalate(ticket, COMMUNITY, reason="needs enforcement", department="chengguan")
    assert (event.payload["unit"], event.payload["level"]) == ("cg-D", "district")


def test_returned_ticket_can_be_escalated() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    loop.return_to_dispatcher(ticket, MICRO, reason="beyond my power")
    assert (ticket.state, ticket.assigned_unit, ticket.return_count) == ("accepted", None, 1)
    event = loop.escalate(ticket, HEAD, reason="returned", cause="returned")
    assert event.payload["unit"] == "gw-G1"  # one above the tier's handler (the micro-grid worker)


def test_unknown_escalation_cause_is_refused() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    with pytest.raises(InvalidInput, match="cause"):
        loop.escalate(ticket, MICRO, reason="x", cause="boredom")


@pytest.mark.parametrize("steps", [0, 1, 2])
def test_resume_returns_to_where_it_was_suspended(steps: int) -> None:
    loop = make_loop()
    ticket = reported(loop)
    loop.accept(ticket, WORKER)
    if steps >= 1:
        loop.dispatch(ticket, WORKER)
    if steps >= 2:
        loop.sign_for(ticket, MICRO)
    handler = MICRO if steps else WORKER  # the dispatched ticket is the micro-grid's
    origin = ticket.state
    loop.suspend(ticket, handler, reason="waiting for the owner to come back")
    assert (ticket.state, ticket.suspended_from) == ("suspended", origin)
    event = loop.resume(ticket, handler)
    assert (event.to_state, ticket.state, ticket.suspended_from) == (origin, origin, None)


def test_unsatisfied_review_needs_a_comment_and_keeps_the_ticket_in_review() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    with pytest.raises(InvalidInput, match="comment"):
        loop.review(ticket, RESIDENT, verdict="not_satisfied")
    loop.review(ticket, RESIDENT, verdict="not_satisfied", comment="still loud at night")
    assert (ticket.state, ticket.review_verdict) == ("reviewing", "not_satisfied")


def test_unknown_verdict_is_refused() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    with pytest.raises(InvalidInput, match="verdict"):
        loop.review(ticket, RESIDENT, verdict="meh")
    assert ticket.state == "reviewing"


def test_reopen_goes_back_to_the_same_unit_or_one_level_up() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    loop.review(ticket, RESIDENT, verdict="not_satisfied", comment="no change")
    same = loop.reopen(ticket, HEAD, reason="try again")
    assert (same.payload["unit"], ticket.state, ticket.reopen_count) == ("mw-M1", "dispatched", 1)
    loop.sign_for(ticket, MICRO)
    loop.mark_handled(ticket, MICRO, result="second try")
    higher = loop.reopen(ticket, COMMUNITY, reason="take it up", higher=True)
    assert higher.payload["unit"] == "gw-G1"
    assert (ticket.reopen_count, ticket.escalation_count) == (2, 1)


def test_supervision_marks_the_ticket_and_keeps_it_with_the_handler() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    event = loop.supervise(ticket, COMMUNITY, reason="open for three days")
    assert (event.from_state, event.to_state) == ("in_progress", "in_progress")
    assert (ticket.supervised, ticket.assigned_unit) == (True, "mw-M1")


def test_auto_close_when_no_review_comes() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    event = loop.close(ticket, SYSTEM, reason="no review within 3 days", auto=True)
    assert (ticket.state, event.payload["auto"]) == ("closed", True)
    assert loop.stayed_in_grid(ticket) is True


def test_merge_into_another_ticket() -> None:
    loop = make_loop()
    ticket = reported(loop)
    with pytest.raises(InvalidInput, match="itself"):
        loop.merge_into(ticket, WORKER, into="T1")
    loop.merge_into(ticket, WORKER, into="T0")
    assert (ticket.state, ticket.merged_into) == ("merged", "T0")


def test_resident_withdraws_their_own_ticket() -> None:
    loop = make_loop()
    ticket = reported(loop)
    loop.withdraw(ticket, RESIDENT, reason="fixed it myself")
    assert ticket.state == "withdrawn"


def test_reject_needs_a_reason() -> None:
    loop = make_loop()
    ticket = reported(loop)
    with pytest.raises(InvalidInput, match="reason"):
        loop.reject(ticket, WORKER, reason=" ")
    loop.reject(ticket, WORKER, reason="not in our area of work")
    assert ticket.state == "rejected"


def test_mark_handled_needs_a_result() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    with pytest.raises(InvalidInput, match="result"):
        loop.mark_handled(ticket, WORKER, result="")
    assert ticket.state == "in_progress"


def test_illegal_trigger_raises_and_changes_nothing() -> None:
    loop = make_loop()
    ticket = reported(loop)
    snapshot = (ticket.state, ticket.version, ticket.updated_at)
    with pytest.raises(TransitionNotAllowed) as info:
        loop.sign_for(ticket, WORKER)
    assert (info.value.ticket_id, info.value.state, info.value.trigger) == (
        "T1",
        "reported",
        "sign_for",
    )
    assert "allowed here: accept" in str(info.value)
    assert (ticket.state, ticket.version, ticket.updated_at) == snapshot


def test_escalate_in_a_final_state_is_refused_before_looking_for_a_unit() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    loop.review(ticket, RESIDENT, verdict="satisfied")
    with pytest.raises(TransitionNotAllowed, match="final"):
        loop.escalate(ticket, HEAD, reason="too late")


def test_escalated_ticket_did_not_stay_in_the_grid() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    assert loop.stayed_in_grid(ticket) is None
    loop.escalate(ticket, MICRO, reason="too big for the building")
    loop.sign_for(ticket, WORKER)
    loop.mark_handled(ticket, WORKER, result="done")
    loop.close(ticket, WORKER)
    assert ticket.handled_level == "grid"  # still inside the grid, but escalated to get there
    assert loop.stayed_in_grid(ticket) is False


def test_report_checks_category_and_area() -> None:
    loop = make_loop()
    with pytest.raises(UnknownCategory):
        loop.report("T1", RESIDENT, category="ufo", area_code="M1")
    with pytest.raises(UnknownArea):
        loop.report("T1", RESIDENT, category="noise", area_code="X9")


def test_allowed_triggers_combine_table_and_permissions() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    assert loop.allowed_triggers(ticket, RESIDENT) == ("review",)
    assert loop.allowed_triggers(ticket, NEIGHBOUR) == ()
    assert loop.allowed_triggers(ticket, HEAD) == ("review", "reopen", "supervise", "close")


def test_a_policy_whose_levels_the_tree_lacks_is_refused() -> None:
    tree = AreaTree(
        [Area("B", "Boston", "city"), Area("W1", "Ward 1", "ward", "B")], LevelSet(["city", "ward"])
    )
    with pytest.raises(PolicyError, match=r"tiers\.small\.level"):
        TicketLoop(
            directory=Directory(tree, [Unit("u", "u", UnitKind.GRID_WORKER, "W1")]),
            clock=ManualClock(START),
        )


def test_tier_level_picks_the_first_level_the_tree_has() -> None:
    tier = Tier("major", "大事", "major", ("street", "district"))
    assert tier.level_in(LevelSet(["district", "community"])) == "district"
    assert tier.level_in(LevelSet(["district", "street"])) == "street"


def test_a_grid_without_a_grid_worker_falls_back_to_its_community_office() -> None:
    tree = AreaTree(
        [
            Area("C", "社区", "community"),
            Area("G", "网格", "grid", "C"),
            Area("M", "1幢", "micro_grid", "G"),
        ]
    )
    loop = TicketLoop(
        directory=Directory(tree, [Unit("co", "社区居委会", UnitKind.COMMUNITY_OFFICE, "C")]),
        clock=ManualClock(START),
    )
    office = Actor("co", UnitKind.COMMUNITY_OFFICE, "C", unit_code="co")
    ticket, _ = loop.report("T1", Actor("r", "resident", "M"), category="noise", area_code="M")
    loop.accept(ticket, office)
    event = loop.dispatch(ticket, office)
    assert (event.payload["unit"], event.payload["level"]) == ("co", "community")
    assert event.payload["fallback"] is True


def test_a_major_ticket_handled_at_the_street_did_not_stay_in_the_grid() -> None:
    loop = make_loop()
    ticket = reported(loop, category="company_dispute", area="G1")
    assert ticket.tier == "major"
    loop.accept(ticket, STREET)
    assert loop.dispatch(ticket, STREET).payload["unit"] == "so-S"
    loop.sign_for(ticket, STREET)
    loop.mark_handled(ticket, STREET, result="mediated")
    loop.close(ticket, STREET)
    assert (ticket.handled_level, ticket.escalation_count) == ("street", 0)
    assert loop.stayed_in_grid(ticket) is False


def test_an_unsatisfied_review_cannot_be_closed_by_a_grid_worker() -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    loop.review(ticket, RESIDENT, verdict="not_satisfied", comment="still loud")
    assert ticket.contested
    with pytest.raises(PermissionDenied, match="only a supervisor's decision closes it"):
        loop.close(ticket, WORKER)
    with pytest.raises(PermissionDenied, match="only a supervisor's decision"):
        loop.close(ticket, SYSTEM, reason="no answer", auto=True)
    with pytest.raises(TransitionNotAllowed):
        loop.close(ticket, HEAD)  # a supervisor, but no reason recorded
    assert (ticket.state, ticket.version) == ("reviewing", 7)
    event = loop.close(ticket, HEAD, reason="已核实: 夜间噪音来自施工许可时段")
    assert (ticket.state, event.payload["contested"]) == ("closed", True)


@pytest.mark.parametrize("settle", ["review", "reopen"])
def test_a_new_review_or_a_reopen_settles_an_unsatisfied_review(settle: str) -> None:
    loop = make_loop()
    ticket = reviewing(loop)
    loop.review(ticket, RESIDENT, verdict="not_satisfied", comment="still loud")
    if settle == "review":
        loop.review(ticket, RESIDENT, verdict="basically_satisfied")
        assert ticket.state == "closed"
    else:
        loop.reopen(ticket, HEAD, reason="重办")
        assert (ticket.state, ticket.contested) == ("dispatched", False)


def test_replay_refuses_closing_a_contested_ticket_without_a_reason() -> None:
    at = START
    ticket = Ticket("T9")
    for trigger, payload in [
        ("report", {}), ("accept", {}), ("dispatch", {}), ("sign_for", {}),
        ("mark_handled", {"result": "done"}), ("request_review", {}),
        ("review", {"verdict": "not_satisfied", "comment": "no"}),
    ]:  # fmt: skip
        assert ticket.fire(trigger, at, payload) is not None
    assert ticket.fire("close", at) is None
    assert ticket.nonconformance == ["reviewing:close"]
    assert ticket.fire("close", at, {"reason": "裁定归档"}) is not None
    assert ticket.state == "closed"
