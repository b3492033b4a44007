"""Permissions are data (role × trigger), area-scoped, and checked before any change."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit._workflow_world import (
    AREAS,
    CHENGGUAN,
    COMMUNITY,
    LEVELS,
    MICRO,
    NEIGHBOUR,
    OTHER_WORKER,
    RESIDENT,
    START,
    WORKER,
    in_progress,
    make_loop,
    reported,
)

from gridgov.errors import PermissionDenied, PolicyError
from gridgov.grid import AreaTree
from gridgov.workflow import (
    DEFAULT_PERMISSIONS,
    TABLE,
    Actor,
    Part,
    Scope,
    Ticket,
    Trigger,
    load_permissions,
)

TREE = AreaTree(AREAS, LEVELS)

HANDLE = "sign_for return_to_dispatcher suspend resume mark_handled"
TRIAGE = "accept reject dispatch merge_into escalate"
FOLLOW_UP = "request_review close"
OVERSEE = "supervise reopen review"
PART = "sign_for_part handle_part"
# The matrix as the docs state it (docs/reference/permissions.md).
EXPECTED: dict[str, tuple[Scope, str]] = {
    "resident": (Scope.OWN, "report withdraw review"),
    "volunteer": (Scope.AREA, "report"),
    "building_leader": (Scope.AREA, "report sign_for mark_handled"),
    "micro_grid_worker": (Scope.AREA, f"report escalate {HANDLE}"),
    "grid_worker": (Scope.AREA, f"report {TRIAGE} {HANDLE} {FOLLOW_UP}"),
    "grid_head": (Scope.AREA, f"report {TRIAGE} {HANDLE} {FOLLOW_UP} {OVERSEE}"),
    "community_office": (Scope.AREA, " ".join(t for t in Trigger if t != "withdraw")),
    "street_office": (Scope.AREA, f"{TRIAGE} {HANDLE} {PART} {FOLLOW_UP} {OVERSEE}"),
    "district_office": (Scope.AREA, f"{TRIAGE} {FOLLOW_UP} {OVERSEE}"),
    "property_company": (Scope.ASSIGNED, f"{HANDLE} {PART}"),
    "department": (Scope.ASSIGNED, f"{HANDLE} {PART}"),
    "system": (Scope.ANY, "close escalate supervise request_review reopen"),
}
DIRECT = f"{TRIAGE} {FOLLOW_UP} {OVERSEE}"
# What each area role may do to a ticket dispatched to another unit (on_others).
ON_OTHERS: dict[str, str] = {
    "grid_worker": FOLLOW_UP,
    "grid_head": f"escalate {FOLLOW_UP} {OVERSEE}",
    "community_office": DIRECT,
    "street_office": DIRECT,
    "district_office": DIRECT,
}
UNIT_FREE = {"report", "accept", "reject", "dispatch", "merge_into", "sign_for_part", "handle_part"}


def _state_for(trigger: str) -> str:
    return next(s for s in TABLE.states if TABLE.is_defined(s, trigger))


def _ticket(trigger: str) -> Ticket:
    return Ticket(
        id="T1",
        state=_state_for(trigger),
        area_code="M1",
        reporter_id="r1",
        assigned_unit="u1",
        parts=(Part("u1", START),),  # a joint ticket: unit u1 is also a co-unit
    )


def _actor(role: str, scope: Scope, *, inside: bool) -> Actor:
    if scope is Scope.OWN:
        return Actor("r1" if inside else "r2", role, "M1")
    if scope is Scope.ASSIGNED:
        return Actor("x", role, "D", unit_code="u1" if inside else "u2")
    return Actor("x", role, "C1" if inside else "C2", unit_code="u1" if inside else "u2")


def test_the_matrix_is_the_documented_one() -> None:
    actual = {
        role: (grant.scope, set(grant.triggers))
        for role, grant in DEFAULT_PERMISSIONS.roles.items()
    }
    assert actual == {role: (scope, set(t.split())) for role, (scope, t) in EXPECTED.items()}


def test_the_roles_acting_on_other_units_tickets_are_the_documented_ones() -> None:
    actual = {r: set(g.on_others) for r, g in DEFAULT_PERMISSIONS.roles.items() if g.on_others}
    assert actual == {role: set(t.split()) for role, t in ON_OTHERS.items()}


@pytest.mark.parametrize("role", sorted(r for r, (s, _) in EXPECTED.items() if s is Scope.AREA))
@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_area_role_and_trigger_on_a_ticket_dispatched_to_another_unit(
    role: str, trigger: Trigger
) -> None:
    _, granted = EXPECTED[role]
    actor = Actor("x", role, "C1", unit_code="u2")  # in the area, not the ticket's unit u1
    refusal = DEFAULT_PERMISSIONS.refusal(actor, trigger, _ticket(trigger), TREE)
    reaches = trigger in granted.split() and (
        trigger in ON_OTHERS.get(role, "").split() or trigger in UNIT_FREE
    )
    if trigger in ("sign_for_part", "handle_part") and trigger in granted.split():
        assert "not a co-unit" in refusal  # a part is its own co-unit's, whatever the role
    else:
        assert (refusal == "") == reaches, refusal
    assert DEFAULT_PERMISSIONS.roles[role].reach(trigger) == (
        "" if trigger not in granted.split() else "any" if reaches or trigger in UNIT_FREE
        else "unit"
    )  # fmt: skip


# issue 13, item 13: area roles respect the assignment
def test_micro_grid_worker_cannot_sign_for_a_ticket_dispatched_to_the_community_office() -> None:
    loop = make_loop()
    ticket = reported(loop)
    loop.accept(ticket, WORKER)
    loop.dispatch(ticket, WORKER, unit_code="co-C1")
    micro = Actor("mw-M1", "micro_grid_worker", "M1", unit_code="mw-M1")
    with pytest.raises(PermissionDenied, match="dispatched to unit 'co-C1'"):
        loop.sign_for(ticket, micro)
    loop.sign_for(ticket, COMMUNITY)
    with pytest.raises(PermissionDenied, match="dispatched to unit 'co-C1'"):
        loop.mark_handled(ticket, WORKER, result="done")
    assert ticket.state == "in_progress"
    loop.mark_handled(ticket, COMMUNITY, result="done")
    loop.request_review(ticket, WORKER)  # follow-up of any ticket in the grid (on_others)
    assert ticket.state == "reviewing"


def test_on_others_must_be_granted_triggers() -> None:
    from pydantic import ValidationError

    from gridgov.workflow import RoleGrant

    with pytest.raises(ValidationError, match="not granted: supervise"):
        RoleGrant(label_zh="x", scope=Scope.AREA, triggers={"report"}, on_others={"supervise"})


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("trigger", list(Trigger))
def test_every_role_and_trigger_inside_its_scope(role: str, trigger: Trigger) -> None:
    scope, granted = EXPECTED[role]
    actor = _actor(role, scope, inside=True)
    refusal = DEFAULT_PERMISSIONS.refusal(actor, trigger, _ticket(trigger), TREE)
    assert (refusal == "") == (trigger in granted.split()), refusal


@pytest.mark.parametrize("role", sorted(r for r, (s, _) in EXPECTED.items() if s is not Scope.ANY))
def test_every_scoped_role_is_refused_outside_its_scope(role: str) -> None:
    scope, granted = EXPECTED[role]
    actor = _actor(role, scope, inside=False)
    for trigger in granted.split():
        refusal = DEFAULT_PERMISSIONS.refusal(actor, trigger, _ticket(trigger), TREE)
        assert refusal != "", trigger


def test_unknown_role_is_refused() -> None:
    actor = Actor("x", "mayor", "D")
    assert "unknown role" in DEFAULT_PERMISSIONS.refusal(actor, "accept", _ticket("accept"), TREE)


def test_worker_of_another_grid_is_denied_and_nothing_changes() -> None:
    loop = make_loop()
    ticket = reported(loop)
    with pytest.raises(PermissionDenied) as info:
        loop.accept(ticket, OTHER_WORKER)
    assert (info.value.actor_id, info.value.trigger, info.value.ticket_id) == (
        "gw-G3",
        "accept",
        "T1",
    )
    assert "outside the actor's area 'G3'" in str(info.value)
    assert (ticket.state, ticket.version) == ("reported", 1)


def test_resident_cannot_touch_a_neighbours_ticket() -> None:
    loop = make_loop()
    ticket = reported(loop)
    with pytest.raises(PermissionDenied, match="not the reporter"):
        loop.withdraw(ticket, NEIGHBOUR)
    with pytest.raises(PermissionDenied, match="no 'accept' permission"):
        loop.accept(ticket, RESIDENT)
    assert ticket.version == 1


def test_resident_cannot_report_for_someone_else() -> None:
    loop = make_loop()
    with pytest.raises(PermissionDenied):
        loop.report("T2", RESIDENT, category="noise", area_code="M1", reporter_id="r2")


def test_department_acts_only_on_tickets_dispatched_to_it() -> None:
    loop = make_loop()
    ticket = in_progress(loop)
    with pytest.raises(PermissionDenied, match="not dispatched to unit 'cg-D'"):
        loop.suspend(ticket, CHENGGUAN, reason="not ours")
    loop.escalate(ticket, MICRO, reason="enforcement", department="chengguan")
    loop.sign_for(ticket, CHENGGUAN)
    assert ticket.state == "in_progress"


def test_permission_is_checked_before_the_state() -> None:
    loop = make_loop()
    ticket = reported(loop)
    with pytest.raises(PermissionDenied):
        loop.sign_for(ticket, OTHER_WORKER)


def test_a_custom_matrix_is_plain_data() -> None:
    from gridgov.workflow import PermissionPolicy

    policy = PermissionPolicy.model_validate(
        {"roles": {"inspector": {"label_zh": "巡查员", "scope": "area", "triggers": ["report"]}}}
    )
    assert policy.allows("inspector", "report")
    assert not policy.allows("inspector", "close")


def test_a_matrix_loads_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "permissions.toml"
    path.write_text(
        '[roles.inspector]\nlabel_zh = "巡查员"\nscope = "area"\ntriggers = ["report"]\n',
        encoding="utf-8",
    )
    policy = load_permissions(path)
    assert policy.roles["inspector"].scope is Scope.AREA
    assert policy.allows("inspector", "report")


def test_a_bad_matrix_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "permissions.toml"
    path.write_text(
        '[roles.inspector]\nlabel_zh = "巡查员"\nscope = "city"\ntriggers = ["report"]\n'
        '\n[roles.clerk]\nlabel_zh = "文员"\nscope = "any"\ntriggers = ["fly"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        load_permissions(path)
    found = {(p.field, p.line) for p in info.value.problems}
    assert found == {("roles.inspector.scope", 3), ("roles.clerk.triggers[0]", 9)}
    assert str(path) in str(info.value)
