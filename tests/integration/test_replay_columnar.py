"""The columnar engine gives the reference's answer: the same JSON report and the same
rejects file as ``--engine rows``, on real and synthetic files, on a fixture that makes
every kind of snapshot reject and every row the column checks leave to the row reader
(padded cells, lowercase ``pm``, an hour past 12, DST gap and fold, clock skew, quoted
line breaks, blank lines, NULs, over-long values, repeated ids), under ``--jobs``,
``--due-from-source``, ``--strict`` and every grouping."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import replace
from pathlib import Path

import pytest

from gridgov.errors import InvalidInput
from gridgov.replay import ReplayOptions, boston_sample_options, chosen_engine, run_replay
from tests._synthetic import GEN

_BY = ("month", "category", "area:ward", "tier,channel", "state", "unit", "day", "week")
_BY_HANGZHOU = ("month", "category", "area:community", "tier,channel", "state", "quarter")


def _both(options: ReplayOptions, tmp_path: Path) -> tuple[str, str, str, str]:
    """The JSON report and the rejects file of ``options`` replayed by each engine."""
    out = []
    for engine in ("rows", "columnar"):
        rejects = tmp_path / f"rejects_{engine}.csv"
        report = run_replay(replace(options, engine=engine, rejects_out=rejects))
        assert report.engine.startswith("rows" if engine == "rows" else "columnar")
        out += [json.dumps(report.to_dict(), sort_keys=True), rejects.read_text("utf-8")]
    return out[0], out[2], out[1], out[3]


def _assert_same(options: ReplayOptions, tmp_path: Path) -> dict[str, object]:
    rows_report, columns_report, rows_rejects, columns_rejects = _both(options, tmp_path)
    assert columns_report == rows_report
    assert columns_rejects == rows_rejects
    parsed: dict[str, object] = json.loads(rows_report)
    return parsed


def test_the_boston_sample_under_its_policies(tmp_path: Path) -> None:
    report = _assert_same(replace(boston_sample_options(), by=_BY), tmp_path)
    assert report["overall"]["tickets"] > 1900  # type: ignore[index]


def test_the_boston_sample_under_its_own_due_times(tmp_path: Path) -> None:
    _assert_same(replace(boston_sample_options(due_from_source=True), by=_BY), tmp_path)


@pytest.mark.parametrize("jobs", [1, 3])
def test_the_synthetic_snapshot(tmp_path: Path, jobs: int) -> None:
    path = GEN.generate(tmp_path / "snapshot.csv.gz", 5000, shape="snapshot")
    options = replace(GEN.synthetic_options(path, "snapshot"), by=_BY_HANGZHOU, jobs=jobs)
    report = _assert_same(options, tmp_path)
    assert report["input"]["accounted"] is True  # type: ignore[index]


@pytest.mark.slow
def test_the_full_boston_file(tmp_path: Path, boston_full: Path) -> None:
    report = _assert_same(replace(boston_sample_options(input=boston_full), by=_BY), tmp_path)
    assert report["overall"]["tickets"] > 58_000  # type: ignore[index]


def _boston_rows() -> tuple[list[str], list[list[str]]]:
    with gzip.open(boston_sample_options().input, "rt", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    return rows[0], rows[1:]


def _awkward_boston(path: Path) -> Path:
    """The sample's first 300 rows, and rows made to be rejected or left to the row reader."""
    header, rows = _boston_rows()
    at = {name: i for i, name in enumerate(header)}
    body = [list(r) for r in rows[:300]]

    def variant(n: int, **cells: str) -> list[str]:
        row = list(rows[n])
        row[at["CASE_ENQUIRY_ID"]] = f"X{n:05d}"
        for name, value in cells.items():
            row[at[name]] = value
        return row

    closed = next(i for i, r in enumerate(rows) if r[at["CASE_STATUS"]] == "Closed")
    body += [
        variant(closed, CASE_ENQUIRY_ID=""),  # missing id
        variant(closed + 1, OPEN_DT=""),  # no opening time
        variant(closed + 2, OPEN_DT="13/45/2015 10:00:00 AM"),  # bad time
        variant(closed + 3, OPEN_DT="01/05/1815 10:00:00 AM"),  # out of range
        variant(closed + 4, CLOSED_DT=""),  # closed without a closing time
        variant(closed + 5, CASE_STATUS="Open"),  # a closing time but open
        variant(closed + 6, OPEN_DT="06/01/2015 10:00:00 AM", CLOSED_DT="05/01/2015 10:00:00 AM"),
        variant(closed + 7, OPEN_DT="06/01/2015 10:00:30 AM", CLOSED_DT="06/01/2015 10:00:10 AM"),
        variant(closed + 8, OnTime_Status="LATE-ISH"),  # unknown verdict
        variant(closed + 9, ward="Ward 99", precinct="9901.0"),  # unknown area
        variant(closed + 10, ward="Ward 5", precinct="1607.0"),  # precinct outside its ward
        variant(closed + 11, TYPE="Pothole\x00Repair"),  # a NUL
        variant(closed + 12, TYPE="T" * 300),  # over the column's length
        variant(closed + 13, TYPE="  Street Light Outages  "),  # padded: the row reader strips
        variant(closed + 14, OPEN_DT=" 03/02/2015 09:15:00 am "),  # lowercase, padded
        variant(closed + 15, OPEN_DT="03/02/2015 13:15:00 PM"),  # an hour past 12
        variant(closed + 16, OPEN_DT="03/08/2015 02:30:00 AM"),  # the spring-forward gap
        variant(
            closed + 17, OPEN_DT="11/01/2015 01:30:00 AM", CLOSED_DT="11/02/2015 01:30:00 AM"
        ),  # the autumn fold (fmt: skip)
        variant(closed + 18, CLOSURE_REASON="line one\nline two"),  # a quoted line break
        variant(closed + 19, TARGET_DT="not a time"),  # a bad source due time
        rows[5],  # a repeated id
        variant(closed + 20, CASE_ENQUIRY_ID="X-repeat"),
        variant(closed + 21, CASE_ENQUIRY_ID="X-repeat"),  # repeated within the batch
    ]
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(body[:150])
        file.write("\n")  # a blank line
        file.write("only,three,fields\n")  # unreadable: the wrong number of fields
        writer.writerows(body[150:])
    return path


def test_every_reject_kind_and_every_row_left_to_the_row_reader(tmp_path: Path) -> None:
    path = _awkward_boston(tmp_path / "awkward.csv")
    report = _assert_same(replace(boston_sample_options(input=path), by=_BY), tmp_path)
    rejects = report["rejects"]
    for kind in ("missing_value", "bad_time", "bad_value", "unknown_area", "area_mismatch",
                 "close_before_open", "duplicate_id", "unreadable"):  # fmt: skip
        assert rejects[kind] > 0, kind  # type: ignore[index]
    assert report["input"]["accounted"] is True  # type: ignore[index]
    assert report["input"]["blank_lines"] == 1  # type: ignore[index]
    assert report["input"]["continuation_lines"] == 1  # type: ignore[index]


def test_dispatch_times_out_of_order_and_repeats_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synthetic snapshot has a dispatch column: dispatches before the opening or after
    the closing are rejected alike; with batches of 700 rows, a repeated id is met in a
    later batch than its first."""
    import gridgov.replay._columnar as columnar

    monkeypatch.setattr(columnar, "ROWS_PER_BATCH", 700)
    source = GEN.generate(tmp_path / "snapshot.csv", 3000, shape="snapshot")
    with open(source, encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    header, body = rows[0], rows[1:]
    at = {name: i for i, name in enumerate(header)}
    early = list(body[10])
    early[at["ticket_id"]], early[at["dispatched_at"]] = "EARLY", "2023-12-31 00:00:00"
    late = list(body[11])
    late[at["ticket_id"]], late[at["dispatched_at"]] = "LATE", "2099-01-01 00:00:00"
    body += [early, late, body[3], body[2500]]
    path = tmp_path / "awkward.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows([header, *body])
    options = replace(GEN.synthetic_options(path, "snapshot"), by=_BY_HANGZHOU)
    report = _assert_same(options, tmp_path)
    assert report["rejects"]["out_of_order"] >= 1  # type: ignore[index]
    assert report["rejects"]["duplicate_id"] == 2  # type: ignore[index]


def test_strict_stops_at_the_same_row(tmp_path: Path) -> None:
    path = _awkward_boston(tmp_path / "awkward.csv")
    messages = set()
    for engine in ("rows", "columnar"):
        with pytest.raises(InvalidInput) as caught:
            run_replay(replace(boston_sample_options(input=path), strict=True, engine=engine))
        messages.add(str(caught.value))
    assert len(messages) == 1


def test_auto_chooses_the_columnar_engine_where_it_applies(tmp_path: Path) -> None:
    options = boston_sample_options()
    assert chosen_engine(options)[0] == "columns"
    assert chosen_engine(replace(options, tickets_out=tmp_path / "t.csv"))[0] == "batches"
    assert chosen_engine(replace(options, engine="rows"))[0] == "rows"
    log = GEN.synthetic_options(tmp_path / "events.csv", "events")
    kind, why = chosen_engine(log)
    assert kind == "rows"
    assert "event log" in why
    iso = replace(options, mapping=options.mapping.model_copy(update={"time_format": "iso"}))
    kind, why = chosen_engine(iso)
    assert kind == "batches"
    assert "time_format 'iso'" in why
