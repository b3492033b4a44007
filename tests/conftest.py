"""Shared fixtures: real databases, real data paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Speed is measured in benchmarks/, never asserted by tests: a property test that is
# slow on a loaded 2-core machine is not a failure, so no per-example deadline.
settings.register_profile("gridgov", deadline=None)
settings.load_profile("gridgov")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
BOSTON_FULL = SHARED_DATA / "boston311" / "boston311_2015_h1.csv.gz"

POSTGRES_ENV = "GRIDGOV_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of a real PostgreSQL for tests marked ``postgres``.

    Skips (with the way to enable it) when ``GRIDGOV_TEST_POSTGRES_URL`` is unset.
    """
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests are off: set {POSTGRES_ENV}="
            "postgresql+psycopg://postgres@127.0.0.1:5432/test to run them"
        )
    return url


@pytest.fixture(scope="session")
def boston_full() -> Path:
    """The full shared Boston 311 file (58,119 tickets); skips when it is not beside the repo."""
    if not BOSTON_FULL.exists():
        pytest.skip(f"shared Boston 311 data not found at {BOSTON_FULL}")
    return BOSTON_FULL
