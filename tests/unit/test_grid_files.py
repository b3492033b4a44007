"""Area files: CSV, JSON and TOML read and write the same hierarchy."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import AreaFileError
from gridgov.grid import (
    Area,
    AreaTree,
    BBox,
    Directory,
    LevelSet,
    Point,
    Unit,
    UnitKind,
    dump_areas,
    dump_units,
    load_areas,
    parse_areas,
    write_areas,
)
from gridgov.samples import HANGZHOU_LEVELS


@pytest.fixture
def tree() -> AreaTree:
    return AreaTree(
        [
            Area("HZ", "杭州市", "city", name_en="Hangzhou"),
            Area("XS", "萧山区", "district", "HZ", geometry=BBox(120.1, 29.9, 120.7, 30.4)),
            Area(
                "LPL",
                "罗婆路社区",
                "community",
                "XS",
                households=4185,
                population=8897,
                geometry=Point(120.27, 30.18),
                extra={"party_members": "323"},
            ),
        ],
        LevelSet.parse("city > district > street? > community"),
    )


@pytest.fixture
def directory(tree: AreaTree) -> Directory:
    return Directory(
        tree,
        [
            Unit("pm", "晨悦湾物业", UnitKind.PROPERTY_COMPANY, "LPL"),
            Unit("cg", "萧山区城管", UnitKind.DEPARTMENT, "XS", "chengguan"),
        ],
    )


@pytest.mark.parametrize("suffix", [".csv", ".json", ".toml"])
def test_a_written_file_reads_back_the_same_tree(
    tmp_path: Path, tree: AreaTree, suffix: str
) -> None:
    path = tmp_path / f"areas{suffix}"
    write_areas(path, tree)
    loaded = load_areas(path)
    assert list(loaded.tree) == list(tree)
    assert loaded.tree.levels == tree.levels


@pytest.mark.parametrize("fmt", ["json", "toml"])
def test_units_travel_inside_json_and_toml(fmt: str, tree: AreaTree, directory: Directory) -> None:
    loaded = parse_areas(dump_areas(tree, fmt, directory=directory), fmt)  # type: ignore[arg-type]
    assert list(loaded.directory) == list(directory)


def test_units_csv_is_read_beside_an_areas_csv(
    tmp_path: Path, tree: AreaTree, directory: Directory
) -> None:
    write_areas(tmp_path / "areas.csv", tree)
    (tmp_path / "units.csv").write_text(dump_units(directory), encoding="utf-8")
    loaded = load_areas(tmp_path / "areas.csv", units=tmp_path / "units.csv")
    assert loaded.directory.responsible("LPL", department="chengguan").name == "萧山区城管"


def test_unit_problems_name_the_units_file(tmp_path: Path, tree: AreaTree) -> None:
    write_areas(tmp_path / "areas.csv", tree)
    units = tmp_path / "units.csv"
    units.write_text(
        "code,name,kind,area_code,department\n"
        "a,甲,grid_head,NOPE,\n"
        "b,乙,wizard,LPL,\n"
        "c,丙,department,LPL,\n"
        "a,丁,volunteer,LPL,\n",
        encoding="utf-8",
    )
    with pytest.raises(AreaFileError) as info:
        load_areas(tmp_path / "areas.csv", units=units)
    found = [(p.source, p.line, p.field) for p in info.value.problems]
    assert found == [
        (str(units), 2, "area_code"),
        (str(units), 3, "kind"),
        (str(units), 4, "department"),
        (str(units), 5, "code"),
    ]


def test_explicit_levels_override_the_default() -> None:
    text = "code,name,level,parent_code\nHZ,杭州市,city,\nYH,余杭区,district,HZ\n"
    loaded = parse_areas(text, "csv", levels=HANGZHOU_LEVELS)
    assert loaded.tree.levels == HANGZHOU_LEVELS


def test_a_bad_levels_declaration_is_a_problem_with_its_line() -> None:
    text = "# levels: city > city\ncode,name,level,parent_code\nHZ,杭州市,city,\n"
    with pytest.raises(AreaFileError) as info:
        parse_areas(text, "csv")
    assert (info.value.problems[0].line, info.value.problems[0].field) == (1, "levels")


def test_unknown_csv_columns_are_kept_as_extra() -> None:
    text = "code,name,level,parent_code,grid_phone\nYH,余杭区,district,,0571-1234\n"
    assert parse_areas(text, "csv").tree.get("YH").extra == {"grid_phone": "0571-1234"}


def test_a_utf8_bom_is_accepted() -> None:
    loaded = parse_areas("\ufeffcode,name,level,parent_code\nYH,余杭区,district,\n", "csv")
    assert loaded.tree.get("YH").name == "余杭区"


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "areas.xlsx"
    path.write_bytes(b"")
    with pytest.raises(AreaFileError, match=r"expected \.csv, \.json or \.toml"):
        load_areas(path)


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(AreaFileError, match="cannot read"):
        load_areas(tmp_path / "missing.csv")


def test_a_bare_json_list_is_a_list_of_areas() -> None:
    loaded = parse_areas('[{"code": "YH", "name": "余杭区", "level": "district"}]', "json")
    assert [a.code for a in loaded.tree] == ["YH"]


def test_geometry_must_be_on_the_globe() -> None:
    with pytest.raises(ValueError, match="latitude"):
        Point(120.0, 95.0)
    with pytest.raises(ValueError, match="west <= east"):
        BBox(121.0, 30.0, 120.0, 31.0)
    assert BBox(120.0, 30.0, 121.0, 31.0).contains(Point(120.5, 30.5))


def test_numeric_codes_in_json_are_read_as_text() -> None:
    text = '[{"code": 330110, "name": "余杭区", "level": "district"},'
    text += ' {"code": 330110001, "name": "仓前", "level": "community", "parent_code": 330110}]'
    tree = parse_areas(text, "json").tree
    assert tree.parent("330110001") == tree.get("330110")


@pytest.mark.parametrize(
    ("text", "reason"), [("null", "expected a table"), ("{", "not valid JSON")]
)
def test_a_null_or_broken_json_document_is_one_clear_problem(text: str, reason: str) -> None:
    from gridgov.grid._formats import read_document, read_records

    for raw in (
        read_document(text, "areas.json", "json"),
        read_records(
            text, "people.json", "json", key="people", id_key="id", required=("id",), known=("id",)
        ),
    ):
        (problem,) = raw.problems
        assert problem.reason.startswith(reason)
