"""Benchmark: replaying ticket events through the compiled table vs. the object API.

Generates random but legal ticket histories from the loop's own table (about a
million events by default), then times, on the same events in the same run:

- a bare dict lookup ``(state, trigger) -> dest`` (the floor: the cost of the loop itself);
- ``TABLE.next_state(state, trigger, payload)``, the compiled table replay uses;
- the shared ``transitions`` machine (``machine.events[name].trigger(cursor)``), which is
  what the object API runs for each action;
- the full object API, ``TicketLoop`` (permission check, unit lookup, machine, a frozen
  ``TicketEvent``, the fold) on a smaller sample;
- ``Ticket.apply`` folding prebuilt events (what a store or replay does to rebuild state).

    python benchmarks/bench_workflow.py            # 1,000,000 events
    python benchmarks/bench_workflow.py --smoke    # a few thousand, a few seconds
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gridgov.clock import ManualClock
from gridgov.errors import GridGovError
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, UnitKind
from gridgov.workflow import (
    NEW,
    PART_TRIGGERS,
    TABLE,
    Actor,
    PermissionPolicy,
    Ticket,
    TicketEvent,
    TicketLoop,
    Trigger,
)
from gridgov.workflow._machine import fire

Step = tuple[str, str, dict[str, Any]]  # (from_state, trigger, payload)
EMPTY: dict[str, Any] = {}
START = datetime(2025, 3, 3, 8, tzinfo=UTC)


# Most tickets follow the main path; withdrawals, rejections and merges are rare.
WEIGHTS = {"reject": 0.05, "withdraw": 0.03, "merge_into": 0.03, "supervise": 0.1, "suspend": 0.2}


def pick(choices: tuple[str, ...], rng: random.Random) -> str:
    """A trigger among ``choices``, weighted towards the main path of the loop."""
    return rng.choices(choices, weights=[WEIGHTS.get(c, 1.0) for c in choices])[0]


def payload_for(trigger: str, suspended_from: str | None, rng: random.Random) -> dict[str, Any]:
    """A payload the table's guards accept (unguarded triggers share one empty dict)."""
    if trigger == "review":
        return {"verdict": rng.choice(["satisfied", "basically_satisfied", "not_satisfied"])}
    if trigger == "resume":
        return {"resume_to": suspended_from}
    if trigger == "mark_handled":
        return {"result": "done"}
    if trigger == "merge_into":
        return {"into": "T0"}
    return EMPTY


def histories(n_events: int, seed: int = 7) -> list[Step]:
    """Random legal histories, ticket after ticket, until ``n_events`` events."""
    rng = random.Random(seed)
    steps: list[Step] = []
    while len(steps) < n_events:
        state, suspended_from = NEW, None
        for _ in range(20):
            choices = _unjoint(TABLE.triggers_from(state))
            if not choices:
                break
            trigger = pick(choices, rng)
            payload = payload_for(trigger, suspended_from, rng)
            steps.append((state, trigger, payload))
            dest = TABLE.next_state(state, trigger, payload)
            assert dest is not None
            if dest != "suspended":
                suspended_from = None
            elif state != "suspended":
                suspended_from = state
            state = dest
    return steps[:n_events]


def timed(run: Callable[[], object]) -> float:
    """Seconds for one call of ``run``."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def replay(steps: list[Step], next_state: Callable[[str, str, dict[str, Any]], str | None]) -> None:
    """Chain the states through ``next_state``, as a replay does."""
    state = NEW
    for _, trigger, payload in steps:
        if trigger == "report":
            state = NEW
        dest = next_state(state, trigger, payload)
        if dest is None:
            raise AssertionError(f"{trigger} refused in {state}")
        state = dest


def bare_dict(steps: list[Step]) -> None:
    """The floor: one dict lookup per event, same loop shape."""
    plain = {(s, t): s for s in TABLE.states for t in TABLE.triggers}
    dest = NEW
    for state, trigger, _ in steps:
        if trigger == "report":
            dest = NEW
        dest = plain[(state, trigger)]
    assert dest


def world() -> tuple[TicketLoop, Actor]:
    """区 → 街道 → 社区 → 网格 with a handler at each level and one all-powerful operator."""
    levels = LevelSet(["district", "street", "community", "grid"])
    tree = AreaTree(
        [
            Area("D", "区", "district"),
            Area("S", "街道", "street", "D"),
            Area("C", "社区", "community", "S"),
            Area("G", "网格", "grid", "C"),
        ],
        levels,
    )
    units = [
        Unit("g", "网格员", UnitKind.GRID_WORKER, "G"),
        Unit("c", "社区", UnitKind.COMMUNITY_OFFICE, "C"),
        Unit("s", "街道", UnitKind.STREET_OFFICE, "S"),
        Unit("cg", "城管", UnitKind.DEPARTMENT, "D", "chengguan"),
    ]
    grants = {"label_zh": "运营", "scope": "any", "triggers": [t.value for t in Trigger]}
    permissions = PermissionPolicy.model_validate({"roles": {"operator": grants}})
    clock = ManualClock(START)
    loop = TicketLoop(directory=Directory(tree, units), clock=clock, permissions=permissions)
    return loop, Actor("op", "operator", "D")


def _unjoint(triggers: tuple[str, ...]) -> tuple[str, ...]:
    """The walk's tickets are not joint (no co-units): a co-unit's moves are left out, so
    the figures compare with runs from before joint handling existed."""
    return tuple(t for t in triggers if t not in PART_TRIGGERS)


def act(
    loop: TicketLoop, actor: Actor, ticket: Ticket, trigger: str, rng: random.Random
) -> TicketEvent:
    """Fire ``trigger`` through the object API with plausible arguments."""
    if trigger == "review":
        verdict = rng.choice(["satisfied", "not_satisfied"])
        return loop.review(ticket, actor, verdict=verdict, comment="still broken")
    if trigger == "mark_handled":
        return loop.mark_handled(ticket, actor, result="done", photos=["p.jpg"])
    if trigger == "merge_into":
        return loop.merge_into(ticket, actor, into="T0")
    if trigger == "escalate" and ticket.escalation_count >= 2:
        return loop.escalate(ticket, actor, reason="linkage", department="chengguan")
    if trigger in {"reject", "return_to_dispatcher", "suspend", "supervise", "escalate"}:
        event: TicketEvent = getattr(loop, trigger)(ticket, actor, reason="because")
        return event
    if trigger == "reopen":
        return loop.reopen(ticket, actor, reason="again")
    event = getattr(loop, trigger)(ticket, actor)
    return event


def object_api(n_events: int, keep: int, seed: int = 7) -> tuple[int, int, list[TicketEvent]]:
    """Random walks through ``TicketLoop``: (transitions, refusals, the first ``keep`` events).

    Only whole tickets are kept (for the fold benchmark), so memory stays bounded.
    """
    rng = random.Random(seed)
    loop, actor = world()
    kept: list[TicketEvent] = []
    done, refused, n = 0, 0, 0
    while done < n_events:
        n += 1
        ticket, first = loop.report(f"T{n}", actor, category="noise", area_code="G")
        history = [first]
        for _ in range(19):
            choices = _unjoint(TABLE.triggers_from(ticket.state))
            if not choices:
                break
            try:
                history.append(act(loop, actor, ticket, pick(choices, rng), rng))
            except GridGovError:
                refused += 1
        done += len(history)
        if len(kept) < keep:
            kept.extend(history)
    return done, refused, kept


def fold(events: list[TicketEvent]) -> None:
    """Rebuild every ticket from its events."""
    ticket: Ticket | None = None
    for event in events:
        if event.seq == 1:
            ticket = Ticket(id=event.ticket_id)
        assert ticket is not None
        ticket.apply(event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--api-events", type=int, default=1_000_000)
    parser.add_argument("--fold-events", type=int, default=200_000)
    args = parser.parse_args()
    n, n_api, n_fold = (
        (5_000, 1_000, 1_000) if args.smoke else (args.events, args.api_events, args.fold_events)
    )

    steps = histories(n)
    tickets = sum(1 for _, t, _ in steps if t == "report")
    print(f"events: {n:,} in {tickets:,} random legal histories")
    floor = timed(lambda: bare_dict(steps))
    table = timed(lambda: replay(steps, TABLE.next_state))
    machine = timed(lambda: replay(steps, fire))
    print(f"{'bare dict lookup (floor)':<44}{n / floor:>14,.0f} events/s")
    print(f"{'compiled table TABLE.next_state':<44}{n / table:>14,.0f} events/s")
    print(f"{'shared transitions machine':<44}{n / machine:>14,.0f} events/s")
    api_start = time.perf_counter()
    n_done, refused, events = object_api(n_api, keep=n_fold)
    api = time.perf_counter() - api_start
    print(
        f"{'object API TicketLoop (full action)':<44}{n_done / api:>14,.0f} events/s"
        f"  ({n_done:,} events, {refused:,} refusals)"
    )
    folding = timed(lambda: fold(events))
    print(f"{'Ticket.apply fold of prebuilt events':<44}{len(events) / folding:>14,.0f} events/s")
    print(f"ratio table / machine:    {machine / table:8.1f}x faster")
    print(f"ratio table / object API: {(api / n_done) / (table / n):8.1f}x faster")
    print(f"ratio table / bare dict:  {table / floor:8.1f}x slower")


if __name__ == "__main__":
    main()
