"""The discrete-event simulation of one replication (一次仿真): arrivals, queues, staff.

The simulator holds no rule of its own.  Every move of a ticket goes through the rule
core the live engine and replay use: :meth:`Ticket.fire <gridgov.workflow.Ticket.fire>`
(the loop's compiled table and fold), :class:`~gridgov.workflow.Assigner` (routing:
tier → level → unit, fallback up the tree, co-units of a joint dispatch) and
:class:`~gridgov.sla.ClockRun` (the SLA clocks, per-part clocks included); "stayed in
the grid" is :meth:`RoutingPolicy.stayed_in_grid
<gridgov.workflow.RoutingPolicy.stayed_in_grid>`.  What the simulator adds is time and
people: when tickets arrive, who is free to take them, how long the work takes.

The event loop is a plain heap of ``(moment, sequence, action)``: each pending arrival
stream, each ticket waiting for triage or review, each staff member at work and each
deadline being watched is one entry, so memory stays flat however many days are run.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import MappingProxyType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from pydantic_core import TzInfo

from gridgov.errors import GridGovError
from gridgov.grid import AreaTree, Directory
from gridgov.simulate._scenario import ArrivalStream, Scenario
from gridgov.sla import CalendarPort, ClockCycle, ClockRun, SlaPolicy, SlaRule, clock_verdict
from gridgov.workflow import (
    PART_TRIGGERS,
    Assigner,
    Move,
    RoutingPolicy,
    State,
    Ticket,
    Tier,
    Trigger,
    parts_of,
)

__all__ = ["Replication", "SimulatedTicket", "TracedTicket", "World", "run_replication"]

T = Trigger
_ASSIGNING = frozenset({T.DISPATCH.value, T.ESCALATE.value, T.REOPEN.value})
_PARTED = frozenset({*_ASSIGNING, T.RETURN_TO_DISPATCHER.value, *PART_TRIGGERS})
_REPORT = T.REPORT.value
_ACCEPT = T.ACCEPT.value
_CLOSE = T.CLOSE.value
_DISPATCH = T.DISPATCH.value
_ESCALATE = T.ESCALATE.value
_HANDLE_PART = T.HANDLE_PART.value
_MARK_HANDLED = T.MARK_HANDLED.value
_REOPEN = T.REOPEN.value
_REQUEST_REVIEW = T.REQUEST_REVIEW.value
_REVIEW = T.REVIEW.value
_SIGN_FOR = T.SIGN_FOR.value
_SIGN_FOR_PART = T.SIGN_FOR_PART.value
_SUPERVISE = T.SUPERVISE.value
_DISPATCHED, _CLOSED = State.DISPATCHED.value, State.CLOSED.value
"""The loop's names as plain strings (an enum member's attribute lookup costs, per move)."""
_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _key(moment: datetime) -> int:
    """``moment`` as microseconds since the epoch: the heap's key (an aware datetime
    compares slowly across time zones, and ``timestamp()`` costs a conversion)."""
    return (moment - _EPOCH) // _US


def _fixed_offset(zone: tzinfo | None) -> bool:
    """True for a zone whose offset never changes (``datetime.timezone``, pydantic's
    parsed ``+08:00``): there ``moment + delay`` is ``delay`` later in absolute time, so
    its key is the moment's plus the delay's µs.  (In a zone with DST, Python adds on
    the wall clock, and the key must be computed from the sum.)"""
    return isinstance(zone, timezone | TzInfo)


class TracedTicket(NamedTuple):
    """One ticket of a trace: when it was opened, what and where, and how long its
    handling took in the history (signed for → handled; ``None``: never handled)."""

    at: datetime
    ticket_id: str
    category: str
    area: str
    channel: str
    tier: str
    work: timedelta | None


class SimulatedTicket(NamedTuple):
    """One ticket as the simulation left it (kept when asked: tests, traces)."""

    ticket: Ticket
    cycles: tuple[ClockCycle, ...]
    stayed_in_grid: bool | None
    on_time: bool | None


@dataclass(frozen=True)
class World:
    """What every replication of a scenario shares: the hierarchy with its units, the
    policies, where each arrival stream's tickets arise, and the staff calendars."""

    tree: AreaTree
    directory: Directory
    routing: RoutingPolicy
    sla: SlaPolicy | None
    stream_areas: tuple[tuple[str, ...], ...]
    calendars: Mapping[str, CalendarPort]
    """Unit kind → the calendar its staff work on (a kind not named works every hour)."""
    traced: tuple[TracedTicket, ...] = ()
    """A trace's tickets, in time order."""
    stream_weights: tuple[tuple[float, ...], ...] = ()
    """Per stream, the cumulative weights of its areas (empty: uniform)."""


@dataclass(slots=True)
class _Job:
    """One piece of work in a unit's queue: a ticket's handling, or a co-unit's part."""

    ticket: _Sim
    unit: str
    part: bool
    queued_at: datetime
    deadline: datetime
    cancelled: bool = False


@dataclass(slots=True)
class _Sim:
    """One simulated ticket: the rule core's ticket and clocks, and where its work is."""

    ticket: Ticket
    run: ClockRun | None
    counted: bool
    traced: TracedTicket | None = None
    lead_done: bool = False
    job: _Job | None = None
    watching: int = 0
    """The handling cycle number whose deadline is being watched."""


@dataclass
class UnitStats:
    """What one unit kind did over the counted part of a replication."""

    jobs: int = 0
    wait_h: float = 0.0
    """Total hours tickets waited in queue before a staff member took them."""
    sojourn_h: float = 0.0
    """Total hours from entering the unit's queue to the work's end."""
    busy_h: float = 0.0
    """Staff working hours spent on tickets."""
    staffed_h: float = 0.0
    """Staff working hours available (headcount × the calendar's working time)."""
    in_system_h: float = 0.0
    """The time integral of the tickets in the unit (waiting or being worked on)."""
    arrivals: int = 0


class _Unit:
    """A unit's staff and queue."""

    __slots__ = ("busy", "by_deadline", "calendar", "code", "fifo", "in_system", "kind", "last",
                 "servers", "stats")  # fmt: skip

    def __init__(self, code: str, kind: str, servers: float, calendar: CalendarPort | None) -> None:
        self.code, self.kind, self.servers, self.calendar = code, kind, servers, calendar
        self.busy = 0
        self.fifo: deque[_Job] = deque()
        """Waiting jobs, first come first served ..."""
        self.by_deadline: list[tuple[datetime, int, _Job]] = []
        """... or by the handling deadline (a heap), as the scenario's discipline says."""
        self.in_system = 0
        self.last: datetime | None = None
        self.stats: UnitStats | None = None
        """The figures of the unit's kind, once it has any (see ``_Simulation._kind``)."""

    @property
    def waiting(self) -> int:
        """Jobs in the queue (cancelled ones included until they are reached)."""
        return len(self.fifo) + len(self.by_deadline)

    def jobs(self) -> Iterator[_Job]:
        """The waiting jobs."""
        yield from self.fifo
        for entry in self.by_deadline:
            yield entry[2]


@dataclass
class Replication:
    """The figures of one replication, as plain counts (they merge and serialise)."""

    index: int
    seed: str
    tickets: int = 0
    closed: int = 0
    closed_24h: int = 0
    on_time_judged: int = 0
    on_time: int = 0
    stay_judged: dict[str, int] = field(default_factory=dict)
    stayed: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    reopened: int = 0
    joint: int = 0
    supervised: int = 0
    unrouted: int = 0
    open_at_end: int = 0
    breaches: dict[str, int] = field(default_factory=dict)
    units: dict[str, UnitStats] = field(default_factory=dict)
    events: int = 0
    """Moves fired (every ticket, counted or not)."""
    daily: list[dict[str, Any]] = field(default_factory=list)
    """Day by day (counted days): tickets arrived and closed, tickets waiting in queues at
    the day's end, and the hours waited by the jobs staff took that day."""
    kept: list[SimulatedTicket] | None = field(default=None, repr=False, compare=False)
    """Every ticket as the run left it, when the run was asked to keep them."""

    def to_dict(self) -> dict[str, Any]:
        data = dict(vars(self))
        del data["kept"]
        data["units"] = {k: dict(vars(v)) for k, v in sorted(self.units.items())}
        return data


class _Simulation:
    """One replication's event loop."""

    def __init__(
        self,
        world: World,
        scenario: Scenario,
        *,
        days: float,
        seed: str,
        index: int,
        warmup_days: float,
        keep: bool = False,
    ) -> None:
        self.world = world
        self.scenario = scenario
        self.rules = scenario.rules
        self.rng = random.Random(seed)
        self.start: datetime = scenario.scenario.start
        self.end = self.start + timedelta(days=days)
        self.counted_from = self.start + timedelta(days=warmup_days)
        zone = scenario.scenario.timezone
        self.zone = ZoneInfo(zone) if zone else None
        self.result = Replication(index=index, seed=seed, kept=[] if keep else None)
        # Without units (a city's areas only), tickets go to levels, as replay routes them.
        self.assigner = Assigner(
            world.directory, world.routing, units_required=len(world.directory) > 0
        )
        self.levels = world.tree.levels
        self.clock = scenario.scenario.clock
        self.units: dict[str, _Unit] = {}
        self._heap: list[tuple[int, int, datetime, Callable[[datetime], None]]] = []
        """(microseconds since the epoch, sequence, moment, action): integer keys, as an
        aware datetime compares slowly across time zones."""
        self._seq = 0
        self._numbers = 0
        self._today: dict[str, float] = {"arrived": 0, "closed": 0, "taken": 0, "wait_h": 0.0}
        self.live: dict[str, _Sim] = {}
        """Tickets not closed yet (closed ones are counted and forgotten)."""
        self._deadline_first = self.rules.discipline == "deadline"
        self._now = _key(self.start)
        """The heap key (µs since the epoch) of the step being run."""
        self._end_us = _key(self.end)
        self._fixed_zone = self.start.tzinfo if _fixed_offset(self.start.tzinfo) else UTC
        """A zone (besides UTC, the rule core's) where a delay's key is added, not computed."""
        rules = self.rules
        self._triage_after = timedelta(minutes=rules.triage_minutes)
        self._sign_after = timedelta(minutes=rules.sign_for_minutes)
        self._review_after = timedelta(minutes=rules.review_minutes)
        self._after_handling = self._review if rules.review else self._archive
        trace = scenario.trace
        self._traced_work = trace is not None and trace.handling == "trace"
        """A traced ticket takes its history's work time."""
        policy = world.sla
        self._without_due = policy.closed_without_due if policy is not None else "on_time"
        self._draws: dict[str, tuple[str, float, float]] = {}
        """Per tier: how its work time is drawn (see ``_draw_of``)."""
        self._reports: dict[
            tuple[str, str, str, str | None], tuple[Mapping[str, Any], SlaRule | None]
        ]
        self._reports = {}
        """Per (category, area, channel, priority): the report's payload and the SLA rule
        the policy selects for it (what never changes for those facts)."""
        self._above_grid: dict[str, bool] = {}
        """Per tier: whether the routing finishes it above the grid."""
        self._streams: list[tuple[float, float]] = []
        """Per arrival stream: its peak hourly weight and its peak rate per hour."""
        for stream in scenario.arrivals:
            hours = stream.hours
            peak = max(hours) if hours else 1.0
            mean = sum(hours) / len(hours) if hours else 1.0
            self._streams.append((peak, stream.per_day / 24 * peak / mean))

    # ------------------------------------------------------------------ the loop

    def at(
        self, moment: datetime, action: Callable[[datetime], None], key: int | None = None
    ) -> None:
        """Run ``action`` at ``moment`` (``key``: the moment in µs, when the caller knows it)."""
        self._seq += 1
        heapq.heappush(
            self._heap, (_key(moment) if key is None else key, self._seq, moment, action)
        )

    def later(
        self,
        delay: timedelta,
        action: Callable[[datetime], None],
        at: datetime,
        at_key: int | None = None,
    ) -> None:
        """Run ``action`` ``delay`` after ``at``: the moment of the step being run, or
        one whose key is ``at_key``."""
        self._seq += 1
        moment = at + delay
        zone = at.tzinfo
        if zone is UTC or zone is self._fixed_zone:
            key = (self._now if at_key is None else at_key) + delay // _US
        else:
            key = _key(moment)  # added on the wall clock: see _fixed_offset
        heapq.heappush(self._heap, (key, self._seq, moment, action))

    def run(self) -> Replication:
        for index, stream in enumerate(self.scenario.arrivals):
            self._next_arrival(index, stream, self.start)
        self._next_traced(0)
        self.at(self.counted_from, self._start_counting)
        self.at(self.counted_from + _DAY, self._end_of_day)
        heap, end = self._heap, self._end_us
        pop = heapq.heappop
        while heap and heap[0][0] <= end:
            self._now, _, moment, action = pop(heap)
            action(moment)
        self._finish()
        return self.result

    def _end_of_day(self, moment: datetime) -> None:
        today = self._today
        self.result.daily.append(
            {
                "day": (moment - _DAY).date().isoformat(),
                "arrived": today["arrived"],
                "closed": today["closed"],
                "waiting": sum(u.waiting for u in self.units.values()),
                "taken": today["taken"],
                "wait_h": round(today["wait_h"], 6),
            }
        )
        self._today = {"arrived": 0, "closed": 0, "taken": 0, "wait_h": 0.0}
        if moment + _DAY <= self.end:
            self.later(_DAY, self._end_of_day, moment)

    def _start_counting(self, moment: datetime) -> None:
        for unit in self.units.values():
            self._touch(unit, moment)

    # ------------------------------------------------------------------ arrivals

    def _next_arrival(self, index: int, stream: ArrivalStream, after: datetime) -> None:
        """The stream's next ticket, by thinning a Poisson process at its peak hourly rate."""
        hours = stream.hours
        peak, rate_per_h = self._streams[index]
        zone, moment, key = self.zone, after, self._now
        while True:
            step = timedelta(hours=self.rng.expovariate(rate_per_h))
            moment += step
            key += step // _US
            if hours is None:
                break
            local = moment.astimezone(zone) if zone is not None else moment
            if self.rng.random() * peak <= stream.hour_weight(local.weekday(), local.hour):
                break
        if self.start.tzinfo is not self._fixed_zone:
            key = _key(moment)  # added on the wall clock: see _fixed_offset
        if key <= self._end_us:
            self.at(moment, lambda at: self._arrive(index, stream, at), key)

    def _arrive(self, index: int, stream: ArrivalStream, at: datetime) -> None:
        self._next_arrival(index, stream, at)
        areas, cumulative = self.world.stream_areas[index], self.world.stream_weights[index]
        if cumulative:
            pick = bisect.bisect_right(cumulative, self.rng.random() * cumulative[-1])
            area = areas[min(pick, len(areas) - 1)]
        else:
            area = areas[self.rng.randrange(len(areas))]
        self._numbers += 1
        facts = (stream.category, area, stream.channel, stream.priority)
        self._open(f"S{self._numbers:08d}", facts, at, None)

    def _next_traced(self, index: int) -> None:
        """The trace's next ticket in the run's span, when it opened."""
        traced = self.world.traced
        while index < len(traced) and traced[index].at < self.start:
            index += 1
        if index < len(traced) and traced[index].at <= self.end:
            self.at(traced[index].at, lambda at: self._arrive_traced(index, at))

    def _arrive_traced(self, index: int, at: datetime) -> None:
        self._next_traced(index + 1)
        t = self.world.traced[index]
        self._open(t.ticket_id, (t.category, t.area, t.channel, None), at, t)

    def _open(
        self,
        ticket_id: str,
        facts: tuple[str, str, str, str | None],
        at: datetime,
        traced: TracedTicket | None,
    ) -> None:
        """上报: a new ticket (category, area, channel, priority), its clocks, its triage."""
        ticket = Ticket(ticket_id)
        counted = at >= self.counted_from
        sim = _Sim(ticket, None, counted, traced)
        self.live[ticket.id] = sim
        known = self._reports.get(facts)
        policy = self.world.sla
        if known is None:
            category, area, channel, priority = facts
            report = {
                "category": category,
                "tier": self.world.routing.tier_of(category).name,
                "area_code": area,
                "channel": channel or None,
                "priority": priority,
            }
            # read-only: every ticket of these facts records this one payload
            payload: Mapping[str, Any] = MappingProxyType(
                {k: v for k, v in report.items() if v is not None}
            )
            self._fire(sim, _REPORT, at, payload)
            attributes = (ticket.category, ticket.tier, ticket.priority, ticket.channel)
            rule = policy.select_for(attributes) if policy is not None else None
            self._reports[facts] = (payload, rule)
        else:
            payload, rule = known
            self._fire(sim, _REPORT, at, payload)
        if policy is not None and rule is not None:
            sim.run = ClockRun(rule, policy_fingerprint=policy.fingerprint)
            sim.run.apply(_REPORT, ticket.state, at)
        if counted:
            self.result.tickets += 1
            self._today["arrived"] += 1
        self.later(self._triage_after, lambda t: self._triage(sim, t), at)

    # ------------------------------------------------------------------ moves

    def _fire(
        self, sim: _Sim, trigger: str, at: datetime, payload: Mapping[str, Any] | None = None
    ) -> Move | None:
        """One move through the rule core: the table decides, the routing completes a
        dispatch, escalation or reopen, the clocks follow."""
        complete = self._complete if trigger in _ASSIGNING else None
        move = sim.ticket.fire(trigger, at, payload, complete=complete)
        self.result.events += 1
        if move is None:
            return None
        run = sim.run
        if run is not None and trigger != _REPORT:
            parts = parts_of(trigger, move.payload) if trigger in _PARTED else None
            run.apply(trigger, move.to_state, at, parts=parts)
        return move

    def _complete(
        self, ticket: Ticket, trigger: str, payload: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        return {**payload, **self.assigner.assign(ticket, trigger, payload).payload()}

    def _triage(self, sim: _Sim, at: datetime) -> None:
        self._fire(sim, _ACCEPT, at)
        payload: dict[str, Any] = {}
        tier = self.world.routing.tiers[sim.ticket.tier or ""]
        if (
            not tier.joint
            and self.rules.joint_share
            and self._above(tier)
            and self.rng.random() < self.rules.joint_share
        ):
            payload["joint"] = True  # the routing names the co-units (Assigner.co_units)
        try:
            move = self._fire(sim, _DISPATCH, at, payload)
        except GridGovError:  # no unit can take it (NoResponsibleUnit): the live loop refuses
            self._unrouted(sim)
            return
        if move is None:
            self._unrouted(sim)
            return
        unit = self._unit_of(sim)
        limit = self.rules.escalate_queue_over
        if limit and unit.waiting > limit and sim.ticket.escalation_count == 0:
            try:
                escalated = self._fire(sim, _ESCALATE, at, {"reason": "queue", "cause": "person"})
            except GridGovError:
                escalated = None  # nobody above: it stays in the queue it has
            if escalated is not None:
                unit = self._unit_of(sim)
        self._dispatched(sim, unit, at)

    def _above(self, tier: Tier) -> bool:
        """:meth:`RoutingPolicy.above_grid`, asked once per tier."""
        above = self._above_grid.get(tier.name)
        if above is None:
            above = self._above_grid[tier.name] = self.world.routing.above_grid(tier, self.levels)
        return above

    def _dispatched(self, sim: _Sim, unit: _Unit, at: datetime) -> None:
        """The ticket (and each co-unit's part) waits in its unit's queue."""
        self._enqueue(_Job(sim, unit.code, False, at, self._deadline(sim, at)), at)
        for part in sim.ticket.parts:
            if part.is_open:
                self._enqueue(_Job(sim, part.unit, True, at, self._deadline(sim, at)), at)
        self._watch(sim)

    def _unrouted(self, sim: _Sim) -> None:
        del self.live[sim.ticket.id]  # the live loop refuses the dispatch: it goes no further
        if sim.counted:
            self.result.unrouted += 1

    # ------------------------------------------------------------------ queues and staff

    def _unit_of(self, sim: _Sim) -> _Unit:
        """The unit the ticket is assigned to; in a hierarchy without units, the level
        it is at (of its area), staffed like a unit of that name."""
        ticket = sim.ticket
        if ticket.assigned_unit is not None:
            return self._unit(ticket.assigned_unit)
        level = ticket.assigned_level or ""
        at = self.world.tree.nearest_at_level(ticket.area_code or "", level)
        return self._unit(f"{level}:{at.code if at else ticket.area_code}", kind=level)

    def _unit(self, code: str, kind: str | None = None) -> _Unit:
        unit = self.units.get(code)
        if unit is None:
            kind = kind or str(self.world.directory.get(code).kind)
            staffing = self.scenario.staffing
            servers = math.inf if staffing.unlimited else staffing.headcount(code, kind)
            unit = _Unit(code, kind, servers, self.world.calendars.get(kind))
            self.units[code] = unit
        return unit

    def _deadline(self, sim: _Sim, at: datetime) -> datetime:
        if sim.run is not None:
            cycle = sim.run.open.get(self.clock)
            if cycle is not None:
                return cycle.due
        return at

    def _enqueue(self, job: _Job, at: datetime) -> None:
        unit = self._unit(job.unit)
        self._touch(unit, at)
        unit.in_system += 1
        if at >= self.counted_from:
            self._kind(unit).arrivals += 1
        if not job.part:
            job.ticket.job = job
        if unit.busy < unit.servers:
            self._take(unit, job, at)
        elif self._deadline_first:
            self._seq += 1
            heapq.heappush(unit.by_deadline, (job.deadline, self._seq, job))
        else:
            unit.fifo.append(job)

    def _take(self, unit: _Unit, job: _Job, at: datetime) -> None:
        """A staff member takes ``job`` at ``at``: sign for it, then the work."""
        unit.busy += 1
        self.later(self._sign_after, lambda t: self._sign(unit, job, at, t), at)

    def _sign(self, unit: _Unit, job: _Job, taken: datetime, at: datetime) -> None:
        sim = job.ticket
        if job.part:
            self._fire(sim, _SIGN_FOR_PART, at, {"unit": job.unit})
        else:
            self._fire(sim, _SIGN_FOR, at)
        work = self._work(sim)
        if work is not None:  # None: a traced ticket its history never handled
            done = lambda t: self._done(unit, job, taken, t)  # noqa: E731
            if unit.calendar:
                self.at(unit.calendar.add_working_time(at, work), done)
            else:
                self.later(work, done, at)
        if taken >= self.counted_from:
            stats = self._kind(unit)
            waited = (taken - job.queued_at) / _HOUR
            stats.jobs += 1
            stats.wait_h += waited
            self._today["taken"] += 1
            self._today["wait_h"] += waited

    def _work(self, sim: _Sim) -> timedelta | None:
        if sim.traced is not None and self._traced_work:
            return sim.traced.work
        tier = sim.ticket.tier or ""
        draw = self._draws.get(tier)
        if draw is None:
            draw = self._draws[tier] = self._draw_of(tier)
        dist, a, b = draw
        if dist == "exponential":
            return timedelta(hours=self.rng.expovariate(a))
        if dist == "lognormal":
            return timedelta(hours=self.rng.lognormvariate(a, b))
        return timedelta(hours=a)  # fixed (or no service time: nothing to do)

    def _draw_of(self, tier: str) -> tuple[str, float, float]:
        """How a work time of ``tier`` is drawn: the distribution and its parameters."""
        service = self.scenario.service_of(tier)
        if service is None:
            return "fixed", 0.0, 0.0
        mean = service.mean_h
        if service.dist == "fixed":
            return "fixed", mean, 0.0
        if service.dist == "exponential":
            return "exponential", 1 / mean, 0.0
        sigma = service.sigma  # log-normal with the given mean
        return "lognormal", math.log(mean) - sigma * sigma / 2, sigma

    def _done(self, unit: _Unit, job: _Job, taken: datetime, at: datetime) -> None:
        self._touch(unit, at)
        unit.in_system -= 1
        unit.busy -= 1
        if taken >= self.counted_from:
            stats = self._kind(unit)
            stats.sojourn_h += (at - job.queued_at) / _HOUR
            worked = unit.calendar.working_time_between(taken, at) if unit.calendar else at - taken
            stats.busy_h += worked / _HOUR
        self._next_job(unit, at)
        if job.cancelled:
            return
        sim = job.ticket
        if job.part:
            self._fire(sim, _HANDLE_PART, at, {"unit": job.unit, "result": "协办已处置"})
            if sim.lead_done and not any(p.is_open for p in sim.ticket.parts):
                self._handled(sim, at)
            return
        sim.job = None
        if any(p.is_open for p in sim.ticket.parts):
            sim.lead_done = True  # the lead waits for its co-units
            return
        self._handled(sim, at)

    def _next_job(self, unit: _Unit, at: datetime) -> None:
        while unit.waiting:
            job = heapq.heappop(unit.by_deadline)[2] if unit.by_deadline else unit.fifo.popleft()
            if job.cancelled:
                self._touch(unit, at)
                unit.in_system -= 1
                continue
            self._take(unit, job, at)
            return

    # ------------------------------------------------------------------ after handling

    def _handled(self, sim: _Sim, at: datetime) -> None:
        sim.lead_done = False
        self._fire(sim, _MARK_HANDLED, at, {"result": "已处置"})
        after_handling = self._after_handling
        self.later(self._review_after, lambda t: after_handling(sim, t), at)

    def _archive(self, sim: _Sim, at: datetime) -> None:
        """归档 without a review (a city that does not call back)."""
        self._fire(sim, _CLOSE, at, {"reason": "办结归档"})
        self._closed(sim, at)

    def _review(self, sim: _Sim, at: datetime) -> None:
        self._fire(sim, _REQUEST_REVIEW, at)
        if self.rng.random() < self.rules.not_satisfied:
            self._fire(sim, _REVIEW, at, {"verdict": "not_satisfied", "comment": "问题仍在"})
            self._fire(sim, _REOPEN, at, {"reason": "回访不满意"})
            self._dispatched(sim, self._unit_of(sim), at)
            return
        self._fire(sim, _REVIEW, at, {"verdict": "satisfied"})
        self._closed(sim, at)

    def _closed(self, sim: _Sim, at: datetime) -> None:
        del self.live[sim.ticket.id]
        if sim.run is not None:
            sim.run.announce(at)
        if sim.counted:
            self._today["closed"] += 1
            self._count(sim, closed=True)

    # ------------------------------------------------------------------ deadlines

    def _watch(self, sim: _Sim) -> None:
        """Look at the handling clock when it warns and when it falls due, as the live
        engine's timer does."""
        if sim.run is None:
            return
        cycle = sim.run.open.get(self.clock)
        if cycle is None or cycle.number == sim.watching:
            return
        number = sim.watching = cycle.number
        self.later(_US, lambda t: self._due(sim, number, t), cycle.due, _key(cycle.due))
        if not self.rules.escalate_on_warning:
            return
        located = sim.run.rule.plan_of(cycle.clock)
        if located is not None:
            plan = located[1]
            warning = plan.thresholds[0] if len(plan.thresholds) > 1 else None
            moment = cycle.moment_of(plan, warning) if warning is not None else None
            if moment is not None:
                self.at(moment, lambda t: self._warned(sim, number, t))

    def _warned(self, sim: _Sim, number: int, at: datetime) -> None:
        """预警: a ticket still waiting for its unit when its handling clock warns goes
        one level up (``escalate_on_warning``)."""
        assert sim.run is not None
        cycle = sim.run.open.get(self.clock)
        if cycle is not None and cycle.number == number:
            self._escalate_waiting(sim, at, "预警升级", "person", cycle.due)

    def _due(self, sim: _Sim, number: int, at: datetime) -> None:
        assert sim.run is not None
        cycle = sim.run.open.get(self.clock)
        if cycle is None or cycle.number != number or cycle.paused_since is not None:
            return
        if at < cycle.due:  # the deadline moved (a pause): look again then
            self.later(_US, lambda t: self._due(sim, number, t), cycle.due, _key(cycle.due))
            return
        sim.run.announce(at)
        if self.rules.supervise_on_breach:
            self._fire(sim, _SUPERVISE, at, {"reason": "超时督办"})
            if sim.counted:
                self.result.supervised += 1
        if self.rules.escalate_on_breach:
            self._escalate_waiting(sim, at, "超时", "sla_breach", cycle.due)

    def _escalate_waiting(
        self, sim: _Sim, at: datetime, reason: str, cause: str, deadline: datetime
    ) -> None:
        """A ticket not yet signed for goes one level up and waits there instead."""
        job = sim.job
        if job is None or job.cancelled or sim.ticket.state != _DISPATCHED:
            return
        try:
            move = self._fire(sim, _ESCALATE, at, {"reason": reason, "cause": cause})
        except GridGovError:
            return  # nobody above
        if move is not None:
            job.cancelled = True
            self._enqueue(_Job(sim, self._unit_of(sim).code, False, at, deadline), at)

    # ------------------------------------------------------------------ figures

    def _kind(self, unit: _Unit) -> UnitStats:
        stats = unit.stats
        if stats is None:  # the kind's figures appear when one of its units first has any
            stats = self.result.units.get(unit.kind)
            if stats is None:
                stats = self.result.units[unit.kind] = UnitStats()
            unit.stats = stats
        return stats

    def _touch(self, unit: _Unit, moment: datetime) -> None:
        """Integrate the tickets in the unit up to ``moment`` (Little's law's L)."""
        last = unit.last
        if last is not None and moment > last and moment > self.counted_from:
            since = max(last, self.counted_from)
            self._kind(unit).in_system_h += unit.in_system * ((moment - since) / _HOUR)
        unit.last = moment

    def _count(self, sim: _Sim, *, closed: bool) -> None:
        result, ticket = self.result, sim.ticket
        if result.kept is not None:
            cycles_kept = tuple(sim.run.cycles) if sim.run is not None else ()
            verdict = self._verdict(cycles_kept)[1] if sim.run is not None else None
            result.kept.append(
                SimulatedTicket(
                    ticket,
                    cycles_kept,
                    self.world.routing.stayed_in_grid(ticket, self.levels),
                    verdict if closed and ticket.state == _CLOSED else None,
                )
            )
        tier = ticket.tier or ""
        if ticket.escalation_count:
            result.escalated += 1
        if ticket.reopen_count:
            result.reopened += 1
        if ticket.joint:
            result.joint += 1
        cycles = sim.run.cycles if sim.run is not None else []
        for name in sorted({c.clock.partition("@")[0] for c in cycles if c.breached}):
            result.breaches[name] = result.breaches.get(name, 0) + 1
        if not closed:
            result.open_at_end += 1
            return
        result.closed += 1
        reported, ended = ticket.reported_at, ticket.closed_at
        if reported is not None and ended is not None and ended - reported <= _DAY:
            result.closed_24h += 1
        if sim.run is not None:
            _due, met = self._verdict(cycles)
            if met is not None:
                result.on_time_judged += 1
                result.on_time += met
        stayed = self.world.routing.stayed_in_grid(ticket, self.levels)
        if stayed is not None:
            result.stay_judged[tier] = result.stay_judged.get(tier, 0) + 1
            result.stayed[tier] = result.stayed.get(tier, 0) + int(stayed)

    def _verdict(self, cycles: Sequence[ClockCycle]) -> tuple[datetime | None, bool | None]:
        """The clock's verdict, a ticket without a due time judged as the policy says."""
        return clock_verdict(cycles, self.clock, without_due=self._without_due)

    def _finish(self) -> None:
        """Close the books at the end: what is still open, and the staffed hours."""
        self._heap.clear()
        for unit in self.units.values():
            self._touch(unit, self.end)
        for sim in self.live.values():
            if sim.counted:
                self._count(sim, closed=False)
        span = self.end - self.counted_from
        for unit in self.units.values():
            if math.isinf(unit.servers):
                continue
            hours = (
                unit.calendar.working_time_between(self.counted_from, self.end)
                if unit.calendar
                else span
            )
            self._kind(unit).staffed_h += unit.servers * (hours / _HOUR)


def run_replication(
    world: World,
    scenario: Scenario,
    *,
    days: float,
    seed: str,
    index: int,
    warmup_days: float = 0,
    keep: bool = False,
) -> Replication:
    """One replication of ``scenario`` over ``days`` (the first ``warmup_days`` simulated
    but not counted), with the random stream ``seed``; with ``keep``, every counted
    ticket as the run left it (:attr:`Replication.kept`)."""
    return _Simulation(
        world, scenario, days=days, seed=seed, index=index, warmup_days=warmup_days, keep=keep
    ).run()
