"""``gridgov sla``: check an SLA policy file and explain the clocks it gives a ticket."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from gridgov.cli._output import emit, format_option
from gridgov.errors import InvalidTime
from gridgov.sla import (
    ClockCycle,
    ClockPlan,
    SlaPolicy,
    WorkingCalendar,
    load_default_policy,
    load_policy,
)

__all__ = ["sla"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_POLICY_HELP = "Without POLICY, the default policy shipped with gridgov is used."


def _policy(path: Path | None) -> SlaPolicy:
    return load_default_policy() if path is None else load_policy(path)


def _actions(plan: ClockPlan, which: str) -> str:
    actions = plan.on_breach if which == "breach" else plan.on_warning
    return ", ".join(a.action + (f":{a.role}" if a.role else "") for a in actions)


def _plan_row(rule: str, plan: ClockPlan) -> dict[str, object]:
    return {
        "rule": rule,
        "clock": plan.name,
        "start": " ".join(sorted(plan.start)),
        "stop": " ".join(sorted(plan.stop)),
        "pause_in": " ".join(sorted(plan.pause_in)),
        "due": plan.due_text,
        "calendar": plan.calendar_name,
        "warn_at": " ".join(f"{f:g}" for f in plan.thresholds[:-1]),
        "on_warning": _actions(plan, "warning"),
        "on_breach": _actions(plan, "breach"),
    }


@click.group()
def sla() -> None:
    """SLA clocks (时限): check policies and see which deadlines they give."""


@sla.command()
@click.argument("policy", type=_FILE, required=False)
@format_option()
def check(policy: Path | None, fmt: str) -> None:
    """Validate POLICY and list every rule's clocks, first match first.

    A bad file fails with every problem on its own line (file:line: key: reason).
    """
    loaded = _policy(policy)
    rows = [_plan_row(rule.name, plan) for rule in loaded.rules for plan in rule.clocks]
    columns = ["rule", "clock", "due", "calendar", "warn_at", "on_breach"]
    if fmt != "table":  # programs get everything; people get what fits a terminal
        columns = [*columns[:2], "start", "stop", "pause_in", *columns[2:], "on_warning"]
    title = f"{loaded.name} {loaded.version} (fingerprint {loaded.fingerprint})"
    emit(rows, columns, fmt, title=title)
    if fmt == "table":
        click.echo(f"{loaded.source}: OK, {len(loaded.rules)} rules", err=True)


@sla.command()
@click.argument("policy", type=_FILE, required=False)
@format_option()
def status(policy: Path | None, fmt: str) -> None:
    """Which years each calendar of POLICY knows: official data, else provisional.

    A deadline in a year outside the official range is computed on the provisional
    calendar (see docs/concepts/working-calendars.md) unless the calendar says
    ``unknown_year = "raise"``.
    """
    loaded = _policy(policy)
    rows = [_status_row(name, cal) for name, cal in sorted(loaded.calendars.items())]
    columns = ["calendar", "official_years", "other_years", "holidays"]
    emit(rows, columns, fmt, title=f"{loaded.name} {loaded.version}")


def _status_row(name: str, calendar: object) -> dict[str, object]:
    if not isinstance(calendar, WorkingCalendar):
        return {"calendar": name, "official_years": "all", "other_years": "-", "holidays": "-"}
    first, last = calendar.official_years
    source = calendar.spec.holidays
    official = "all" if first is None and last is None else f"{first or ''}-{last or ''}"
    rule = calendar.spec.unknown_year.value
    return {
        "calendar": name,
        "official_years": official,
        "other_years": "-" if official == "all" else rule,
        "holidays": source.provider if source is not None else "none",
    }


@sla.command()
@click.argument("policy", type=_FILE, required=False)
@click.option("--category", help="The ticket's category, e.g. fire_lane.")
@click.option("--tier", help="The ticket's tier, e.g. small, complex, major.")
@click.option("--priority", help="The ticket's priority, e.g. urgent.")
@click.option("--channel", help="The channel it came in by, e.g. app, phone.")
@click.option(
    "--at",
    "at_text",
    required=True,
    help="When the clocks start, ISO 8601 ('2025-09-30T10:15'); without an offset, in --tz.",
)
@click.option("--tz", default="Asia/Shanghai", show_default=True, help="Zone of a naive --at.")
@format_option()
def explain(
    policy: Path | None,
    category: str | None,
    tier: str | None,
    priority: str | None,
    channel: str | None,
    at_text: str,
    tz: str,
    fmt: str,
) -> None:
    """Which rule of POLICY a ticket falls under, and when each clock would warn and be due
    if it started --at."""
    loaded = _policy(policy)
    start = _moment(at_text, tz)
    rule = loaded.select(category=category, tier=tier, priority=priority, channel=channel)
    rows = [_explain_row(rule.name, plan, start) for plan in rule.clocks]
    columns = ["rule", "clock", "due_at", "due", "calendar", "warnings_at"]
    if fmt != "table":
        columns += ["label_zh", "starts_on"]
    emit(rows, columns, fmt, title=f"clocks started at {start.isoformat()}")


def _explain_row(rule: str, plan: ClockPlan, start: datetime) -> dict[str, object]:
    cycle = ClockCycle(plan.name, 1, start, calendar=plan.calendar_name, policy_fingerprint="")
    cycle.plan_budget(plan)
    local = start.tzinfo
    warnings = (cycle.moment_of(plan, f) for f in plan.thresholds[:-1])
    return {
        "rule": rule,
        "clock": plan.name,
        "label_zh": plan.label_zh,
        "starts_on": " ".join(sorted(plan.start)),
        "due": plan.due_text,
        "calendar": plan.calendar_name,
        "due_at": cycle.due.astimezone(local).isoformat(),
        "warnings_at": " ".join(w.astimezone(local).isoformat() for w in warnings if w),
    }


def _moment(text: str, tz: str) -> datetime:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTime(tz, "an IANA time zone such as Asia/Shanghai", source="--tz") from exc
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidTime(text, "ISO 8601 such as 2025-09-30T10:15", source="--at") from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
