"""One area of the hierarchy (区、街道、社区、网格、微网格) and where it lies on the map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Area", "BBox", "Geometry", "Point"]


def _check_lon_lat(lon: float, lat: float) -> None:
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside -90..90")


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS 84 point (longitude, latitude), e.g. a building's door."""

    lon: float
    lat: float

    def __post_init__(self) -> None:
        _check_lon_lat(self.lon, self.lat)


@dataclass(frozen=True, slots=True)
class BBox:
    """A WGS 84 bounding box: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        _check_lon_lat(self.west, self.south)
        _check_lon_lat(self.east, self.north)
        if self.west > self.east or self.south > self.north:
            raise ValueError("a bounding box needs west <= east and south <= north")

    def contains(self, point: Point) -> bool:
        """Whether ``point`` lies inside the box (edges included)."""
        return self.west <= point.lon <= self.east and self.south <= point.lat <= self.north


Geometry = Point | BBox


@dataclass(frozen=True, slots=True)
class Area:
    """An area: a stable ``code``, a Chinese ``name``, a ``level`` and a parent.

    ``parent_code`` is ``None`` for a root.  ``households`` (户数), ``population``
    (人口), ``geometry`` and ``extra`` (any further columns of the source file,
    kept as text) are optional metadata.  Areas are immutable; the
    :class:`~gridgov.grid.AreaTree` checks how they fit together.
    """

    code: str
    name: str
    level: str
    parent_code: str | None = None
    name_en: str | None = None
    households: int | None = None
    population: int | None = None
    geometry: Geometry | None = None
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def label(self) -> str:
        """``name`` with the English name in brackets when there is one."""
        return f"{self.name} ({self.name_en})" if self.name_en else self.name
