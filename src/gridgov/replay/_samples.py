"""The Boston 311 sample shipped in the package: 2,000 real tickets, ready to replay.

>>> options = boston_sample_options(due_from_source=True)
>>> options.input.name, options.mapping.name, len(options.policies)
('tickets_2015h1_sample.csv.gz', 'boston311', 0)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gridgov.replay._engine import PolicyInForce
from gridgov.replay._mapping import load_mapping
from gridgov.replay._run import ReplayOptions

__all__ = ["BOSTON_REVISION", "BOSTON_SAMPLE_DIR", "boston_policies", "boston_sample_options"]

BOSTON_SAMPLE_DIR = Path(__file__).resolve().parent.parent / "samples" / "boston311"
"""Where the sample's tickets, mapping, hierarchy and policies are."""

BOSTON_REVISION = datetime(2015, 2, 16, 13, 0, tzinfo=ZoneInfo("America/New_York"))
"""When Boston's revised SLA table came into force (``policy.toml`` from then,
``policy_until_2015-02-16.toml`` before), as found by ``examples/boston311``."""


def boston_policies() -> tuple[PolicyInForce, ...]:
    """Boston's two SLA tables, each with the time it was in force from."""
    from gridgov.sla import load_policy

    earlier = load_policy(BOSTON_SAMPLE_DIR / "policy_until_2015-02-16.toml")
    revised = load_policy(BOSTON_SAMPLE_DIR / "policy.toml")
    return (PolicyInForce(earlier), PolicyInForce(revised, BOSTON_REVISION))


def boston_sample_options(*, due_from_source: bool = False, **changes: Any) -> ReplayOptions:
    """Options replaying the shipped slice: under Boston's policies, or its own due times."""
    from gridgov.grid import load_sample

    areas = load_sample("boston311")
    options = ReplayOptions(
        input=BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz",
        mapping=load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml"),
        areas=areas.tree,
        directory=areas.directory,
        policies=() if due_from_source else boston_policies(),
        due_from_source=due_from_source,
    )
    return replace(options, **changes)
