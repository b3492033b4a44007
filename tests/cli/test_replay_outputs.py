"""``replay run``'s output files and signals: a path that cannot be written is refused
before the run, a full disk is a one-line error, and SIGTERM cleans up as Ctrl-C does
(issue 13 item 10)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.unit.test_replay_sources import GOOD_ROW, HEADER

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR
from gridgov.replay._seen import RECENT_IDS

SAMPLE = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
MAPPING = str(BOSTON_SAMPLE_DIR / "mapping.toml")
RUN = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "-q")
OPTIONS = ("--report-out", "--tickets-out", "--rejects-out")
needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*RUN, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize("option", OPTIONS)
def test_a_missing_folder_is_refused_before_the_run(option: str, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "out.csv"
    if option == "--report-out":
        target = target.with_suffix(".json")
    code, err = _run(option, str(target))
    assert code == 1
    assert f"Error: cannot write {option} {target}: there is no folder '{target.parent}'" in err
    assert "read 2,001 lines" not in err  # refused before a row was read


@needs_dev_full
@pytest.mark.parametrize(
    ("option", "name"),
    [(o, f"full{s}") for o, s in zip(OPTIONS, (".json", ".csv", ".csv"), strict=True)],
)
def test_a_full_disk_is_a_one_line_error(option: str, name: str, tmp_path: Path) -> None:
    full = tmp_path / name
    full.symlink_to("/dev/full")
    code, err = _run(option, str(full))
    assert code == 1
    assert f"Error: cannot write {option} {full}: No space left on device" in err
    assert "Traceback" not in err


@needs_dev_full
@pytest.mark.parametrize("option", OPTIONS[1:])
def test_a_full_disk_under_jobs_is_a_one_line_error(option: str, tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.symlink_to("/dev/full")
    code, err = _run(option, str(full), "--jobs", "2")
    assert code == 1
    assert f"Error: cannot write {option} {full}: No space left on device" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full.csv"]  # no part files left


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        ("--tickets-out", "t.xlsx", "'.xlsx' is not a format written here: expected .csv, "),
        ("--tickets-out", "t.json", "'.json' is not a format written here"),
        ("--report-out", "r.pdf", "expected .json, .csv, .html or .htm"),
        ("--rejects-out", "x.txt", "'.txt' is not a format written here: expected .csv"),
    ],
)  # fmt: skip
def test_an_unknown_suffix_is_refused_not_written_as_csv(
    option: str, name: str, expected: str, tmp_path: Path
) -> None:
    code, err = _run(option, str(tmp_path / name))
    assert code == 1
    assert expected in err
    assert not (tmp_path / name).exists()


def test_ndjson_tickets_are_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "t.ndjson"
    code, err = _run("--tickets-out", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith('{"ticket_id": ')


def _many_rows(path: Path, rows: int) -> None:
    """Rows that each add a finished id and are rejected at once (closed before opened)."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        row = {**GOOD_ROW, "CLOSED_DT": "01/01/2015 01:00:00 AM"}
        for i in range(rows):
            row["CASE_ENQUIRY_ID"] = f"T{i:07d}"
            writer.writerow(row)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_removes_the_spilled_ids_as_ctrl_c_does(tmp_path: Path, jobs: str) -> None:
    data = tmp_path / "many.csv"
    _many_rows(data, RECENT_IDS * 4)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    gridgov = str(Path(sys.executable).with_name("gridgov"))
    command = [gridgov, *RUN[:2], str(data), *RUN[3:], "--jobs", jobs]
    env = {**os.environ, "TMPDIR": str(scratch)}
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    ) as process:
        try:
            deadline = time.monotonic() + 120
            while not any(scratch.glob("gridgov-seen-*")) and time.monotonic() < deadline:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.05)
            assert any(scratch.glob("gridgov-seen-*")), "the replay never spilled its ids"
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=60)
        finally:
            process.kill()
    assert code == 128 + signal.SIGTERM
    assert list(scratch.iterdir()) == []
