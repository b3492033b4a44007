"""AreaTree lookups on a small Hangzhou-shaped tree."""

from __future__ import annotations

import pytest

from gridgov.errors import UnknownArea, UnknownLevel
from gridgov.grid import Area, AreaTree
from gridgov.samples import HANGZHOU_LEVELS


@pytest.fixture
def tree() -> AreaTree:
    # Deliberately children before parents: order of records does not matter.
    return AreaTree(
        [
            Area("ZM-G02-M01", "朱庙第2网格第1微网格", "micro_grid", "ZM-G02"),
            Area("ZM-G01", "朱庙第1网格", "grid", "ZM"),
            Area("ZM-G02", "朱庙第2网格", "grid", "ZM"),
            Area("ZM", "朱庙社区", "community", "CQ"),
            Area("MC", "梦创社区", "community", "CQ"),
            Area("CQ", "仓前街道", "street", "YH"),
            Area("YH", "余杭区", "district", "HZ"),
            Area("HZ", "杭州市", "city"),
            Area("NB", "宁波市", "city"),
        ],
        HANGZHOU_LEVELS,
    )


def codes(areas: list[Area]) -> list[str]:
    return [a.code for a in areas]


def test_get_returns_the_area(tree: AreaTree) -> None:
    assert tree.get("ZM").name == "朱庙社区"


def test_get_unknown_code_raises_unknown_area(tree: AreaTree) -> None:
    with pytest.raises(UnknownArea, match="'XX'"):
        tree.get("XX")


def test_find_returns_none_for_unknown_codes(tree: AreaTree) -> None:
    assert tree.find("XX") is None
    assert tree.find("MC") == tree.get("MC")


def test_parent_of_root_is_none(tree: AreaTree) -> None:
    assert tree.parent("HZ") is None
    assert tree.parent("ZM") == tree.get("CQ")


def test_children_are_sorted_by_code(tree: AreaTree) -> None:
    assert codes(tree.children("CQ")) == ["MC", "ZM"]
    assert tree.children("ZM-G01") == []


def test_ancestors_are_nearest_first(tree: AreaTree) -> None:
    assert codes(tree.ancestors("ZM-G02-M01")) == ["ZM-G02", "ZM", "CQ", "YH", "HZ"]
    assert tree.ancestors("HZ") == []


def test_path_runs_from_the_root(tree: AreaTree) -> None:
    assert codes(tree.path("ZM-G01")) == ["HZ", "YH", "CQ", "ZM", "ZM-G01"]


def test_descendants_exclude_and_subtree_includes_the_area(tree: AreaTree) -> None:
    assert codes(tree.descendants("ZM")) == ["ZM-G01", "ZM-G02", "ZM-G02-M01"]
    assert codes(tree.subtree("ZM")) == ["ZM", "ZM-G01", "ZM-G02", "ZM-G02-M01"]
    assert tree.subtree_size("CQ") == 6


def test_depth_counts_from_the_root(tree: AreaTree) -> None:
    assert [tree.depth(c) for c in ("HZ", "YH", "ZM-G02-M01", "NB")] == [0, 1, 5, 0]


def test_level_of(tree: AreaTree) -> None:
    assert tree.level_of("CQ") == "street"


def test_is_within_is_true_for_the_area_itself(tree: AreaTree) -> None:
    assert tree.is_within("ZM", "ZM")


def test_is_within_follows_the_subtree(tree: AreaTree) -> None:
    assert tree.is_within("ZM-G02-M01", "HZ")
    assert tree.is_within("ZM-G02-M01", "ZM")
    assert not tree.is_within("ZM-G02-M01", "ZM-G01")
    assert not tree.is_within("ZM", "ZM-G02-M01")
    assert not tree.is_within("ZM", "NB")


def test_is_within_unknown_code_raises(tree: AreaTree) -> None:
    with pytest.raises(UnknownArea, match="'XX'"):
        tree.is_within("ZM", "XX")
    with pytest.raises(UnknownArea, match="'YY'"):
        tree.is_within("YY", "ZM")


def test_nearest_at_level_may_be_the_area_itself(tree: AreaTree) -> None:
    assert tree.nearest_at_level("ZM", "community") == tree.get("ZM")
    assert tree.nearest_at_level("ZM-G02-M01", "street") == tree.get("CQ")


def test_nearest_at_level_below_the_area_is_none(tree: AreaTree) -> None:
    assert tree.nearest_at_level("ZM", "grid") is None


def test_nearest_at_unknown_level_raises(tree: AreaTree) -> None:
    with pytest.raises(UnknownLevel):
        tree.nearest_at_level("ZM", "ward")


def test_lca_of_cousins_is_their_shared_ancestor(tree: AreaTree) -> None:
    assert tree.lca("ZM-G02-M01", "ZM-G01") == tree.get("ZM")
    assert tree.lca("ZM-G02-M01", "MC") == tree.get("CQ")


def test_lca_with_an_ancestor_is_the_ancestor(tree: AreaTree) -> None:
    assert tree.lca("YH", "ZM-G02-M01") == tree.get("YH")
    assert tree.lca("ZM", "ZM") == tree.get("ZM")


def test_lca_across_roots_is_none(tree: AreaTree) -> None:
    assert tree.lca("ZM", "NB") is None


def test_iteration_is_preorder_with_sorted_siblings(tree: AreaTree) -> None:
    expected = ["HZ", "YH", "CQ", "MC", "ZM", "ZM-G01", "ZM-G02", "ZM-G02-M01", "NB"]
    assert [a.code for a in tree] == expected


def test_iteration_order_does_not_depend_on_input_order(tree: AreaTree) -> None:
    shuffled = AreaTree(reversed(list(tree)), tree.levels)
    assert list(shuffled) == list(tree)


def test_roots_len_and_contains(tree: AreaTree) -> None:
    assert codes(list(tree.roots)) == ["HZ", "NB"]
    assert len(tree) == 9
    assert "ZM" in tree
    assert "XX" not in tree


def test_walk_limits_depth_and_reports_relative_depth(tree: AreaTree) -> None:
    walked = [(a.code, d) for a, d in tree.walk("CQ", max_depth=1)]
    assert walked == [("CQ", 0), ("MC", 1), ("ZM", 1)]


def test_walk_without_start_covers_every_root(tree: AreaTree) -> None:
    assert [a.code for a, _ in tree.walk(max_depth=0)] == ["HZ", "NB"]


def test_count_by_level_in_level_order(tree: AreaTree) -> None:
    assert tree.count_by_level("ZM") == {"community": 1, "grid": 2, "micro_grid": 1}
    assert list(tree.count_by_level()) == list(HANGZHOU_LEVELS.names)
