"""A compiled SLA policy (时限策略): rules that pick a ticket's clocks.

:class:`SlaPolicy` is immutable and cheap to query: :meth:`SlaPolicy.select` finds
the first rule that matches a ticket (category, tier, priority, channel) and
returns its :class:`SlaRule` — a tuple of :class:`ClockPlan`, one per clock, with
its calendar already built.  Selections are cached, so a replay of millions of
tickets pays for matching once per distinct combination.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from gridgov.errors import PolicyError
from gridgov.sla._calendar_port import CalendarPort
from gridgov.sla._duration import Duration
from gridgov.sla._events import SlaAction
from gridgov.sla._policy_schema import ActionSpec, ClockSpec, ClosedWithoutDue, PolicyDocument

__all__ = ["ClockPlan", "SlaPolicy", "SlaRule", "TicketAttributes"]

TicketAttributes = tuple[str | None, str | None, str | None, str | None]
"""(category, tier, priority, channel): what rules select on."""

_KEYS = ("category", "tier", "priority", "channel")


@dataclass(frozen=True, slots=True)
class ClockPlan:
    """One clock of one rule, ready to run: triggers as sets, calendar built."""

    name: str
    label_zh: str
    start: frozenset[str]
    stop: frozenset[str]
    pause_in: frozenset[str]
    calendar_name: str
    calendar: CalendarPort
    due: Duration
    due_text: str
    thresholds: tuple[float, ...]
    """Warning fractions, then ``1.0`` for the breach."""
    on_warning: tuple[SlaAction, ...]
    on_breach: tuple[SlaAction, ...]
    working: bool
    """True when the clock counts working time; False for calendar (elapsed) time."""
    per_part: bool = False
    """One cycle per co-unit's part of a joint ticket (named ``NAME@UNIT``)."""


@dataclass(frozen=True, slots=True)
class SlaRule:
    """The clocks a selected ticket gets, and the rule that gave them."""

    name: str
    label_zh: str
    clocks: tuple[ClockPlan, ...]
    indexed: tuple[tuple[int, ClockPlan], ...] = field(init=False, repr=False, compare=False)
    """The clocks with their positions in :attr:`clocks`."""
    movers: dict[str, tuple[tuple[int, ClockPlan], ...]] = field(
        init=False, repr=False, compare=False
    )
    """By trigger, the clocks it starts or stops (with their positions)."""
    pausing: frozenset[str] = field(init=False, repr=False, compare=False)
    """Every state that pauses one of the clocks."""
    per_part: bool = field(init=False, repr=False, compare=False)
    """True when a clock runs per co-unit's part of a joint ticket."""

    def __post_init__(self) -> None:
        indexed = tuple(enumerate(self.clocks))
        triggers = {t for plan in self.clocks for t in plan.start | plan.stop}
        movers = {t: tuple(i for i in indexed if t in i[1].start | i[1].stop) for t in triggers}
        object.__setattr__(self, "indexed", indexed)
        object.__setattr__(self, "movers", movers)
        object.__setattr__(self, "pausing", frozenset().union(*(c.pause_in for c in self.clocks)))
        object.__setattr__(self, "per_part", any(c.per_part for c in self.clocks))

    def clock(self, name: str) -> ClockPlan | None:
        """The plan for clock ``name``, or None when this rule has no such clock."""
        return next((c for c in self.clocks if c.name == name), None)

    def plan_of(self, cycle_clock: str) -> tuple[int, ClockPlan] | None:
        """The position and plan a cycle's clock name comes from: ``NAME`` itself, or
        the ``NAME`` of a part's ``NAME@UNIT`` (a ``per_part`` clock); None if neither."""
        name, at, _ = cycle_clock.partition("@")
        for position, plan in self.indexed:
            if plan.name == name and plan.per_part == bool(at):
                return position, plan
        return None


Matcher = Callable[[str | None], bool]
_EVERY: tuple[Matcher | None, ...] = (None, None, None, None)
"""The matchers of a rule without ``match``: it selects every ticket."""


def _unnamed(named: list[Matcher]) -> Matcher:
    """True for a category no rule's ``match.category`` names (and for no category)."""

    def unnamed(value: str | None) -> bool:
        return not any(m(value) for m in named)

    return unnamed


def _matcher(values: list[str] | None) -> Callable[[str | None], bool] | None:
    if values is None:
        return None
    exact = frozenset(v for v in values if not any(ch in v for ch in "*?["))
    patterns = [v for v in values if v not in exact]
    regex = re.compile("|".join(fnmatch.translate(p) for p in patterns)) if patterns else None
    return _Matches(exact, regex)


@dataclass(frozen=True, slots=True)
class _Matches:
    """One attribute's test: an exact value or a glob pattern (a class, not a closure, so
    a policy pickles for another process: ``replay --executor dask``)."""

    exact: frozenset[str]
    regex: re.Pattern[str] | None

    def __call__(self, value: str | None) -> bool:
        if value is None:
            return False
        return value in self.exact or (
            self.regex is not None and self.regex.match(value) is not None
        )


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: SlaRule
    matchers: tuple[Callable[[str | None], bool] | None, ...]

    def matches(self, attributes: TicketAttributes) -> bool:
        return all(m is None or m(v) for m, v in zip(self.matchers, attributes, strict=True))


def _actions(specs: list[ActionSpec]) -> tuple[SlaAction, ...]:
    return tuple(SlaAction(s.action, s.role, s.levels, s.note) for s in specs)


@dataclass(frozen=True, eq=False)
class SlaPolicy:
    """A validated, compiled policy.  Build it with :func:`~gridgov.sla.load_policy`
    or :meth:`from_document`; ``fingerprint`` changes whenever any rule, clock or
    calendar changes, so a ticket can tell which policy its clocks came from."""

    name: str
    version: str
    fingerprint: str
    source: str
    document: PolicyDocument = field(repr=False)
    calendars: Mapping[str, CalendarPort] = field(repr=False)
    _rules: tuple[_CompiledRule, ...] = field(repr=False)
    _cache: dict[TicketAttributes, SlaRule] = field(default_factory=dict, repr=False)

    @classmethod
    def from_document(
        cls,
        document: PolicyDocument,
        calendars: Mapping[str, CalendarPort],
        *,
        source: str = "<policy>",
    ) -> SlaPolicy:
        """Compile ``document``; ``calendars`` must hold every calendar its clocks name."""
        compiled = [
            _CompiledRule(
                _compile_rule(document, index, calendars, source),
                tuple(_matcher(getattr(rule.match, key)) for key in _KEYS),
            )
            for index, rule in enumerate(document.rules)
        ]
        ordinary = [c for c, r in zip(compiled, document.rules, strict=True) if not r.fallback]
        default = ordinary.pop() if ordinary and ordinary[-1].matchers == _EVERY else None
        if default is None:
            default = _CompiledRule(_compile_rule(document, None, calendars, source), _EVERY)
        named = [c.matchers[0] for c in ordinary if c.matchers[0] is not None]
        fallbacks = [
            _CompiledRule(c.rule, (_unnamed(named), *c.matchers[1:]))
            for c, r in zip(compiled, document.rules, strict=True)
            if r.fallback
        ]
        return cls(
            name=document.policy.name,
            version=document.policy.version,
            fingerprint=_fingerprint(document, calendars),
            source=source,
            document=document,
            calendars=dict(calendars),
            _rules=(*ordinary, *fallbacks, default),
        )

    @property
    def rules(self) -> tuple[SlaRule, ...]:
        """Every rule in the order they are tried: the rules of the file, then its
        fallback rules, the default last."""
        return tuple(c.rule for c in self._rules)

    @property
    def closed_without_due(self) -> ClosedWithoutDue:
        """How a closed ticket with no due time is judged (``[policy] closed_without_due``)."""
        return self.document.policy.closed_without_due

    def select(
        self,
        *,
        category: str | None = None,
        tier: str | None = None,
        priority: str | None = None,
        channel: str | None = None,
    ) -> SlaRule:
        """The first rule that matches this ticket; else, when no rule names its category,
        the first fallback rule that matches; else the default.  The live engine, replay
        and simulation all select through here (:meth:`select_for`)."""
        return self.select_for((category, tier, priority, channel))

    def select_for(self, attributes: TicketAttributes) -> SlaRule:
        """:meth:`select` with the attributes as a (category, tier, priority, channel) tuple."""
        found = self._cache.get(attributes)
        if found is None:
            found = next(c.rule for c in self._rules if c.matches(attributes))
            self._cache[attributes] = found
        return found


def _compile_rule(
    document: PolicyDocument,
    index: int | None,
    calendars: Mapping[str, CalendarPort],
    source: str,
) -> SlaRule:
    """Rule ``index`` of the document, or the implicit default rule when ``index`` is None."""
    rule = document.rules[index] if index is not None else None
    plans = []
    for name, base in document.clocks.items():
        override = rule.clocks.get(name) if rule else None
        where = f"rules[{index}].clocks.{name}" if override else f"clocks.{name}"
        try:
            spec = override.apply(base) if override else base
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise PolicyError(source, f"with this override: {reason}", key=where) from exc
        if not spec.enabled:
            continue
        plans.append(_plan(name, spec, calendars, source, where))
    if rule is None:
        return SlaRule("default", "默认", tuple(plans))
    return SlaRule(rule.name, rule.label_zh, tuple(plans))


def _plan(
    name: str, spec: ClockSpec, calendars: Mapping[str, CalendarPort], source: str, where: str
) -> ClockPlan:
    calendar = calendars.get(spec.calendar)
    if calendar is None:
        raise PolicyError(
            source,
            f"calendar {spec.calendar!r} is not defined: add a [calendars.{spec.calendar}] "
            f"table or pass it in (known: {', '.join(sorted(calendars)) or 'none'})",
            key=f"{where}.calendar",
        )
    due = _duration(spec.due)
    return ClockPlan(
        name=name,
        label_zh=spec.label_zh,
        start=frozenset(spec.start),
        stop=frozenset(spec.stop),
        pause_in=frozenset(spec.pause_in),
        calendar_name=spec.calendar,
        calendar=calendar,
        due=due,
        due_text=spec.due,
        thresholds=(*spec.warn_at, 1.0),
        on_warning=_actions(spec.on_warning),
        on_breach=_actions(spec.on_breach),
        working=due.is_working,
        per_part=spec.per_part,
    )


def _duration(text: str) -> Duration:
    return Duration.parse(text)


def _fingerprint(document: PolicyDocument, calendars: Mapping[str, CalendarPort]) -> str:
    used = sorted({c.calendar for c in document.clocks.values()} | _override_calendars(document))
    dumped = document.model_dump(mode="json")
    # Keys added later leave the fingerprint of a policy that does not use them as it was
    # (stored clock cycles would otherwise all look computed under another policy).
    if dumped["policy"]["closed_without_due"] == "on_time":
        del dumped["policy"]["closed_without_due"]
    for rule in dumped["rules"]:
        if not rule["fallback"]:
            del rule["fallback"]
    content: dict[str, Any] = {
        "document": dumped,
        "calendars": {n: calendars[n].fingerprint for n in used if n in calendars},
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _override_calendars(document: PolicyDocument) -> set[str]:
    return {o.calendar for r in document.rules for o in r.clocks.values() if o.calendar is not None}
