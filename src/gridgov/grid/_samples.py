"""The sample hierarchies shipped inside the package (``gridgov/samples/``).

- ``hangzhou``: 杭州市 → 余杭区/萧山区 → 仓前街道 → 朱庙 (8 grids, 106 micro-grids),
  罗婆路 (7, 55), 湖山 (3, 20) and others, with grid heads, grid workers,
  building leaders, property companies and district departments.
- ``boston311``: Boston → 22 wards → 253 precincts, built from the real 311 data.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from gridgov.errors import LookupFailed
from gridgov.grid._files import AreaFile, load_areas

__all__ = ["SAMPLES", "Sample", "load_named_areas", "load_sample"]

Sample = Literal["hangzhou", "boston311"]
SAMPLES: dict[str, str] = {"hangzhou": "hangzhou/areas.toml", "boston311": "boston311/areas.csv"}


def load_sample(name: Sample) -> AreaFile:
    """Load a shipped sample hierarchy by name (``"hangzhou"`` or ``"boston311"``)."""
    if name not in SAMPLES:
        raise LookupFailed(f"unknown sample {name!r}: expected one of {', '.join(SAMPLES)}")
    resource = resources.files("gridgov").joinpath("samples", *SAMPLES[name].split("/"))
    with resources.as_file(resource) as path:
        loaded = load_areas(path)
    return AreaFile(f"gridgov/samples/{SAMPLES[name]}", loaded.tree, loaded.directory)


def load_named_areas(
    name: str, *, base: str | Path = ".", units: str | Path | None = None
) -> AreaFile:
    """A hierarchy a settings file names: a shipped sample (``hangzhou``, ``boston311``),
    else an area file, relative to ``base`` (the folder of the file that names it), with
    an optional units CSV (relative to ``base`` too)."""
    if name in SAMPLES:
        return load_sample(name)  # type: ignore[arg-type]
    folder = Path(base)
    unit_file = folder / units if units is not None else None
    return load_areas(folder / name, units=unit_file)
