"""People files: every problem found at once with its line and field; CSV, JSON and TOML agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import PeopleFileError, Problem
from gridgov.grid import Area, AreaTree, Directory, Unit, UnitKind, load_sample
from gridgov.workflow import (
    DEFAULT_PERMISSIONS,
    SYSTEM_ROLE,
    Actor,
    PermissionPolicy,
    dump_people,
    load_people,
    parse_people,
)

SAMPLE_PEOPLE = Path(__file__).resolve().parents[2] / "examples" / "hangzhou" / "people.csv"
HEADER = "id,role,area_code,unit_code,name\n"


@pytest.fixture
def directory() -> Directory:
    tree = AreaTree(
        [
            Area("YH", "余杭区", "district"),
            Area("ZM", "朱庙社区", "community", "YH"),
            Area("ZM-01", "朱庙第一网格", "grid", "ZM"),
            Area("ZM-02", "朱庙第二网格", "grid", "ZM"),
        ]
    )
    return Directory(
        tree,
        [
            Unit("W1", "第一网格员", UnitKind.GRID_WORKER, "ZM-01"),
            Unit("OFFICE", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "ZM"),
            Unit("CG", "余杭城管", UnitKind.DEPARTMENT, "YH", "chengguan"),
        ],
    )


def _problems(path: Path, directory: Directory, **kwargs: PermissionPolicy) -> list[Problem]:
    with pytest.raises(PeopleFileError) as caught:
        load_people(path, directory, **kwargs)
    return list(caught.value.problems)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in problems]


def test_a_valid_file_gives_its_people_in_file_order(tmp_path: Path, directory: Directory) -> None:
    path = _write(
        tmp_path,
        "people.csv",
        HEADER + "li,grid_worker,ZM-01,W1,李娜\nzhao,community_office,ZM-01,OFFICE,\n",
    )
    loaded = load_people(path, directory)
    assert loaded.source == str(path)
    assert loaded.people == (
        Actor("li", "grid_worker", "ZM-01", "W1"),
        Actor("zhao", "community_office", "ZM-01", "OFFICE"),
    )
    assert [p.name for p in loaded.people] == ["李娜", None]


def test_a_person_without_an_area_gets_the_area_of_their_unit(directory: Directory) -> None:
    loaded = parse_people(HEADER + "cg1,department,,CG,\n", "csv", directory)
    assert loaded.people == (Actor("cg1", "department", "YH", "CG"),)


def test_empty_and_duplicate_ids_are_reported_with_the_first_line(
    tmp_path: Path, directory: Directory
) -> None:
    text = HEADER + "li,grid_worker,ZM-01,W1,\n ,grid_worker,ZM-01,W1,\nli,grid_head,ZM,,\n"
    problems = _problems(_write(tmp_path, "p.csv", text), directory)
    assert _where(problems) == [(3, "id"), (4, "id")]
    assert "empty id" in problems[0].reason
    assert problems[1].reason == "duplicate id 'li' (first at line 2)"


def test_an_unknown_role_names_the_roles_of_the_policy_in_use(
    tmp_path: Path, directory: Directory
) -> None:
    path = _write(tmp_path, "p.csv", HEADER + "li,mayor,ZM,,\nwang,grid_worker,ZM,,\n")
    problems = _problems(path, directory)
    assert _where(problems) == [(2, "role")]
    assert "unknown role 'mayor'" in problems[0].reason
    assert "grid_worker" in problems[0].reason
    only_residents = PermissionPolicy(roles={"resident": DEFAULT_PERMISSIONS.roles["resident"]})
    problems = _problems(path, directory, permissions=only_residents)
    assert _where(problems) == [(2, "role"), (3, "role")]
    assert problems[1].reason.endswith(
        "unknown role 'grid_worker' (the permission policy has: resident)"
    )


def test_the_reserved_role_system_is_refused_with_its_line_and_field(
    tmp_path: Path, directory: Directory
) -> None:
    """Issue 13: only the engine's own timers act as ``system``; a people file naming it
    is refused, whatever the permission policy lists."""
    assert SYSTEM_ROLE in DEFAULT_PERMISSIONS.roles
    path = _write(tmp_path, "p.csv", HEADER + "wang,grid_worker,ZM-01,W1,\nbot,system,,,\n")
    problems = _problems(path, directory)
    assert _where(problems) == [(3, "role")]
    assert problems[0].source == str(path)
    assert "role 'system' is reserved for the engine's own timers" in problems[0].reason


def test_an_id_or_name_the_store_cannot_hold_is_a_problem_of_its_line(
    tmp_path: Path, directory: Directory
) -> None:
    """Issue 13 (found by the CSV-bytes fuzz): a NUL in an id, an id over the 64 characters
    of ``people.id``, or a NUL in a name loaded from the file and failed only at import
    (PostgreSQL refuses NUL).  Each is now a problem of its line and field."""
    rows = "ok,grid_worker,ZM-01,W1,\n\x00,grid_worker,ZM-01,W1,\n"
    rows += "x" * 65 + ",grid_worker,ZM-01,W1,\nli,grid_worker,ZM-01,W1,Li\x00\n"
    problems = _problems(_write(tmp_path, "p.csv", HEADER + rows), directory)
    assert _where(problems) == [(3, "id"), (4, "id"), (5, "name")]
    assert "NUL" in problems[0].reason
    assert "over the limit of 64" in problems[1].reason


def test_an_area_outside_the_hierarchy_is_reported(tmp_path: Path, directory: Directory) -> None:
    problems = _problems(_write(tmp_path, "p.csv", HEADER + "li,grid_worker,ZM-09,,\n"), directory)
    assert _where(problems) == [(2, "area_code")]
    assert "unknown area 'ZM-09'" in problems[0].reason


def test_a_unit_not_in_the_directory_is_reported(tmp_path: Path, directory: Directory) -> None:
    problems = _problems(
        _write(tmp_path, "p.csv", HEADER + "li,grid_worker,ZM-01,W9,\n"), directory
    )
    assert _where(problems) == [(2, "unit_code")]
    assert "unknown unit 'W9'" in problems[0].reason


def test_a_unit_that_does_not_cover_the_persons_area_is_reported(
    tmp_path: Path, directory: Directory
) -> None:
    # W1 sits on ZM-01: a person of W1 cannot have the whole community, or the other grid.
    text = (
        HEADER
        + "li,grid_worker,ZM,W1,\nwang,grid_worker,ZM-02,W1,\nzhao,grid_worker,ZM-01,OFFICE,\n"
    )
    problems = _problems(_write(tmp_path, "p.csv", text), directory)
    assert _where(problems) == [(2, "unit_code"), (3, "unit_code")]
    assert "unit 'W1' sits on area 'ZM-01', which does not cover the person's area 'ZM-02'" in (
        problems[1].reason
    )


def test_roles_need_what_their_scope_uses(tmp_path: Path, directory: Directory) -> None:
    text = HEADER + "li,grid_worker,,,\ncg1,department,YH,,\nr1,resident,,,\n"
    problems = _problems(_write(tmp_path, "p.csv", text), directory)
    assert _where(problems) == [(2, "area_code"), (3, "unit_code")]
    assert "give an area_code" in problems[0].reason
    assert "give a unit_code" in problems[1].reason


def test_a_file_not_in_utf8_names_the_line_of_the_first_bad_byte(
    tmp_path: Path, directory: Directory
) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "li,grid_worker,ZM-01,W1,李娜\n").encode("gb18030"))
    problems = _problems(path, directory)
    assert _where(problems) == [(2, None)]
    assert "wrong encoding" in problems[0].reason


def test_missing_columns_are_named(tmp_path: Path, directory: Directory) -> None:
    problems = _problems(
        _write(tmp_path, "p.csv", "id,role,name\nli,grid_worker,李娜\n"), directory
    )
    assert _where(problems) == [(1, None)]
    assert "missing ['area_code', 'unit_code']" in problems[0].reason


def test_unknown_columns_are_named_with_the_expected_ones(
    tmp_path: Path, directory: Directory
) -> None:
    csv_path = _write(tmp_path, "p.csv", "id,role,area_code,unit_code,phone\n")
    problems = _problems(csv_path, directory)
    assert _where(problems) == [(1, None)]
    assert problems[0].reason == (
        "unknown columns ['phone'] (expected id, role, area_code, unit_code, name)"
    )
    toml_path = _write(
        tmp_path,
        "p.toml",
        '[[people]]\nid = "li"\nrole = "grid_worker"\narea_code = "ZM-01"\nphone = "110"\n',
    )
    problems = _problems(toml_path, directory)
    assert _where(problems) == [(2, "phone")]


def test_every_problem_of_a_file_is_listed_at_once_in_line_order(
    tmp_path: Path, directory: Directory
) -> None:
    text = HEADER + (
        "li,mayor,ZM-09,W9,\n"  # unknown role, area and unit
        "li,grid_worker,ZM-01,W1,\n"  # duplicate id
        "ok,grid_worker,ZM-01,W1,\n"
        "cg1,department,,,\n"  # no unit for an assigned-scope role
    )
    with pytest.raises(PeopleFileError) as caught:
        load_people(_write(tmp_path, "p.csv", text), directory)
    assert _where(list(caught.value.problems)) == [
        (2, "role"),
        (2, "area_code"),
        (2, "unit_code"),
        (3, "id"),
        (5, "unit_code"),
    ]
    assert str(caught.value).startswith(f"invalid people file: {tmp_path / 'p.csv'}:2: role:")
    assert str(caught.value).endswith("(and 4 more problems)")


def test_json_records_are_located_by_their_id_line_or_their_index(
    tmp_path: Path, directory: Directory
) -> None:
    text = (
        '{"people": [\n'
        '  {"id": "li", "role": "grid_worker", "area_code": "ZM-01"},\n'
        '  {"id": "wang", "role": "boss", "area_code": "ZM-01"},\n'
        '  {"role": "resident"}\n'
        "]}\n"
    )
    problems = _problems(_write(tmp_path, "p.json", text), directory)
    assert _where(problems) == [(3, "role"), (None, "people[2].id")]


def test_an_empty_file_and_an_unknown_suffix_are_errors(
    tmp_path: Path, directory: Directory
) -> None:
    assert "no people" in _problems(_write(tmp_path, "p.csv", HEADER), directory)[0].reason
    assert "unknown file type '.xlsx'" in (
        _problems(_write(tmp_path, "p.xlsx", HEADER), directory)[0].reason
    )
    problems = _problems(_write(tmp_path, "p.toml", "[[people]\n"), directory)
    assert problems[0].line == 1


@pytest.mark.parametrize("fmt", ["csv", "json", "toml"])
def test_a_written_file_reads_back_the_same_people(
    fmt: str, tmp_path: Path, directory: Directory
) -> None:
    people = (
        Actor("li", "grid_worker", "ZM-01", "W1", name="李娜"),
        Actor("zhao", "community_office", "ZM", "OFFICE"),
        Actor("r1", "resident", None, None, name="居民, 王"),
    )
    path = tmp_path / f"people.{fmt}"
    path.write_text(dump_people(people, fmt), encoding="utf-8")  # type: ignore[arg-type]
    loaded = load_people(path, directory)
    assert loaded.people == people
    assert [p.name for p in loaded.people] == [p.name for p in people]


def test_the_sample_people_file_fits_the_hangzhou_sample() -> None:
    loaded = load_people(SAMPLE_PEOPLE, load_sample("hangzhou").directory)
    roles = {p.role for p in loaded.people}
    assert {"grid_head", "grid_worker", "building_leader", "property_company"} <= roles
    assert all(p.area_code and p.area_code.startswith("HZ-YH-CQ-ZM") for p in loaded.people)
    assert all(p.name for p in loaded.people)


def test_a_document_needs_one_people_list_of_tables_with_text_values(
    tmp_path: Path, directory: Directory
) -> None:
    toml = _write(tmp_path, "p.toml", '[[person]]\nid = "li"\n')
    assert _problems(toml, directory)[0].reason == "expected a table with a 'people' list"
    extra = _write(
        tmp_path, "p.json", '{"people": [{"id": "r1", "role": "resident"}], "units": []}'
    )
    assert (
        _problems(extra, directory)[0].reason
        == "unknown top-level keys ['units'] (expected people)"
    )
    not_text = _write(
        tmp_path,
        "q.json",
        '{"people": [\n{"id": "li", "role": ["grid_worker"], "area_code": 7}\n]}',
    )
    problems = _problems(not_text, directory)
    assert _where(problems) == [(2, "role"), (2, "area_code")]
    assert problems[0].reason == "expected text, got ['grid_worker']"
    assert "unknown area '7'" in problems[1].reason


def test_a_stray_quote_is_a_problem_on_its_line_and_later_rows_are_checked(
    tmp_path: Path, directory: Directory
) -> None:
    text = HEADER + 'li,grid_worker,ZM-01,W1,"李娜\nwang,grid_worker,ZM-01,W1,王\nx,nobody,,,\n'
    problems = _problems(_write(tmp_path, "p.csv", text), directory)
    assert problems[0].line == 2
    assert "never closed" in problems[0].reason
    assert [p.line for p in problems[1:]] == [4]  # wang (line 3) is fine; x is checked


def test_a_cell_over_the_csv_limit_is_a_problem_not_a_crash(
    tmp_path: Path, directory: Directory
) -> None:
    text = HEADER + "li,grid_worker,ZM-01,W1," + "娜" * 140_000 + "\n"
    problems = _problems(_write(tmp_path, "p.csv", text), directory)
    assert _where(problems) == [(2, None)]
    assert "longer than 131,072 characters" in problems[0].reason


def test_a_bad_byte_is_named_by_line_and_offset(tmp_path: Path, directory: Directory) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(HEADER.encode() + b"li,grid_worker,ZM-01,W1,\xff\n")
    problems = _problems(path, directory)
    assert _where(problems) == [(2, None)]
    assert "byte 0xff at byte 25 of line 2 (offset 57 in the file)" in problems[0].reason
