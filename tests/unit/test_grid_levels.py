"""LevelSet: ordered, configurable levels with optional (skippable) ones."""

from __future__ import annotations

import pytest

from gridgov.errors import UnknownLevel
from gridgov.grid import DEFAULT_LEVELS, LevelSet
from gridgov.samples import BOSTON_LEVELS, HANGZHOU_LEVELS


def test_default_levels_are_the_grid_cards() -> None:
    assert DEFAULT_LEVELS.names == ("district", "community", "grid", "micro_grid")


def test_index_counts_from_the_shallowest_level() -> None:
    assert [HANGZHOU_LEVELS.index(n) for n in ("city", "street", "micro_grid")] == [0, 2, 5]


def test_unknown_level_names_the_known_ones() -> None:
    with pytest.raises(UnknownLevel, match="known levels: city, ward, precinct") as info:
        BOSTON_LEVELS.index("borough")
    assert info.value.level == "borough"


def test_is_deeper_compares_positions() -> None:
    assert DEFAULT_LEVELS.is_deeper("grid", "community")
    assert not DEFAULT_LEVELS.is_deeper("community", "grid")
    assert not DEFAULT_LEVELS.is_deeper("grid", "grid")


def test_parse_reads_optional_marks_and_both_separators() -> None:
    levels = LevelSet.parse("city > district, street? > community")
    assert levels.names == ("city", "district", "street", "community")
    assert levels.optional == frozenset({"street"})


def test_spec_round_trips_through_parse() -> None:
    levels = LevelSet(["city", "district", "street", "community"], optional=["street"])
    assert LevelSet.parse(levels.spec()) == levels
    assert levels.spec() == "city > district > street? > community"


def test_child_may_skip_only_optional_levels() -> None:
    levels = LevelSet.parse("city > district > street? > community > grid")
    assert levels.may_be_child("community", parent="district")
    assert not levels.may_be_child("grid", parent="district")
    assert not levels.may_be_child("district", parent="community")


@pytest.mark.parametrize(
    ("names", "optional", "message"),
    [
        ([], [], "at least one level"),
        (["city", "city"], [], "repeat"),
        (["city", " ward"], [], "unpadded"),
        (["city", "ward"], ["precinct"], "not in"),
    ],
)
def test_bad_level_sets_are_refused(names: list[str], optional: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LevelSet(names, optional)


def test_label_zh_gives_the_chinese_name() -> None:
    assert HANGZHOU_LEVELS.label_zh("micro_grid") == "微网格"
    assert LevelSet(["zone"]).label_zh("zone") == "zone"


def test_levels_iterate_and_contain_their_names() -> None:
    assert list(BOSTON_LEVELS) == ["city", "ward", "precinct"]
    assert "ward" in BOSTON_LEVELS
    assert "grid" not in BOSTON_LEVELS
    assert len(BOSTON_LEVELS) == 3
