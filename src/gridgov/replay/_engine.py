"""Replaying one ticket (工单回放): its events through the one rule core.

Each event goes through the workflow's :meth:`Ticket.fire <gridgov.workflow.Ticket.fire>`
(the live loop's fold, decided by the compiled table): a move the loop does not allow
is *flagged*, not forced — the ticket keeps its state and the outcome lists
``state:trigger`` under ``conformance``.  A dispatch, escalation or reopen that names
no unit is routed by the live loop's :class:`~gridgov.workflow.Assigner`; the clocks
run on :class:`~gridgov.sla.ClockRun`, the SLA engine's own rule; "stayed in the grid"
is :meth:`RoutingPolicy.stayed_in_grid <gridgov.workflow.RoutingPolicy.stayed_in_grid>`.
Replay holds no rule of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from gridgov.errors import GridGovError, PolicyError
from gridgov.grid import AreaTree, Directory
from gridgov.replay._shapes import Accepted, Shape, ShapeKey, ShapeMemo, shape_key
from gridgov.replay._sources import SourceNote, SourceTicket
from gridgov.sla import (
    EPOCH,
    SLA_POLICY_FILE,
    ClockCycle,
    ClockPlan,
    ClockRun,
    CycleShape,
    Micros,
    SlaPolicy,
    SlaRule,
    WorkingCalendar,
    clock_verdict,
    deadlines,
    provisional_spans,
    to_us,
    verdict_without_due,
    working_times,
)
from gridgov.workflow import (
    PART_TRIGGERS,
    SATISFIED_VERDICTS,
    TERMINAL_STATES,
    Assigner,
    Move,
    Part,
    RoutingPolicy,
    State,
    Ticket,
    Trigger,
    parts_of,
)

__all__ = ["LoggedEvent", "PolicyInForce", "ReplayEngine", "TicketOutcome"]

_CLOSED = State.CLOSED.value
_FINAL = frozenset(s.value for s in TERMINAL_STATES)
_REPORT = Trigger.REPORT.value
_REVIEW = Trigger.REVIEW.value
_ASSIGNING = frozenset({Trigger.DISPATCH.value, Trigger.ESCALATE.value, Trigger.REOPEN.value})
_PARTED = frozenset({*_ASSIGNING, Trigger.RETURN_TO_DISPATCHER.value, *PART_TRIGGERS})
"""Triggers that can concern a joint ticket's parts (:func:`~gridgov.workflow.parts_of`)."""


class LoggedEvent(NamedTuple):
    """One source event as the loop took it (``--events-out``)."""

    trigger: str
    at: datetime
    actor: str
    role: str
    state: str
    """The ticket's state after it (unchanged when the loop refused it)."""
    flags: tuple[str, ...]
    """What the loop flagged at it (``state:trigger`` when refused; ``…:unrouted``)."""


@dataclass(slots=True)
class TicketOutcome:
    """What replay concluded about one ticket (one row of ``--tickets-out``)."""

    ticket_id: str
    category: str
    area: str
    tier: str
    channel: str
    unit: str
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    on_time: bool | None
    """Judged for closed (归档) tickets only: rejected, withdrawn and merged ones have none."""
    final_state: str
    reopened: int
    escalations: int
    stayed_in_grid: bool | None
    conformance: tuple[str, ...]
    handling: timedelta | None
    """Opening to closing: working time on the handling clock's calendar, else wall time."""
    breaches: tuple[str, ...]
    source_due: datetime | None
    source_on_time: bool | None
    due_is_source: bool
    """True when ``due_at`` is the source's own (``--due-from-source``), not the policy's."""
    first_line: int
    last_line: int
    accepted: tuple[Move, ...] = ()
    """The accepted moves, kept only when the engine was asked to (``--db``)."""
    ticket: Ticket | None = None
    """The folded ticket, kept with ``accepted`` (``--db`` stores it as it is)."""
    cycles: tuple[ClockCycle, ...] = ()
    """Every SLA clock cycle the policy ran, kept only with ``accepted`` (``--db``)."""
    provisional: tuple[str, ...] = ()
    """The clocks with a cycle whose due time is on a provisional calendar (a year the
    holiday data does not know)."""
    policy: SlaPolicy | None = None
    """The SLA policy those cycles ran under (kept with them): a live engine continues
    an open cycle under it."""
    joint: bool = False
    """Dispatched jointly to a lead unit and co-units (大事协同解决)."""
    parts: tuple[Part, ...] = ()
    """The co-units' parts of its last joint dispatch, with the time each took."""
    notes: tuple[SourceNote, ...] = ()
    """An event log's rows of ``note_activities``, passed through (they decide nothing)."""
    handling_working: bool = False
    """``handling`` is working time (on the handling clock's calendar), not wall time."""
    updated_at: datetime | None = None
    """The time of its last accepted event."""
    log: tuple[LoggedEvent, ...] = ()
    """Every source event as the loop took it, kept only when asked (``--events-out``)."""
    satisfied: bool | None = None
    """The last accepted review's verdict (回访满意: satisfied or basically satisfied), else
    the source's satisfaction column; ``None`` when the ticket was never reviewed."""

    @property
    def order(self) -> tuple[int, int]:
        """Output order: by the line that completed the ticket; open tickets last."""
        return (self.last_line or 1 << 62, self.first_line)


@dataclass(frozen=True, slots=True)
class PolicyInForce:
    """An SLA policy and the moment it came into force (``None``: always).

    A ticket is replayed under the policy in force when it was opened, so a
    city's SLA revision half-way through the data is replayed as it happened.
    """

    policy: SlaPolicy
    since: datetime | None = None


def elapsed(start: datetime, end: datetime) -> timedelta:
    """``end - start`` in real time.  Python subtracts two times of the *same* zone by
    their wall clocks, an hour off across a DST change (Boston, opened in EST and closed
    in EDT); taking the change of UTC offset off gives the time that passed (as in UTC,
    at half the cost).  Times of different zones Python already subtracts in UTC."""
    if end.tzinfo is start.tzinfo:
        return end - start - (end.utcoffset() - start.utcoffset())  # type: ignore[operator]
    return end - start


def _working_time(
    plan: ClockPlan, cycles: Sequence[ClockCycle], opened: datetime, closed: datetime
) -> timedelta:
    """Working time from opening to closing on the plan's calendar.

    When the clock ran exactly that span in one cycle without pauses, the cycle has
    already measured it (``elapsed``); otherwise the calendar is asked.
    """
    if len(cycles) == 1:
        cycle = cycles[0]
        if (
            cycle.started_at == opened
            and cycle.stopped_at == closed
            and not cycle.pauses
            and cycle.elapsed is not None
        ):
            return cycle.elapsed
    return plan.calendar.working_time_between(opened, closed)


def _provisional(cycles: Sequence[ClockCycle]) -> tuple[str, ...]:
    """The clocks whose due time is on a provisional calendar (a year without data)."""
    return tuple(sorted({c.clock for c in cycles if c.assumed_years}))


def _breaches(cycles: Sequence[ClockCycle]) -> tuple[str, ...]:
    """The clocks with a breached cycle, sorted."""
    breached = {c.clock for c in cycles if c.breached}
    return tuple(sorted(breached)) if breached else ()


@dataclass(slots=True)
class _Columns:
    """The tickets of a batch whose clocks run as one set of columns: one SLA rule, and
    shapes of one signature (:meth:`Shape.cycles_for <gridgov.replay._shapes.Shape.cycles_for>`)."""

    last: int | None
    """The event of the last accepted move (``updated_at``), of every member's shape."""
    closed: int | None
    """The event it closed at, of every member's shape."""
    policy: SlaPolicy | None
    rule: SlaRule | None
    cycles: tuple[CycleShape, ...]
    members: list[tuple[int, SourceTicket, str, Shape]] = field(default_factory=list)
    """Each ticket's position in the batch, source, tier and shape."""


@dataclass(frozen=True, slots=True)
class ClockColumns:
    """What the clocks of a column of tickets concluded (:meth:`ReplayEngine.clock_columns`)."""

    clocks: tuple[str, ...]
    """Each cycle's clock, in the order the cycles started."""
    breached: list[NDArray[np.bool_]]
    """Per cycle: breached, ticket by ticket."""
    provisional: list[NDArray[np.bool_]]
    """Per cycle: its due time is on a provisional calendar."""
    clock_due: Micros | None
    """The due time (µs) of the handling clock's first cycle; ``None``: it has no cycle."""
    met: NDArray[np.bool_] | None
    """No cycle of the handling clock breached (with ``clock_due``)."""
    worked: Micros | None
    """Working time (µs) from opening to closing on the handling clock's calendar, when
    that clock counts working time; else ``None`` (handling is wall time)."""


class ReplayEngine:
    """Replays tickets one at a time; holds no state between tickets.

    ``routing`` gives tiers, units and "stayed in the grid" (a mapping's ``[routing]``
    compiles to one: :meth:`RoutingRules.compile <gridgov.replay.RoutingRules.compile>`);
    ``directory`` is the area hierarchy with its units, if any (without it there are no
    levels, so ``stayed_in_grid`` is unknown).  ``policies`` give the SLA clocks, each
    from the time it came into force (``clock`` names the handling clock whose deadline
    is ``due_at``); with ``due_from_source`` the source's own due time is the deadline
    instead.  A closed ticket without a due time is judged as the policy in force says
    (``[policy] closed_without_due``; without a policy, on time, as Boston's 311 counts it).
    ``keep_log`` keeps each source event as the loop took it (:attr:`TicketOutcome.log`).
    With ``shapes`` (the default, unless ``keep_events`` or ``keep_log``), a ticket whose
    shape — all but its times — was folded before runs only its clocks
    (:mod:`gridgov.replay._shapes`).
    """

    def __init__(
        self,
        routing: RoutingPolicy,
        *,
        directory: Directory | AreaTree | None = None,
        policies: Sequence[PolicyInForce] = (),
        due_from_source: bool = False,
        clock: str = "handling",
        keep_events: bool = False,
        keep_log: bool = False,
        shapes: bool = True,
    ) -> None:
        self.routing = routing
        if isinstance(directory, AreaTree):
            directory = Directory(directory)
        # With units, replay routes as strictly as the live loop: a move no unit can
        # take is flagged ``unrouted`` (the live loop refuses it with NoResponsibleUnit);
        # a hierarchy of areas only routes to levels.
        self.assigner = (
            Assigner(directory, routing, units_required=len(directory) > 0)
            if directory is not None
            else None
        )
        self.levels = directory.tree.levels if directory is not None else None
        self._levels = self.levels if self.levels else None
        """The levels when there are any (a test per ticket, not a ``len``)."""
        self.policies = sorted(policies, key=lambda p: (p.since is not None, p.since))
        for period in self.policies:
            names = {plan.name for rule in period.policy.rules for plan in rule.clocks}
            if clock not in names:
                raise PolicyError(
                    period.policy.source,
                    f"no rule of policy {period.policy.name!r} has a clock {clock!r} "
                    f"(its clocks: {', '.join(sorted(names)) or 'none'}); pick one with --clock",
                    key="clocks",
                    what=SLA_POLICY_FILE.what,
                )
        self.due_from_source = due_from_source
        self.clock = clock
        self.keep_events = keep_events
        self.keep_log = keep_log
        only = self.policies[0] if len(self.policies) == 1 else None
        self._always = only.policy if only is not None and only.since is None else None
        """The one policy in force at every moment, if so (most replays: no search)."""
        self._plans: dict[int, ClockPlan | None] = {}
        self._memo = ShapeMemo() if shapes and not (keep_events or keep_log) else None
        """Tickets folded before, by shape (see :mod:`gridgov.replay._shapes`); not with
        ``keep_events``, which stores each ticket's own fold."""
        self._ended: tuple[SourceTicket, TicketOutcome] | None = None
        """The case :meth:`ends` last found ended, with its outcome (its replay's)."""

    def ends(self, source: SourceTicket) -> bool:
        """Whether an event log's case, with its events so far, has reached a final state
        (归档, 无效, 撤回, 合并) — the reader's question at a close: a close the loop
        refuses is flagged and the case goes on (``read_tickets(ends=...)``).

        The answer is this engine's own fold (routed, as :meth:`replay` routes); the
        outcome of an ended case is kept, so replaying that same ticket next costs nothing.
        """
        outcome = self.replay(source)
        if outcome.final_state not in _FINAL:
            return False
        self._ended = (source, outcome)
        return True

    def replay(self, source: SourceTicket) -> TicketOutcome:
        """Run ``source``'s events through the loop and its clocks."""
        ended = self._ended
        if ended is not None:
            self._ended = None
            if ended[0] is source:  # just folded by :meth:`ends`, unchanged since
                return ended[1]
        tier = self.routing.tier_of(source.category).name
        memo, key = self._memo, None
        if memo is not None and memo.active:
            key = shape_key(source, tier)
            shape = memo.get(key)
            if shape is not None:  # folded before: only the clocks run, on these times
                return self._replay_shape(source, tier, shape)
        return self._fold(source, tier, key)

    def _fold(self, source: SourceTicket, tier: str, key: ShapeKey | None) -> TicketOutcome:
        """Fold ``source``'s events through the loop and its clocks; with a ``key``,
        remember the shape for the next ticket of it."""
        memo = self._memo
        record = key is not None
        accepted: list[Accepted] = []
        closed_index = last_index = None
        ticket = Ticket(source.ticket_id)
        events = source.events
        opened_at = events[0].at
        policy = self._policy_at(opened_at)
        run: ClockRun | None = None
        apply: Callable[..., object] | None = None  # run.apply once the clocks run
        moves: list[Move] = []
        keep, complete, fire = self.keep_events, self._complete, ticket.fire
        attributes = None
        satisfied: bool | None = None
        log: list[tuple[int, str, tuple[str, ...]]] | None = [] if self.keep_log else None
        flagged = 0
        # hot loop: one call to the fold per event, keyword arguments only where needed
        for index, (trigger, at, _line, actor, role, payload) in enumerate(events):
            if trigger in _ASSIGNING:
                move = fire(trigger, at, payload, actor_id=actor, actor_role=role,
                            complete=complete)  # fmt: skip
            else:
                if trigger == _REPORT:
                    payload = {**payload, "category": source.category or None, "tier": tier,
                               "area_code": source.area or None,
                               "channel": source.channel or None}  # fmt: skip
                if actor or role:
                    move = fire(trigger, at, payload, actor_id=actor, actor_role=role)
                else:
                    move = fire(trigger, at, payload)
            if log is not None:  # --events-out: the state after it, and what was flagged
                log.append((index, ticket.state, tuple(ticket.nonconformance[flagged:])))
                flagged = len(ticket.nonconformance)
            if move is None:
                continue
            if trigger == _REVIEW:  # accepted: the guards read a verdict of the loop's
                satisfied = move.payload.get("verdict") in SATISFIED_VERDICTS
            if attributes is None:
                # A missing value is None, as the live engine has it: '*' matches no None.
                attributes = (ticket.category, ticket.tier, ticket.priority, ticket.channel)
                if policy is not None:
                    rule = policy.select_for(attributes)
                    run = ClockRun(rule, policy_fingerprint=policy.fingerprint)
                    if rule.clocks:  # a rule without clocks: no cycle to start, nothing to call
                        apply = run.apply
            parts = parts_of(trigger, move.payload) if trigger in _PARTED else None
            if apply is not None:
                if parts is None:
                    apply(trigger, move.to_state, at, announce=True)
                else:
                    apply(trigger, move.to_state, at, announce=True, parts=parts)
            if keep:
                moves.append(move)
            if record:  # observed, for the next ticket of this shape
                accepted.append((index, trigger, move.to_state, parts))
                if closed_index is None and ticket.closed_at is not None:
                    closed_index = index
                if ticket.updated_at is at:
                    last_index = index
        levels = self._levels
        stayed = self.routing.stayed_in_grid(ticket, levels) if levels is not None else None
        ticket.stayed_in_grid = stayed
        conformance = tuple(ticket.nonconformance) if ticket.nonconformance else ()
        timeless = not (ticket.parts or ticket.joint)  # parts record when they were taken
        if memo is not None and key is not None and attributes is not None and timeless:
            shape = Shape(
                tuple(accepted),
                attributes,
                closed_index,
                last_index,
                ticket.state,
                ticket.reopen_count,
                ticket.escalation_count,
                stayed,
                conformance,
                satisfied,
            )
            memo.add(key, shape)
        outcome = self._outcome(
            source, tier, policy, run, ticket.updated_at, ticket.closed_at, ticket.state,
            ticket.reopen_count, ticket.escalation_count, stayed, conformance, satisfied,
        )  # fmt: skip
        outcome.joint, outcome.parts = ticket.joint, ticket.parts
        if log is not None:
            outcome.log = tuple(
                LoggedEvent(events[i].trigger, events[i].at, events[i].actor, events[i].role,
                            state, flags)
                for i, state, flags in log
            )  # fmt: skip
        if keep:  # --db stores them
            outcome.accepted, outcome.ticket = tuple(moves), ticket
            outcome.cycles = tuple(run.cycles) if run is not None else ()
            outcome.policy = policy
        return outcome

    def replay_many(self, sources: Sequence[SourceTicket]) -> list[TicketOutcome]:
        """Replay a batch of tickets: the outcomes :meth:`replay` gives one by one, in
        order.  The tickets of a shape folded before have their clocks run as columns,
        all tickets of one shape and rule at once (:mod:`gridgov.sla._vector`); the
        others (a first ticket of its shape, a shape whose clocks pause) fold as usual."""
        memo = self._memo
        outcomes: list[TicketOutcome | None] = [None] * len(sources)
        groups: dict[tuple[int, int, Hashable], _Columns] = {}
        tier_of = self.routing.tier_of
        for k, source in enumerate(sources):
            if memo is None or not memo.active:
                outcomes[k] = self.replay(source)
                continue
            tier = tier_of(source.category).name
            key = shape_key(source, tier)
            shape = memo.get(key)
            if shape is None:
                outcomes[k] = self._fold(source, tier, key)
                continue
            opened = source.events[0].at
            policy = self._policy_at(opened)
            rule = None
            compiled: tuple[tuple[CycleShape, ...], Hashable] | None = (
                (),
                (shape.last, shape.closed),
            )
            if policy is not None and shape.accepted:
                rule = policy.select_for(shape.attributes)
                if rule.clocks:
                    compiled = shape.cycles_for(rule, opened, memo.compiled)
            if compiled is None:
                outcomes[k] = self._replay_shape(source, tier, shape)
                continue
            cycles, signature = compiled
            group_key = (id(policy), id(rule), signature)
            group = groups.get(group_key)
            if group is None:
                group = groups[group_key] = _Columns(shape.last, shape.closed, policy, rule,
                                                     cycles)  # fmt: skip
            group.members.append((k, source, tier, shape))
        for group in groups.values():
            self._replay_columns(group, outcomes)
        return outcomes  # type: ignore[return-value]  # every position was filled

    def clock_columns(
        self,
        rule: SlaRule | None,
        cycles: tuple[CycleShape, ...],
        times: Callable[[int], Micros],
        last: int | None,
        closed: int | None,
    ) -> ClockColumns:
        """The clocks of tickets whose cycles are ``cycles`` (compiled under ``rule``), as
        columns: ``times(index)`` is the column of their event ``index``'s times (µs);
        ``last`` and ``closed`` the events of their last move and of their closing.

        A cycle that never paused is breached when it ended — stopped, cancelled, or still
        running at the last move, where replay announces it — after its due time
        (:meth:`ClockCycle.end <gridgov.sla.ClockCycle.end>`, ``ClockRun.announce``)."""
        breached: list[NDArray[np.bool_]] = []
        dues: list[Micros] = []
        provisional: list[NDArray[np.bool_]] = []
        for cycle in cycles:
            calendar = cycle.plan.calendar
            assert isinstance(calendar, WorkingCalendar)  # compile_cycles covers no other
            start = times(cycle.start)
            due = deadlines(calendar, cycle.plan.due, start)
            end = times(cycle.end if cycle.end is not None else last)  # type: ignore[arg-type]
            breached.append(end > due)
            dues.append(due)
            provisional.append(provisional_spans(calendar, start, due))
        mine = [i for i, cycle in enumerate(cycles) if cycle.clock == self.clock]
        plan = self._plan_of(rule) if rule is not None else None
        worked = None
        if plan is not None and closed is not None and plan.working:
            assert isinstance(plan.calendar, WorkingCalendar)
            worked = working_times(plan.calendar, times(0), times(closed))
        met = None
        if mine:
            late = np.zeros(len(dues[mine[0]]), dtype=np.bool_)
            for i in mine:
                late |= breached[i]
            met = ~late
        return ClockColumns(
            tuple(cycle.clock for cycle in cycles),
            breached,
            provisional,
            dues[mine[0]] if mine else None,
            met,
            worked,
        )

    def _replay_columns(self, group: _Columns, outcomes: list[TicketOutcome | None]) -> None:
        """The tickets of one shape under one rule: their clocks as columns."""
        policy, cycles = group.policy, group.cycles
        sources = [member[1] for member in group.members]
        count = len(sources)
        columns: dict[int, Micros] = {}

        def times(index: int) -> Micros:
            found = columns.get(index)
            if found is None:
                moments = (to_us(source.events[index].at) for source in sources)
                found = columns[index] = np.fromiter(moments, np.int64, count)
            return found

        found = self.clock_columns(group.rule, cycles, times, group.last, group.closed)
        last, closed = group.last, group.closed
        breached = [column.tolist() for column in found.breached]
        provisional = [column.tolist() for column in found.provisional]
        clock_dues = None if found.clock_due is None else found.clock_due.tolist()
        met_column = None if found.met is None else found.met.tolist()
        worked = None if found.worked is None else found.worked.tolist()
        without_due = policy.closed_without_due if policy is not None else "on_time"
        names = found.clocks
        for n, (k, source, tier, shape) in enumerate(group.members):
            events = source.events
            closed_at = None if closed is None else events[closed].at
            if clock_dues is not None and met_column is not None:
                clock_due: datetime | None = EPOCH + timedelta(0, 0, clock_dues[n])
                met: bool | None = met_column[n]
            else:
                clock_due, met = None, verdict_without_due(without_due)
            handling = None
            if worked is not None:
                handling = timedelta(0, 0, worked[n])
            elif closed_at is not None:
                handling = elapsed(events[0].at, closed_at)
            late = {names[i] for i in range(len(cycles)) if breached[i][n]}
            marked = {names[i] for i in range(len(cycles)) if provisional[i][n]}
            outcomes[k] = self._assemble(
                source, tier, policy, None if last is None else events[last].at, closed_at,
                shape.state, shape.reopened, shape.escalations, shape.stayed_in_grid,
                shape.conformance, shape.satisfied, clock_due, met, handling,
                worked is not None, tuple(sorted(late)) if late else (),
                tuple(sorted(marked)) if marked else (),
            )  # fmt: skip

    def _replay_shape(self, source: SourceTicket, tier: str, shape: Shape) -> TicketOutcome:
        """A ticket of a shape folded before: its clocks on its own times, the rest as
        the fold concluded for that shape."""
        events = source.events
        policy = self._policy_at(events[0].at)
        run: ClockRun | None = None
        if policy is not None and shape.accepted:
            rule = policy.select_for(shape.attributes)
            run = ClockRun(rule, policy_fingerprint=policy.fingerprint)
            if rule.clocks:
                apply = run.apply
                for index, trigger, to_state, parts in shape.moves_for(rule):
                    if parts is None:
                        apply(trigger, to_state, events[index].at, announce=True)
                    else:
                        apply(trigger, to_state, events[index].at, announce=True, parts=parts)
        closed = shape.closed
        last = shape.last
        return self._outcome(
            source, tier, policy, run, None if last is None else events[last].at,
            None if closed is None else events[closed].at, shape.state, shape.reopened,
            shape.escalations, shape.stayed_in_grid, shape.conformance, shape.satisfied,
        )  # fmt: skip

    def _outcome(
        self,
        source: SourceTicket,
        tier: str,
        policy: SlaPolicy | None,
        run: ClockRun | None,
        updated_at: datetime | None,
        closed_at: datetime | None,
        state: str,
        reopened: int,
        escalations: int,
        stayed: bool | None,
        conformance: tuple[str, ...],
        satisfied: bool | None,
    ) -> TicketOutcome:
        """The outcome of a folded ticket: its clocks' verdict, and what the fold found."""
        if run is not None and updated_at is not None:
            run.announce(updated_at)  # what live timers had fired by the last move
        cycles = tuple(run.cycles) if run is not None else ()
        opened_at = source.events[0].at
        handling = None if closed_at is None else elapsed(opened_at, closed_at)
        working = False
        plan = self._plan_of(run.rule) if run is not None else None
        if plan is not None and closed_at is not None and plan.working:
            mine = [c for c in cycles if c.clock == self.clock]
            handling = _working_time(plan, mine, opened_at, closed_at)
            working = True
        without_due = policy.closed_without_due if policy is not None else "on_time"
        due, met = clock_verdict(cycles, self.clock, without_due=without_due)
        return self._assemble(
            source, tier, policy, updated_at, closed_at, state, reopened, escalations, stayed,
            conformance, satisfied, due, met, handling, working,
            _breaches(cycles) if cycles else (), _provisional(cycles) if cycles else (),
        )  # fmt: skip

    def _assemble(
        self,
        source: SourceTicket,
        tier: str,
        policy: SlaPolicy | None,
        updated_at: datetime | None,
        closed_at: datetime | None,
        state: str,
        reopened: int,
        escalations: int,
        stayed: bool | None,
        conformance: tuple[str, ...],
        satisfied: bool | None,
        clock_due: datetime | None,
        clock_met: bool | None,
        handling: timedelta | None,
        working: bool,
        breaches: tuple[str, ...],
        provisional: tuple[str, ...],
    ) -> TicketOutcome:
        """The outcome from what the fold found and what the clocks concluded —
        ``clock_due`` and ``clock_met`` are :func:`~gridgov.sla.clock_verdict`'s answer for
        the handling clock — whichever way the clocks ran (one by one, or a column)."""
        due_at, on_time = clock_due, (None if closed_at is None else clock_met)
        if self.due_from_source:
            due_at = source.source_due
            if closed_at is None:
                on_time = None
            elif due_at is not None:
                on_time = closed_at <= due_at
            else:
                without_due = policy.closed_without_due if policy is not None else "on_time"
                on_time = verdict_without_due(without_due)
        # positional, in field order: 22 keywords cost more than the rest of this tail
        outcome = TicketOutcome(
            source.ticket_id,
            source.category,
            source.area,
            tier,
            source.channel,
            source.unit,
            source.events[0].at,  # opened_at
            due_at,
            closed_at,
            on_time if state == _CLOSED else None,  # on_time
            state,  # final_state
            reopened,
            escalations,
            stayed,  # stayed_in_grid
            conformance,
            handling,
            breaches,
            source.source_due,
            source.source_on_time,
            self.due_from_source,  # due_is_source
            source.first_line,
            source.last_line,
        )
        if provisional:
            outcome.provisional = provisional
        if source.notes:
            outcome.notes = source.notes
        outcome.satisfied = source.source_satisfied if satisfied is None else satisfied
        outcome.updated_at = updated_at
        outcome.handling_working = working
        if source.flags:  # the reader's, about times: not part of a shape
            outcome.conformance = (*conformance, *source.flags)
        return outcome

    def _complete(
        self, ticket: Ticket, trigger: str, payload: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        """An accepted dispatch, escalation or reopen: the source's own unit and level, or
        what the routing decides (as the live loop's dispatch does without a unit)."""
        if self.assigner is None or payload.get("level"):
            return payload
        try:
            assignment = self.assigner.assign(ticket, trigger, payload)
        except GridGovError:
            ticket.nonconformance.append(f"{ticket.state}:{trigger}:unrouted")
            return payload
        return {**payload, **assignment.payload()}

    def _plan_of(self, rule: SlaRule) -> ClockPlan | None:
        """``rule.clock(self.clock)``, remembered by rule (the policies outlive the engine's
        use of them, so a rule's id stays its own)."""
        key = id(rule)
        if key not in self._plans:
            self._plans[key] = rule.clock(self.clock)
        return self._plans[key]

    def _policy_at(self, moment: datetime) -> SlaPolicy | None:
        if self._always is not None:
            return self._always
        found = None
        for period in self.policies:
            if period.since is None or period.since <= moment:
                found = period.policy
        return found
