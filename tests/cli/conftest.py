"""Every CLI test runs in its own empty working directory with no database URL
set, so the embedded default (./gridgov.db) lands in a temporary folder and never
in the repository or another test's way."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIDGOV_DATABASE_URL", raising=False)
