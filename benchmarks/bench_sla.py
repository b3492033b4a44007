"""How fast the SLA engine runs clocks: transitions and SLA events per second.

A synthetic city: tickets reported every few seconds through simulated time, each
going report → accept → dispatch → sign for → handled → review requested → reviewed
(some suspended for a while, some left to breach), on the shipped default policy
(response 5 min 24/7, handling 24 h or working days, review 3 working days on the
Chinese office calendar).  Transitions are fed in time order with ``advance_to``
between them, as a replay does.

Baselines measured in the same run:
- the workflow's plain transition table (``TABLE.next_state``) over the same stream —
  the cheapest thing a replay does per transition;
- one ``WorkingCalendar.add`` per clock start — the deadline arithmetic alone.

    python benchmarks/bench_sla.py            # 100,000 tickets (~700,000 transitions)
    python benchmarks/bench_sla.py --smoke    # 2,000 tickets, a few seconds
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from gridgov.sla import Duration, SlaEngine, load_default_policy
from gridgov.workflow import TABLE

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 3, 0, 0, tzinfo=SHANGHAI)


class Step(NamedTuple):
    """A transition as the engine reads it (the replay's events have these fields)."""

    ticket_id: str
    trigger: str
    from_state: str
    to_state: str
    at: datetime
    payload: Mapping[str, Any]


def _ticket(n: int, rng: random.Random) -> list[Step]:
    tid = f"T{n:07d}"
    t = START + timedelta(seconds=7 * n)
    tier = rng.choice(["small", "small", "small", "complex", "major"])
    moves: list[tuple[str, str, str, dict[str, Any]]] = [
        ("report", "new", "reported", {"category": "noise", "tier": tier, "channel": "app"}),
        ("accept", "reported", "accepted", {}),
        ("dispatch", "accepted", "dispatched", {}),
        ("sign_for", "dispatched", "in_progress", {}),
    ]
    if rng.random() < 0.2:
        moves.append(("suspend", "in_progress", "suspended", {}))
        moves.append(("resume", "suspended", "in_progress", {"resume_to": "in_progress"}))
    moves += [
        ("mark_handled", "in_progress", "handled", {"result": "done"}),
        ("request_review", "handled", "reviewing", {}),
        ("review", "reviewing", "closed", {"verdict": "satisfied"}),
    ]
    steps = []
    for trigger, frm, to, payload in moves:
        t += timedelta(minutes=rng.expovariate(1 / 240))  # mean 4 hours between steps
        steps.append(Step(tid, trigger, frm, to, t, payload))
    return steps


def _stream(tickets: int) -> list[Step]:
    rng = random.Random(20250303)
    steps = [s for n in range(tickets) for s in _ticket(n, rng)]
    steps.sort(key=lambda s: s.at)
    return steps


def _baseline_table(steps: list[Step]) -> float:
    states: dict[str, str] = {}
    began = time.perf_counter()
    for s in steps:
        states[s.ticket_id] = TABLE.next_state(s.from_state, s.trigger, s.payload) or s.from_state
    return time.perf_counter() - began


def _baseline_calendar(steps: list[Step]) -> tuple[float, int]:
    policy = load_default_policy()
    office, always = policy.calendars["cn_office"], policy.calendars["always"]
    three, day = Duration.parse("3wd"), Duration.parse("24h")
    starts = [s.at for s in steps if s.trigger in ("report", "mark_handled")]
    office.add(starts[0], three)  # build the calendar tables outside the timing
    began = time.perf_counter()
    for at in starts:
        always.add(at, day)
        office.add(at, three)
    return time.perf_counter() - began, 2 * len(starts)


def _engine(steps: list[Step]) -> tuple[float, int, SlaEngine]:
    engine = SlaEngine(load_default_policy())
    events = 0
    began = time.perf_counter()
    for s in steps:
        events += len(engine.record(s))
    events += len(engine.advance_to(steps[-1].at + timedelta(days=30)))
    return time.perf_counter() - began, events, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny run (a few seconds)")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    tickets = 2_000 if args.smoke else args.tickets
    steps = _stream(tickets)

    table_s = _baseline_table(steps)
    calendar_s, deadlines = _baseline_calendar(steps)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine_s, events, engine = _engine(steps)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    cycles = sum(len(engine.cycles(f"T{n:07d}")) for n in range(tickets))

    per_transition_us = engine_s / len(steps) * 1e6
    print(f"tickets                      {tickets:>12,}")
    print(f"transitions                  {len(steps):>12,}")
    print(f"clock cycles                 {cycles:>12,}")
    print(f"SLA events (warn + breach)   {events:>12,}")
    print(f"engine: transitions / s      {len(steps) / engine_s:>12,.0f}")
    print(f"engine: µs per transition    {per_transition_us:>12.1f}")
    print(f"engine: SLA events / s       {events / engine_s:>12,.0f}")
    print(f"peak memory growth / ticket  {rss_kib * 1024 / tickets:>12,.0f} B (all kept)")
    print(f"baseline table: transitions/s{len(steps) / table_s:>12,.0f}")
    print(f"baseline calendar: deadlines/s{deadlines / calendar_s:>11,.0f}")
    print(f"ratio engine / table         {engine_s / table_s:>12.1f}x")
    per_cycle = engine_s / cycles / (calendar_s / deadlines)
    print(f"ratio engine per cycle / one deadline {per_cycle:>5.1f}x")


if __name__ == "__main__":
    main()
