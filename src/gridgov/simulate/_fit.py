"""Fitting a scenario from history (拟合): arrival rates per category × channel × area ×
hour of the week as a non-homogeneous Poisson process, and work times per tier.

The history is read by replay's own readers through its mapping (the same cleaning, the
same rejects, the same routing), so a fitted scenario describes exactly the tickets a
replay of that file would see.
"""

from __future__ import annotations

import math
import os
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import tomli_w

from gridgov.errors import PolicyError
from gridgov.grid import SAMPLES
from gridgov.simulate._scenario import HOURS_OF_DAY, HOURS_OF_WEEK, Scenario

__all__ = ["FitSummary", "fit_scenario", "write_scenario"]

_WEEKLY_SHAPE_FROM = 20 * HOURS_OF_WEEK
"""A stream with at least this many tickets gets an hour-of-week shape (168 weights);
a thinner one an hour-of-day shape (24), which its data can carry."""
_LOGNORMAL_FROM = 30
"""Work times of a tier with at least this many samples are fitted log-normal; fewer
give a fixed mean (said in the summary)."""


@dataclass
class FitSummary:
    """What the fit read and how it grouped it: nothing is dropped without a count."""

    tickets: int = 0
    rejected: int = 0
    days: float = 0.0
    streams: int = 0
    merged: dict[str, list[str]] = field(default_factory=dict)
    """Stream category → the categories (and channels) folded into it, each below the
    minimum ticket count."""
    work_samples: dict[str, int] = field(default_factory=dict)
    """Tier → tickets with a historical work time (signed for → handled)."""
    fixed_tiers: list[str] = field(default_factory=list)
    """Tiers with too few work times for a log-normal: their mean, fixed."""

    def lines(self) -> list[str]:
        out = [
            f"read {self.tickets:,} tickets over {self.days:.1f} days "
            f"({self.rejected:,} rows rejected by the mapping)",
            f"{self.streams} arrival streams",
        ]
        for stream, folded in sorted(self.merged.items()):
            out.append(f"  {stream}: also carries {len(folded)} small ones ({', '.join(folded[:4])}"
                       f"{' ...' if len(folded) > 4 else ''})")  # fmt: skip
        for tier, count in sorted(self.work_samples.items()):
            how = "fixed mean" if tier in self.fixed_tiers else "log-normal"
            out.append(f"work time of {tier}: {count:,} samples, {how}")
        return out


def fit_scenario(
    history: str | Path,
    mapping_path: str | Path,
    *,
    out_dir: str | Path = ".",
    sla: str | Path | None = None,
    min_tickets: int = 20,
    name: str | None = None,
) -> tuple[Scenario, FitSummary]:
    """A scenario fitted from ``history`` read through the replay mapping: one arrival
    stream per category × channel with at least ``min_tickets`` tickets (smaller ones
    fold into their category's, then their tier's largest stream), each with its areas'
    weights and an hour-of-week (or, when thin, hour-of-day) shape; work times per tier.

    File names in the scenario are written relative to ``out_dir`` (where it will live).
    Staff are unlimited: the history shows what was done, not who was free; set the
    headcounts to ask staffing questions.
    """
    from gridgov.grid import load_named_areas
    from gridgov.replay import InputFile, RejectLog, load_mapping, read_tickets

    mapping = load_mapping(mapping_path)
    if mapping.areas is None:
        raise PolicyError(str(mapping_path), "a fit needs the mapping's areas", key="areas")
    base = Path(mapping_path).parent
    areas = load_named_areas(mapping.areas, base=base)
    routing = mapping.routing_policy()
    zone = ZoneInfo(mapping.timezone)
    rejects = RejectLog(None)
    source = InputFile(history, mapping.format, delimiter=mapping.delimiter)
    counts: Counter[tuple[str, str]] = Counter()
    at_area: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    at_hour: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    work: dict[str, list[float]] = defaultdict(list)
    first: datetime | None = None
    last: datetime | None = None
    summary = FitSummary()
    for ticket in read_tickets(mapping, source, areas=areas.tree, rejects=rejects):
        opened = ticket.events[0].at.astimezone(zone)
        first = opened if first is None or opened < first else first
        last = opened if last is None or opened > last else last
        key = (ticket.category, ticket.channel or "app")
        counts[key] += 1
        at_area[key][ticket.area] += 1
        at_hour[key][opened.weekday() * 24 + opened.hour] += 1
        times = {e.trigger: e.at for e in reversed(ticket.events)}
        signed, handled = times.get("sign_for"), times.get("mark_handled")
        if signed is not None and handled is not None and handled > signed:
            work[routing.tier_of(ticket.category).name].append((handled - signed) / _HOUR)
        summary.tickets += 1
    summary.rejected = sum(rejects.counts.values())
    if first is None or last is None:
        raise PolicyError(str(history), "no usable ticket: nothing to fit", key="rows")
    days = max((last - first) / timedelta(days=1), 1.0)
    summary.days = days
    streams = _streams(counts, routing, min_tickets, summary)
    arrivals = []
    for (category, channel), members in sorted(streams.items()):
        total = sum(counts[m] for m in members)
        area_counts: Counter[str] = Counter()
        hour_counts: Counter[int] = Counter()
        for member in members:
            area_counts.update(at_area[member])
            hour_counts.update(at_hour[member])
        arrivals.append(
            {
                "category": category,
                "channel": channel,
                "per_day": round(total / days, 6),
                "area_weights": dict(sorted(area_counts.items())),
                "hours": _shape(hour_counts, total),
            }
        )
    summary.streams = len(arrivals)
    service: dict[str, dict[str, Any]] = {}
    for tier, samples in sorted(work.items()):
        summary.work_samples[tier] = len(samples)
        mean = statistics.fmean(samples)
        if len(samples) >= _LOGNORMAL_FROM:
            logs = [math.log(max(s, 1 / 60)) for s in samples]
            service[tier] = {"mean_h": round(mean, 4), "dist": "lognormal",
                             "sigma": round(max(statistics.stdev(logs), 0.05), 4)}  # fmt: skip
        else:
            summary.fixed_tiers.append(tier)
            service[tier] = {"mean_h": round(mean, 4), "dist": "fixed"}
    if not service:
        service["default"] = {"mean_h": 1.0, "dist": "fixed"}
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    out = Path(out_dir)
    header: dict[str, Any] = {
        "name": name or f"{mapping.name}-fitted",
        "start": start.isoformat(),
        "areas": mapping.areas
        if mapping.areas in SAMPLES
        else _relative(base / mapping.areas, out),
        "mapping": _relative(Path(mapping_path), out),
        "timezone": mapping.timezone,
    }
    if sla is not None:
        header["sla"] = _relative(Path(sla), out)
    data = {
        "scenario": header,
        "arrivals": arrivals,
        "service": service,
        "staffing": {"unlimited": True},
        "rules": {
            "triage_minutes": 0,
            "sign_for_minutes": 0,
            "review": False,
            "review_minutes": 0,
        },
        "base_dir": str(out.resolve()),
    }
    return Scenario.model_validate(data), summary


_HOUR = timedelta(hours=1)


def _streams(
    counts: Counter[tuple[str, str]], routing: Any, min_tickets: int, summary: FitSummary
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Group (category, channel) pairs into streams of at least ``min_tickets``."""
    by_category: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key in counts:
        by_category[key[0]].append(key)
    streams: dict[tuple[str, str], list[tuple[str, str]]] = {}
    small_categories: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for category, keys in by_category.items():
        keys.sort(key=lambda k: (-counts[k], k))
        big = [k for k in keys if counts[k] >= min_tickets]
        if not big and sum(counts[k] for k in keys) >= min_tickets:
            big = keys[:1]  # no channel is big alone: the category rides on its main one
        small = [k for k in keys if k not in big]
        if big:
            for key in big:
                streams[key] = [key]
            if small:  # rarer channels of the category ride with its main one
                streams[big[0]].extend(small)
                summary.merged.setdefault(f"{big[0][0]}/{big[0][1]}", []).extend(
                    f"{c}/{ch}" for c, ch in small
                )
        else:
            small_categories[routing.tier_of(category).name].extend(keys)
    for tier, keys in sorted(small_categories.items()):
        keys.sort(key=lambda k: (-counts[k], k))
        head = keys[0]  # the tier's largest small category stands for them all
        streams[head] = list(keys)
        folded = [f"{c}/{ch}" for c, ch in keys[1:]]
        if folded:
            summary.merged.setdefault(f"{head[0]}/{head[1]} ({tier})", []).extend(folded)
    return streams


def _shape(hours: Counter[int], total: int) -> list[float]:
    """Hour-of-week weights when the stream can carry them, else hour-of-day; add-half
    smoothing so an hour never seen is rare, not impossible."""
    if total >= _WEEKLY_SHAPE_FROM:
        return [hours.get(h, 0) + 0.5 for h in range(HOURS_OF_WEEK)]
    by_day: Counter[int] = Counter()
    for hour, count in hours.items():
        by_day[hour % 24] += count
    return [by_day.get(h, 0) + 0.5 for h in range(HOURS_OF_DAY)]


def _relative(path: Path, folder: Path) -> str:
    return os.path.relpath(path.resolve(), folder.resolve())


def write_scenario(scenario: Scenario, path: str | Path, *, comment: str = "") -> None:
    """Write ``scenario`` as TOML (what :func:`~gridgov.simulate.load_scenario` reads)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    Path(path).write_text(head + tomli_w.dumps(data), encoding="utf-8")
