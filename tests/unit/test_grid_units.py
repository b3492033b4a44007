"""Units on areas and "who is responsible", falling back up the tree."""

from __future__ import annotations

import pytest

from gridgov.errors import NoResponsibleUnit, UnknownArea, UnknownLevel
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind


@pytest.fixture
def directory() -> Directory:
    tree = AreaTree(
        [
            Area("YH", "余杭区", "district"),
            Area("ZM", "朱庙社区", "community", "YH"),
            Area("G1", "第1网格", "grid", "ZM"),
            Area("G2", "第2网格", "grid", "ZM"),
            Area("M1", "第1微网格", "micro_grid", "G1"),
        ]
    )
    return Directory(
        tree,
        [
            Unit("cg", "余杭区城管", UnitKind.DEPARTMENT, "YH", "chengguan"),
            Unit("fire", "余杭区消防", UnitKind.DEPARTMENT, "YH", "fire"),
            Unit("zm-cg", "朱庙城管驻点", UnitKind.DEPARTMENT, "ZM", "chengguan"),
            Unit("zm-pm", "朱庙物业", UnitKind.PROPERTY_COMPANY, "ZM"),
            Unit("g1-head", "第1网格 网格长", UnitKind.GRID_HEAD, "G1"),
            Unit("g1-w1", "网格员甲", UnitKind.GRID_WORKER, "G1"),
            Unit("g1-w2", "网格员乙", UnitKind.GRID_WORKER, "G1"),
            Unit("m1-bl", "楼道长", UnitKind.BUILDING_LEADER, "M1"),
        ],
    )


def test_the_units_own_area_answers_first(directory: Directory) -> None:
    assert directory.responsible("M1", kind="building_leader").code == "m1-bl"


def test_responsible_falls_back_to_the_nearest_ancestor(directory: Directory) -> None:
    assert directory.responsible("M1", kind=UnitKind.GRID_HEAD).code == "g1-head"
    assert directory.responsible("M1", kind="property_company").code == "zm-pm"


def test_department_prefers_the_nearest_covering_unit(directory: Directory) -> None:
    assert directory.responsible("M1", department="chengguan").code == "zm-cg"
    assert directory.responsible("M1", department="fire").code == "fire"


def test_level_picks_the_unit_on_that_level(directory: Directory) -> None:
    assert directory.responsible("M1", level="district", department="chengguan").code == "cg"


def test_the_first_added_unit_wins_a_tie(directory: Directory) -> None:
    assert directory.responsible("M1", kind="grid_worker").code == "g1-w1"


def test_covering_lists_every_match_nearest_first(directory: Directory) -> None:
    found = [u.code for u in directory.covering("M1", kind="department")]
    assert found == ["zm-cg", "cg", "fire"]


def test_no_responsible_unit_names_area_and_wish(directory: Directory) -> None:
    with pytest.raises(NoResponsibleUnit, match="grid_head covers area 'G2'"):
        directory.responsible("G2", kind="grid_head")
    with pytest.raises(NoResponsibleUnit, match="department 'police'"):
        directory.responsible("G2", department="police")


def test_unknown_area_or_level_raise(directory: Directory) -> None:
    with pytest.raises(UnknownArea):
        directory.responsible("XX")
    with pytest.raises(UnknownLevel):
        directory.responsible("M1", level="ward")


def test_at_lists_only_the_areas_own_units(directory: Directory) -> None:
    assert [u.code for u in directory.at("G1")] == ["g1-head", "g1-w1", "g1-w2"]
    assert directory.at("G2") == []


def test_a_unit_on_an_unknown_area_is_refused(directory: Directory) -> None:
    with pytest.raises(UnknownArea):
        directory.add(Unit("x", "x", UnitKind.VOLUNTEER, "NOPE"))


def test_a_duplicate_unit_code_is_refused(directory: Directory) -> None:
    with pytest.raises(ValueError, match="duplicate unit code 'cg'"):
        directory.add(Unit("cg", "again", UnitKind.VOLUNTEER, "ZM"))


def test_department_code_only_on_departments() -> None:
    with pytest.raises(ValueError, match="department code is required"):
        Unit("a", "a", UnitKind.DEPARTMENT, "ZM")
    with pytest.raises(ValueError, match="department code is required"):
        Unit("b", "b", UnitKind.GRID_HEAD, "ZM", "police")


def test_kind_given_as_text_becomes_a_unit_kind() -> None:
    unit = Unit("a", "a", "grid_worker", "ZM")  # type: ignore[arg-type]
    assert unit.kind is UnitKind.GRID_WORKER
    assert unit.label_zh == "网格员"


def test_department_label_is_the_departments_name() -> None:
    assert Unit("t", "交警", UnitKind.DEPARTMENT, "YH", "traffic_police").label_zh == "交警"


def test_get_and_find_a_unit_by_code(directory: Directory) -> None:
    assert directory.get("zm-pm").name == "朱庙物业"
    assert directory.find("nobody") is None
    with pytest.raises(KeyError):
        directory.get("nobody")
