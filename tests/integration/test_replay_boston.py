"""Boston 311 end to end, on real files: the city's own verdicts, its due times, --jobs."""

from __future__ import annotations

import csv
import errno
import gzip
import json
from pathlib import Path

import pytest

from gridgov.errors import InvalidInput, OutputFileError
from gridgov.replay import boston_sample_options, run_replay


def _rows(path: Path) -> int:
    with gzip.open(path, "rt", newline="", encoding="utf-8") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def test_due_from_source_agrees_with_every_city_verdict_on_the_full_file(
    boston_full: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tickets.jsonl"
    options = boston_sample_options(due_from_source=True, input=boston_full, tickets_out=out)
    report = run_replay(options)
    judged = disagree = 0
    with out.open(encoding="utf-8") as file:
        for line in file:
            row = json.loads(line)
            if row["closed_at"] and row["source_on_time"] is not None:
                judged += 1
                disagree += row["on_time"] != row["source_on_time"]
    assert disagree == 0
    assert judged == report.overall.verdicts == report.overall.agree
    assert judged > 45_000  # nearly all of the 49,126 closed tickets carry a verdict
    # nothing is dropped: every row is a ticket or a reject
    assert report.overall.tickets + sum(report.rejects.values()) == _rows(boston_full)
    # closed 1-32 s before opened: clock skew, replayed and counted; no close_before_open
    assert report.overall.conformance["close_before_open_skew"] == 84
    assert dict(report.rejects) == {"area_mismatch": 5}


def test_policies_reproduce_at_least_95_percent_of_target_dt(boston_full: Path) -> None:
    report = run_replay(boston_sample_options(input=boston_full)).to_dict()
    assert report["overall"]["due_reproduced"] >= 0.95


def test_jobs_give_exactly_the_single_process_results(tmp_path: Path) -> None:
    results = {}
    # no tolerance of clock skew: the sample's 3 closes before opening are rejects to merge
    strict = boston_sample_options().mapping.model_copy(update={"clock_skew_seconds": 0})
    for jobs in (1, 3):
        out, rejects = tmp_path / f"t{jobs}.csv", tmp_path / f"r{jobs}.csv"
        options = boston_sample_options(
            jobs=jobs,
            mapping=strict,
            tickets_out=out,
            rejects_out=rejects,
            by=("area:ward", "month", "tier"),
        )
        report = run_replay(options).to_dict()
        report["meta"].pop("jobs", None)
        results[jobs] = (
            report,
            out.read_text(encoding="utf-8"),
            rejects.read_text(encoding="utf-8"),
        )
    assert results[1] == results[3]
    assert results[1][2].count("\n") > 1  # the sample has rejects: their merge is tested too
    assert not list(tmp_path.glob("*.part*"))


def test_tickets_out_csv_has_the_promised_columns(tmp_path: Path) -> None:
    out = tmp_path / "tickets.csv"
    run_replay(boston_sample_options(tickets_out=out))
    with out.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert {
        "ticket_id", "category", "area", "opened_at", "due_at", "closed_at", "on_time",
        "final_state", "reopened", "escalations", "stayed_in_grid", "joint", "parts", "conformance",
    } <= set(rows[0])  # fmt: skip
    closed = [r for r in rows if r["closed_at"]]
    still_open = [r for r in rows if not r["closed_at"]]
    assert closed
    assert still_open
    assert {r["on_time"] for r in closed} <= {"true", "false"}
    assert {r["on_time"] for r in still_open} == {""}
    assert all(r["opened_at"][-6] in "+-" for r in rows)  # ISO 8601 with the offset


def test_progress_is_reported_in_tickets_and_file_bytes() -> None:
    calls: list[tuple[int, int, int]] = []
    report = run_replay(
        boston_sample_options(engine="rows"), progress=lambda *args: calls.append(args)
    )
    assert report.overall.tickets == 2000  # every 1,000 tickets, and at the end
    assert [done for done, _, _ in calls] == [1000, 2000, 2000]
    first, last = calls[0], calls[-1]
    assert 0 < first[1] < first[2]  # part of the compressed file read
    assert last[1] == last[2]


def test_progress_of_the_columnar_engine_moves_forward_to_the_end() -> None:
    """The columnar engine reads a batch before it replays it: its progress is counted in
    the same units, never goes back, and ends at the whole file."""
    calls: list[tuple[int, int, int]] = []
    report = run_replay(
        boston_sample_options(engine="columnar"), progress=lambda *args: calls.append(args)
    )
    assert report.overall.tickets == 2000
    assert calls[-1] == (2000, calls[-1][2], calls[-1][2])
    assert [c[:2] for c in calls] == sorted(c[:2] for c in calls)


def test_strict_stops_at_the_same_row_with_jobs() -> None:
    messages = set()
    # no tolerance of clock skew: the sample's closes seconds before opening are rejects
    mapping = boston_sample_options().mapping.model_copy(update={"clock_skew_seconds": 0})
    for jobs in (1, 3):
        with pytest.raises(InvalidInput) as caught:
            run_replay(boston_sample_options(strict=True, jobs=jobs, mapping=mapping))
        messages.add(str(caught.value))
    assert len(messages) == 1


def _sample_with_first_row_again(path: Path) -> Path:
    """The shipped slice, its first ticket repeated as the last row (a duplicate id)."""
    options = boston_sample_options()
    with gzip.open(options.input, "rt", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([*rows, rows[1]])
    return path


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_small_id_bound_spills_to_disk_and_changes_no_result(tmp_path: Path, jobs: int) -> None:
    data = _sample_with_first_row_again(tmp_path / "tickets.csv")
    spill = tmp_path / "spill"
    spill.mkdir()
    results = []
    for recent_ids in (100_000, 50):  # all in memory; spilled every 50 ids
        rejects = tmp_path / f"rejects{recent_ids}.csv"
        options = boston_sample_options(
            input=data, jobs=jobs, rejects_out=rejects, recent_ids=recent_ids, spill_dir=spill
        )
        report = run_replay(options).to_dict()
        results.append((report["overall"], report["rejects"], rejects.read_text(encoding="utf-8")))
        assert list(spill.iterdir()) == []
    assert results[0] == results[1]
    last_line = data.read_text(encoding="utf-8").count("\n")
    assert f"{last_line},{_first_id(data)},duplicate_id" in results[1][2]
    assert "already on line 2" in results[1][2]


def _first_id(path: Path) -> str:
    with path.open(newline="", encoding="utf-8") as file:
        return next(csv.DictReader(file))["CASE_ENQUIRY_ID"]


class _Stop(Exception):
    """Stands for an interrupted run (Ctrl-C in the progress bar) partway through."""


def _stop_after_first_thousand(done: int, _read: int, _total: int) -> None:
    if done >= 1000:
        raise _Stop


def test_an_interrupted_replay_removes_its_spilled_ids_at_once(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    options = boston_sample_options(recent_ids=50, spill_dir=spill)
    with pytest.raises(_Stop) as caught:
        run_replay(options, progress=_stop_after_first_thousand)
    assert list(spill.iterdir()) == []  # while the error, and so the replay's frames, live
    assert caught.type is _Stop


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_replay_failing_to_write_removes_its_spilled_ids_at_once(tmp_path: Path) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    full = tmp_path / "full.csv"  # --tickets-out writes .csv or JSON Lines: by its suffix
    full.symlink_to("/dev/full")
    options = boston_sample_options(recent_ids=5, spill_dir=spill, tickets_out=full)
    with pytest.raises(OutputFileError, match="No space left") as caught:  # a full disk, mid-run
        run_replay(options)
    assert list(spill.iterdir()) == []  # while the error, and so the replay's frames, live
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == errno.ENOSPC
