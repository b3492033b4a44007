"""``examples/embed_app.py`` runs and tells the story it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "embed_app.py"


def test_the_embedding_example_closes_one_ticket_and_escalates_the_other(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "closed (归档) after 7 events" in lines[0]
    assert "now with zm-office, escalated 1x, supervised=True" in lines[1]
    assert any(line.startswith("[办结] to resident") for line in lines)
    assert any(
        "handling clock breached" in line and "supervise, escalate" in line for line in lines
    )
    assert any(line.startswith("[升级] to zm-office") for line in lines)
    assert lines[-1] == "audit chain: intact"
    assert (tmp_path / "civic.db").exists()
