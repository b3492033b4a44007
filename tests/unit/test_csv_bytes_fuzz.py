"""Fuzz over CSV bytes (issue 13, Proof): replay, area files and people files are fed
files of random bytes — quotes, line ends of every kind, NUL, a BOM, bytes that are
not UTF-8, cells over the CSV field limit — mixed into good rows.

Whatever the bytes, nothing raises but a :class:`~gridgov.errors.GridGovError`, and
nothing is lost: replay's report accounts for every row and line of the file (rows
read = replayed + ignored + rejected), an area or people file either gives one area
or person per row, or is refused with problems that each name a line of the file.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.unit.test_replay_sources import GOOD_ROW, HEADER

from gridgov.errors import AreaFileError, GridGovError, PeopleFileError
from gridgov.grid import Directory, load_areas, load_sample
from gridgov.replay import BOSTON_SAMPLE_DIR, ReplayOptions, load_mapping, run_replay
from gridgov.workflow import load_people

MAPPING = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
BOSTON = load_sample("boston311").tree
HANGZHOU = load_sample("hangzhou").directory
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_PIECES = st.sampled_from(
    [
        b'"',
        b'""',
        b",",
        b"\n",
        b"\r",
        b"\r\n",
        b"\x00",
        b"\xef\xbb\xbf",  # a BOM, inside the file
        b"\xff",
        b"\xc3",  # a UTF-8 sequence cut short
        b"\xe2\x80\xa8",  # U+2028, a line separator to str.splitlines
        b"\x0c",  # form feed
        "朱庙".encode(),
        b"x" * 140_000,  # over the csv module's field limit
        b"a",
        b" ",
    ]
)
_NOISE = st.lists(_PIECES, max_size=8).map(b"".join)


def _row(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode("utf-8")


def _file(header: bytes, good: list[bytes], noise: list[tuple[int, int, bytes]]) -> bytes:
    """``header`` then the ``good`` rows, each piece of ``noise`` spliced into line
    ``index`` (modulo; 0 is the header) at ``offset`` (modulo its length)."""
    rows = [header, *good]
    for index, offset, piece in noise:
        if not rows:
            break
        i = index % len(rows)
        at = offset % (len(rows[i]) + 1)
        rows[i] = rows[i][:at] + piece + rows[i][at:]
    return b"".join(rows)


_SPLICES = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 500), _NOISE), min_size=1, max_size=6
)


def _physical_lines(data: bytes) -> int | None:
    """The lines a CSV reader sees (``\\n``, ``\\r\\n`` or a lone ``\\r`` ends one), or
    None when the bytes are not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return len(io.StringIO(text, newline="").readlines())


def _rows_of(data: bytes) -> int:
    """How many records the csv module reads after the header (blank lines, and rows
    whose every cell is blank, aside, also before the header)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    filled = [row for row in reader if any(cell.strip() for cell in row)]
    return len(filled) - 1  # the first is the header


# ----------------------------------------------------------------------- replay


def _replay_file(rows: int, splices: list[tuple[int, int, bytes]]) -> bytes:
    good = [_row([{**GOOD_ROW, "CASE_ENQUIRY_ID": str(i)}[h] for h in HEADER]) for i in range(rows)]
    return _file(_row(HEADER), good, splices)


@FUZZ
@given(st.integers(1, 12), _SPLICES)
def test_replay_accounts_for_every_row_of_random_bytes(
    tmp_path: Path, rows: int, splices: list[tuple[int, int, bytes]]
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data := _replay_file(rows, splices))
    options = ReplayOptions(input=path, mapping=MAPPING, areas=BOSTON, due_from_source=True)
    try:
        counts = run_replay(options).to_dict()["input"]
    except GridGovError as exc:
        refusal = f"{type(exc).__name__}: {exc}"
    else:
        refusal = ""
    if refusal:  # a whole-file error (not UTF-8, no header): named, nothing half-done
        event(f"replay refused the file: {refusal.partition(':')[0]}")
        where = re.search(rf"{re.escape(str(path))}(:\d+:|.*\bline \d+)", refusal)
        assert where is not None, refusal[:300]  # the file and the line
        return
    event("replayed")
    assert counts["accounted"] is True, counts
    assert counts["rows"] == (
        counts["rows_replayed"] + counts["rows_ignored"] + counts["rows_rejected"]
    )
    assert counts["lines"] == _physical_lines(data)


# ------------------------------------------------------------------ area files

_AREA_HEADER = _row(["code", "name", "level", "parent_code"])
_AREAS = [
    _row(["D", "余杭区", "district", ""]),
    _row(["C", "朱庙社区", "community", "D"]),
    _row(["G1", "第一网格", "grid", "C"]),
    _row(["G2", "第二网格", "grid", "C"]),
    _row(["M1", "3幢", "micro_grid", "G1"]),
]


def _check_problems(problems: object, lines: int | None) -> None:
    """Every problem names where: a line of the file (or the whole file)."""
    assert isinstance(problems, tuple | list)
    assert problems
    for problem in problems:
        assert problem.source
        if problem.line is not None and lines is not None:
            assert 1 <= problem.line <= lines + 1, (problem, lines)


@FUZZ
@given(_SPLICES)
def test_an_area_file_of_random_bytes_loads_whole_or_names_its_problems(
    tmp_path: Path, splices: list[tuple[int, int, bytes]]
) -> None:
    path = tmp_path / "areas.csv"
    path.write_bytes(data := _file(_AREA_HEADER, _AREAS, splices))
    try:
        loaded = load_areas(path)
    except AreaFileError as exc:
        event("refused with problems")
        _check_problems(exc.problems, _physical_lines(data))
        return
    event("loaded")
    assert len(loaded.tree) == _rows_of(data)


# ---------------------------------------------------------------- people files

_PEOPLE_HEADER = _row(["id", "role", "area_code", "unit_code", "name"])
_PEOPLE = [
    _row(["li", "grid_worker", "", "HZ-YH-CQ-ZM-G01-worker", "李"]),
    _row(["wang", "grid_head", "HZ-YH-CQ-ZM-G01", "", "王"]),
    _row(["zhao", "community_office", "HZ-YH-CQ-ZM", "", ""]),
    _row(["r1", "resident", "HZ-YH-CQ-ZM-G01", "", "居民"]),
]


@FUZZ
@given(_SPLICES)
def test_a_people_file_of_random_bytes_loads_whole_or_names_its_problems(
    tmp_path: Path, splices: list[tuple[int, int, bytes]]
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(data := _file(_PEOPLE_HEADER, _PEOPLE, splices))
    directory: Directory = HANGZHOU
    try:
        loaded = load_people(path, directory)
    except PeopleFileError as exc:
        event("refused with problems")
        _check_problems(exc.problems, _physical_lines(data))
        return
    event("loaded")
    assert len(loaded.people) == _rows_of(data)
