"""The Boston sample shipped in the package stays what the examples and the data say."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from gridgov.errors import PolicyError
from gridgov.replay import BOSTON_SAMPLE_DIR, boston_policies, load_mapping

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "boston311"


@pytest.mark.parametrize("name", ["policy.toml", "policy_until_2015-02-16.toml"])
def test_shipped_policies_are_copies_of_the_examples(name: str) -> None:
    shipped = (BOSTON_SAMPLE_DIR / name).read_text(encoding="utf-8")
    assert shipped == (EXAMPLES / name).read_text(encoding="utf-8")


def test_policies_are_in_force_one_after_the_other() -> None:
    earlier, revised = boston_policies()
    assert earlier.since is None
    assert revised.since is not None
    assert earlier.policy.fingerprint != revised.policy.fingerprint


def test_sample_slice_has_every_column_the_mapping_names() -> None:
    mapping = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
    with gzip.open(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz", "rt", newline="") as file:
        header = next(csv.reader(file))
        rows = sum(1 for _ in file)
    named = {v for v in mapping.columns.model_dump().values() if v}
    named |= {level.column for level in mapping.area.levels}
    assert named <= set(header)
    assert rows == 2000


def test_shipped_boston_routing_is_the_default_on_boston_levels() -> None:
    """``routing.toml`` is the default routing policy but for its tiers' levels, and
    it fits the Boston hierarchy (the live engine refuses one that does not)."""
    from gridgov.grid import load_sample
    from gridgov.workflow import load_routing_policy

    default = (BOSTON_SAMPLE_DIR.parent / "routing" / "policy.toml").read_text(encoding="utf-8")
    boston = (BOSTON_SAMPLE_DIR / "routing.toml").read_text(encoding="utf-8")
    on_boston_levels = {
        'level = ["grid"]': 'level = ["precinct"]',
        'level = ["community"]': 'level = ["ward"]',
        'level = ["street", "district"]': 'level = ["city"]',
        'grid_level = "grid"': 'grid_level = "precinct"',
    }
    for hangzhou_level, boston_level in on_boston_levels.items():
        default = default.replace(hangzhou_level, boston_level)
    body = [line for line in boston.splitlines() if not line.startswith("#")]
    assert body == [line for line in default.splitlines() if not line.startswith("#")]
    levels = load_sample("boston311").tree.levels
    load_routing_policy(BOSTON_SAMPLE_DIR / "routing.toml").check_levels(levels)
    with pytest.raises(PolicyError):
        load_routing_policy().check_levels(levels)
