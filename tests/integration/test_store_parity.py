"""Stateful property test: the in-memory store and a real SQLite file agree.

Hypothesis drives two Engines — one on :class:`InMemoryStore`, one on SQLite —
with the same random actions (bulk loads through ``load_tickets`` among them),
and after every step both must have given the same answer (a view, or the same
error) and hold the same tickets.
"""

from __future__ import annotations

import itertools
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gridgov import Engine
from gridgov.clock import ManualClock
from gridgov.errors import GridGovError
from gridgov.grid import Directory, Unit, UnitKind
from gridgov.store import SqlStore, TicketLoad
from gridgov.testing import InMemoryStore
from gridgov.workflow import Actor, Ticket, Trigger
from tests.integration._store_harness import T0, TREE

HEAD = Actor("H1", "grid_head", "ZM", "H1")
UNITS = [
    Unit("H1", "李网格长", UnitKind.GRID_HEAD, "ZM"),
    Unit("W1", "王网格员", UnitKind.GRID_WORKER, "ZM-01"),
    Unit("ZM-office", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
]
PARAMS: dict[str, dict[str, Any]] = {
    "reject": {"reason": "无效"},
    "return_to_dispatcher": {"reason": "退回"},
    "suspend": {"reason": "挂起"},
    "mark_handled": {"result": "已处理"},
    "handle_part": {"result": "协办已处理"},  # refused: these tickets are not joint
    "review": {"verdict": "not_satisfied", "comment": "没修好"},
    "reopen": {"reason": "重办"},
    "escalate": {"reason": "升级"},
    "supervise": {"reason": "督办"},
    "merge_into": {"into": "other"},
}
TRIGGERS = sorted(t.value for t in Trigger if t is not Trigger.REPORT)


def _outcome(call: Any) -> object:
    try:
        view = call()
    except GridGovError as exc:
        return type(exc).__name__, str(exc)
    return view.model_dump() if hasattr(view, "model_dump") else view


class SameAnswers(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        sqlite = SqlStore(f"sqlite:///{Path(self.tmp.name) / 'parity.db'}")
        sqlite.upgrade()
        self.clock = ManualClock(T0)
        directory = Directory(TREE, UNITS)
        self.engines = [
            Engine(store=store, directory=directory, clock=self.clock, new_ticket_id=ids)
            for store, ids in (
                (InMemoryStore(), _ids()),
                (sqlite, _ids()),
            )
        ]
        self.tickets: list[str] = []
        self.copies = itertools.count(1)

    def both(self, name: str, *args: Any, **kwargs: Any) -> object:
        memory, sql = (
            _outcome(lambda e=e: getattr(e, name)(*args, **kwargs)) for e in self.engines
        )
        assert memory == sql
        return memory

    @rule(area=st.sampled_from(["ZM-01", "ZM-01-01", "ZM-02", "LP"]))
    def report(self, area: str) -> None:
        answer = self.both("report", actor=HEAD, category="noise", area_code=area)
        if isinstance(answer, dict):
            self.tickets.append(answer["id"])

    @rule(data=st.data(), trigger=st.sampled_from(TRIGGERS))
    def act(self, data: st.DataObject, trigger: str) -> None:
        if not self.tickets:
            return
        ticket_id = data.draw(st.sampled_from(self.tickets))
        self.both("act", ticket_id, trigger, actor=HEAD, **PARAMS.get(trigger, {}))

    @rule(data=st.data())
    def bulk_load(self, data: st.DataObject) -> None:
        """Copies of stored histories under new ids, and one already stored, in one batch."""
        if not self.tickets:
            return
        picked = data.draw(st.lists(st.sampled_from(self.tickets), min_size=1, max_size=4))
        loads: list[TicketLoad] = []
        with self.engines[0].store.unit_of_work() as uow:
            for ticket_id in picked:
                copy_id = f"L{next(self.copies)}"
                history = uow.tickets.events(ticket_id)
                events = [e.model_copy(update={"ticket_id": copy_id}) for e in history]
                loads.append(TicketLoad(Ticket.from_events(events), events))
            original = uow.tickets.events(picked[0])
            loads.append(TicketLoad(Ticket.from_events(original), original))
        memory, sql = (e.store.load_tickets(loads) for e in self.engines)
        assert memory == sql
        assert memory.already_there == (picked[0],)
        self.tickets.extend(memory.written)

    @rule(minutes=st.integers(min_value=1, max_value=60 * 30))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
        self.both("advance_to")

    @invariant()
    def same_tickets(self) -> None:
        self.both("tickets", open_only=False, limit=1000)

    def teardown(self) -> None:
        for engine in self.engines:
            engine.store.close()
        self.tmp.cleanup()


def _ids() -> Any:
    counter = itertools.count(1)
    return lambda: f"T{next(counter)}"


SameAnswers.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_memory_and_sqlite_give_the_same_answers = SameAnswers.TestCase
