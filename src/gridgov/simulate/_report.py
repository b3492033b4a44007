"""What a simulation found (仿真结果): each figure's mean over the replications with its
95% confidence interval, and the per-replication counts behind it."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gridgov.simulate._model import Replication

__all__ = ["Estimate", "SimulationResult", "erlang_c_wait"]

# Student's t, two-sided 95%, by degrees of freedom (1..30); beyond 30, 1.96 is close.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """A figure across replications: its mean and the 95% confidence interval's
    half-width (``None`` with one replication, or when no replication could judge it).

    It compares with a number by its mean (``estimate >= 0.9``); :meth:`covers`,
    :attr:`low` and :attr:`high` ask about the interval."""

    mean: float | None
    half_width: float | None
    replications: int

    @property
    def low(self) -> float | None:
        """The interval's lower end."""
        return None if self.mean is None or self.half_width is None else self.mean - self.half_width

    @property
    def high(self) -> float | None:
        """The interval's upper end."""
        return None if self.mean is None or self.half_width is None else self.mean + self.half_width

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in the interval."""
        low, high = self.low, self.high
        return low is not None and high is not None and low <= value <= high

    def __float__(self) -> float:
        """The mean (what ``result.stay_in_grid_rate(tier="small") >= 0.9`` compares)."""
        if self.mean is None:
            raise ValueError("no replication could judge this figure: it has no mean")
        return self.mean

    def __ge__(self, other: float) -> bool:
        return float(self) >= other

    def __gt__(self, other: float) -> bool:
        return float(self) > other

    def __le__(self, other: float) -> bool:
        return float(self) <= other

    def __lt__(self, other: float) -> bool:
        return float(self) < other

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": _round(self.mean),
            "ci95": _round(self.half_width),
            "n": self.replications,
        }

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Estimate:
        known = [v for v in values if v is not None]
        if not known:
            return cls(None, None, 0)
        mean = statistics.fmean(known)
        if len(known) < 2:
            return cls(mean, None, len(known))
        t = _T95[len(known) - 2] if len(known) - 1 <= len(_T95) else 1.96
        return cls(mean, t * statistics.stdev(known) / math.sqrt(len(known)), len(known))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _rate(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class SimulationResult:
    """Every replication of one simulation, and the figures a test or report asks for.

    >>> from gridgov.simulate import Replication
    >>> r = SimulationResult("s", 30.0, 7, [Replication(0, "7/0", tickets=10, closed=8)])
    >>> r.closed_rate().mean
    0.8
    """

    scenario: str
    days: float
    seed: int
    replications: list[Replication]

    def _estimate(self, figure: Callable[[Replication], float | None]) -> Estimate:
        return Estimate.of([figure(r) for r in self.replications])

    def closed_rate(self) -> Estimate:
        """Tickets that ended (归档) within the run / tickets that arrived."""
        return self._estimate(lambda r: _rate(r.closed, r.tickets))

    def stay_in_grid_rate(self, tier: str | None = None) -> Estimate:
        """小事不出网格: of the closed tickets (of ``tier``) that could be judged, the share
        handled at the grid level or below, never escalated, not joint."""

        def figure(r: Replication) -> float | None:
            if tier is None:
                return _rate(sum(r.stayed.values()), sum(r.stay_judged.values()))
            return _rate(r.stayed.get(tier, 0), r.stay_judged.get(tier, 0))

        return self._estimate(figure)

    def on_time_rate(self) -> Estimate:
        """Closed tickets whose handling clock never breached / closed tickets with one."""
        return self._estimate(lambda r: _rate(r.on_time, r.on_time_judged))

    def closed_24h_rate(self) -> Estimate:
        """Tickets closed within 24 hours of their report / tickets that arrived."""
        return self._estimate(lambda r: _rate(r.closed_24h, r.tickets))

    def escalation_rate(self) -> Estimate:
        """Tickets escalated at least once / tickets that arrived."""
        return self._estimate(lambda r: _rate(r.escalated, r.tickets))

    def reopen_rate(self) -> Estimate:
        """Tickets reopened (重办) at least once / tickets that arrived."""
        return self._estimate(lambda r: _rate(r.reopened, r.tickets))

    def joint_rate(self) -> Estimate:
        """Tickets handled jointly (大事协同解决) / tickets that arrived."""
        return self._estimate(lambda r: _rate(r.joint, r.tickets))

    def mean_wait_h(self, kind: str | None = None) -> Estimate:
        """Hours a ticket waited in a unit's queue before a staff member took it."""
        return self._estimate(lambda r: _per_unit(r, kind, "wait_h", "jobs"))

    def utilisation(self, kind: str | None = None) -> Estimate:
        """Staff working hours spent on tickets / staff working hours available."""
        return self._estimate(lambda r: _per_unit(r, kind, "busy_h", "staffed_h"))

    def mean_in_system(self, kind: str | None = None) -> Estimate:
        """Time-average tickets in the units (waiting or being worked on): Little's L."""
        span = self.days * 24
        return self._estimate(lambda r: _sum(r, kind, "in_system_h") / span if r.units else None)

    def figures(self) -> dict[str, Estimate]:
        """Every headline figure, by name (what the reports show)."""
        found = {
            "tickets": self._estimate(lambda r: float(r.tickets)),
            "closed_rate": self.closed_rate(),
            "on_time_rate": self.on_time_rate(),
            "closed_24h_rate": self.closed_24h_rate(),
            "stay_in_grid_rate": self.stay_in_grid_rate(),
            "escalation_rate": self.escalation_rate(),
            "reopen_rate": self.reopen_rate(),
            "joint_rate": self.joint_rate(),
        }
        tiers = sorted({t for r in self.replications for t in r.stay_judged})
        for tier in tiers:
            found[f"stay_in_grid_rate.{tier}"] = self.stay_in_grid_rate(tier)
        kinds = sorted({k for r in self.replications for k in r.units})
        for kind in kinds:
            found[f"mean_wait_h.{kind}"] = self.mean_wait_h(kind)
            found[f"utilisation.{kind}"] = self.utilisation(kind)
        return found

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-able data (sorted keys: the same seed gives the same
        bytes)."""
        return {
            "scenario": self.scenario,
            "days": self.days,
            "seed": self.seed,
            "figures": {name: e.to_dict() for name, e in self.figures().items()},
            "replications": [r.to_dict() for r in self.replications],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)


def _sum(r: Replication, kind: str | None, name: str) -> float:
    units = r.units.values() if kind is None else [r.units[kind]] if kind in r.units else []
    return float(sum(getattr(u, name) for u in units))


def _per_unit(r: Replication, kind: str | None, part: str, whole: str) -> float | None:
    return _rate(_sum(r, kind, part), _sum(r, kind, whole))


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """The mean wait in queue of an M/M/c queue (Erlang C), in the rates' time unit: what
    the simulator is validated against (``docs/concepts/simulation.md``).

    >>> round(erlang_c_wait(0.9, 1.0, 1), 6)  # M/M/1 at rho 0.9: rho / (mu - lambda)
    9.0
    """
    offered = arrival_rate / service_rate
    rho = offered / servers
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho:.3f} >= 1")
    term, total = 1.0, 1.0
    for k in range(1, servers):
        term *= offered / k
        total += term
    last = term * offered / servers / (1 - rho)
    p_wait = last / (total + last)
    return p_wait / (servers * service_rate - arrival_rate)
