"""The mapping file (映射文件): how one source's columns become gridgov tickets and events.

A new city needs a new mapping file, not new code.  The file is TOML, validated
with pydantic; every error names the file, the key (``area.levels[1].pattern``)
and, when it can be found, the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gridgov._toml import TimeZoneName, TomlKind, read_toml
from gridgov.workflow import TriggerName

__all__ = [
    "MAPPING_FILE",
    "AreaLevelRule",
    "AreaRules",
    "ColumnMap",
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
    """

    levels: list[AreaLevelRule] = Field(min_length=1)
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


class RoutingRules(_Strict):
    """Routing tiers (分级处置): which tier each category belongs to, and which tiers are
    finished inside the grid (小事不出网格).

    ``tiers`` maps a category (``*`` and ``?`` wildcards; first match wins) to a
    tier name; a ticket stayed in the grid when its tier is one of
    ``grid_tiers`` and it was never escalated.
    """

    tiers: dict[str, str] = {}
    default_tier: str = "grid"
    grid_tiers: list[str] = ["grid"]


class ReplayMapping(_Strict):
    """A whole mapping file: see ``docs/reference/mapping-file.md``."""

    name: str
    kind: Literal["snapshot", "events"]
    areas: str | None = None
    """The area hierarchy: a shipped sample name or a file relative to the mapping file."""
    format: Literal["csv", "jsonl", "xes"] | None = None
    time_format: Annotated[str, Field(min_length=1)] = "iso"
    timezone: TimeZoneName = "UTC"
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    columns: ColumnMap
    area: AreaRules
    snapshot: SnapshotRules = SnapshotRules()
    routing: RoutingRules = RoutingRules()
    activities: dict[str, TriggerName] = {}
    payload: dict[str, str] = {}
    ignore_activities: list[str] = []
    on_time_values: list[str] = ["ONTIME", "on_time", "true"]
    overdue_values: list[str] = ["OVERDUE", "overdue", "false"]

    @model_validator(mode="after")
    def _columns_for_kind(self) -> ReplayMapping:
        needed = ("opened_at",) if self.kind == "snapshot" else ("activity", "at")
        missing = [n for n in needed if getattr(self.columns, n) is None]
        if missing:
            raise ValueError(f"a {self.kind} source needs columns.{' and columns.'.join(missing)}")
        if self.kind == "events" and not self.activities:
            raise ValueError("an events source needs an [activities] table (activity = trigger)")
        return self


def load_mapping(path: str | Path) -> ReplayMapping:
    """Read and validate a mapping file.

    Raises :class:`~gridgov.errors.PolicyError` naming every bad key with its line.
    """
    return read_toml(path, MAPPING_FILE).validate(ReplayMapping)
