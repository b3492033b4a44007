"""Random ticket histories through the real workflow table: the SLA engine announces
each threshold once, in time order, and an engine rebuilt from snapshots at any
moment goes on exactly like the one that never stopped."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from gridgov.sla import SlaEngine, SlaEvent, load_default_policy
from gridgov.workflow import TABLE, TicketEvent

POLICY = load_default_policy()
START = datetime(2025, 9, 26, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # before National Day
TERMINAL = {"closed", "rejected", "withdrawn", "merged"}


def _payload(trigger: str, suspended_from: str | None, verdict: str) -> dict[str, Any]:
    payloads: dict[str, dict[str, Any]] = {
        "resume": {"resume_to": suspended_from},
        "mark_handled": {"result": "fixed"},
        "review": {"verdict": verdict},
        "merge_into": {"into": "T-other"},
    }
    return payloads.get(trigger, {})


class SlaMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.live = SlaEngine(POLICY)
        self.rebuilt = SlaEngine(POLICY)
        self.now = START
        self.states: dict[str, str] = {}
        self.suspended_from: dict[str, str] = {}
        self.seq: dict[str, int] = {}
        self.announced: list[SlaEvent] = []

    def _both(self, call: str, *args: Any) -> None:
        live = getattr(self.live, call)(*args)
        rebuilt = getattr(self.rebuilt, call)(*args)
        assert live == rebuilt
        assert live == sorted(live, key=lambda e: e.at)
        if self.announced and live:
            assert live[0].at >= self.announced[-1].at
        self.announced += live

    @rule(
        category=st.sampled_from(["noise", "fire_lane", "garbage"]),
        tier=st.sampled_from(["small", "complex", "major"]),
        gap=st.integers(min_value=0, max_value=600),
    )
    def report(self, category: str, tier: str, gap: int) -> None:
        self.now += timedelta(minutes=gap)
        ticket_id = f"T{len(self.states)}"
        self.states[ticket_id], self.seq[ticket_id] = "new", 0
        self._fire(ticket_id, "report", {"category": category, "tier": tier})

    @precondition(lambda self: any(s not in TERMINAL for s in self.states.values()))
    @rule(data=st.data(), gap=st.integers(min_value=0, max_value=2000))
    def move(self, data: st.DataObject, gap: int) -> None:
        open_ids = sorted(t for t, s in self.states.items() if s not in TERMINAL)
        ticket_id = data.draw(st.sampled_from(open_ids))
        triggers = TABLE.triggers_from(self.states[ticket_id])
        trigger = data.draw(st.sampled_from(sorted(triggers)))
        verdict = data.draw(st.sampled_from(["satisfied", "not_satisfied"]))
        payload = _payload(trigger, self.suspended_from.get(ticket_id), verdict)
        if TABLE.next_state(self.states[ticket_id], trigger, payload) is None:
            return
        self.now += timedelta(minutes=gap)
        self._fire(ticket_id, trigger, payload)

    def _fire(self, ticket_id: str, trigger: str, payload: dict[str, Any]) -> None:
        state = self.states[ticket_id]
        to_state = TABLE.next_state(state, trigger, payload)
        assert to_state is not None
        if to_state == "suspended":
            self.suspended_from[ticket_id] = state
        self.seq[ticket_id] += 1
        event = TicketEvent(
            ticket_id=ticket_id, seq=self.seq[ticket_id], trigger=trigger, from_state=state,
            to_state=to_state, actor_id="w", actor_role="grid_worker", at=self.now,
            payload=payload,
        )  # fmt: skip
        self._both("record", event)
        self.states[ticket_id] = to_state

    @rule(gap=st.integers(min_value=1, max_value=3 * 24 * 60))
    def advance(self, gap: int) -> None:
        self.now += timedelta(minutes=gap)
        self._both("advance_to", self.now)

    @rule()
    def rebuild_from_snapshots(self) -> None:
        engine = SlaEngine(POLICY)
        for ticket_id in self.states:
            assert engine.restore(self.live.snapshot(ticket_id), at=self.now) is False
        self.rebuilt = engine

    @invariant()
    def each_threshold_is_announced_once(self) -> None:
        keys = [
            (e.ticket_id, e.clock, e.cycle, getattr(e, "fraction", 1.0)) for e in self.announced
        ]
        assert len(keys) == len(set(keys))

    @invariant()
    def nothing_pending_is_already_past(self) -> None:
        for ticket_id in self.states:
            due = self.live.next_due(ticket_id)
            assert due is None or due >= self.now
            assert due == self.rebuilt.next_due(ticket_id)

    @invariant()
    def next_tick_is_the_earliest_next_due(self) -> None:
        dues = [d for t in self.states if (d := self.live.next_due(t)) is not None]
        assert self.live.next_tick() == (min(dues) if dues else None)
        assert self.rebuilt.next_tick() == self.live.next_tick()


SlaMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=40, deadline=None)
TestSlaEngineStateful = SlaMachine.TestCase
