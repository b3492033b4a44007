"""Boston's own due times (TARGET_DT) reproduced by gridgov's policy and calendar code.

The fit itself is ``examples/boston311/fit_report.py``; these tests run it on the full
shared file and check the policy files it uses.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gridgov.sla import Duration, load_policy

REPO = Path(__file__).resolve().parents[2]
FIT_REPORT = REPO / "examples" / "boston311" / "fit_report.py"
POLICIES = [
    REPO / "examples" / "boston311" / "policy.toml",
    REPO / "examples" / "boston311" / "policy_until_2015-02-16.toml",
]
BOSTON = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def fit(boston_full: Path) -> dict[str, object]:
    """The fit report's numbers on the full file (run once for the module)."""
    completed = subprocess.run(
        [sys.executable, str(FIT_REPORT), "--data", str(boston_full), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    numbers: dict[str, object] = json.loads(completed.stdout)
    return numbers


def test_at_least_95_percent_of_due_times_are_reproduced(fit: dict[str, object]) -> None:
    numbers = fit
    assert numbers["tickets"] == 43_592  # every ticket of the file with a TARGET_DT
    share = numbers["share"]
    assert isinstance(share, float)
    assert share >= 0.95


def test_every_miss_is_classified(fit: dict[str, object]) -> None:
    numbers = fit
    misses = numbers["misses"]
    assert isinstance(misses, dict)
    assert set(misses) <= {"no_rule", "entered_late", "other_day", "other"}
    assert sum(misses.values()) == numbers["tickets"] - numbers["reproduced"]  # type: ignore[operator]


def test_the_revision_policy_explains_the_early_tickets(fit: dict[str, object]) -> None:
    numbers = fit
    revised_only = numbers["share_revised_only"]
    share = numbers["share"]
    assert isinstance(revised_only, float)
    assert isinstance(share, float)
    assert revised_only < share


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_files_load_with_business_calendar(path: Path) -> None:
    policy = load_policy(path)
    rule = policy.select(category="Sign Repair")
    clock = rule.clock("handling")
    assert clock is not None
    assert clock.due == Duration.parse("10 working_days")
    assert clock.calendar_name == "boston_business"
    assert policy.select(category="no such type").clock("handling") is None


def test_sign_repair_opened_friday_evening_is_due_ten_working_days_after_monday_morning() -> None:
    clock = load_policy(POLICIES[0]).select(category="Sign Repair").clock("handling")
    assert clock is not None
    opened = datetime(2015, 5, 15, 19, 26, tzinfo=BOSTON)  # Friday, after hours
    # Clock starts Monday 18 May 08:30; Memorial Day (25 May) is skipped.
    assert clock.calendar.add(opened, clock.due) == datetime(2015, 6, 2, 8, 30, tzinfo=BOSTON)
