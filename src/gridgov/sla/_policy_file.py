"""Reading a policy TOML file, with errors that name file, line, key and reason.

>>> policy = parse_policy(EXAMPLE, source="example.toml")
>>> policy.select(category="noise").name
'default'
>>> [c.name for c in policy.select(category="fire_lane_blocked").clocks]
['response', 'handling']
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from gridgov._toml import TomlDocument, TomlKind, parse_toml, read_toml
from gridgov.errors import PolicyError
from gridgov.sla._calendar_port import CalendarPort
from gridgov.sla._calendar_spec import CalendarSpec
from gridgov.sla._policy import SlaPolicy
from gridgov.sla._policy_schema import PolicyDocument

__all__ = [
    "DEFAULT_POLICY",
    "SLA_POLICY_FILE",
    "build_calendar",
    "load_default_policy",
    "load_policy",
    "parse_policy",
]

SLA_POLICY_FILE = TomlKind(
    "SLA policy", file="the policy file", hint="check the spelling; see docs/concepts/sla-clocks.md"
)
"""How errors name an SLA policy file (时限策略)."""

DEFAULT_POLICY = "samples/sla/default.toml"
"""The default policy shipped in the package (response 5 minutes 24/7, handling 24
hours, review 3 working days then auto-close), relative to the ``gridgov`` package."""

EXAMPLE = """
[policy]
name = "example"

[calendars.always]
timezone = "Asia/Shanghai"
working_hours = ["00:00-24:00"]
workweek = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[clocks.response]
start = "report"
stop = "sign_for"
calendar = "always"
due = "5m"

[clocks.handling]
start = ["report", "reopen"]
stop = "mark_handled"
calendar = "always"
due = "24h"

[[rules]]
name = "fire-lane"
match = { category = ["fire_lane_*"] }
clocks.handling = { due = "2h", warn_at = [0.5] }
"""


def load_policy(
    path: str | Path, *, calendars: Mapping[str, CalendarPort] | None = None
) -> SlaPolicy:
    """Read, validate and compile the policy file at ``path``.

    ``calendars`` adds calendars the file names but does not define (a file's own
    ``[calendars.NAME]`` tables win).  Raises :class:`~gridgov.errors.PolicyError`
    listing every problem found.
    """
    return _compile(read_toml(path, SLA_POLICY_FILE), calendars)


def load_default_policy() -> SlaPolicy:
    """The default policy shipped with gridgov (``gridgov/samples/sla/default.toml``)."""
    resource = files("gridgov").joinpath(DEFAULT_POLICY)
    return parse_policy(resource.read_text(encoding="utf-8"), source=f"gridgov/{DEFAULT_POLICY}")


def parse_policy(
    text: str, *, source: str = "<policy>", calendars: Mapping[str, CalendarPort] | None = None
) -> SlaPolicy:
    """:func:`load_policy` for TOML text; ``source`` names it in error messages."""
    return _compile(parse_toml(text, source=source, kind=SLA_POLICY_FILE), calendars)


def build_calendar(spec: CalendarSpec) -> CalendarPort:
    """The working calendar (:class:`~gridgov.sla.WorkingCalendar`) for ``spec``."""
    from gridgov.sla._calendar import WorkingCalendar

    calendar: CalendarPort = WorkingCalendar(spec)
    return calendar


def _compile(toml: TomlDocument, calendars: Mapping[str, CalendarPort] | None) -> SlaPolicy:
    document = toml.validate(PolicyDocument)
    cross = document.cross_problems()
    if cross:
        raise toml.error(cross)
    known = {**(calendars or {}), **_file_calendars(document, toml)}
    try:
        return SlaPolicy.from_document(document, known, source=toml.source)
    except PolicyError as exc:
        if exc.line is not None or exc.key is None:
            raise
        raise toml.error([(exc.key, exc.reason)]) from exc


def _file_calendars(document: PolicyDocument, toml: TomlDocument) -> dict[str, CalendarPort]:
    built: dict[str, CalendarPort] = {}
    problems: list[tuple[str, str]] = []
    for name, table in document.calendars.items():
        try:
            spec = CalendarSpec.model_validate({"name": name, **table})
        except ValidationError as exc:
            problems.extend(toml.problems_of(exc, under=f"calendars.{name}"))
            continue
        built[name] = build_calendar(spec)
    if problems:
        raise toml.error(problems)
    return built
