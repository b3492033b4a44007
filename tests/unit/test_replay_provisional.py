"""Replay counts the tickets whose due times are on a provisional calendar (issue 13,
item 1): a review clock (3 working days) started on 31 December runs into a year the
installed holiday data does not know (2027 for chinesecalendar 1.11)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.unit.test_replay_sources import COLUMNS, _events_mapping

from gridgov.replay import PolicyInForce, ReplayOptions, run_replay
from gridgov.sla import WorkingCalendar, load_default_policy

LOOP = [
    ("上报", "10:00"),
    ("受理", "10:10"),
    ("派单", "10:20"),
    ("签收", "10:30"),
    ("办结", "16:00"),
]


def _log(path: Path, day: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for activity, time in LOOP:
            result = "已处理" if activity == "办结" else ""
            writer.writerow(("A", activity, f"{day}T{time}:00", "worker", "", result))
    return path


def _replay(tmp_path: Path, day: str) -> dict[str, object]:
    options = ReplayOptions(
        input=_log(tmp_path / "log.csv", day),
        mapping=_events_mapping(tmp_path),
        policies=(PolicyInForce(load_default_policy(), None),),
    )
    report: dict[str, object] = run_replay(options).to_dict()
    return report


def test_a_clock_into_a_year_without_official_data_is_counted_provisional(
    tmp_path: Path,
) -> None:
    rules = load_default_policy().rules
    calendars = {
        p.calendar for r in rules for p in r.clocks if isinstance(p.calendar, WorkingCalendar)
    }
    unknown = min(y for y in range(2026, 2200) if not all(c.knows_year(y) for c in calendars))
    report = _replay(tmp_path, f"{unknown - 1}-12-31")  # the review clock runs into it
    provisional = report["provisional"]
    assert isinstance(provisional, dict)
    assert provisional == {"review": 1}  # 3 working days on the office calendar


def test_a_clock_inside_known_years_is_not_provisional(tmp_path: Path) -> None:
    assert _replay(tmp_path, "2024-03-01")["provisional"] == {}
