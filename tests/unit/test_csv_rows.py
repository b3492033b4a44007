"""Reading CSV by physical lines: stray quotes and huge cells refused, every line accounted."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gridgov._csvrows import CELL_LIMIT, CsvRows, find_bad_utf8


def _rows(text: str, width: int | None = 3, **kw: Any) -> tuple[CsvRows, list[tuple[int, ...]]]:
    rows = CsvRows(io.StringIO(text, newline=""), **kw)
    rows.width = width
    return rows, [(r.line, r.last_line, len(r.cells), bool(r.problem)) for r in rows]


def _lines(n: int, first: int = 1) -> str:
    return "".join(f"{i},b{i},c{i}\n" for i in range(first, first + n))


def test_a_stray_quote_to_the_end_of_the_file_refuses_its_line_and_reads_the_rest() -> None:
    text = _lines(50) + '51,"b51,c51\n' + _lines(50, first=52)
    rows, found = _rows(text)
    assert found[50] == (51, 51, 0, True)
    assert [r[0] for r in found] == list(range(1, 102))
    assert sum(r[3] for r in found) == 1
    assert rows.lines == 101


def test_a_stray_quote_names_the_line_it_opened_and_says_why() -> None:
    rows = CsvRows(io.StringIO(_lines(2) + '3,"b\n' + _lines(2, 4), newline=""))
    problem = next(r for r in rows if r.problem)
    assert problem.line == 3
    assert "quoted cell opened on line 3 is never closed" in problem.problem
    assert "reading resumes at line 4" in problem.problem


def test_a_stray_quote_closed_by_a_later_one_refuses_its_line_not_the_rows_between() -> None:
    # One column: the swallowed record has the header's three cells.
    text = _lines(10) + '11,"b,c\n' + _lines(5, 12) + '17,b",c\n' + _lines(3, 18)
    rows, found = _rows(text)
    refused = [r[0] for r in found if r[3]]
    assert refused == [11]  # 17's quote is inside its cell: an ordinary character
    assert len(found) == 20
    assert rows.lines == 20


def test_a_quoted_cell_open_past_the_line_limit_is_refused() -> None:
    text = '1,"b\n' + "".join(f"{i},b,c\n" for i in range(2, 30)) + 'x",y,z\n'
    rows, found = _rows(text, width=None, max_lines=10)
    assert found[0] == (1, 1, 0, True)
    first = next(iter(CsvRows(io.StringIO(text), max_lines=10)))
    assert "still open after 10 lines" in first.problem
    assert rows.lines == 30


def test_a_quoted_cell_over_lines_with_the_right_cells_is_one_row() -> None:
    rows, found = _rows('1,"two\nlines",c\n2,b,c\n')
    assert found == [(1, 2, 3, False), (3, 3, 3, False)]
    assert rows.lines == 3


def test_a_cell_over_the_csv_limit_is_refused_with_its_line() -> None:
    text = _lines(2) + f"3,{'x' * (CELL_LIMIT + 1)},c\n" + _lines(2, 4)
    rows = CsvRows(io.StringIO(text, newline=""))
    found = list(rows)
    assert [r.line for r in found] == [1, 2, 3, 4, 5]
    assert "longer than 131,072 characters" in found[2].problem


def test_blank_lines_are_counted_not_yielded() -> None:
    rows, found = _rows("1,b,c\n\n\n2,b,c\n")
    assert [r[0] for r in found] == [1, 4]
    assert rows.blank_lines == 2
    assert rows.lines == 4


def test_first_line_numbers_the_lines() -> None:
    rows, found = _rows("1,b,c\n", first_line=7)
    assert found[0][:2] == (7, 7)
    assert rows.lines == 1


@given(
    st.lists(st.sampled_from(["a", "b", ",", '"', "\n", "\r\n", "\r", " ", "é"]), max_size=80).map(
        "".join
    ),
    st.sampled_from([None, 1, 2, 3]),
)
def test_every_physical_line_is_one_record_or_blank(text: str, width: int | None) -> None:
    physical = len(io.StringIO(text, newline="").readlines())
    rows = CsvRows(io.StringIO(text, newline=""), max_lines=4)
    rows.width = width
    spans = sum(r.last_line - r.line + 1 for r in rows)
    assert spans + rows.blank_lines == rows.lines == physical


def test_a_bad_byte_is_found_by_line_and_file_offset() -> None:
    data = b"a,b\n" * 20_001 + b"x,\xb0y\n" + b"a,b\n"
    bad = find_bad_utf8(io.BytesIO(data))
    assert bad is not None
    assert (bad.line, bad.column, bad.offset, bad.byte) == (20_002, 3, 80_006, 0xB0)
    assert "at byte 3 of line 20002 (offset 80,006 in the file)" in bad.describe()


def test_a_lone_carriage_return_is_a_line_break_for_the_bad_byte() -> None:
    bad = find_bad_utf8(io.BytesIO(b"a\rb\r\nc\rd\xffe\n"))
    assert bad is not None
    assert (bad.line, bad.column) == (4, 2)


def test_utf8_text_has_no_bad_byte() -> None:
    assert find_bad_utf8(io.BytesIO("网格,é\n".encode())) is None
