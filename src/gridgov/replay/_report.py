"""The replay report (回放报告): counts and rates, overall and by group.

Everything is kept as counts (:class:`Tally`) so that partial reports from
``--jobs`` workers add up to exactly the single-process report; handling times
are kept as a histogram of whole minutes, so the median and p90 are exact to
the minute and still merge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

from gridgov.replay._engine import TicketOutcome

__all__ = ["HEAT", "METRICS", "SERIES", "ReplayReport", "Tally", "grouper"]

_DAY = timedelta(hours=24)
_MINUTE = timedelta(minutes=1)
DUE_TOLERANCE = timedelta(minutes=2)
"""A due time within this of the source's counts as reproduced."""

METRICS: tuple[str, ...] = (
    "tickets",
    "closed",
    "on_time_rate",
    "closed_24h_rate",
    "median_handling_h",
    "p90_handling_h",
    "reopen_rate",
    "stay_in_grid_rate",
    "breaches",
    "nonconforming_rate",
    "source_agreement",
    "due_reproduced",
)
"""The figures of each report row, in display order."""


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class _Contribution(NamedTuple):
    """What one ticket adds to every tally it is counted in."""

    closed: int
    judged: int
    on_time: int
    closed_24h: int
    reopened: int
    stay_judged: int
    stayed: int
    verdicts: int
    agree: int
    due_known: int
    due_match: int
    state: str
    minutes: int | None
    flags: tuple[str, ...]
    breaches: tuple[str, ...]

    @classmethod
    def of(cls, t: TicketOutcome) -> _Contribution:
        closed = t.closed_at is not None
        judged = closed and t.on_time is not None
        verdict = judged and t.source_on_time is not None
        due_known = t.source_due is not None and t.due_at is not None and not t.due_is_source
        stay_judged = closed and t.stayed_in_grid is not None
        return cls(
            closed,
            judged,
            judged and bool(t.on_time),
            closed and t.closed_at - t.opened_at <= _DAY,  # type: ignore[operator]
            t.reopened > 0,
            stay_judged,
            stay_judged and bool(t.stayed_in_grid),
            verdict,
            verdict and t.on_time == t.source_on_time,
            due_known,
            due_known and abs(t.due_at - t.source_due) <= DUE_TOLERANCE,  # type: ignore[operator]
            t.final_state,
            int(t.handling / _MINUTE) if closed and t.handling is not None else None,
            t.conformance,
            t.breaches,
        )


@dataclass
class Tally:
    """Counts for one group of tickets; ``+`` merges two tallies."""

    tickets: int = 0
    closed: int = 0
    judged: int = 0
    on_time: int = 0
    closed_24h: int = 0
    reopened: int = 0
    stay_judged: int = 0
    stayed: int = 0
    nonconforming: int = 0
    verdicts: int = 0
    agree: int = 0
    due_known: int = 0
    due_match: int = 0
    states: Counter[str] = field(default_factory=Counter)
    breaches: Counter[str] = field(default_factory=Counter)
    conformance: Counter[str] = field(default_factory=Counter)
    handling_minutes: Counter[int] = field(default_factory=Counter)

    def add(self, t: TicketOutcome) -> None:
        """Count one ticket."""
        self.count(_Contribution.of(t))

    def count(self, c: _Contribution) -> None:
        """Count one ticket's contribution (computed once, counted in every group)."""
        self.tickets += 1
        self.closed += c.closed
        self.judged += c.judged
        self.on_time += c.on_time
        self.closed_24h += c.closed_24h
        self.reopened += c.reopened
        self.stay_judged += c.stay_judged
        self.stayed += c.stayed
        self.verdicts += c.verdicts
        self.agree += c.agree
        self.due_known += c.due_known
        self.due_match += c.due_match
        self.states[c.state] += 1
        if c.minutes is not None:
            self.handling_minutes[c.minutes] += 1
        if c.flags:
            self.nonconforming += 1
            self.conformance.update(c.flags)
        if c.breaches:
            self.breaches.update(c.breaches)

    def __add__(self, other: Tally) -> Tally:
        merged = Tally()
        for name, value in vars(self).items():
            setattr(merged, name, value + getattr(other, name))
        return merged

    def _percentile_hours(self, q: float) -> float | None:
        total = sum(self.handling_minutes.values())
        if not total:
            return None
        rank, seen = max(1, -(-int(q * total * 1000) // 1000)), 0
        for minutes in sorted(self.handling_minutes):
            seen += self.handling_minutes[minutes]
            if seen >= rank:
                return round(minutes / 60, 2)
        return None  # pragma: no cover - rank never exceeds total

    def metrics(self) -> dict[str, Any]:
        """The figures of :data:`METRICS` (rates in 0..1; ``None`` when nothing to divide)."""
        return {
            "tickets": self.tickets,
            "closed": self.closed,
            "on_time_rate": _rate(self.on_time, self.judged),
            "closed_24h_rate": _rate(self.closed_24h, self.tickets),
            "median_handling_h": self._percentile_hours(0.5),
            "p90_handling_h": self._percentile_hours(0.9),
            "reopen_rate": _rate(self.reopened, self.tickets),
            "stay_in_grid_rate": _rate(self.stayed, self.stay_judged),
            "breaches": dict(sorted(self.breaches.items())),
            "nonconforming_rate": _rate(self.nonconforming, self.tickets),
            "source_agreement": _rate(self.agree, self.verdicts),
            "due_reproduced": _rate(self.due_match, self.due_known),
        }


Grouper = Callable[[TicketOutcome], str]

_PERIODS: Mapping[str, Grouper] = {
    "day": lambda t: t.opened_at.strftime("%Y-%m-%d"),
    "week": lambda t: "{}-W{:02d}".format(*t.opened_at.isocalendar()[:2]),
    "month": lambda t: t.opened_at.strftime("%Y-%m"),
    "quarter": lambda t: f"{t.opened_at.year}-Q{(t.opened_at.month - 1) // 3 + 1}",
    "year": lambda t: str(t.opened_at.year),
}
_FIELDS: Mapping[str, Grouper] = {
    "area": lambda t: t.area,
    "category": lambda t: t.category,
    "tier": lambda t: t.tier,
    "channel": lambda t: t.channel,
    "unit": lambda t: t.unit,
    "state": lambda t: t.final_state,
}
DIMENSIONS = (*_FIELDS, *_PERIODS, "area:LEVEL")


def grouper(dimension: str, area_at_level: Callable[[str, str], str] | None = None) -> Grouper:
    """The key function of a ``--by`` dimension (``month``, ``category``, ``area:ward`` ...).

    ``area_at_level(code, level)`` names the area's ancestor at a level; it is
    needed only for ``area:LEVEL``.
    """
    if dimension in _FIELDS:
        return _FIELDS[dimension]
    if dimension in _PERIODS:
        return _PERIODS[dimension]
    if dimension.startswith("area:") and area_at_level is not None:
        level = dimension.split(":", 1)[1]
        return lambda t: area_at_level(t.area, level)
    raise ValueError(f"unknown grouping {dimension!r}; expected one of {', '.join(DIMENSIONS)}")


@dataclass
class ReplayReport:
    """A whole replay: overall tally, tallies by group, rejects, and what was replayed."""

    meta: dict[str, Any] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    groups: dict[str, dict[str, Tally]] = field(default_factory=dict)
    rejects: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: TicketOutcome, keys: Iterable[tuple[str, str]]) -> None:
        """Count one ticket overall and under each ``(dimension, key)``."""
        contribution = _Contribution.of(outcome)
        self.overall.count(contribution)
        for dimension, key in keys:
            group = self.groups.get(dimension)
            if group is None:
                group = self.groups[dimension] = {}
            tally = group.get(key)
            if tally is None:
                tally = group[key] = Tally()
            tally.count(contribution)

    def merge(self, other: ReplayReport) -> None:
        """Add ``other``'s counts to this report (for ``--jobs``)."""
        self.overall = self.overall + other.overall
        self.rejects.update(other.rejects)
        for dimension, groups in other.groups.items():
            mine = self.groups.setdefault(dimension, {})
            for key, tally in groups.items():
                mine[key] = mine[key] + tally if key in mine else tally

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-able data (what ``--report-out x.json`` writes).

        Groupings whose name starts with ``_`` are internal: ``_series`` (tickets
        by week, for the chart) and ``_heat`` (area × category, for the heat
        table) appear compacted as ``series`` and ``heat``.
        """
        return {
            "meta": self.meta,
            "overall": self.overall.metrics(),
            "states": dict(sorted(self.overall.states.items())),
            "rejects": {"total": sum(self.rejects.values()), **dict(sorted(self.rejects.items()))},
            "conformance": dict(self.overall.conformance.most_common()),
            "groups": {
                dimension: [{"key": key, **groups[key].metrics()} for key in sorted(groups)]
                for dimension, groups in self.groups.items()
                if not dimension.startswith("_")
            },
            "series": [
                {
                    "key": key,
                    "tickets": tally.tickets,
                    "on_time_rate": _rate(tally.on_time, tally.judged),
                }
                for key, tally in sorted(self.groups.get(SERIES, {}).items())
            ],
            "heat": _heat(self.groups.get(HEAT, {})),
        }


SERIES = "_series"
"""The hidden by-week grouping behind the report's chart."""
HEAT = "_heat"
"""The hidden area × category grouping behind the report's heat table (key ``area\tcategory``)."""


def _heat(cells: Mapping[str, Tally], rows: int = 15, columns: int = 10) -> dict[str, Any]:
    """On-time rate for the busiest ``rows`` areas × ``columns`` categories."""
    by_area: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for key, tally in cells.items():
        area, category = key.split("\t", 1)
        by_area[area] += tally.tickets
        by_category[category] += tally.tickets
    areas = [a for a, _ in by_area.most_common(rows)]
    categories = [c for c, _ in by_category.most_common(columns)]

    def cell(area: str, category: str) -> dict[str, Any]:
        tally = cells.get(f"{area}\t{category}", Tally())
        return {"tickets": tally.tickets, "on_time_rate": _rate(tally.on_time, tally.judged)}

    return {
        "areas": areas,
        "categories": categories,
        "cells": [[cell(a, c) for c in categories] for a in areas],
    }
