"""Building a scenario's world: the hierarchy, the policies, where tickets arise, and the
staff calendars, checked together (every problem names the scenario key)."""

from __future__ import annotations

from datetime import datetime

from gridgov._toml import TomlDocument
from gridgov.errors import GridGovError, PolicyError, Problem
from gridgov.grid import AreaFile, UnitKind, load_named_areas
from gridgov.simulate._model import TracedTicket, World
from gridgov.simulate._scenario import SIMULATION_SCENARIO, Scenario
from gridgov.sla import CalendarPort, SlaPolicy, load_default_policy, load_policy
from gridgov.workflow import RoutingPolicy, load_routing_policy

__all__ = ["build_world"]

_KINDS = frozenset(k.value for k in UnitKind)


def build_world(scenario: Scenario, document: TomlDocument | None = None) -> World:
    """The world of ``scenario``; a :class:`~gridgov.errors.PolicyError` lists every
    problem with its key (and, given the scenario's ``document``, its line)."""
    header = scenario.scenario
    areas = _areas(scenario)
    traced: tuple[TracedTicket, ...] = ()
    if scenario.trace is not None:  # the history's tickets, routed as replay routes them
        routing, traced = _trace(scenario, areas)
    else:
        routing = load_routing_policy(
            scenario.path(header.routing) if header.routing else None,
            scenario.path(header.categories) if header.categories else None,
        )
    routing.check_levels(areas.tree.levels)
    sla = _sla(scenario)
    problems: list[tuple[str, str]] = []
    leaves = [a.code for a in areas.tree if not areas.tree.children(a.code)]
    stream_areas: list[tuple[str, ...]] = []
    tiers_used: set[str] = set()
    for index, stream in enumerate(scenario.arrivals):
        where = f"arrivals[{index}]"
        matching = tuple(code for code in leaves if stream.matches(code))
        if not matching:
            problems.append((f"{where}.areas", f"no leaf area matches {list(stream.areas)}"))
        stream_areas.append(matching)
        try:
            tiers_used.add(routing.tier_of(stream.category).name)
        except GridGovError as exc:
            problems.append((f"{where}.category", str(exc)))
    tiers = ", ".join(routing.tiers)
    problems.extend(
        (f"service.{tier}", f"not a tier of the routing policy ({tiers})")
        for tier in sorted(set(scenario.service) - set(routing.tiers) - {"default"})
    )
    problems.extend(
        (f"service.{tier}", "tickets of this tier arrive: give its work time")
        for tier in sorted(t for t in tiers_used if scenario.service_of(t) is None)
    )
    staffing = scenario.staffing
    kinds = ", ".join(sorted(_KINDS))
    problems.extend(
        (f"staffing.{kind}", f"not a unit kind ({kinds})")
        for kind in sorted({*(staffing.model_extra or {}), *staffing.calendars} - _KINDS)
    )
    problems.extend(
        (f"staffing.units.{code}", "no such unit in the hierarchy")
        for code in sorted(staffing.units)
        if areas.directory.find(code) is None
    )
    calendars: dict[str, CalendarPort] = {}
    known = sla.calendars if sla is not None else {}
    for kind, name in sorted(staffing.calendars.items()):
        if name in known:
            calendars[kind] = known[name]
        else:
            choices = ", ".join(sorted(known)) or "none: the scenario runs no SLA policy"
            problems.append(
                (f"staffing.calendars.{kind}", f"unknown calendar {name!r} ({choices})")
            )
    if header.clock and sla is not None:
        names = {plan.name for rule in sla.rules for plan in rule.clocks}
        if header.clock not in names:
            problems.append(("scenario.clock", f"the SLA policy has no clock {header.clock!r}"))
    if scenario.trace is not None and scenario.trace.handling == "service":
        problems.extend(
            ("service", f"traced tickets of tier {tier!r} arrive: give its work time")
            for tier in sorted({t.tier for t in traced})
            if scenario.service_of(tier) is None
        )
    if problems:
        raise _error(problems, document)
    return World(areas.tree, areas.directory, routing, sla, tuple(stream_areas), calendars, traced)


def _trace(scenario: Scenario, areas: AreaFile) -> tuple[RoutingPolicy, tuple[TracedTicket, ...]]:
    """The trace's tickets in time order, and the mapping's routing (replay's readers:
    the same cleaning, the same rejects)."""
    from gridgov.replay import InputFile, RejectLog, load_mapping, read_tickets

    assert scenario.trace is not None
    mapping = load_mapping(scenario.path(scenario.trace.mapping))
    routing = mapping.routing_policy()
    source = InputFile(scenario.path(scenario.trace.file), mapping.format,
                       delimiter=mapping.delimiter)  # fmt: skip
    found: list[TracedTicket] = []
    for ticket in read_tickets(mapping, source, areas=areas.tree, rejects=RejectLog(None)):
        times: dict[str, datetime] = {}
        for event in ticket.events:
            times.setdefault(event.trigger, event.at)
        signed, handled = times.get("sign_for"), times.get("mark_handled")
        work = handled - signed if signed is not None and handled is not None else None
        tier = routing.tier_of(ticket.category).name
        facts = (ticket.ticket_id, ticket.category, ticket.area, ticket.channel, tier)
        found.append(TracedTicket(ticket.events[0].at, *facts, work))
    found.sort(key=lambda t: (t.at, t.ticket_id))
    return routing, tuple(found)


def _areas(scenario: Scenario) -> AreaFile:
    header = scenario.scenario
    return load_named_areas(header.areas, base=scenario.base_dir, units=header.units)


def _sla(scenario: Scenario) -> SlaPolicy | None:
    name = scenario.scenario.sla
    if name == "none":
        return None
    return load_policy(scenario.path(name)) if name else load_default_policy()


def _error(problems: list[tuple[str, str]], document: TomlDocument | None) -> PolicyError:
    if document is not None:
        return document.error(problems)
    located = [Problem("<scenario>", reason, field=key) for key, reason in problems]
    return PolicyError.many(located, what=SIMULATION_SCENARIO.what)
