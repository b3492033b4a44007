"""The file formats of the routing policy and the category catalogue (pydantic schemas)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from gridgov.grid import UnitKind

__all__ = ["CatalogueFile", "PolicyFile"]

_CODE = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryRecord(_Strict):
    """One ``[[category]]`` of ``categories.toml``."""

    code: str = Field(pattern=_CODE, description="lower_snake_case code")
    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    parent: str | None = None


class CatalogueFile(_Strict):
    """``categories.toml``: a list of ``[[category]]`` tables."""

    category: list[CategoryRecord] = Field(min_length=1)


class TierRecord(_Strict):
    """One ``[tiers.NAME]`` of ``policy.toml``."""

    label_zh: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    level: list[str] = Field(min_length=1)
    departments: list[str] = Field(default_factory=list)
    supervised: StrictBool = False
    handler_kinds: list[UnitKind] = Field(default_factory=list)
    joint: StrictBool = False
    lead_may_finish: StrictBool = False

    @field_validator("level", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class RouteRecord(_Strict):
    """One entry of ``[routes]``: ``code = { tier = "...", department = "..." }``."""

    tier: str
    department: str | None = None


class PolicyFile(_Strict):
    """``policy.toml``: tiers, routes and who receives dispatched tickets."""

    default_tier: str | None = None
    grid_level: str = "grid"
    handler_kinds: list[UnitKind] = Field(min_length=1)
    tiers: dict[str, TierRecord] = Field(min_length=1)
    routes: dict[str, RouteRecord] = Field(default_factory=dict)
