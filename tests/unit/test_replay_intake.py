"""Hostile CSV in replay: stray quotes, huge cells and bad bytes lose no row, and the
report accounts for every line of the file (issue 13 items 4, 6, 8)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.test_replay_sources import GOOD_ROW, HEADER, _events_mapping, _log_csv

from gridgov.errors import InvalidInput
from gridgov.grid import load_sample
from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    InputFile,
    RejectLog,
    ReplayOptions,
    load_mapping,
    read_tickets,
    run_replay,
)

MAPPING = load_mapping(BOSTON_SAMPLE_DIR / "mapping.toml")
TREE = load_sample("boston311").tree


def _lines(rows: int) -> list[str]:
    """A header and ``rows`` good snapshot rows, one physical line each (no quotes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER, lineterminator="\n")
    writer.writeheader()
    for i in range(1, rows + 1):
        writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i)})
    return out.getvalue().splitlines(keepends=True)


def _write(tmp_path: Path, lines: list[str], name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _stray_quote(line: str) -> str:
    """``line`` with a quote opening its TYPE cell, never closed."""
    return line.replace("Abandoned Bicycle", '"Abandoned Bicycle')


def _read(path: Path) -> tuple[list[str], RejectLog]:
    log = RejectLog()
    tickets = read_tickets(MAPPING, InputFile(path), areas=TREE, rejects=log)
    return [t.ticket_id for t in tickets], log


def _replay(path: Path, **kw: object) -> dict[str, object]:
    options = ReplayOptions(
        input=path,
        mapping=MAPPING,
        areas=TREE,
        due_from_source=True,
        **kw,  # type: ignore[arg-type]
    )
    report: dict[str, object] = run_replay(options).to_dict()["input"]
    return report


def test_a_stray_quote_on_row_51_of_101_rejects_that_row_and_replays_the_other_100(
    tmp_path: Path,
) -> None:
    lines = _lines(101)
    lines[51] = _stray_quote(lines[51])  # row 51 is on line 52
    ids, log = _read(_write(tmp_path, lines))
    assert len(ids) == 100
    assert "51" not in ids
    assert log.rows == 1
    assert dict(log.counts) == {"unreadable": 1}


def test_the_stray_quote_reject_names_the_line_it_opened_on(tmp_path: Path) -> None:
    lines = _lines(10)
    lines[4] = _stray_quote(lines[4])
    rejects = tmp_path / "rejects.csv"
    log = RejectLog(rejects)
    list(read_tickets(MAPPING, InputFile(_write(tmp_path, lines)), areas=TREE, rejects=log))
    log.close()
    [row] = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert row["line"] == "5"
    assert "quoted cell opened on line 5 is never closed" in row["reason"]
    assert "reading resumes at line 6" in row["reason"]


def test_a_stray_quote_closed_by_a_later_one_in_the_same_column_loses_no_row(
    tmp_path: Path,
) -> None:
    lines = _lines(20)
    lines[5] = _stray_quote(lines[5])  # opens on line 6 ...
    lines[12] = lines[12].replace("Abandoned Bicycle", 'Abandoned Bicycle"')  # ... closes on 13
    ids, log = _read(_write(tmp_path, lines))
    assert log.rows == 1  # line 6 alone
    assert len(ids) == 19


def test_a_cell_over_the_csv_limit_is_a_reject_with_its_line(tmp_path: Path) -> None:
    lines = _lines(5)
    lines[3] = lines[3].replace("Abandoned Bicycle", "x" * 140_000)
    rejects = tmp_path / "rejects.csv"
    log = RejectLog(rejects)
    tickets = read_tickets(MAPPING, InputFile(_write(tmp_path, lines)), areas=TREE, rejects=log)
    assert len(list(tickets)) == 4
    log.close()
    [row] = list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8"))))
    assert row["line"] == "4"
    assert "longer than 131,072 characters" in row["reason"]


@pytest.mark.parametrize("gz", [False, True], ids=["csv", "csv.gz"])
def test_a_bad_byte_is_named_by_the_file_line_and_byte_offset(tmp_path: Path, gz: bool) -> None:
    lines = _lines(20_001)
    data = "".join(lines).encode()
    at = data.index(b"Abandoned", len("".join(lines[:-1]).encode()))  # on the last line
    data = data[:at] + b"\xb0" + data[at:]
    path = tmp_path / ("t.csv.gz" if gz else "t.csv")
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(InvalidInput) as caught:
        _read(path)
    [problem] = caught.value.problems
    assert problem.line == 20_002
    column = at - len("".join(lines[:-1]).encode()) + 1
    assert f"byte 0xb0 at byte {column} of line 20002 (offset {at:,} in the file)" in (
        problem.reason
    )


def test_a_row_with_two_bad_times_is_one_reject(tmp_path: Path) -> None:
    lines = _lines(3)
    lines[2] = lines[2].replace("01/06/2015 01:46:56 PM", "soon")  # CLOSED_DT
    lines[2] = lines[2].replace("01/07/2015 12:40:41 PM", "later")  # TARGET_DT
    ids, log = _read(_write(tmp_path, lines))
    assert log.rows == 1
    assert len(ids) == 2


def test_the_report_accounts_for_every_line_of_a_hostile_file(tmp_path: Path) -> None:
    lines = _lines(30)
    lines[3] = _stray_quote(lines[3])
    lines[8] = lines[8].replace("Abandoned Bicycle", "x" * 140_000)
    lines[10] = lines[10].replace("Abandoned Bicycle", '"Abandoned\nBicycle"')  # 2 lines
    lines[15] = lines[15] + "\n"  # a blank line
    lines[20] = lines[20].replace("BTDT", "BTDT,extra")  # a ragged row
    path = _write(tmp_path, lines)
    physical = len(path.read_bytes().splitlines())
    counts = _replay(path)
    assert counts == {
        "lines": physical,
        "header_lines": 1,
        "blank_lines": 1,
        "continuation_lines": 1,
        "rows": 30,
        "rows_replayed": 27,
        "rows_ignored": 0,
        "rows_rejected": 3,
        "accounted": True,
    }


def test_the_accounting_under_jobs_equals_one_process(tmp_path: Path) -> None:
    lines = _lines(40)
    lines[7] = _stray_quote(lines[7])
    path = _write(tmp_path, lines)
    assert _replay(path, jobs=2) == _replay(path)


def test_an_event_log_counts_its_ignored_rows(tmp_path: Path) -> None:
    mapping = _events_mapping(tmp_path)
    options = ReplayOptions(
        input=_log_csv(tmp_path / "log.csv"), mapping=mapping, due_from_source=True
    )
    counts = run_replay(options).to_dict()["input"]
    assert counts["rows"] == 11
    assert counts["rows_ignored"] == 1  # 备注
    assert counts["rows_rejected"] == 3
    assert counts["rows_replayed"] == 7
    assert counts["accounted"] is True


_MUTATIONS = st.sampled_from(
    [
        lambda line: line,
        lambda line: line.replace("Abandoned Bicycle", '"Abandoned Bicycle'),  # stray quote
        lambda line: line.replace("Abandoned Bicycle", 'Abandoned Bicycle"'),  # inside a cell
        lambda line: line.replace("Abandoned Bicycle", '"Abandoned\nBicycle"'),  # 2 lines
        lambda line: line.replace("Abandoned Bicycle", '"Abandoned\r\n\nBicycle'),  # stray
        lambda line: line.replace("BTDT", "BTDT,"),  # ragged
        lambda line: "\n",  # blank
        lambda line: line.replace("Ward 5", "Ward \x00 5"),  # NUL
        lambda line: line.replace("\n", ""),  # joined with the next line
        lambda line: '"' + line,
        lambda line: line.replace("\n", "\r"),  # a lone carriage return
    ]
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_MUTATIONS, min_size=1, max_size=25))
def test_every_line_of_a_mangled_file_is_accounted_for(
    tmp_path: Path, mutations: list[Callable[[str], str]]
) -> None:
    lines = _lines(len(mutations))
    body = [mutate(line) for mutate, line in zip(mutations, lines[1:], strict=True)]
    path = _write(tmp_path, [lines[0], *body])
    physical = len(io.StringIO(path.read_text(encoding="utf-8"), newline="").readlines())
    counts = _replay(path)  # raises nothing: every fault is a reject
    assert counts["accounted"] is True
    assert counts["lines"] == physical


def test_a_second_pass_over_a_file_counts_its_lines_afresh(tmp_path: Path) -> None:
    lines = _lines(3)
    lines.insert(2, "\n")
    lines[3] = lines[3].replace("Abandoned Bicycle", '"Abandoned\nBicycle"')  # 2 lines
    source = InputFile(_write(tmp_path, lines))
    for _ in range(2):
        assert len(list(source.records(["CASE_ENQUIRY_ID"]))) == 3
        assert source.line_counts() == {
            "lines": 6,
            "header_lines": 1,
            "blank_lines": 1,
            "continuation_lines": 1,
        }
