"""Routing policy and category catalogue files: the shipped defaults and every kind of error."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import PolicyError, UnknownCategory
from gridgov.workflow import RoutingPolicy, load_routing_policy

CATALOGUE = """\
[[category]]
code = "disputes"
label_zh = "矛盾纠纷"
label_en = "Disputes"

[[category]]
code = "noise"
parent = "disputes"
label_zh = "噪声扰民"
label_en = "Noise"
"""
POLICY = """\
default_tier = "small"
handler_kinds = ["grid_worker"]

[tiers.small]
label_zh = "小事"
label_en = "small"
level = "grid"

[tiers.major]
label_zh = "大事"
label_en = "major"
level = ["street", "district"]
supervised = true

[routes]
disputes = { tier = "major", department = "police" }
"""


def _load(tmp_path: Path, policy: str = POLICY, catalogue: str = CATALOGUE) -> RoutingPolicy:
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    (tmp_path / "categories.toml").write_text(catalogue, encoding="utf-8")
    return load_routing_policy(tmp_path / "policy.toml", tmp_path / "categories.toml")


def _error(tmp_path: Path, policy: str = POLICY, catalogue: str = CATALOGUE) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        _load(tmp_path, policy, catalogue)
    return info.value


def test_shipped_policy_covers_the_domain_issues() -> None:
    policy = load_routing_policy()
    for code in (
        "fire_lane",
        "flying_wire_charging",
        "illegal_parking",
        "thrown_objects",
        "noise",
        "neighbour_dispute",
        "property_dispute",
        "garbage",
        "ageing_pipes",
    ):
        assert policy.route(code).tier.name in policy.tiers
    assert {t.label_zh for t in policy.tiers.values()} == {"小事", "难事", "大事"}
    assert policy.tier_of("noise").levels == ("grid",)
    assert policy.tier_of("flying_wire_charging").name == "small"


def test_children_inherit_their_parents_route(tmp_path: Path) -> None:
    policy = _load(tmp_path)
    route = policy.route("noise")
    assert (route.tier.name, route.department) == ("major", "police")
    assert [c.code for c in policy.ancestors("noise")] == ["disputes"]
    assert policy.tier_of("noise").supervised is True


def test_unknown_category_is_a_lookup_error(tmp_path: Path) -> None:
    with pytest.raises(UnknownCategory, match="'ufo'"):
        _load(tmp_path).route("ufo")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = _error(tmp_path, policy=POLICY.replace('level = "grid"', "level = grid"))
    assert err.path.endswith("policy.toml")
    assert err.line == 7
    assert "not valid TOML" in err.reason


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    err = _error(tmp_path, policy=POLICY.replace("supervised = true", 'supervised = "yes"'))
    assert (err.key, err.line) == ("tiers.major.supervised", 13)
    assert "yes" in err.reason


def test_misspelt_key_is_reported_not_ignored(tmp_path: Path) -> None:
    err = _error(tmp_path, catalogue=CATALOGUE.replace("parent =", "parnet ="))
    assert (err.key, err.line) == ("category[1].parnet", 8)
    assert err.path.endswith("categories.toml")
    assert "unknown key" in err.reason


def test_missing_label_is_reported(tmp_path: Path) -> None:
    err = _error(tmp_path, catalogue=CATALOGUE.replace('label_en = "Noise"\n', ""))
    assert (err.key, err.line) == ("category[1].label_en", 6)
    assert "required" in err.reason


def test_route_to_unknown_tier_and_category(tmp_path: Path) -> None:
    policy = POLICY + 'noise = { tier = "huge" }\nghost = { tier = "small" }\n'
    err = _error(tmp_path, policy=policy)
    found = {(p.field, p.line) for p in err.problems}
    assert ("routes.noise.tier", 17) in found
    assert ("routes.ghost", 18) in found


def test_unknown_parent_and_duplicate_code(tmp_path: Path) -> None:
    catalogue = CATALOGUE.replace('parent = "disputes"', 'parent = "dispute"')
    catalogue += '\n[[category]]\ncode = "noise"\nlabel_zh = "x"\nlabel_en = "x"\n'
    err = _error(tmp_path, catalogue=catalogue)
    reasons = {p.field: p.reason for p in err.problems}
    assert "no category has code 'dispute'" in reasons["category[1].parent"]
    assert "duplicate code 'noise'" in reasons["category[2].code"]


def test_cycle_of_parents(tmp_path: Path) -> None:
    catalogue = CATALOGUE.replace('code = "disputes"\n', 'code = "disputes"\nparent = "noise"\n')
    err = _error(tmp_path, catalogue=catalogue)
    assert all("cycle" in p.reason for p in err.problems)
    assert len(err.problems) == 2


def test_without_default_tier_every_category_needs_a_route(tmp_path: Path) -> None:
    policy = POLICY.replace('default_tier = "small"\n', "").replace(
        'disputes = { tier = "major", department = "police" }', ""
    )
    err = _error(tmp_path, policy=policy)
    assert {p.field for p in err.problems} == {"category[0].code", "category[1].code"}


def test_unknown_handler_kind(tmp_path: Path) -> None:
    err = _error(tmp_path, policy=POLICY.replace('["grid_worker"]', '["mayor"]'))
    assert (err.key, err.line) == ("handler_kinds[0]", 2)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_routing_policy(tmp_path / "nope.toml")


def test_a_tier_without_a_level_of_the_hierarchy_is_named_with_its_line(tmp_path: Path) -> None:
    """Tiers are checked against the area hierarchy later (when a tree is given): the
    error still points at the tier's ``level`` line."""
    from gridgov.grid import LevelSet

    policy = _load(tmp_path)
    policy.check_levels(LevelSet.parse("city > district > street? > community > grid"))
    with pytest.raises(PolicyError) as info:
        policy.check_levels(LevelSet.parse("city > ward > precinct"))
    problems = {p.field: p for p in info.value.problems}
    assert set(problems) == {"tiers.small.level", "tiers.major.level", "grid_level"}
    assert problems["tiers.small.level"].line == POLICY.splitlines().index('level = "grid"') + 1
    assert problems["tiers.major.level"].line == (
        POLICY.splitlines().index('level = ["street", "district"]') + 1
    )
    assert str(problems["tiers.small.level"]).startswith(
        f"{tmp_path / 'policy.toml'}:7: tiers.small.level: none of ['grid'] is a level of "
    )
