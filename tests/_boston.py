"""The shipped Boston 311 sample as the live engine needs it beside a replayed database."""

from __future__ import annotations

from pathlib import Path

import gridgov

_SHIPPED_ROUTING = Path(gridgov.__file__).parent / "samples" / "routing" / "policy.toml"
_ON_BOSTON_LEVELS = {
    'level = ["grid"]': 'level = ["precinct"]',
    'level = ["community"]': 'level = ["ward"]',
    'level = ["street", "district"]': 'level = ["city"]',
}


def boston_routing_file(folder: Path) -> Path:
    """The shipped routing policy with its tiers on Boston's levels (city > ward >
    precinct), written into ``folder``: the engine's loop checks every tier has a level."""
    text = _SHIPPED_ROUTING.read_text(encoding="utf-8")
    for shipped, boston in _ON_BOSTON_LEVELS.items():
        assert shipped in text, shipped
        text = text.replace(shipped, boston)
    path = folder / "boston_routing.toml"
    path.write_text(text, encoding="utf-8")
    return path
