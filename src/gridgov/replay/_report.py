"""The replay report (回放报告): counts and rates, overall and by group.

Everything is kept as counts (:class:`Tally`) so that partial reports from
``--jobs`` workers add up to exactly the single-process report; handling times
are kept as a histogram of whole minutes, so the median and p90 are exact to
the minute and still merge.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from gridgov.replay._engine import TicketOutcome, elapsed

__all__ = [
    "DIMENSIONS",
    "HEAT",
    "METRICS",
    "SERIES",
    "ReplayReport",
    "Tally",
    "dimension_parts",
    "dimension_reads",
    "grouper",
]

_DAY = timedelta(hours=24)
_MINUTE = timedelta(minutes=1)
DUE_TOLERANCE = timedelta(minutes=2)
"""A due time within this of the source's counts as reproduced."""

METRICS: tuple[str, ...] = (
    "tickets",
    "closed",
    "on_time_rate",
    "due_coverage",
    "closed_24h_rate",
    "median_handling_h",
    "p90_handling_h",
    "handling_unit",
    "reopen_rate",
    "satisfaction_rate",
    "stay_in_grid_rate",
    "joint_rate",
    "median_part_h",
    "p90_part_h",
    "breaches",
    "nonconforming_rate",
    "source_agreement",
    "due_reproduced",
)
"""The figures of each report row, in display order."""


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


_ANSWERS = (
    "closed",
    "judged",
    "on_time",
    "closed_24h",
    "reopened",
    "stay_judged",
    "stayed",
    "nonconforming",
    "verdicts",
    "agree",
    "due_known",
    "due_match",
    "joint",
    "due",
    "reviewed",
    "satisfied",
    "working_hours",
)
"""The yes/no questions asked of every ticket, in the order of :attr:`_Contribution.answers`."""
_AT = {name: i for i, name in enumerate(_ANSWERS)}


class _Contribution(NamedTuple):
    """What one ticket adds to every tally it is counted in."""

    answers: tuple[bool, ...]
    """Yes/no for each of :data:`_ANSWERS`."""
    state: str
    minutes: int | None
    flags: tuple[str, ...]
    breaches: tuple[str, ...]
    part_minutes: tuple[int, ...]
    """Dispatch to handled of each co-unit's part that was handled (joint tickets)."""

    @classmethod
    def of(cls, t: TicketOutcome) -> _Contribution:
        closed = t.closed_at is not None
        judged = closed and t.on_time is not None
        verdict = judged and t.source_on_time is not None
        due_known = t.source_due is not None and t.due_at is not None and not t.due_is_source
        stay_judged = closed and t.stayed_in_grid is not None
        wall = t.handling if t.handling is not None and not t.handling_working else None
        if closed and wall is None:
            wall = elapsed(t.opened_at, t.closed_at)  # type: ignore[arg-type]
        answers = (
            closed,
            judged,
            judged and bool(t.on_time),
            closed and wall <= _DAY,  # type: ignore[operator]
            t.reopened > 0,
            stay_judged,
            stay_judged and bool(t.stayed_in_grid),
            bool(t.conformance),
            verdict,
            verdict and t.on_time == t.source_on_time,
            due_known,
            due_known and abs(t.due_at - t.source_due) <= DUE_TOLERANCE,  # type: ignore[operator]
            t.joint,
            t.due_at is not None,
            t.satisfied is not None,
            bool(t.satisfied),
            closed and t.handling is not None and t.handling_working,
        )
        return cls(
            answers,
            t.final_state,
            int(t.handling / _MINUTE) if closed and t.handling is not None else None,
            t.conformance,
            t.breaches,
            tuple(int(p.took / _MINUTE) for p in t.parts if p.took is not None),
        )


@dataclass
class Tally:
    """Counts for one group of tickets; ``+`` merges two tallies.

    Tickets are counted by their *answers* (closed? on time? reopened? …): a group
    sees a few dozen distinct combinations, so counting a ticket is one dict update
    rather than a dozen, and each figure is summed from the combinations when read.
    """

    answers: Counter[tuple[bool, ...]] = field(default_factory=Counter)
    """How many tickets gave each combination of answers to :data:`_ANSWERS`."""
    states: Counter[str] = field(default_factory=Counter)
    breaches: Counter[str] = field(default_factory=Counter)
    conformance: Counter[str] = field(default_factory=Counter)
    handling_minutes: Counter[int] = field(default_factory=Counter)
    part_minutes: Counter[int] = field(default_factory=Counter)
    """Co-units' parts (协办) by whole minutes from dispatch to handled."""

    def add(self, t: TicketOutcome) -> None:
        """Count one ticket."""
        self.count(_Contribution.of(t))

    def count(self, c: _Contribution) -> None:
        """Count one ticket's contribution (computed once, counted in every group)."""
        self.answers[c.answers] += 1
        self.states[c.state] += 1
        if c.minutes is not None:
            self.handling_minutes[c.minutes] += 1
        if c.flags:
            self.conformance.update(c.flags)
        if c.breaches:
            self.breaches.update(c.breaches)
        if c.part_minutes:
            self.part_minutes.update(c.part_minutes)

    def yes(self, question: str) -> int:
        """Tickets that answered yes to ``question`` (one of :data:`_ANSWERS`)."""
        at = _AT[question]
        return sum(n for answers, n in self.answers.items() if answers[at])

    @property
    def tickets(self) -> int:
        """Tickets counted."""
        return sum(self.answers.values())

    @property
    def closed(self) -> int:
        """Tickets that ended (closed, rejected, withdrawn, merged)."""
        return self.yes("closed")

    @property
    def judged(self) -> int:
        """Ended tickets with an on-time verdict."""
        return self.yes("judged")

    @property
    def on_time(self) -> int:
        """Judged tickets that were on time."""
        return self.yes("on_time")

    @property
    def closed_24h(self) -> int:
        """Tickets closed within 24 hours of opening."""
        return self.yes("closed_24h")

    @property
    def reopened(self) -> int:
        """Tickets reopened at least once."""
        return self.yes("reopened")

    @property
    def stay_judged(self) -> int:
        """Ended tickets whose stay in the grid is judged."""
        return self.yes("stay_judged")

    @property
    def stayed(self) -> int:
        """Of those, tickets of a grid tier never escalated (小事不出网格)."""
        return self.yes("stayed")

    @property
    def nonconforming(self) -> int:
        """Tickets with any move the loop refused."""
        return self.yes("nonconforming")

    @property
    def verdicts(self) -> int:
        """Judged tickets that carry the source's own verdict."""
        return self.yes("verdicts")

    @property
    def agree(self) -> int:
        """Of those, tickets where gridgov's verdict equals the source's."""
        return self.yes("agree")

    @property
    def due_known(self) -> int:
        """Tickets with both a policy due time and the source's."""
        return self.yes("due_known")

    @property
    def due_match(self) -> int:
        """Of those, due times within :data:`DUE_TOLERANCE` of the source's."""
        return self.yes("due_match")

    @property
    def reviewed(self) -> int:
        """Tickets with a review verdict (回访), from the loop or the source's column."""
        return self.yes("reviewed")

    @property
    def satisfied(self) -> int:
        """Of those, tickets whose verdict was satisfied or basically satisfied (回访满意)."""
        return self.yes("satisfied")

    @property
    def handling_unit(self) -> str | None:
        """What the handling hours measure: ``working`` hours on the handling clock's
        calendar, ``wall`` (clock) hours, ``mixed`` when the group has both (rules of
        different calendars), ``None`` with no handling time."""
        measured = sum(self.handling_minutes.values())
        if not measured:
            return None
        working = self.yes("working_hours")
        return "working" if working == measured else "wall" if not working else "mixed"

    def __add__(self, other: Tally) -> Tally:
        merged = Tally()
        for name, value in vars(self).items():
            setattr(merged, name, value + getattr(other, name))
        return merged

    def _percentile_hours(self, q: float, histogram: Counter[int] | None = None) -> float | None:
        minutes_seen = self.handling_minutes if histogram is None else histogram
        total = sum(minutes_seen.values())
        if not total:
            return None
        rank, seen = max(1, -(-int(q * total * 1000) // 1000)), 0
        for minutes in sorted(minutes_seen):
            seen += minutes_seen[minutes]
            if seen >= rank:
                return round(minutes / 60, 2)
        return None  # pragma: no cover - rank never exceeds total

    def metrics(self) -> dict[str, Any]:
        """The figures of :data:`METRICS` (rates in 0..1; ``None`` when nothing to divide)."""
        yes, tickets = self.yes, self.tickets
        return {
            "tickets": tickets,
            "closed": yes("closed"),
            "on_time_rate": _rate(yes("on_time"), yes("judged")),
            "due_coverage": _rate(yes("due"), tickets),
            "closed_24h_rate": _rate(yes("closed_24h"), tickets),
            "median_handling_h": self._percentile_hours(0.5),
            "p90_handling_h": self._percentile_hours(0.9),
            "handling_unit": self.handling_unit,
            "reopen_rate": _rate(yes("reopened"), tickets),
            "satisfaction_rate": _rate(yes("satisfied"), yes("reviewed")),
            "stay_in_grid_rate": _rate(yes("stayed"), yes("stay_judged")),
            "joint_rate": _rate(yes("joint"), tickets),
            "median_part_h": self._percentile_hours(0.5, self.part_minutes),
            "p90_part_h": self._percentile_hours(0.9, self.part_minutes),
            "breaches": dict(sorted(self.breaches.items())),
            "nonconforming_rate": _rate(yes("nonconforming"), tickets),
            "source_agreement": _rate(yes("agree"), yes("verdicts")),
            "due_reproduced": _rate(yes("due_match"), yes("due_known")),
        }


Key = str | tuple[str, ...]
"""A group's key: one dimension's value, or a combined grouping's values in order."""
Grouper = Callable[[TicketOutcome], Key]
_Single = Callable[[TicketOutcome], str]
KEY_JOINER = " | "
"""How a combined grouping's key is written (``BOS-W05 | 2015-03``)."""

_PERIODS: Mapping[str, _Single] = {
    "day": lambda t: t.opened_at.strftime("%Y-%m-%d"),
    "week": lambda t: "{}-W{:02d}".format(*t.opened_at.isocalendar()[:2]),
    "month": lambda t: t.opened_at.strftime("%Y-%m"),
    "quarter": lambda t: f"{t.opened_at.year}-Q{(t.opened_at.month - 1) // 3 + 1}",
    "year": lambda t: str(t.opened_at.year),
}
_FIELD_ATTRIBUTES: Mapping[str, str] = {
    "area": "area",
    "category": "category",
    "tier": "tier",
    "channel": "channel",
    "unit": "unit",
    "state": "final_state",
}
"""The outcome's attribute behind each field grouping."""
_FIELDS: Mapping[str, _Single] = {
    name: operator.attrgetter(attribute) for name, attribute in _FIELD_ATTRIBUTES.items()
}
DIMENSIONS = (*_FIELDS, *_PERIODS, "area:LEVEL")


def _once_a_day(period: _Single) -> _Single:
    """``period`` computed once per opening date (it depends on nothing else)."""
    seen: dict[date, str] = {}

    def group(t: TicketOutcome) -> str:
        day = t.opened_at.date()
        found = seen.get(day)
        if found is None:
            found = seen[day] = period(t)
        return found

    return group


def dimension_parts(dimension: str) -> tuple[str, ...]:
    """The dimensions of a ``--by`` grouping: ``"area:ward,month"`` → ``("area:ward",
    "month")``; raises ``ValueError`` naming an unknown or repeated one."""
    parts = tuple(part.strip() for part in dimension.split(","))
    for part in parts:
        known = part in _FIELDS or part in _PERIODS
        if not known and not (part.startswith("area:") and part[5:]):
            raise ValueError(
                f"unknown grouping {part!r}; expected one of {', '.join(DIMENSIONS)}, or "
                "several joined by commas (area:ward,month)"
            )
    if len(set(parts)) < len(parts):
        raise ValueError(f"{dimension!r} names a dimension twice")
    return parts


def dimension_reads(dimension: str) -> tuple[str, ...]:
    """The outcome attributes a grouping's keys are made of (``area:ward,month`` →
    ``("area", "opened_at")``): a key function given an object with only these gives
    the key of any outcome that has them."""
    reads: list[str] = []
    for part in dimension_parts(dimension):
        if part in _FIELD_ATTRIBUTES:
            reads.append(_FIELD_ATTRIBUTES[part])
        else:  # a period of the opening, or area:LEVEL
            reads.append("opened_at" if part in _PERIODS else "area")
    return tuple(dict.fromkeys(reads))


def grouper(dimension: str, area_at_level: Callable[[str, str], str] | None = None) -> Grouper:
    """The key function of a ``--by`` grouping (``month``, ``category``, ``area:ward`` ...).

    ``area_at_level(code, level)`` names the area's ancestor at a level; it is
    needed only for ``area:LEVEL``.  A combined grouping (``area:ward,month``) keys a
    ticket by the tuple of its dimensions' keys.
    """
    parts = dimension_parts(dimension)
    if len(parts) > 1:
        keys = [grouper(part, area_at_level) for part in parts]
        return lambda t: tuple([str(key(t)) for key in keys])
    dimension = parts[0]
    if dimension in _FIELDS:
        return _FIELDS[dimension]
    if dimension in _PERIODS:
        return _once_a_day(_PERIODS[dimension])
    if dimension.startswith("area:") and area_at_level is not None:
        level = dimension.split(":", 1)[1]
        return lambda t: area_at_level(t.area, level)
    raise ValueError(f"unknown grouping {dimension!r}; expected one of {', '.join(DIMENSIONS)}")


@dataclass
class ReplayReport:
    """A whole replay: overall tally, tallies by group, rejects, and what was replayed."""

    meta: dict[str, Any] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)
    groups: dict[str, dict[Key, Tally]] = field(default_factory=dict)
    rejects: Counter[str] = field(default_factory=Counter)
    input: Counter[str] = field(default_factory=Counter)
    provisional: Counter[str] = field(default_factory=Counter)
    """Tickets with a due time on a provisional calendar (a year without official holiday
    data), by clock."""
    """Rows met, ignored and rejected, and the file's lines (see :func:`input_summary`)."""
    without_due: Counter[str] = field(default_factory=Counter)
    """Tickets that got no due time, by category (``""``: no category)."""
    engine: str = ""
    """Which engine replayed the tickets, and why (``--verbose``); not part of the figures:
    every engine gives the same report."""

    def add(self, outcome: TicketOutcome, keys: Iterable[tuple[str, Key]]) -> None:
        """Count one ticket overall and under each ``(dimension, key)``.

        The chart and heat-table groupings (:data:`SERIES`, :data:`HEAT`) count answers
        only: the chart and the table read ticket counts and on-time rates, and a histogram
        of handling minutes in each of thousands of cells would grow with the file.
        """
        contribution = _Contribution.of(outcome)
        self.overall.count(contribution)
        if outcome.provisional:
            self.provisional.update(outcome.provisional)
        if outcome.due_at is None:
            self.without_due[outcome.category] += 1
        for dimension, key in keys:
            group = self.groups.get(dimension)
            if group is None:
                group = self.groups[dimension] = {}
            tally = group.get(key)
            if tally is None:
                tally = group[key] = Tally()
            if dimension in _ANSWERS_ONLY:
                tally.answers[contribution.answers] += 1
            else:
                tally.count(contribution)

    def merge(self, other: ReplayReport) -> None:
        """Add ``other``'s counts to this report (for ``--jobs``)."""
        self.engine = self.engine or other.engine
        self.overall = self.overall + other.overall
        self.rejects.update(other.rejects)
        self.input.update(other.input)
        self.provisional.update(other.provisional)
        self.without_due.update(other.without_due)
        for dimension, groups in other.groups.items():
            mine = self.groups.setdefault(dimension, {})
            for key, tally in groups.items():
                mine[key] = mine[key] + tally if key in mine else tally

    def to_dict(self, *, top: int | None = None) -> dict[str, Any]:
        """The report as JSON-able data (what ``--report-out x.json`` writes).

        Groupings whose name starts with ``_`` are internal: ``_series`` (tickets
        by week, for the chart) and ``_heat`` (area × category, for the heat
        table) appear compacted as ``series`` and ``heat``.  With ``top`` (the
        terminal's table), a grouping of more groups lists only the ``top`` with the
        most tickets, most first, and then one row for all the others (exact: their
        tallies added up; ``others`` says how many).
        """
        return {
            "meta": self.meta,
            "overall": self.overall.metrics(),
            "states": dict(sorted(self.overall.states.items())),
            "rejects": {"total": sum(self.rejects.values()), **dict(sorted(self.rejects.items()))},
            "input": input_summary(self.input),
            "provisional": dict(sorted(self.provisional.items())),
            "coverage": self.coverage(),
            "conformance": dict(_most_first(self.overall.conformance)),
            "groups": {
                dimension: _group_rows(groups, top)
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

    def coverage(self) -> dict[str, Any]:
        """How many tickets got a due time, and the categories that got none: each with
        its tickets, most first (``(no category)`` for tickets without one)."""
        tickets = self.overall.tickets
        without = sum(self.without_due.values())
        ordered = sorted(self.without_due.items(), key=lambda kv: (-kv[1], kv[0]))
        return {
            "tickets": tickets,
            "with_due": tickets - without,
            "due_coverage": _rate(tickets - without, tickets),
            "without_due": [
                {"category": category or NO_CATEGORY, "tickets": n} for category, n in ordered
            ],
        }


NO_CATEGORY = "(no category)"
"""How the report names the tickets without a category."""


def _group_rows(groups: Mapping[Key, Tally], top: int | None) -> list[dict[str, Any]]:
    """Every group in key order; or the ``top`` busiest and one row of the others."""
    if top is None or len(groups) <= top:
        return [_group_row(key, groups[key]) for key in sorted(groups)]
    busiest = sorted(groups, key=lambda k: (-groups[k].tickets, _key_text(k)))
    others = Tally()
    for key in busiest[top:]:
        others = others + groups[key]
    rest = len(groups) - top
    row = {"key": f"({rest:,} other{'s' if rest > 1 else ''})", "others": rest}
    row.update(others.metrics())
    return [*(_group_row(key, groups[key]) for key in busiest[:top]), row]


def _key_text(key: Key) -> str:
    return key if isinstance(key, str) else KEY_JOINER.join(key)


def _group_row(key: Key, tally: Tally) -> dict[str, Any]:
    """A group's figures; a combined grouping's row also lists its ``keys`` in order."""
    if isinstance(key, tuple):
        return {"key": _key_text(key), "keys": list(key), **tally.metrics()}
    return {"key": key, **tally.metrics()}


def input_summary(counts: Mapping[str, int]) -> dict[str, Any]:
    """Where every row and line of the input went; ``accounted`` says they add up.

    Each row (record) was replayed, ignored by the mapping, or rejected; each physical
    line is the header's, a blank one, a row's first line, or a later line of a row
    whose quoted cell spans lines.  A stray quote cannot hide rows: ``accounted`` is
    false if ``rows_replayed + rows_ignored + rows_rejected`` (each counted where the
    row went) is not ``rows``, or the lines do not add up to ``lines``.
    """
    rows = counts["rows"]
    summary: dict[str, Any] = {}
    lines_add_up = True
    if "lines" in counts:  # CSV and JSON Lines (XES is read by element)
        parts = ("header_lines", "blank_lines", "continuation_lines")
        summary = {"lines": counts["lines"], **{k: counts[k] for k in parts}}
        lines_add_up = counts["lines"] == rows + sum(counts[k] for k in parts)
    fates = ("rows_replayed", "rows_ignored", "rows_rejected")
    summary.update(rows=rows, **{k: counts[k] for k in fates})
    summary["accounted"] = lines_add_up and rows == sum(counts[k] for k in fates)
    return summary


SERIES = "_series"
"""The hidden by-week grouping behind the report's chart."""
HEAT = "_heat"
"""The hidden area × category grouping behind the report's heat table (key ``area\tcategory``)."""
_ANSWERS_ONLY = frozenset({SERIES, HEAT})
"""The groupings that count answers only (see :meth:`ReplayReport.add`)."""


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    """``counts`` most first, ties by name: the same whatever order the tickets came in
    (one process, ``--jobs`` shares, or the columnar engine's group-bys)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _heat(cells: Mapping[Key, Tally], rows: int = 15, columns: int = 10) -> dict[str, Any]:
    """On-time rate for the busiest ``rows`` areas × ``columns`` categories."""
    by_area: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for key, tally in cells.items():
        area, category = str(key).split("\t", 1)
        by_area[area] += tally.tickets
        by_category[category] += tally.tickets
    areas = [a for a, _ in _most_first(by_area)[:rows]]
    categories = [c for c, _ in _most_first(by_category)[:columns]]

    def cell(area: str, category: str) -> dict[str, Any]:
        tally = cells.get(f"{area}\t{category}", Tally())
        return {"tickets": tally.tickets, "on_time_rate": _rate(tally.on_time, tally.judged)}

    return {
        "areas": areas,
        "categories": categories,
        "cells": [[cell(a, c) for c in categories] for a in areas],
    }
