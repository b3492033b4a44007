"""Generate a synthetic but realistic city's tickets for the replay benchmarks.

Areas are the micro-grids of the shipped Hangzhou sample; categories and tiers
those of the shipped routing catalogue, weighted as the seed documents describe
(garbage, parking and noise most often; gas leaks and demolition disputes
rarely); tickets arrive over 2024 with the daily rhythm of a city (morning and
afternoon peaks, 早巡夜访 at 08:00 and 19:00); handling times are log-normal,
hours for small issues and days for major ones; a few tickets are still open at
the end, and about one row in a thousand is bad (unknown grid, unreadable time)
so the rejects path runs too.

Three shapes, each with its mapping file beside this script:

- ``--shape snapshot`` (default): one row per ticket, like a 12345 hotline export
  (``synthetic_snapshot.toml``);
- ``--shape events``: one row per status change, all tickets interleaved in time
  order, like a process-mining log (``synthetic_events.toml``);
- ``--shape loop``: an event log whose tickets walk the whole ticket loop — every
  trigger of :data:`gridgov.workflow.TABLE` (return, suspend/resume, escalate,
  supervise, reopen, review verdicts, merge, withdraw, reject ...), chosen with seeded
  probabilities among the moves the table allows from each state — in the autumn of
  2026, so the clocks cross nights, weekends and the National Day holiday
  (``synthetic_loop.toml``; the live-vs-replay proof replays it).

    python benchmarks/gen_synthetic.py --tickets 1000000 --out /tmp/synthetic.csv.gz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import heapq
import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, NamedTuple
from zoneinfo import ZoneInfo

from gridgov.grid import load_sample
from gridgov.replay import PolicyInForce, ReplayOptions, load_mapping
from gridgov.sla import load_default_policy
from gridgov.workflow import NEW, PART_TRIGGERS, TABLE, State, Trigger

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 1, 1, tzinfo=SHANGHAI)
YEAR_SECONDS = 366 * 24 * 3600
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# category -> (weight, tier); tiers as in gridgov/samples/routing/policy.toml
CATEGORIES: dict[str, tuple[float, str]] = {
    "garbage": (18, "small"),
    "illegal_parking": (14, "complex"),
    "noise": (10, "small"),
    "street_light": (8, "small"),
    "neighbour_dispute": (7, "small"),
    "flying_wire_charging": (6, "small"),
    "property_dispute": (6, "complex"),
    "fire_lane": (5, "complex"),
    "ageing_pipes": (5, "small"),
    "lift_fault": (4, "small"),
    "parking_space_dispute": (4, "small"),
    "greening": (3, "small"),
    "unlicensed_vendor": (3, "complex"),
    "illegal_building": (2, "complex"),
    "thrown_objects": (1, "complex"),
    "food_safety": (1, "complex"),
    "fraud": (1, "major"),
    "gas_leak": (0.5, "major"),
    "company_dispute": (0.5, "major"),
    "demolition_compensation": (0.3, "major"),
}
MEDIAN_HOURS = {"small": 5.0, "complex": 30.0, "major": 96.0}
CHANNELS = {"app": 45, "wechat_group": 25, "hotline": 15, "patrol": 12, "iot": 3}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 11, 10, 8, 6, 8, 10, 10, 9, 7, 6, 8, 7, 5, 3, 2]

SNAPSHOT_COLUMNS = (
    "ticket_id", "reported_at", "dispatched_at", "closed_at", "status", "category",
    "grid_code", "channel",
)  # fmt: skip
EVENT_COLUMNS = ("case_id", "activity", "timestamp", "resource", "category", "grid_code", "result")


class _Ticket(NamedTuple):
    ticket_id: str
    opened: datetime
    dispatched: datetime
    closed: datetime | None
    category: str
    grid_code: str
    channel: str
    garbled: bool


class _Draw:
    """Seeded draws of the ticket's features."""

    def __init__(
        self, seed: int, *, start: datetime = START, span_seconds: int = YEAR_SECONDS
    ) -> None:
        self.rng = random.Random(seed)
        sample = load_sample("hangzhou")
        tree = sample.tree
        self.grids = [a.code for a in tree if a.level == "micro_grid"]
        self.parents = {a.code: a.parent_code or "" for a in tree}
        self.start, self.span = start, span_seconds
        # The loop shape's micro-grids: those with a street above them.  Where there is
        # none (Xiaoshan's communities sit under the district) a major ticket has no
        # handler (the sample has no district office): the live loop refuses its
        # dispatch (NoResponsibleUnit) and replay flags it ``unrouted``, so the walk,
        # which feeds the live engine too, stays where every move can be made.
        levels = {a.code: a.level for a in tree}

        def ancestors(code: str) -> Iterator[str]:
            while code:
                yield levels[code]
                code = self.parents[code]

        self.routable = [g for g in self.grids if "street" in ancestors(g)]
        # The loop shape's co-units (协办) of joint tickets: each district's departments.
        self.departments: dict[str, list[str]] = {}
        for unit in sample.directory or ():
            if unit.kind == "department":
                self.departments.setdefault(unit.area_code, []).append(unit.code)

        self.categories = list(CATEGORIES)
        self.category_weights = [w for w, _ in CATEGORIES.values()]
        self.channels, self.channel_weights = list(CHANNELS), list(CHANNELS.values())
        # The loop shape's recent tickets: number -> (reported, ended; None if left open),
        # so a merge names a ticket that is open when it happens (the live Engine refuses
        # any other target).
        self.spans: dict[int, tuple[datetime, datetime | None]] = {}

    def departments_over(self, code: str) -> list[str]:
        """The department units of the areas above ``code``, nearest first."""
        found: list[str] = []
        while code:
            found.extend(self.departments.get(code, ()))
            code = self.parents[code]
        return found

    def opened(self, n: int, total: int) -> datetime:
        day = self.start + timedelta(seconds=self.span * n / total)
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        return day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))

    def handling(self, tier: str) -> timedelta:
        hours = MEDIAN_HOURS[tier] * math.exp(self.rng.gauss(0, 0.9))
        return timedelta(seconds=int(hours * 3600) + 60)

    def ticket(self, n: int, total: int) -> _Ticket:
        rng = self.rng
        category = rng.choices(self.categories, self.category_weights)[0]
        tier = CATEGORIES[category][1]
        opened = self.opened(n, total)
        dispatched = opened + timedelta(seconds=int(rng.expovariate(1 / 1200)) + 30)
        closed = dispatched + self.handling(tier)
        end = self.start + timedelta(seconds=self.span)
        still_open = closed > end or rng.random() < 0.02
        grid = rng.choice(self.grids)
        if rng.random() < 0.0005:
            grid = "HZ-NOWHERE"
        return _Ticket(
            ticket_id=f"SYN{n:08d}",
            opened=opened,
            dispatched=dispatched,
            closed=None if still_open else closed,
            category=category,
            grid_code=grid,
            channel=rng.choices(self.channels, self.channel_weights)[0],
            garbled=rng.random() < 0.0005,
        )


def _time(moment: datetime | None, garbled: bool = False) -> str:
    if moment is None:
        return ""
    return "yesterday" if garbled else moment.strftime(TIME_FORMAT)


def _snapshot_rows(draw: _Draw, total: int) -> Iterator[list[str]]:
    for n in range(total):
        t = draw.ticket(n, total)
        yield [
            t.ticket_id,
            _time(t.opened, t.garbled),
            _time(t.dispatched),
            _time(t.closed),
            "closed" if t.closed else "open",
            t.category,
            t.grid_code,
            t.channel,
        ]


def _steps(t: _Ticket) -> list[tuple[str, datetime, str, str]]:
    """(activity, time, resource, result) of one ticket, in order."""
    steps = [
        ("上报", t.opened, "resident", ""),
        ("受理", t.opened + timedelta(seconds=20), "dispatcher", ""),
        ("派单", t.dispatched, "dispatcher", ""),
        ("签收", t.dispatched + timedelta(minutes=3), "grid_worker", ""),
    ]
    if t.closed is not None:
        steps.append(("办结", t.closed, "grid_worker", "已处置"))
        steps.append(("归档", t.closed + timedelta(minutes=30), "dispatcher", ""))
    return steps


def _event_rows(draw: _Draw, total: int) -> Iterator[list[str]]:
    """Every ticket's events, interleaved in time order (a heap of the pending ones)."""
    pending: list[tuple[datetime, int, list[str]]] = []
    seq = 0
    for n in range(total):
        t = draw.ticket(n, total)
        while pending and pending[0][0] <= t.opened:
            yield heapq.heappop(pending)[2]
        for activity, at, resource, result in _steps(t):
            seq += 1
            text = _time(at, t.garbled and activity == "上报")
            row = [t.ticket_id, activity, text, resource, t.category, t.grid_code, result]
            heapq.heappush(pending, (at, seq, row))
    while pending:
        yield heapq.heappop(pending)[2]


# ---------------------------------------------------------------------- the whole loop

LOOP_START = datetime(2026, 9, 14, tzinfo=SHANGHAI)
"""The loop shape's tickets arrive over seven weeks around the National Day holiday
(2026-10-01 to 10-07, with its make-up working days), so the working-day clocks
cross nights, weekends and the holiday."""
LOOP_SPAN_SECONDS = 49 * 24 * 3600
LOOP_COLUMNS = (
    "case_id", "activity", "timestamp", "actor", "role", "category", "grid_code", "channel",
    "result", "verdict", "reason", "comment", "into", "co_units", "unit",
)  # fmt: skip
LOOP_ACTIVITIES = {t.value: t.label_zh for t in Trigger}
"""Activity text of each trigger in the log: its Chinese label (the mapping maps it back)."""

_T = Trigger
# How likely each move the table allows is, relative to the others allowed from the
# same state (a trigger missing here is never chosen from that state).
LOOP_WEIGHTS: dict[str, dict[str, float]] = {
    NEW: {_T.REPORT: 1},
    State.REPORTED: {_T.ACCEPT: 85, _T.REJECT: 5, _T.MERGE_INTO: 4, _T.WITHDRAW: 2,
                     _T.SUPERVISE: 1},
    State.ACCEPTED: {_T.DISPATCH: 85, _T.REJECT: 3, _T.SUSPEND: 3, _T.ESCALATE: 3,
                     _T.MERGE_INTO: 2, _T.WITHDRAW: 1, _T.SUPERVISE: 1},
    State.DISPATCHED: {_T.SIGN_FOR: 80, _T.RETURN_TO_DISPATCHER: 6, _T.SUSPEND: 3,
                       _T.ESCALATE: 4, _T.WITHDRAW: 1, _T.SUPERVISE: 2,
                       _T.SIGN_FOR_PART: 40, _T.HANDLE_PART: 30},
    State.IN_PROGRESS: {_T.MARK_HANDLED: 80, _T.RETURN_TO_DISPATCHER: 3, _T.SUSPEND: 5,
                        _T.ESCALATE: 4, _T.WITHDRAW: 1, _T.SUPERVISE: 4,
                        _T.SIGN_FOR_PART: 60, _T.HANDLE_PART: 60},
    State.SUSPENDED: {_T.RESUME: 90, _T.WITHDRAW: 5, _T.SUPERVISE: 2},
    State.HANDLED: {_T.REQUEST_REVIEW: 70, _T.CLOSE: 20, _T.REOPEN: 5, _T.SUPERVISE: 1},
    State.REVIEWING: {_T.REVIEW: 90, _T.CLOSE: 5, _T.REOPEN: 4, _T.SUPERVISE: 1},
}  # fmt: skip
JOINT_SHARE = 0.35
"""Of the dispatches of tickets above the grid (难事, 大事), the share dispatched jointly
(大事协同解决) to the community or street with one or two district departments."""
LOOP_LIMITS: dict[str, int] = {_T.ESCALATE: 1, _T.REOPEN: 2, _T.SUPERVISE: 2, _T.SUSPEND: 2,
               _T.RETURN_TO_DISPATCHER: 2}  # fmt: skip
"""At most this many of a trigger per ticket (escalating twice would leave the tree)."""
_REVIEW_CAP = 2  # unsatisfied 回访 verdicts per ticket
_LOOP_MINUTES: dict[str, int] = {
    _T.ACCEPT: 10, _T.REJECT: 30, _T.DISPATCH: 20, _T.SIGN_FOR: 40,
    _T.RETURN_TO_DISPATCHER: 120, _T.SUSPEND: 180, _T.RESUME: 2 * 24 * 60,
    _T.REQUEST_REVIEW: 120, _T.REVIEW: 20 * 60, _T.REOPEN: 6 * 60, _T.ESCALATE: 240,
    _T.SUPERVISE: 8 * 60, _T.MERGE_INTO: 25, _T.WITHDRAW: 6 * 60, _T.CLOSE: 90,
    _T.SIGN_FOR_PART: 60, _T.HANDLE_PART: 8 * 60,
}  # fmt: skip
"""Median minutes from the previous event to each trigger (办结: the tier's handling time)."""
_RESIDENT = (_T.REPORT, _T.WITHDRAW, _T.REVIEW)
_HANDLER = (_T.SIGN_FOR, _T.RETURN_TO_DISPATCHER, _T.SUSPEND, _T.RESUME, _T.MARK_HANDLED)


def loop_actor(
    ticket_id: str, trigger: str, grid_code: str, parents: dict[str, str]
) -> tuple[str, str]:
    """``(actor id, role)`` of a loop-shape event: the reporting resident reports,
    withdraws and reviews; the grid's worker handles; the community office triages,
    dispatches, reviews the work and closes."""
    if trigger in _RESIDENT:
        return f"res-{ticket_id}", "resident"
    grid = parents.get(grid_code, "")
    if trigger in PART_TRIGGERS:
        return "", "department"  # the co-unit itself: the walk names it
    if trigger in _HANDLER:
        return f"{grid}-worker", "grid_worker"
    return f"{parents.get(grid, '')}-office", "community_office"


def _loop_walk(draw: _Draw, n: int, total: int) -> list[list[str]]:
    """One ticket's rows: a walk of TABLE from ``new`` with seeded choices."""
    rng = draw.rng
    ticket_id = f"LOOP{n:07d}"
    category = rng.choices(draw.categories, draw.category_weights)[0]
    tier = CATEGORIES[category][1]
    grid = rng.choice(draw.routable)
    channel = rng.choices(draw.channels, draw.channel_weights)[0]
    at = opened = draw.opened(n, total)
    state, suspended_from = NEW, ""
    parts: dict[str, str] = {}  # co-unit -> its part's state (dispatched, in_progress, handled)
    departments = draw.departments_over(grid)
    counts: dict[str, int] = {}
    unsatisfied = 0
    contested = False  # an unsatisfied 回访 stands: a close needs a supervisor's reason
    open_at_end = rng.random() < 0.03
    rows: list[list[str]] = []
    while state not in {State.CLOSED, State.REJECTED, State.MERGED, State.WITHDRAWN}:
        if open_at_end and len(rows) >= 2 and rng.random() < 0.25:
            break  # still open when the export was taken
        weights = LOOP_WEIGHTS[state]
        allowed = [
            t
            for t in TABLE.triggers_from(state)
            if weights.get(t, 0) > 0
            and counts.get(t, 0) < LOOP_LIMITS.get(t, 1 << 30)
            and (t != _T.ESCALATE or tier == "small")  # above the grid: no unit further up
            and (t != _T.SIGN_FOR_PART or "dispatched" in parts.values())
            and (t != _T.HANDLE_PART or "in_progress" in parts.values())
            and (t != _T.MARK_HANDLED or set(parts.values()) <= {"handled"})
        ]
        trigger = rng.choices(allowed, [weights[t] for t in allowed])[0]
        payload = {"result": "", "verdict": "", "reason": "", "comment": "", "into": "",
                   "co_units": "", "unit": ""}  # fmt: skip
        guards: dict[str, object] = {}
        if trigger == _T.DISPATCH:
            parts = {}
            if tier != "small" and departments and rng.random() < JOINT_SHARE:
                chosen = rng.sample(departments, min(len(departments), rng.choice((1, 2))))
                parts = dict.fromkeys(chosen, "dispatched")
                payload["co_units"] = ";".join(chosen)
        elif trigger == _T.RETURN_TO_DISPATCHER:
            parts = {}
        elif trigger == _T.REOPEN:
            parts = dict.fromkeys(parts, "dispatched")
        elif trigger in PART_TRIGGERS:
            wanted = "dispatched" if trigger == _T.SIGN_FOR_PART else "in_progress"
            unit = rng.choice([u for u, p in parts.items() if p == wanted])
            payload["unit"] = unit
            guards["part_state"] = wanted
            parts[unit] = "in_progress" if trigger == _T.SIGN_FOR_PART else "handled"
            if trigger == _T.HANDLE_PART:
                payload["result"] = "协办已处置"
        if trigger == _T.MARK_HANDLED:
            payload["result"] = "已处置"
            minutes = MEDIAN_HOURS[tier] * 60
        else:
            minutes = _LOOP_MINUTES.get(trigger, 0)
        if trigger == _T.REVIEW:
            satisfied = unsatisfied >= _REVIEW_CAP or rng.random() < 0.8
            payload["verdict"] = (
                rng.choice(["satisfied", "basically_satisfied"]) if satisfied else "not_satisfied"
            )
            if not satisfied:
                unsatisfied += 1
                payload["comment"] = "问题仍在"
        if trigger in {_T.REJECT, _T.RETURN_TO_DISPATCHER, _T.SUSPEND, _T.ESCALATE,
                       _T.SUPERVISE, _T.REOPEN, _T.WITHDRAW}:  # fmt: skip
            payload["reason"] = LOOP_ACTIVITIES[trigger] + "原因"
        pick = rng.randrange(50) if trigger == _T.MERGE_INTO else 0
        if trigger == _T.CLOSE and contested:
            payload["reason"] = "裁定归档原因"  # the community office decides (it may supervise)
            guards["contested"] = True
        if trigger == _T.MERGE_INTO:
            payload["into"] = "?"  # chosen below, once the merge's time is known
        if trigger == _T.RESUME:
            guards["resume_to"] = suspended_from
        else:
            guards.update((k, v) for k, v in payload.items() if v)
        dest = TABLE.next_state(state, trigger, guards)
        if dest is None:  # pragma: no cover - the walk only picks moves the table allows
            raise AssertionError(f"{state}:{trigger}")
        if minutes:
            at += timedelta(seconds=int(minutes * 60 * math.exp(rng.gauss(0, 0.9))) + 30)
        else:
            at += timedelta(seconds=1)
        if trigger == _T.MERGE_INTO:
            into = _open_target(draw, n, pick, at)
            if into is None:  # no earlier ticket open now: a duplicate of nothing is invalid
                trigger, dest = _T.REJECT, State.REJECTED
                payload["into"], payload["reason"] = "", LOOP_ACTIVITIES[_T.REJECT] + "原因"
            else:
                payload["into"] = into
        counts[trigger] = counts.get(trigger, 0) + 1
        if trigger == _T.SUSPEND:
            suspended_from = state
        if trigger == _T.REVIEW:
            contested = payload["verdict"] == "not_satisfied"
        elif trigger == _T.REOPEN:
            contested = False
        actor, role = loop_actor(ticket_id, trigger, grid, draw.parents)
        actor = actor or payload["unit"]
        rows.append([ticket_id, LOOP_ACTIVITIES[trigger], at.strftime(TIME_FORMAT), actor,
                     role, category, grid, channel, *payload.values()])  # fmt: skip
        state = dest
    ended = (
        None if state not in {State.CLOSED, State.REJECTED, State.MERGED, State.WITHDRAWN} else at
    )
    draw.spans[n] = (opened, ended)
    draw.spans.pop(n - 50, None)
    return rows


def _open_target(draw: _Draw, n: int, pick: int, at: datetime) -> str | None:
    """One of the 50 tickets before ticket ``n``, from the ``pick``-th back, that is open
    at ``at`` (reported before, not ended yet); None when none is."""
    for offset in range(50):
        m = n - 1 - (pick + offset) % 50
        span = draw.spans.get(m)
        if span is not None and span[0] < at and (span[1] is None or at < span[1]):
            return f"LOOP{m:07d}"
    return None


def _loop_rows(draw: _Draw, total: int) -> Iterator[list[str]]:
    """Every ticket's walk, interleaved in time order."""
    pending: list[tuple[str, int, list[str]]] = []
    seq = 0
    for n in range(total):
        rows = _loop_walk(draw, n, total)
        # this and every later ticket opens on or after this day's midnight
        day = draw.start + timedelta(seconds=draw.span * n / total)
        floor = day.replace(hour=0, minute=0, second=0).strftime(TIME_FORMAT)
        while pending and pending[0][0] < floor:
            yield heapq.heappop(pending)[2]
        for row in rows:
            seq += 1
            heapq.heappush(pending, (row[2], seq, row))
    while pending:
        yield heapq.heappop(pending)[2]


def generate(out: Path, tickets: int, *, shape: str = "snapshot", seed: int = 2024) -> Path:
    """Write ``tickets`` synthetic tickets to ``out`` (gzip when it ends in ``.gz``)."""
    draw = (
        _Draw(seed, start=LOOP_START, span_seconds=LOOP_SPAN_SECONDS)
        if shape == "loop"
        else _Draw(seed)
    )
    file: IO[str]
    if out.suffix == ".gz":
        file = gzip.open(out, "wt", newline="", encoding="utf-8")  # noqa: SIM115
    else:
        file = open(out, "w", newline="", encoding="utf-8")  # noqa: SIM115
    with file:
        writer = csv.writer(file, lineterminator="\n")
        if shape == "snapshot":
            writer.writerow(SNAPSHOT_COLUMNS)
            writer.writerows(_snapshot_rows(draw, tickets))
        elif shape == "loop":
            writer.writerow(LOOP_COLUMNS)
            writer.writerows(_loop_rows(draw, tickets))
        else:
            writer.writerow(EVENT_COLUMNS)
            writer.writerows(_event_rows(draw, tickets))
    return out


def synthetic_options(path: Path, shape: str) -> ReplayOptions:
    """Replay options for a file of ``shape``: its mapping beside this script, the
    Hangzhou sample areas and units, the default SLA policy."""
    sample = load_sample("hangzhou")
    return ReplayOptions(
        input=path,
        mapping=load_mapping(Path(__file__).resolve().parent / f"synthetic_{shape}.toml"),
        areas=sample.tree,
        directory=sample.directory,
        policies=(PolicyInForce(load_default_policy()),),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("synthetic.csv.gz"))
    parser.add_argument("--shape", choices=("snapshot", "events", "loop"), default="snapshot")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    path = generate(args.out, args.tickets, shape=args.shape, seed=args.seed)
    print(f"wrote {args.tickets:,} tickets ({args.shape}) to {path}")


if __name__ == "__main__":
    main()
