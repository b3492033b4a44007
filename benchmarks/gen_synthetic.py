"""Generate a synthetic but realistic city's tickets for the replay benchmarks.

Areas are the micro-grids of the shipped Hangzhou sample; categories and tiers
those of the shipped routing catalogue, weighted as the seed documents describe
(garbage, parking and noise most often; gas leaks and demolition disputes
rarely); tickets arrive over 2024 with the daily rhythm of a city (morning and
afternoon peaks, 早巡夜访 at 08:00 and 19:00); handling times are log-normal,
hours for small issues and days for major ones; a few tickets are still open at
the end, and about one row in a thousand is bad (unknown grid, unreadable time)
so the rejects path runs too.

Two shapes, each with its mapping file beside this script:

- ``--shape snapshot`` (default): one row per ticket, like a 12345 hotline export
  (``synthetic_snapshot.toml``);
- ``--shape events``: one row per status change, all tickets interleaved in time
  order, like a process-mining log (``synthetic_events.toml``).

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

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.grids = [a.code for a in load_sample("hangzhou").tree if a.level == "micro_grid"]
        self.categories = list(CATEGORIES)
        self.category_weights = [w for w, _ in CATEGORIES.values()]
        self.channels, self.channel_weights = list(CHANNELS), list(CHANNELS.values())

    def opened(self, n: int, total: int) -> datetime:
        day = START + timedelta(seconds=YEAR_SECONDS * n / total)
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
        still_open = closed > START + timedelta(seconds=YEAR_SECONDS) or rng.random() < 0.02
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


def generate(out: Path, tickets: int, *, shape: str = "snapshot", seed: int = 2024) -> Path:
    """Write ``tickets`` synthetic tickets to ``out`` (gzip when it ends in ``.gz``)."""
    draw = _Draw(seed)
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
        else:
            writer.writerow(EVENT_COLUMNS)
            writer.writerows(_event_rows(draw, tickets))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=Path("synthetic.csv.gz"))
    parser.add_argument("--shape", choices=("snapshot", "events"), default="snapshot")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    path = generate(args.out, args.tickets, shape=args.shape, seed=args.seed)
    print(f"wrote {args.tickets:,} tickets ({args.shape}) to {path}")


if __name__ == "__main__":
    main()
