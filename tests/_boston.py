"""The shipped Boston 311 sample as the live engine needs it beside a replayed database."""

from __future__ import annotations

from gridgov.replay import BOSTON_SAMPLE_DIR

BOSTON_ROUTING = BOSTON_SAMPLE_DIR / "routing.toml"
"""The default routing policy with its tiers on Boston's levels (city > ward > precinct):
the engine's loop checks every tier has a level of the stored hierarchy."""
