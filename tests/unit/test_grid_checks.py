"""Bad area input: every problem is found, with file, line and field; nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.errors import AreaFileError, Problem
from gridgov.grid import DEFAULT_LEVELS, Area, AreaTree, load_areas, parse_areas

HEADER = "code,name,level,parent_code\n"


def problems_of(text: str, fmt: str = "csv") -> list[Problem]:
    with pytest.raises(AreaFileError) as info:
        parse_areas(text, fmt, source="areas.csv")  # type: ignore[arg-type]
    return list(info.value.problems)


def where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in problems]


def test_unknown_parent_names_the_parent_and_line() -> None:
    [problem] = problems_of(HEADER + "YH,余杭区,district,\nZM,朱庙,community,XX\n")
    assert (problem.source, problem.line, problem.field) == ("areas.csv", 3, "parent_code")
    assert "unknown parent 'XX'" in problem.reason


def test_duplicate_code_points_at_the_first_one() -> None:
    [problem] = problems_of(HEADER + "YH,余杭区,district,\nYH,又一个,district,\n")
    assert (problem.line, problem.field) == (3, "code")
    assert "duplicate code 'YH' (first at line 2)" in problem.reason


def test_cycle_is_reported_on_every_member() -> None:
    text = HEADER + "A,a,grid,B\nB,b,grid,C\nC,c,grid,A\n"
    cycles = [p for p in problems_of(text) if "cycle" in p.reason]
    assert [p.line for p in cycles] == [2, 3, 4]
    assert "A → B → C → A" in cycles[0].reason


def test_self_parent_is_a_cycle() -> None:
    problems = problems_of(HEADER + "A,a,grid,A\n")
    assert any("cycle: A → A" in p.reason for p in problems)


def test_level_out_of_order_names_both_levels() -> None:
    [problem] = problems_of(HEADER + "G,g,grid,\nC,c,community,G\n")
    assert (problem.line, problem.field) == (3, "parent_code")
    assert "'community' is out of order" in problem.reason
    assert "'grid'" in problem.reason


def test_skipping_a_required_level_is_refused() -> None:
    [problem] = problems_of(HEADER + "D,d,district,\nG,g,grid,D\n")
    assert "skips 'community'" in problem.reason


def test_skipping_an_optional_level_is_allowed() -> None:
    text = (
        "# levels: district > street? > community\n" + HEADER + "D,d,district,\nC,c,community,D\n"
    )
    assert parse_areas(text, "csv").tree.parent("C") == Area("D", "d", "district")


def test_unknown_level_lists_the_expected_ones() -> None:
    [problem] = problems_of(HEADER + "X,x,planet,\n")
    assert (problem.line, problem.field) == (2, "level")
    assert "expected: district, community, grid, micro_grid" in problem.reason


def test_empty_code_and_empty_name_are_both_reported() -> None:
    problems = problems_of(HEADER + " ,无码,district,\nYH,  ,district,\n")
    assert where(problems) == [(2, "code"), (3, "name")]


def test_wrong_encoding_gives_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "YH,余杭区,district,\n").encode("gbk"))
    with pytest.raises(AreaFileError) as info:
        load_areas(path)
    [problem] = info.value.problems
    assert (problem.source, problem.line) == (str(path), 2)
    assert "not UTF-8" in problem.reason


def test_a_bad_metadata_field_is_named() -> None:
    [problem] = problems_of(HEADER.strip() + ",households\nYH,余杭区,district,,many\n")
    assert (problem.line, problem.field) == (2, "households")
    assert "'many'" in problem.reason


def test_children_of_a_record_with_bad_metadata_are_not_orphans() -> None:
    text = HEADER.strip() + ",lat\nYH,余杭区,district,,91\nZM,朱庙,community,YH,\n"
    assert [p.field for p in problems_of(text)] == ["lon"]


def test_every_problem_is_listed_in_line_order() -> None:
    text = HEADER + "A,a,district,\nA,dup,district,\nB,,community,A\nC,c,community,NOPE\nD,d,x,\n"
    assert where(problems_of(text)) == [(3, "code"), (4, "name"), (5, "parent_code"), (6, "level")]


def test_a_file_with_errors_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "areas.csv"
    path.write_text(HEADER + "YH,余杭区,district,\nZM,朱庙,community,NOPE\n", encoding="utf-8")
    with pytest.raises(AreaFileError, match="unknown parent 'NOPE'") as info:
        load_areas(path)
    assert "areas.csv:3" in str(info.value)


def test_header_must_name_the_required_columns() -> None:
    [problem] = problems_of("code,name,level\nYH,余杭区,district\n")
    assert problem.line == 1
    assert "missing ['parent_code']" in problem.reason


def test_a_row_with_the_wrong_number_of_cells_is_refused() -> None:
    [problem] = problems_of(HEADER + "YH,余杭区,district,,extra\n")
    assert problem.line == 2
    assert "5 cells, the header has 4" in problem.reason


def test_an_empty_file_is_refused() -> None:
    assert "empty file" in problems_of("")[0].reason
    assert "no areas" in problems_of(HEADER)[0].reason


def test_json_problems_carry_the_line_of_the_record() -> None:
    text = '{"areas": [\n  {"code": "YH", "name": "余杭区", "level": "district"},\n'
    text += '  {"code": "ZM", "name": "朱庙", "level": "community", "parent_code": "XX"}\n]}\n'
    [problem] = problems_of(text, "json")
    assert (problem.line, problem.field) == (3, "parent_code")


def test_toml_problems_carry_the_line_of_the_record() -> None:
    text = '[[areas]]\ncode = "YH"\nname = "余杭区"\nlevel = "district"\n\n'
    text += '[[areas]]\ncode = "ZM"\nname = "朱庙"\nlevel = "galaxy"\nparent_code = "YH"\n'
    [problem] = problems_of(text, "toml")
    assert (problem.line, problem.field) == (7, "level")


def test_a_json_record_without_code_is_named_by_its_index() -> None:
    [problem] = problems_of('{"areas": [{"name": "无码", "level": "district"}]}', "json")
    assert problem.field == "areas[0].code"


def test_syntax_errors_give_the_line() -> None:
    assert problems_of('{"areas": [\n}', "json")[0].line == 2
    assert problems_of("[[areas]]\ncode = \n", "toml")[0].line == 2


def test_unknown_top_level_keys_are_not_ignored() -> None:
    problems = problems_of(
        '{"areas": [{"code": "A", "name": "a", "level": "grid"}], "aeras": []}', "json"
    )
    assert "unknown top-level keys ['aeras']" in problems[0].reason


def test_building_a_tree_in_code_reports_the_same_problems() -> None:
    with pytest.raises(AreaFileError) as info:
        AreaTree([Area("A", "a", "grid", "B"), Area("", "b", "grid")], DEFAULT_LEVELS)
    assert [p.field for p in info.value.problems] == ["code", "parent_code"]


def test_lines_are_found_for_escaped_codes_and_for_units() -> None:
    text = '{"areas": [\n  {"code": "Y\\"H", "name": "余杭区", "level": "district"},\n'
    text += '  {"code": "ZM", "name": "朱庙", "level": "community", "parent_code": "Y\\"H"}\n],\n'
    text += ' "units": [\n  {"code": "u1", "name": "网格长", "kind": "grid_head",'
    text += ' "area_code": "XX"}\n]}\n'
    [problem] = problems_of(text, "json")
    assert (problem.line, problem.field) == (6, "area_code")
    bad_level = text.replace('"level": "community"', '"level": "moon"')
    assert [p.line for p in problems_of(bad_level, "json")] == [3, 6]


def test_a_row_with_a_multi_line_cell_is_reported_at_its_first_line() -> None:
    text = HEADER + 'YH,"余杭区\n(Yuhang)",moon,\n\nZM,朱庙,community,XX\n'
    assert [p.line for p in problems_of(text)] == [2, 5]


# issue 13, item 7: U+2028, form feed ... do not shift later line numbers
@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x0c", "\x1c", "\x85"])
def test_line_numbers_are_the_files_physical_lines(separator: str) -> None:
    # str.splitlines breaks at these too; the file's own lines end at \n only.
    text = HEADER + f"YH,余杭{separator}区,district,\nZM,朱庙,community,XX\n"
    problems = [p for p in problems_of(text) if "unknown parent" in p.reason]
    assert [p.line for p in problems] == [3]


# issue 13, item 9
def test_a_nul_byte_in_a_name_is_refused_at_validation() -> None:
    [problem] = problems_of(HEADER + "YH,余杭区,district,\nZM,朱\x00庙,community,YH\n")
    assert (problem.line, problem.field) == (3, "name")
    assert "control character U+0000 at position 2" in problem.reason


def test_a_control_character_in_a_code_is_refused() -> None:
    [problem] = problems_of(HEADER + "Y\x1bH,余杭区,district,\n")
    assert (problem.line, problem.field) == (2, "code")
    assert "U+001B" in problem.reason


# issue 13, item 18
def test_a_slash_in_a_code_is_refused_so_subtree_paths_stay_unambiguous() -> None:
    # 'C/G' would get the path /D/C/G/, the same as grid G under community C.
    text = HEADER + "D,区,district,\nC,社区,community,D\nG,网格,grid,C\nC/G,网格2,grid,C\n"
    [problem] = problems_of(text)
    assert (problem.line, problem.field) == (5, "code")
    assert "'/' is not allowed in a code" in problem.reason


def test_a_unit_code_with_a_slash_or_a_name_with_nul_is_refused() -> None:
    from gridgov.grid import Unit, UnitKind

    with pytest.raises(ValueError, match="'/' is not allowed"):
        Unit("U/1", "网格员", UnitKind.GRID_WORKER, "G")
    with pytest.raises(ValueError, match="U\\+0000"):
        Unit("U1", "网格\x00员", UnitKind.GRID_WORKER, "G")


def test_wrong_encoding_gives_the_byte_offset_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(HEADER.encode() + b"YH,yu,district,\nZM,z\xb0m,community,YH\n")
    with pytest.raises(AreaFileError) as info:
        load_areas(path)
    [problem] = info.value.problems
    assert problem.line == 3
    assert "byte 0xb0 at byte 5 of line 3 (offset 48 in the file)" in problem.reason


def test_a_stray_quote_is_a_problem_on_its_line_and_the_rows_after_it_are_read() -> None:
    text = HEADER + 'YH,"余杭区,district,\nZM,朱庙,community,YH\nG1,网格,grid,XX\n'
    problems = problems_of(text)
    assert problems[0].line == 2
    assert "quoted cell opened on line 2 is never closed" in problems[0].reason
    # the rows the quote would have swallowed were read: G1's unknown parent is reported
    assert (4, "parent_code") in where(problems)


def test_a_cell_over_the_csv_limit_is_a_problem_on_its_line() -> None:
    problems = problems_of(HEADER + "YH,余杭区,district,\nZM," + "朱" * 140_000 + ",community,YH\n")
    assert problems[0].line == 3
    assert "longer than 131,072 characters" in problems[0].reason
