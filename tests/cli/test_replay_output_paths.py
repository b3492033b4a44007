"""Every output path of ``replay run`` is checked before the replay (issue 12): a file that
cannot be written is a one-line error at once, whoever runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

SAMPLE = str(BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz")
MAPPING = str(BOSTON_SAMPLE_DIR / "mapping.toml")
RUN = ("replay", "run", SAMPLE, "--mapping", MAPPING, "--due-from-source", "-q")
OUTPUTS = {  # option: a suffix it writes
    "--report-out": ".json",
    "--tickets-out": ".csv",
    "--rejects-out": ".csv",
    "--events-out": ".xes",
    "--open311-out": ".json",
}
MISSING = "/nonexistent/tickets.csv"
"""An input that is not there: an output refused at once is named before it is looked for."""
ROOT = os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


def _run(*args: str, data: str = SAMPLE) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*RUN[:2], data, *RUN[3:], *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def _run_unprivileged(*args: str) -> tuple[int, str]:
    """``gridgov replay run`` as a user who may not override file modes (root without
    CAP_DAC_OVERRIDE, since root may write a read-only file)."""
    command = [sys.executable, "-c", "from gridgov.cli import main; main()", *RUN, *args]
    if ROOT:
        caps = "-dac_override,-dac_read_search"
        command = [str(SETPRIV), "--bounding-set", caps, "--inh-caps", caps, *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stderr


@pytest.mark.skipif(ROOT and SETPRIV is None, reason="root needs setpriv to drop CAP_DAC_OVERRIDE")
@pytest.mark.parametrize("option", OUTPUTS)
def test_a_read_only_file_is_refused_at_once(option: str, tmp_path: Path) -> None:
    target = tmp_path / f"out{OUTPUTS[option]}"
    target.write_text("kept\n", encoding="utf-8")
    target.chmod(0o444)
    code, err = _run_unprivileged(option, str(target))
    assert code == 1, err
    assert err.strip() == f"Error: cannot write {option} {target}: the file is not writable"
    assert target.read_text(encoding="utf-8") == "kept\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "option", ["--tickets-out", "--rejects-out", "--events-out", "--open311-out"]
)
def test_a_full_disk_is_found_before_the_first_row(option: str, tmp_path: Path) -> None:
    full = tmp_path / ("full.json" if option == "--open311-out" else "full.csv")
    full.symlink_to("/dev/full")
    code, err = _run(option, str(full), data=MISSING)
    assert code == 1
    assert err.strip() == f"Error: cannot write {option} {full}: No space left on device"


@pytest.mark.parametrize("option", OUTPUTS)
def test_a_missing_folder_is_one_line_before_the_first_row(option: str, tmp_path: Path) -> None:
    target = tmp_path / "gone" / f"out{OUTPUTS[option]}"
    code, err = _run(option, str(target), data=MISSING)
    assert code == 1
    assert err.strip() == (
        f"Error: cannot write {option} {target}: there is no folder '{target.parent}'"
    )


@pytest.mark.parametrize("option", OUTPUTS)
def test_xlsx_is_refused_for_every_output(option: str, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    code, err = _run(option, str(target))
    assert code == 1
    assert "'.xlsx' is not a format written here: expected" in err
    assert not target.exists()
