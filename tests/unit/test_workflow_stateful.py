"""Random trigger sequences through the object API keep the loop's invariants (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.unit._workflow_world import RESIDENT, make_loop

from gridgov.errors import GridGovError, TransitionNotAllowed
from gridgov.workflow import TABLE, TERMINAL_STATES, VERDICTS, Actor, Ticket, TicketEvent

BOSS = Actor("boss", "community_office", "D")
CATEGORIES = ["noise", "property_dispute", "fraud", "illegal_building", "fire_lane"]


class LoopMachine(RuleBasedStateMachine):
    """One ticket, many random actions; every outcome is checked against the table."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = make_loop()
        self.events: list[TicketEvent] = []
        self.ticket: Ticket

    @initialize(category=st.sampled_from(CATEGORIES), area=st.sampled_from(["M1", "G2", "C2"]))
    def report(self, category: str, area: str) -> None:
        self.ticket, event = self.loop.report("T1", RESIDENT, category=category, area_code=area)
        self.events.append(event)

    def _attempt(self, trigger: str, action: Callable[[], TicketEvent]) -> None:
        before_state, before_version = self.ticket.state, self.ticket.version
        refused: GridGovError | None = None
        try:
            event = action()
        except GridGovError as exc:  # not allowed, bad argument, no unit above ...
            refused = exc
        if refused is not None:
            assert (self.ticket.state, self.ticket.version) == (before_state, before_version)
            if isinstance(refused, TransitionNotAllowed):
                assert (refused.state, refused.trigger) == (before_state, trigger)
            return
        assert before_state not in TERMINAL_STATES
        assert event.from_state == before_state
        assert event.trigger == trigger
        assert event.to_state == TABLE.next_state(before_state, trigger, event.payload)
        assert event.seq == before_version + 1
        self.events.append(event)

    @rule(trigger=st.sampled_from(["accept", "sign_for", "request_review", "resume"]))
    def simple(self, trigger: str) -> None:
        self._attempt(trigger, lambda: getattr(self.loop, trigger)(self.ticket, BOSS))

    @rule(
        trigger=st.sampled_from(["reject", "return_to_dispatcher", "suspend", "supervise"]),
        reason=st.sampled_from(["", "because"]),
    )
    def with_reason(self, trigger: str, reason: str) -> None:
        action = getattr(self.loop, trigger)
        self._attempt(trigger, lambda: action(self.ticket, BOSS, reason=reason))

    @rule(department=st.sampled_from([None, "chengguan", "fire", "tax"]))
    def dispatch(self, department: str | None) -> None:
        self._attempt(
            "dispatch", lambda: self.loop.dispatch(self.ticket, BOSS, department=department)
        )

    @rule(department=st.sampled_from([None, "police"]), cause=st.sampled_from(["person", "x"]))
    def escalate(self, department: str | None, cause: str) -> None:
        self._attempt(
            "escalate",
            lambda: self.loop.escalate(
                self.ticket, BOSS, reason="r", department=department, cause=cause
            ),
        )

    @rule(result=st.sampled_from(["", "fixed"]), photos=st.lists(st.just("p.jpg"), max_size=2))
    def mark_handled(self, result: str, photos: list[str]) -> None:
        self._attempt(
            "mark_handled",
            lambda: self.loop.mark_handled(self.ticket, BOSS, result=result, photos=photos),
        )

    @rule(verdict=st.sampled_from([*VERDICTS, "meh"]), comment=st.sampled_from(["", "loud"]))
    def review(self, verdict: str, comment: str) -> None:
        self._attempt(
            "review",
            lambda: self.loop.review(self.ticket, RESIDENT, verdict=verdict, comment=comment),
        )

    @rule(higher=st.booleans())
    def reopen(self, higher: bool) -> None:
        self._attempt(
            "reopen", lambda: self.loop.reopen(self.ticket, BOSS, reason="again", higher=higher)
        )

    @rule(into=st.sampled_from(["T0", "T1"]))
    def merge_into(self, into: str) -> None:
        self._attempt("merge_into", lambda: self.loop.merge_into(self.ticket, BOSS, into=into))

    @rule()
    def withdraw(self) -> None:
        self._attempt("withdraw", lambda: self.loop.withdraw(self.ticket, RESIDENT))

    @rule(auto=st.booleans())
    def close(self, auto: bool) -> None:
        self._attempt("close", lambda: self.loop.close(self.ticket, BOSS, auto=auto))

    @invariant()
    def history_folds_to_the_current_ticket(self) -> None:
        if self.events:
            assert Ticket.from_events(self.events) == self.ticket
            assert self.ticket.version == len(self.events)

    @invariant()
    def suspended_tickets_know_where_to_resume(self) -> None:
        if self.events:
            suspended = self.ticket.state == "suspended"
            assert suspended == (self.ticket.suspended_from is not None)

    @invariant()
    def final_tickets_accept_only_what_the_table_allows(self) -> None:
        if self.events and self.ticket.state in TERMINAL_STATES:
            assert TABLE.triggers_from(self.ticket.state) == ()


LoopMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
TestLoopMachine = LoopMachine.TestCase
