"""A simulation scenario (仿真场景): the city, its policies, its arrivals, its staff and the
rules that shape routing, as a validated TOML file or Python objects.

::

    [scenario]
    name = "zhumiao"
    start = "2026-03-02T00:00+08:00"
    areas = "hangzhou"                  # a shipped sample, or an area file beside this one

    [[arrivals]]
    category = "noise"
    areas = ["HZ-YH-CQ-ZM-*"]           # where tickets arise (globs over leaf areas)
    per_day = 12.0

    [service.small]                     # work time of one ticket of the tier
    mean_h = 2.0

    [staffing]
    grid_worker = 2                     # headcount of every unit of the kind

Every error names the file, the key and its line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from gridgov._toml import TomlKind

__all__ = [
    "SIMULATION_SCENARIO",
    "ArrivalStream",
    "Rules",
    "Scenario",
    "ScenarioHeader",
    "ServiceTime",
    "Staffing",
    "TraceSpec",
]

SIMULATION_SCENARIO = TomlKind("simulation scenario")
"""How errors name a scenario file."""

HOURS_OF_DAY = 24


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioHeader(_Strict):
    """``[scenario]``: what is simulated, from when, over which hierarchy and policies."""

    name: str = Field(min_length=1)
    start: AwareDatetime
    areas: str = "hangzhou"
    """A shipped sample (``hangzhou``, ``boston311``) or an area file (relative paths are
    read beside the scenario file)."""
    units: str | None = None
    """A units CSV for an area file that has none."""
    routing: str | None = None
    """A routing policy file (default: the shipped one)."""
    categories: str | None = None
    """Its category catalogue (default: the shipped one)."""
    sla: str | None = None
    """An SLA policy file (default: the shipped one); ``"none"`` runs no clocks."""
    clock: str = "handling"
    """The clock whose verdict is "on time"."""


class ArrivalStream(_Strict):
    """``[[arrivals]]``: tickets of one category arising in some areas, as a Poisson
    process whose rate follows the hour of day."""

    category: str = Field(min_length=1)
    per_day: float = Field(gt=0)
    """Tickets a day, over all the stream's areas."""
    areas: tuple[str, ...] = ("*",)
    """Glob patterns over area codes; the stream's tickets arise in the matching leaf
    areas (micro-grids, or the finest areas there are), uniformly."""
    channel: str = "app"
    """``app``, ``phone``, ``wechat_group`` ... or ``patrol`` (巡查发现, 早巡夜访)."""
    hours: tuple[float, ...] | None = Field(default=None)
    """24 relative weights of the hours of the day (local time of ``scenario.start``);
    default: flat."""
    priority: str = "normal"

    @model_validator(mode="after")
    def _day_of_hours(self) -> Self:
        if self.hours is not None:
            if len(self.hours) != HOURS_OF_DAY:
                raise ValueError(f"hours needs {HOURS_OF_DAY} weights, got {len(self.hours)}")
            if any(w < 0 for w in self.hours) or not any(self.hours):
                raise ValueError("hours are weights: none negative, not all zero")
        return self

    def matches(self, code: str) -> bool:
        """Whether tickets of this stream arise in area ``code``."""
        return any(fnmatch.fnmatchcase(code, pattern) for pattern in self.areas)


class ServiceTime(_Strict):
    """``[service.TIER]``: how long one ticket of the tier takes to handle once signed for
    (work time on the handler's calendar), and how it varies."""

    mean_h: float = Field(gt=0)
    dist: Literal["exponential", "lognormal", "fixed"] = "exponential"
    sigma: float = Field(default=0.8, gt=0)
    """The log-normal's shape (the standard deviation of the log)."""


class Staffing(_Strict):
    """``[staffing]``: headcount per unit kind, per unit, and the calendars staff work on."""

    model_config = ConfigDict(extra="allow", frozen=True)

    default: int = Field(default=1, ge=0)
    """Headcount of a unit whose kind and code are not named."""
    units: dict[str, int] = Field(default_factory=dict)
    """Headcount by unit code (wins over the kind's)."""
    calendars: dict[str, str] = Field(default_factory=dict)
    """Unit kind → the SLA policy's calendar its staff work on (default: every hour)."""
    unlimited: bool = False
    """Every unit has as many staff as tickets: no queue anywhere (a trace's baseline)."""

    @model_validator(mode="after")
    def _kinds_are_counts(self) -> Self:
        for kind, count in (self.model_extra or {}).items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(f"{kind}: a headcount is a whole number >= 0, got {count!r}")
        if any(count < 0 for count in self.units.values()):
            raise ValueError("units: a headcount is a whole number >= 0")
        return self

    def with_headcount(self, kind: str, count: int) -> Staffing:
        """The same staffing with ``count`` people in every unit of ``kind`` (a sweep's
        step)."""
        return Staffing.model_validate({**self.model_dump(), kind: count})

    def headcount(self, code: str, kind: str) -> int:
        """The staff of unit ``code`` of ``kind``."""
        if code in self.units:
            return self.units[code]
        by_kind: Mapping[str, int] = self.model_extra or {}
        return int(by_kind.get(kind, self.default))


class TraceSpec(_Strict):
    """``[trace]``: arrivals read from a history file through a replay mapping — each
    ticket's opening time, category, area and channel, as replay reads them."""

    file: str
    mapping: str
    handling: Literal["trace", "service"] = "trace"
    """``trace``: each ticket's work takes its historical time (signed for → handled),
    and a ticket the history never handled is never finished; ``service``: the
    scenario's work times."""


class Rules(_Strict):
    """``[rules]``: the delays around handling and the rules that move tickets."""

    discipline: Literal["fifo", "deadline"] = "fifo"
    """The order staff take queued tickets: first come first served, or earliest
    handling deadline first."""
    triage_minutes: float = Field(default=5, ge=0)
    """Report to accept (受理) and dispatch (派单)."""
    sign_for_minutes: float = Field(default=0, ge=0)
    """A staff member free to sign for (签收): travel or sign-for delay before the work."""
    review_minutes: float = Field(default=120, ge=0)
    """Handled (办结) to the reporter's review (回访), or to the archiving (归档)."""
    review: bool = True
    """Ask the reporter (回访) after handling; without, a handled ticket is archived."""
    not_satisfied: float = Field(default=0.0, ge=0, lt=1)
    """Share of reviews that are not satisfied: the ticket is reopened (重办)."""
    escalate_queue_over: int = Field(default=0, ge=0)
    """Escalate a dispatched ticket one level up when its unit already has more than this
    many tickets waiting (0: never)."""
    supervise_on_breach: bool = True
    """督办 when the handling clock breaches."""
    escalate_on_breach: bool = False
    """Escalate one level up when the handling clock breaches (a ticket not yet signed
    for)."""
    joint_share: float = Field(default=0.0, ge=0, le=1)
    """Of the tickets above the grid, the share dispatched jointly with the tier's
    departments as co-units (大事协同解决); a ``joint`` tier of the routing policy is
    always joint."""


class Scenario(_Strict):
    """A whole scenario: build it in Python or read it with :func:`load_scenario`."""

    scenario: ScenarioHeader
    arrivals: tuple[ArrivalStream, ...] = ()
    trace: TraceSpec | None = None
    """Arrivals from a history instead of (or as well as) ``arrivals``."""
    service: dict[str, ServiceTime] = Field(default_factory=dict)
    """Work time per tier; a tier without its own takes ``default`` if given."""
    staffing: Staffing = Staffing()
    rules: Rules = Rules()
    base_dir: str = Field(default=".", exclude=True)
    """Where relative file names in the scenario are read from."""

    @model_validator(mode="after")
    def _some_arrivals(self) -> Self:
        if not self.arrivals and self.trace is None:
            raise ValueError("give [[arrivals]] or a [trace]: nothing would arrive")
        return self

    def path(self, name: str) -> Path:
        """A file the scenario names, relative to :attr:`base_dir`."""
        candidate = Path(name)
        return candidate if candidate.is_absolute() else Path(self.base_dir) / candidate

    def service_of(self, tier: str) -> ServiceTime | None:
        """The work time of ``tier``, else ``service.default``, else ``None``."""
        return self.service.get(tier) or self.service.get("default")

    def scaled(self, factor: float) -> Scenario:
        """The same scenario with every arrival rate times ``factor`` (next year's load)."""
        streams = tuple(s.model_copy(update={"per_day": s.per_day * factor}) for s in self.arrivals)
        return self.model_copy(update={"arrivals": streams})
