"""The mapping file (映射文件): how one source's columns become gridgov tickets and events.

A new city needs a new mapping file, not new code.  The file is TOML, validated
with pydantic; every error names the file, the key (``area.levels[1].pattern``)
and, when it can be found, the line.
"""

from __future__ import annotations

import codecs
import itertools
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gridgov._toml import TimeZoneName, TomlKind, read_toml
from gridgov.errors import PolicyError
from gridgov.workflow import (
    VERDICTS,
    RoutingPolicy,
    TriggerName,
    check_trigger,
    load_routing_policy,
)

__all__ = [
    "MAPPING_FILE",
    "AreaLevelRule",
    "AreaRules",
    "ColumnMap",
    "EventRules",
    "ReplayMapping",
    "RoutingRules",
    "SnapshotRules",
    "load_mapping",
]


MAPPING_FILE = TomlKind(
    "mapping file",
    file="mapping file",
    hint="check the spelling; see docs/reference/mapping-file.md",
)
"""How errors name a mapping file (映射文件)."""


def _ascii_compatible(value: str) -> str:
    try:
        codecs.lookup(value)
    except LookupError as exc:
        raise ValueError(
            f"unknown encoding {value!r}: expected utf-8, utf-8-sig, gbk, gb18030 or another "
            "codec Python knows"
        ) from exc
    ascii_text = b'\n,;\t"a0'
    if ascii_text.decode(value, errors="replace") != ascii_text.decode("ascii"):
        raise ValueError(f"encoding {value!r} is not ASCII-compatible (UTF-16?): save as UTF-8")
    return value


def _steps(value: str | list[str]) -> str | list[str]:
    for trigger in [value] if isinstance(value, str) else value:
        check_trigger(trigger)
    return value


ActivitySteps = Annotated[str | Annotated[list[str], Field(min_length=1)], AfterValidator(_steps)]
"""An activity's trigger, or its triggers in order (each checked, the error at the
activity's own key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnMap(_Strict):
    """Which source column holds each gridgov field (empty: the source has no such column)."""

    id: str
    opened_at: str | None = None
    closed_at: str | None = None
    dispatched_at: str | None = None
    due_at: str | None = None
    verdict: str | None = None
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    unit: str | None = None
    activity: str | None = None
    at: str | None = None
    actor: str | None = None
    role: str | None = None
    result: str | None = None
    satisfaction: str | None = None
    """The reporter's review verdict (回访评价), read through ``satisfaction_values``."""


class AreaLevelRule(_Strict):
    """One area level read from one column and cleaned to a code.

    ``pattern`` is a regular expression with one group: the group is the value
    (Boston: ``"Ward 5"``, ``"05"``, ``"5"`` all give ``5``).  With ``integer``
    the value is read as a number and written with ``format`` (``"W{:02d}"`` turns
    ``5`` into ``W05``); with ``split = 100`` the number is first cut in two,
    ``n // 100`` and ``n % 100``, for codes that embed their parent (Boston's
    precinct ``509`` → ``"BOS-W{0:02d}-P{1:02d}"`` → ``BOS-W05-P09``).
    ``prefix`` is put before the result.
    """

    level: str
    column: str
    pattern: str = r"^\s*(.+?)\s*$"
    integer: bool = False
    split: Annotated[int, Field(ge=2)] | None = None
    format: str = "{}"
    prefix: str = ""

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        if compiled.groups != 1:
            raise ValueError(f"needs exactly one (group), found {compiled.groups}")
        return value

    @model_validator(mode="after")
    def _format_works(self) -> AreaLevelRule:
        if self.split is not None and not self.integer:
            raise ValueError("split needs integer = true")
        try:
            if self.split is not None:
                self.format.format(*divmod(509, self.split))
            else:
                self.format.format(509 if self.integer else "x")
        except (ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"format {self.format!r} cannot write a value: {exc}") from exc
        return self


class AreaRules(_Strict):
    """Area columns, coarse to fine; a ticket's area is its finest non-empty level.

    ``missing`` is the area code for rows with no area at all (Boston: the city);
    without it such rows are rejected.  ``nested`` checks that each finer level
    lies within the coarser one in the area tree.

    Without levels (a log without places: no ``[area]`` section at all) every ticket
    belongs to one root area: ``missing`` when set, else the area tree's root (a tree
    with one root), else none (an empty area code, when the replay has no tree).
    """

    levels: list[AreaLevelRule] = []
    missing: str | None = None
    nested: bool = True


class SnapshotRules(_Strict):
    """The events a one-row-per-ticket snapshot implies.

    ``on_open`` fire at the opening time (``dispatch`` at ``dispatched_at`` when
    the source has it); ``on_close`` fire at the closing time when the status
    column says closed (``closed_values``).
    """

    on_open: list[TriggerName] = ["report", "accept", "dispatch", "sign_for"]
    on_close: list[TriggerName] = ["mark_handled", "close"]
    closed_values: list[str] = ["Closed", "closed"]


class EventRules(_Strict):
    """What an event log implies beyond its rows.

    ``close_at_last_event`` are triggers fired, in order, at the last event of a case
    the log leaves open (no final state by the end of the file): for a log that has
    no explicit close (``["close"]`` when its last activity is the decision, i.e.
    ``mark_handled``).  Each is decided by the loop like any event: one the case
    cannot take is flagged.  Default ``[]``: such a case stays open.
    """

    close_at_last_event: list[TriggerName] = []


class RoutingRules(_Strict):
    """Routing (分级处置) for a source: which routing policy, and which tier each of the
    source's own categories belongs to.

    The section compiles into the live engine's :class:`~gridgov.workflow.RoutingPolicy`
    (:meth:`compile`): ``policy`` (and ``categories``) name its files, relative to the
    mapping file (default: the shipped policy); ``tiers`` maps a source category
    (``*`` and ``?`` wildcards; first match wins) to one of that policy's tiers, before
    its catalogue; any other category takes ``default_tier`` (default: the policy's).
    "Stayed in the grid" is the policy's: handled at its ``grid_level`` or below,
    never escalated, not handled jointly.  ``levels`` (tier → level, or a list of
    alternatives) and ``grid_level`` put the policy's tiers on the source's own levels,
    so a city of wards and precincts needs no routing policy file of its own.
    """

    policy: str | None = None
    categories: str | None = None
    tiers: dict[str, str] = {}
    default_tier: str | None = None
    levels: dict[str, str | list[str]] = {}
    grid_level: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_grid_tiers(cls, data: Any) -> Any:
        if isinstance(data, dict) and "grid_tiers" in data:
            raise ValueError(
                "grid_tiers is gone: whether a ticket stayed in the grid is the routing "
                "policy's rule (its grid_level); name the policy with routing.policy"
            )
        return data

    def compile(self, base: Path | None = None, *, source: str = "<mapping>") -> RoutingPolicy:
        """The routing policy this section describes; ``base`` is the mapping's folder,
        ``source`` the mapping file (named by errors about ``routing.tiers``)."""

        def path(name: str | None) -> Path | None:
            if name is None:
                return None
            return Path(name) if base is None or Path(name).is_absolute() else base / name

        policy = load_routing_policy(path(self.policy), path(self.categories))
        fallback = self.default_tier or policy.default_tier
        if fallback is None:
            raise PolicyError(
                source,
                f"the routing policy {policy.source} has no default_tier: set one here for "
                "the source's categories that no pattern names",
                key="routing.default_tier",
                what=MAPPING_FILE.what,
            )
        levels = {t: [v] if isinstance(v, str) else v for t, v in self.levels.items()}
        return policy.with_patterns(
            self.tiers,
            fallback_tier=fallback,
            source=source,
            levels=levels,
            grid_level=self.grid_level,
        )


class ReplayMapping(_Strict):
    """A whole mapping file: see ``docs/reference/mapping-file.md``."""

    name: str
    kind: Literal["snapshot", "events"]
    areas: str | None = None
    """The area hierarchy: a shipped sample name or a file relative to the mapping file."""
    format: Literal["csv", "jsonl", "xes", "open311"] | None = None
    time_format: Annotated[str, Field(min_length=1)] = "iso"
    timezone: TimeZoneName = "UTC"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    encoding: Annotated[str, AfterValidator(_ascii_compatible)] = "utf-8"
    """The input's text encoding: ``utf-8`` (a byte-order mark is skipped), ``utf-8-sig``,
    ``gbk``, ``gb18030`` (Chinese 12345 hotline exports), or another ASCII-compatible
    codec Python knows."""
    columns: ColumnMap
    area: AreaRules = AreaRules()
    snapshot: SnapshotRules = SnapshotRules()
    events: EventRules = EventRules()
    routing: RoutingRules = RoutingRules()
    activities: dict[str, ActivitySteps] = {}
    """Activity → trigger, or → several triggers fired in order at that event
    (``"Confirmation of receipt" = ["report", "accept"]``)."""
    payload: dict[str, str] = {}
    ignore_activities: list[str] = []
    note_activities: list[str] = []
    """Activities kept with their ticket as notes (:attr:`TicketOutcome.notes`), not
    lifecycle steps: nothing is decided by them."""
    clock_skew_seconds: Annotated[float, Field(ge=0)] = 60
    """A snapshot row closed at most this long before it opened is clock skew between the
    source's systems: replayed as closed at the opening time, flagged
    ``close_before_open_skew``; beyond it the row is a ``close_before_open`` reject."""
    null_values: list[str] = []
    """Cells (stripped) read as empty in every column the mapping reads: a source's
    placeholders (``"Unspecified"``, ``"N/A"``)."""
    column_null_values: dict[str, list[str]] = {}
    """Per source column, more cells read as empty there (``ward = ["0"]``,
    ``CLOSED_DT = ["01/01/1900 12:00:00 AM"]``); after ``columns``, ``area`` and
    ``payload``, which name the columns read."""
    on_time_values: list[str] = ["ONTIME", "on_time", "true"]
    overdue_values: list[str] = ["OVERDUE", "overdue", "false"]
    satisfaction_values: dict[str, str] = {
        **{v: v for v in VERDICTS},
        "满意": "satisfied",
        "基本满意": "basically_satisfied",
        "不满意": "not_satisfied",
    }
    """``columns.satisfaction`` cell → the loop's review verdict (:data:`~gridgov.workflow.
    VERDICTS`); whether a verdict counts as satisfied is the loop's rule."""
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file this mapping was read from (``None`` when built in Python)."""
        return self._path

    def routing_policy(self) -> RoutingPolicy:
        """The ``[routing]`` section compiled, its files found beside the mapping file."""
        base = self._path.parent if self._path is not None else None
        source = str(self._path) if self._path is not None else "<mapping>"
        return self.routing.compile(base, source=source)

    @field_validator("column_null_values")
    @classmethod
    def _read_columns_only(
        cls, value: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        columns, area = info.data.get("columns"), info.data.get("area")
        if columns is None or area is None:
            return value  # their own errors are reported
        read = _columns_read(columns, area, info.data.get("payload", {}))
        unknown = sorted(set(value) - read)
        if unknown:
            raise ValueError(
                f"names {unknown[0]!r}, a column this mapping does not read "
                f"(it reads: {', '.join(sorted(read))})"
            )
        return value

    @field_validator("satisfaction_values")
    @classmethod
    def _loop_verdicts(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {cell: v for cell, v in value.items() if v not in VERDICTS}
        if bad:
            cell, verdict = next(iter(bad.items()))
            raise ValueError(f"{cell!r} = {verdict!r}: expected one of {', '.join(VERDICTS)}")
        return value

    @model_validator(mode="after")
    def _columns_for_kind(self) -> ReplayMapping:
        needed = ("opened_at",) if self.kind == "snapshot" else ("activity", "at")
        missing = [n for n in needed if getattr(self.columns, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} source needs columns.{' and columns.'.join(missing)}")
        if self.kind == "events" and not self.activities:
            raise ValueError("an events source needs an [activities] table (activity = trigger)")
        kinds = {
            "activities": set(self.activities),
            "ignore_activities": set(self.ignore_activities),
            "note_activities": set(self.note_activities),
        }
        for (one, these), (other, those) in itertools.combinations(kinds.items(), 2):
            both = sorted(these & those)
            if both:
                raise ValueError(f"activity {both[0]!r} is in both {one} and {other}")
        return self

    def steps(self) -> dict[str, tuple[str, ...]]:
        """Each activity a case's row can have: its triggers, in order (one for most);
        a note's (``note_activities``), none.  A case's ticket is made at its first such
        row (the row that gives its area)."""
        steps = {
            activity: (trigger,) if isinstance(trigger, str) else tuple(trigger)
            for activity, trigger in self.activities.items()
        }
        steps.update(dict.fromkeys(self.note_activities, ()))
        return steps


def _columns_read(columns: ColumnMap, area: AreaRules, payload: dict[str, str]) -> set[str]:
    """Every source column a mapping reads: ``[columns]``, ``[payload]``, the area levels."""
    named = [*columns.model_dump().values(), *payload.values()]
    named += [level.column for level in area.levels]
    return {name for name in named if name}


def load_mapping(path: str | Path) -> ReplayMapping:
    """Read and validate a mapping file.

    Raises :class:`~gridgov.errors.PolicyError` naming every bad key with its line.
    """
    mapping = read_toml(path, MAPPING_FILE).validate(ReplayMapping)
    mapping._path = Path(path)
    return mapping
