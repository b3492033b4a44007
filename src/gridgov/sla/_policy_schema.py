"""The SLA policy file, as pydantic models (时限策略): what a ``policy.toml`` may say.

A policy has four parts::

    [policy]                 name, version, label_zh
    [calendars.NAME]         working calendars, each a CalendarSpec table
    [clocks.NAME]            the clocks every ticket gets by default (response, handling, review)
    [[rules]]                first match wins: select tickets by category / tier / priority /
                             channel and override some fields of some clocks

These models only check shape and names; :mod:`gridgov.sla._policy` compiles them
into an :class:`~gridgov.sla.SlaPolicy` (calendars built, durations parsed).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from gridgov.sla._duration import Duration
from gridgov.workflow import StateName, TriggerName

__all__ = [
    "ActionSpec",
    "ClockOverride",
    "ClockSpec",
    "MatchSpec",
    "PolicyDocument",
    "PolicyHeader",
    "RuleSpec",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def _as_list(value: Any) -> Any:
    """``"report"`` and ``["report"]`` mean the same thing in a policy file."""
    return [value] if isinstance(value, str) else value


def _identifier(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a name: use letters, digits, '_' and '-'")
    return name


def _duration_text(text: str) -> str:
    Duration.parse(text)  # raises ValueError naming the accepted forms
    return text


def _fractions(values: list[float]) -> list[float]:
    for value in values:
        if not 0.0 < value < 1.0:
            raise ValueError(f"warning fraction {value} must be between 0 and 1 (exclusive)")
    if values != sorted(set(values)):
        raise ValueError("warning fractions must be strictly increasing, e.g. [0.5, 0.8]")
    return values


Triggers = Annotated[list[TriggerName], BeforeValidator(_as_list)]
States = Annotated[list[StateName], BeforeValidator(_as_list)]
Strings = Annotated[list[str], BeforeValidator(_as_list)]
DurationText = Annotated[str, AfterValidator(_duration_text)]
Fractions = Annotated[list[float], AfterValidator(_fractions)]
Name = Annotated[str, AfterValidator(_identifier)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ClosedWithoutDue = Literal["on_time", "not_judged"]
"""How a closed ticket with no due time is judged: on time (Boston 311's practice, the
default), or not judged at all (left out of the on-time rate)."""


class PolicyHeader(_Strict):
    """``[policy]``: who this policy is, and how it judges a ticket it gives no due time.

    ``closed_without_due``: a closed ticket whose rule has no clock of the judged name
    (or, replaying ``--due-from-source``, whose source has no due time) is ``"on_time"``
    (nothing was promised, nothing was late: the default, as Boston counts it) or
    ``"not_judged"`` (it has no verdict and is left out of the on-time rate).
    """

    name: Name
    version: str = ""
    label_zh: str = ""
    description: str = ""
    closed_without_due: ClosedWithoutDue = "on_time"


class ActionSpec(_Strict):
    """Something to do when a clock warns or breaches; the composition root applies it.

    ``escalate`` (上报升级, ``levels`` up), ``supervise`` (督办), ``notify`` a ``role``
    (提醒), ``close`` (auto-close, 自动归档 — e.g. when no review came in time),
    ``reopen`` (升级重办: handling again, one level up — an unsatisfied review left alone).
    """

    action: Literal["escalate", "supervise", "notify", "close", "reopen"]
    role: str | None = None
    levels: int = Field(default=1, ge=1)
    note: str = ""

    @model_validator(mode="after")
    def _role_for_notify(self) -> ActionSpec:
        if self.action == "notify" and not self.role:
            raise ValueError("a 'notify' action needs a 'role' (e.g. role = \"grid_head\")")
        return self


class ClockSpec(_Strict):
    """``[clocks.NAME]``: one clock every selected ticket gets (e.g. 响应, 办理, 回访时限).

    A cycle starts on a ``start`` trigger (when none is running), stops on a ``stop``
    trigger (met or breached), does not run while the ticket is in a ``pause_in``
    state, and is due ``due`` after its start on ``calendar``.

    A ``per_part`` clock runs once per co-unit's part of a joint ticket (协办,
    大事协同解决): a ticket-wide start trigger that gives the ticket its parts starts one
    cycle per part (named ``CLOCK@UNIT``), a co-unit's own move (``sign_for_part``,
    ``handle_part``) stops or starts its part's cycle only, any other stop trigger stops
    them all, and parts given afresh cancel the cycles of the parts they replace.
    """

    label_zh: str = ""
    start: Triggers = Field(min_length=1)
    stop: Triggers = Field(min_length=1)
    pause_in: States = Field(default_factory=lambda: ["suspended"])
    calendar: Name
    due: DurationText
    warn_at: Fractions = Field(default_factory=list)
    on_warning: list[ActionSpec] = Field(default_factory=list)
    on_breach: list[ActionSpec] = Field(default_factory=list)
    enabled: bool = True
    per_part: bool = False

    @model_validator(mode="after")
    def _start_is_not_stop(self) -> ClockSpec:
        both = sorted(set(self.start) & set(self.stop))
        if both:
            raise ValueError(f"triggers {both} both start and stop the clock")
        return self


class ClockOverride(_Strict):
    """``[rules.clocks.NAME]``: the fields a rule changes in a default clock."""

    label_zh: str | None = None
    start: Triggers | None = None
    stop: Triggers | None = None
    pause_in: States | None = None
    calendar: Name | None = None
    due: DurationText | None = None
    warn_at: Fractions | None = None
    on_warning: list[ActionSpec] | None = None
    on_breach: list[ActionSpec] | None = None
    enabled: bool | None = None
    per_part: bool | None = None

    def apply(self, base: ClockSpec) -> ClockSpec:
        """``base`` with this override's fields set (validated again)."""
        changes = self.model_dump(exclude_none=True)
        return ClockSpec.model_validate({**base.model_dump(), **changes})


class MatchSpec(_Strict):
    """``match``: which tickets a rule selects.  Every given key must match (AND);
    within a key any listed value matches (OR); ``*`` and ``?`` are wildcards."""

    category: Strings | None = None
    tier: Strings | None = None
    priority: Strings | None = None
    channel: Strings | None = None

    @property
    def is_catch_all(self) -> bool:
        """True when the rule selects every ticket (a default rule)."""
        return all(v is None for v in (self.category, self.tier, self.priority, self.channel))


class RuleSpec(_Strict):
    """``[[rules]]``: tickets it selects and how their clocks differ from the defaults.

    A ``fallback`` rule selects the tickets whose category no rule's ``match.category``
    names (a ticket without a category too), when no other rule selected them: it comes
    after every rule that names categories, before the default, wherever it stands in
    the file.  It may match on tier, priority and channel, not on category.
    """

    name: Name
    label_zh: str = ""
    match: MatchSpec = Field(default_factory=MatchSpec)
    clocks: dict[str, ClockOverride] = Field(default_factory=dict)
    fallback: bool = False


class PolicyDocument(_Strict):
    """A whole policy file, checked for shape and for names that refer to each other."""

    policy: PolicyHeader
    calendars: dict[Name, dict[str, Any]] = Field(default_factory=dict)
    clocks: dict[Name, ClockSpec] = Field(min_length=1)
    rules: list[RuleSpec] = Field(default_factory=list)

    def cross_problems(self) -> list[tuple[str, str]]:
        """Problems between parts of the file, as ``(key, reason)``: rule names, an early
        catch-all rule (or fallback rule), a fallback naming categories, overrides of
        clocks that do not exist."""
        problems: list[tuple[str, str]] = []
        seen: set[str] = set()
        ordinary = [i for i, r in enumerate(self.rules) if not r.fallback]
        fallbacks = [i for i, r in enumerate(self.rules) if r.fallback]
        for index, rule in enumerate(self.rules):
            where = f"rules[{index}]"
            if rule.name in seen:
                problems.append((f"{where}.name", f"rule name {rule.name!r} is used twice"))
            seen.add(rule.name)
            after = [i for i in (fallbacks if rule.fallback else ordinary) if i > index]
            if rule.match.is_catch_all and after:
                every, later = ("ticket", "rules")
                if rule.fallback:
                    every, later = ("ticket of a category no rule names", "fallback rules")
                problems.append(
                    (
                        f"{where}.match",
                        f"rule {rule.name!r} matches every {every}, so the {later} after it "
                        "can never match: give it a match or put it last",
                    )
                )
            if rule.fallback and rule.match.category is not None:
                problems.append(
                    (
                        f"{where}.match.category",
                        f"fallback rule {rule.name!r} selects the categories no rule names: "
                        "it cannot name categories itself (drop match.category, or fallback)",
                    )
                )
            problems.extend(
                (
                    f"{where}.clocks.{name}",
                    f"no clock {name!r} in [clocks] (defined: {', '.join(sorted(self.clocks))})",
                )
                for name in sorted(set(rule.clocks) - set(self.clocks))
            )
        return problems
