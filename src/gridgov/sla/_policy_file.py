"""Reading a policy TOML file, with errors that name file, line, key and reason.

>>> policy = parse_policy(EXAMPLE, source="example.toml")
>>> policy.select(category="noise").name
'default'
>>> [c.name for c in policy.select(category="fire_lane_blocked").clocks]
['response', 'handling']
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from gridgov.errors import PolicyError, Problem
from gridgov.sla._calendar_port import CalendarPort
from gridgov.sla._calendar_spec import CalendarSpec
from gridgov.sla._policy import SlaPolicy
from gridgov.sla._policy_schema import PolicyDocument

__all__ = ["DEFAULT_POLICY", "build_calendar", "load_default_policy", "load_policy", "parse_policy"]

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
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), f"cannot read the policy file: {exc}") from exc
    return parse_policy(text, source=str(path), calendars=calendars)


def load_default_policy() -> SlaPolicy:
    """The default policy shipped with gridgov (``gridgov/samples/sla/default.toml``)."""
    resource = files("gridgov").joinpath(DEFAULT_POLICY)
    return parse_policy(resource.read_text(encoding="utf-8"), source=f"gridgov/{DEFAULT_POLICY}")


def parse_policy(
    text: str, *, source: str = "<policy>", calendars: Mapping[str, CalendarPort] | None = None
) -> SlaPolicy:
    """:func:`load_policy` for TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise PolicyError(source, f"not valid TOML: {exc}", line=line) from exc
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise _policy_error(source, text, _pydantic_problems(exc)) from exc
    cross = document.cross_problems()
    if cross:
        raise _policy_error(source, text, cross)
    known = {**(calendars or {}), **_file_calendars(document, source, text)}
    try:
        return SlaPolicy.from_document(document, known, source=source)
    except PolicyError as exc:
        if exc.line is not None or exc.key is None:
            raise
        raise _policy_error(source, text, [(exc.key, exc.reason)]) from exc


def build_calendar(spec: CalendarSpec) -> CalendarPort:
    """The working calendar for ``spec`` (the calendar engineer's WorkingCalendar)."""
    from gridgov.sla._calendar import WorkingCalendar

    calendar: CalendarPort = WorkingCalendar(spec)
    return calendar


def _file_calendars(document: PolicyDocument, source: str, text: str) -> dict[str, CalendarPort]:
    built: dict[str, CalendarPort] = {}
    problems: list[tuple[str, str]] = []
    for name, table in document.calendars.items():
        try:
            spec = CalendarSpec.model_validate({"name": name, **table})
        except ValidationError as exc:
            problems.extend(
                (f"calendars.{name}.{key}" if key else f"calendars.{name}", reason)
                for key, reason in _pydantic_problems(exc)
            )
            continue
        built[name] = build_calendar(spec)
    if problems:
        raise _policy_error(source, text, problems)
    return built


def _pydantic_problems(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False):
        key = _key(error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            reason = "unknown key (check the spelling; see docs/concepts/sla-clocks.md)"
        elif error["type"] == "missing":
            reason = "required key is missing"
        elif "input" in error and not isinstance(error["input"], dict):
            reason += f" (got {error['input']!r})"
        problems.append((key, reason))
    return problems


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif "[" not in part and "," not in part:  # skip pydantic's union/function labels
            key += f".{part}" if key else part
    return key


def _policy_error(source: str, text: str, problems: list[tuple[str, str]]) -> PolicyError:
    return PolicyError.many(
        [Problem(source, reason, line=_line_of(text, key), field=key) for key, reason in problems]
    )


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _line_of(text: str, key: str) -> int | None:
    """The line that best matches ``key`` (``rules[2].clocks.handling.due``): the line
    of the key itself when it is written, else of the nearest table around it."""
    wanted = _parts(key)
    arrays: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    best, best_line = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        assign = None if header else _ASSIGN.match(line)
        if header:
            names = tuple(p.strip().strip("\"'") for p in header.group(2).split("."))
            if header.group(1) == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            table = _indexed(names, arrays)
            path = table
        elif assign:
            path = table + tuple(p.strip().strip("\"'") for p in assign.group(1).split("."))
        else:
            continue
        matched = _common_prefix(path, wanted)
        if matched > best or (matched == best == len(path) and best_line is None):
            best, best_line = matched, number
    return best_line


def _parts(key: str) -> tuple[str, ...]:
    return tuple(p for p in re.split(r"[.\[\]]+", key) if p)


def _indexed(names: tuple[str, ...], arrays: Mapping[tuple[str, ...], int]) -> tuple[str, ...]:
    path: list[str] = []
    for depth, name in enumerate(names, 1):
        path.append(name)
        if names[:depth] in arrays:
            path.append(str(arrays[names[:depth]]))
    return tuple(path)


def _common_prefix(line: tuple[str, ...], wanted: tuple[str, ...]) -> int:
    """How much of ``wanted`` a line's path covers; 0 when they part ways."""
    count = 0
    for x, y in zip(line, wanted, strict=False):
        if x != y:
            break
        count += 1
    return count if count in (len(line), len(wanted)) else 0
