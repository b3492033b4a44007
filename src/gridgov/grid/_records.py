"""Turning one raw record (a CSV row, a JSON object, a TOML table) into an Area or a Unit.

pydantic checks the fields; every failure becomes a :class:`~gridgov.errors.Problem`
naming the source, line and field, so a file's problems can all be listed at once.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gridgov.errors import Problem
from gridgov.grid._area import Area, BBox, Geometry, Point
from gridgov.grid._units import Unit, UnitKind

__all__ = ["AREA_COLUMNS", "UNIT_COLUMNS", "area_from_record", "unit_from_record"]

#: Known area fields, in the order files are written.
AREA_COLUMNS = (
    "code",
    "name",
    "level",
    "parent_code",
    "name_en",
    "households",
    "population",
    "lon",
    "lat",
    "bbox",
)
UNIT_COLUMNS = ("code", "name", "kind", "area_code", "department")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class _AreaRecord(BaseModel):
    model_config = ConfigDict(
        extra="allow", str_strip_whitespace=True, frozen=True, coerce_numbers_to_str=True
    )

    code: str
    name: str
    level: str
    parent_code: str | None = None
    name_en: str | None = None
    households: int | None = Field(default=None, ge=0)
    population: int | None = Field(default=None, ge=0)
    lon: float | None = None
    lat: float | None = None
    bbox: tuple[float, float, float, float] | None = None

    @field_validator(
        "parent_code", "name_en", "households", "population", "lon", "lat", mode="before"
    )
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("bbox", mode="before")
    @classmethod
    def _split_bbox(cls, value: Any) -> Any:
        value = _blank_is_none(value)
        if isinstance(value, str):
            return value.replace(",", " ").split()
        return value


class _UnitRecord(BaseModel):
    model_config = ConfigDict(
        extra="allow", str_strip_whitespace=True, frozen=True, coerce_numbers_to_str=True
    )

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: UnitKind
    area_code: str = Field(min_length=1)
    department: str | None = None

    @field_validator("department", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


def _problems(exc: ValidationError, source: str, line: int | None, label: str) -> list[Problem]:
    found = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(p) for p in error["loc"]) or None
        reason = f"{label}{error['msg']} (got {error['input']!r})"
        found.append(Problem(source, reason, line=line, field=field))
    return found


def _label(raw: Mapping[str, Any], kind: str) -> str:
    code = raw.get("code")
    return f"{kind} {code!r}: " if isinstance(code, str) and code.strip() else ""


def _extra(record: BaseModel) -> dict[str, str]:
    """Further columns as text; a blank CSV cell means the area has no such value."""
    extra = (record.model_extra or {}).items()
    return {k: str(v) for k, v in extra if v is not None and str(v).strip()}


def _geometry(record: _AreaRecord) -> Geometry | None:
    if (record.lon is None) != (record.lat is None):
        raise ValueError("give both lon and lat, or neither")
    if record.bbox is not None:
        return BBox(*record.bbox)
    if record.lon is not None and record.lat is not None:
        return Point(record.lon, record.lat)
    return None


def area_from_record(
    raw: Mapping[str, Any], *, source: str, line: int | None
) -> Area | list[Problem]:
    """An :class:`Area` from one record, or the problems that prevent it."""
    try:
        record = _AreaRecord.model_validate(raw)
    except ValidationError as exc:
        return _problems(exc, source, line, _label(raw, "area"))
    try:
        geometry = _geometry(record)
    except ValueError as exc:
        field = "bbox" if record.bbox is not None else "lon"
        return [Problem(source, f"area {record.code!r}: {exc}", line=line, field=field)]
    return Area(
        code=record.code,
        name=record.name,
        level=sys.intern(record.level),  # a few level names shared by every area
        parent_code=record.parent_code,
        name_en=record.name_en,
        households=record.households,
        population=record.population,
        geometry=geometry,
        extra=_extra(record),
    )


def unit_from_record(
    raw: Mapping[str, Any], *, source: str, line: int | None
) -> Unit | list[Problem]:
    """A :class:`Unit` from one record, or the problems that prevent it."""
    try:
        record = _UnitRecord.model_validate(raw)
        return Unit(
            code=record.code,
            name=record.name,
            kind=record.kind,
            area_code=record.area_code,
            department=record.department,
            extra=_extra(record),
        )
    except ValidationError as exc:
        return _problems(exc, source, line, _label(raw, "unit"))
    except ValueError as exc:
        return [Problem(source, str(exc), line=line, field="department")]
