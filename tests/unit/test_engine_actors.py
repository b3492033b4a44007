"""The engine decides who acts (issue 13, item 14): a caller's Actor is only a claim,
resolved against the stored people and units unless the app passes a trusted resolver;
role ``system``, ``auto`` closing and ``sla_breach`` escalation are the timers' own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gridgov import Engine
from gridgov.app import StoredActors, trust_callers
from gridgov.clock import ManualClock
from gridgov.errors import ActorMismatch, PermissionDenied, UnknownActor
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor

TREE = AreaTree(
    [
        Area("YH", "余杭区", "district"),
        Area("ZM", "朱庙社区", "community", "YH"),
        Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
        Area("ZM-01-01", "3幢", "micro_grid", "ZM-01"),
    ]
)
UNITS = [
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("H1", "李网格长", UnitKind.GRID_HEAD, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]
WORKER = Actor("W1", "grid_worker", "ZM-01", "W1")
HEAD = Actor("H1", "grid_head", "ZM-01", "H1")
RESIDENT = Actor("r1", "resident", "ZM-01-01")
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def _engine(**kwargs: object) -> Engine:
    return Engine(
        store=InMemoryStore(),
        directory=Directory(TREE, UNITS),
        clock=ManualClock(T0),
        **kwargs,  # type: ignore[arg-type]
    )


def _dispatched(engine: Engine) -> str:
    ticket = engine.report(actor=RESIDENT, category="noise", area_code="ZM-01")
    engine.act(ticket.id, "accept", actor=WORKER)
    engine.act(ticket.id, "dispatch", actor=WORKER)
    return ticket.id


def test_a_caller_cannot_claim_a_role_its_stored_unit_does_not_hold() -> None:
    engine = _engine()
    ticket_id = _dispatched(engine)
    claim = Actor("W1", "grid_head", "ZM-01", "W1")  # W1 is a grid worker
    with pytest.raises(
        ActorMismatch, match=r"claims role 'grid_head'.* stored as role 'grid_worker'"
    ):
        engine.act(ticket_id, "supervise", actor=claim, reason="I say so")
    assert engine.get(ticket_id).version == 3


def test_a_caller_cannot_move_a_stored_actor_to_another_area_or_unit() -> None:
    engine = _engine()
    ticket_id = _dispatched(engine)
    with pytest.raises(ActorMismatch, match="area 'ZM'"):
        engine.act(ticket_id, "sign_for", actor=Actor("W1", "grid_worker", "ZM", "W1"))
    with pytest.raises(ActorMismatch, match="unit 'ZM-office'"):
        engine.act(ticket_id, "sign_for", actor=Actor("W1", "grid_worker", "ZM-01", "ZM-office"))


def test_an_id_alone_acts_as_the_stored_actor() -> None:
    engine = _engine()
    ticket_id = _dispatched(engine)
    view = engine.act(ticket_id, "sign_for", actor="W1")
    assert view.state == "in_progress"
    assert engine.history(ticket_id)[-1].actor_role == "grid_worker"


def test_someone_not_stored_acts_only_as_a_resident_with_no_unit() -> None:
    engine = _engine()
    view = engine.report(actor=Actor("r9", "resident", "ZM-01-01"), category="noise",
                         area_code="ZM-01-01")  # fmt: skip
    assert view.state == "reported"
    with pytest.raises(UnknownActor, match="'boss'"):
        engine.act(view.id, "accept", actor=Actor("boss", "district_office", "YH"))
    with pytest.raises(UnknownActor, match="'r9'"):
        engine.act(view.id, "withdraw", actor="r9")  # an id alone names no one stored
    with pytest.raises(ActorMismatch, match="acts for no unit"):
        engine.act(view.id, "withdraw", actor=Actor("r9", "resident", "ZM-01-01", "W1"))


@pytest.mark.parametrize("resolver", [None, trust_callers])
def test_no_caller_acts_as_the_system(resolver: object) -> None:
    engine = _engine(actors=resolver)
    ticket_id = _dispatched(engine)
    with pytest.raises(ActorMismatch, match="reserved for the engine's own timers"):
        engine.act(ticket_id, "supervise", actor=Actor("gridgov-sla", "system"), reason="x")


def test_a_trusted_resolver_decides_who_acts() -> None:
    seen: list[Actor | str] = []

    def sso(claim: Actor | str) -> Actor:
        seen.append(claim)
        return HEAD if claim == "li@sso" else StoredActors(engine.store)(claim)

    engine = _engine(actors=sso)
    ticket_id = _dispatched(engine)
    view = engine.act(ticket_id, "supervise", actor="li@sso", reason="slow")
    assert view.supervised
    assert engine.history(ticket_id)[-1].actor_id == "H1"
    assert "li@sso" in seen


def test_only_the_timers_close_automatically_or_escalate_for_a_breach() -> None:
    engine = _engine()
    ticket_id = _dispatched(engine)
    with pytest.raises(PermissionDenied, match="only the engine's timers"):
        engine.act(ticket_id, "escalate", actor=HEAD, reason="late", cause="sla_breach")
    engine.act(ticket_id, "sign_for", actor=WORKER)
    engine.act(ticket_id, "mark_handled", actor=WORKER, result="已劝导")
    with pytest.raises(PermissionDenied, match="only the engine's timers"):
        engine.act(ticket_id, "close", actor=WORKER, auto=True)
    view = engine.act(ticket_id, "close", actor=WORKER, reason="resident moved away")
    assert view.state == "closed"
    assert engine.history(ticket_id)[-1].payload["auto"] is False
