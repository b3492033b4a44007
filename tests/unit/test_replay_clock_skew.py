"""Clock skew (时钟偏差): a Boston-shaped row closed a few seconds before it opened is
replayed and flagged ``close_before_open_skew``; beyond the mapping's tolerance it is
still a reject (issue 12)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.unit.test_replay_sources import GOOD_ROW, HEADER

from gridgov.errors import PolicyError
from gridgov.grid import load_sample
from gridgov.replay import (
    BOSTON_SAMPLE_DIR,
    ReplayMapping,
    ReplayOptions,
    TicketOutcome,
    load_mapping,
    run_replay,
)
from gridgov.replay._engine import ReplayEngine
from gridgov.replay._readers import InputFile
from gridgov.replay._rejects import RejectLog
from gridgov.replay._sources import read_tickets

BOSTON = ZoneInfo("America/New_York")
OPENED = "01/05/2015 12:40:41 PM"
AREAS = load_sample("boston311")

# As Boston 2015 has them: closed 12 s, 1 s and 0 s before opening, 2 min before, a normal one
ROWS = [
    {"CLOSED_DT": "01/05/2015 12:40:29 PM"},
    {"CLOSED_DT": "01/05/2015 12:40:40 PM"},
    {"CLOSED_DT": "01/05/2015 12:39:41 PM"},  # exactly a minute: still skew
    {"CLOSED_DT": "01/05/2015 12:38:41 PM"},
    {},
]


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "boston.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        for i, change in enumerate(ROWS, start=1):
            writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i), "OPEN_DT": OPENED, **change})
    return path


def _mapping(tmp_path: Path, setting: str = "") -> ReplayMapping:
    """The shipped Boston mapping, with ``setting`` among its top-level keys."""
    text = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")
    head, rest = text.split("[columns]", 1)
    path = tmp_path / "mapping.toml"
    path.write_text(f"{head}{setting}\n[columns]{rest}", encoding="utf-8")
    for name in ("areas.csv", "routing.toml"):
        (tmp_path / name).write_bytes((BOSTON_SAMPLE_DIR / name).read_bytes())
    return load_mapping(path)


def _outcomes(mapping: ReplayMapping, path: Path) -> tuple[dict[str, TicketOutcome], RejectLog]:
    engine = ReplayEngine(mapping.routing_policy(), directory=AREAS.directory)
    log = RejectLog()
    tickets = read_tickets(mapping, InputFile(path), areas=AREAS.tree, rejects=log)
    return {t.ticket_id: engine.replay(t) for t in tickets}, log


def test_a_close_seconds_before_the_open_is_skew_flagged_not_rejected(tmp_path: Path) -> None:
    outcomes, log = _outcomes(_mapping(tmp_path), _data(tmp_path))
    assert sorted(outcomes) == ["1", "2", "3", "5"]
    opened = datetime(2015, 1, 5, 12, 40, 41, tzinfo=BOSTON)
    for tid in ("1", "2", "3"):
        skewed = outcomes[tid]
        assert skewed.final_state == "closed"
        assert skewed.conformance == ("close_before_open_skew",)
        assert skewed.opened_at == skewed.closed_at == opened  # closed as it opened
    assert outcomes["5"].conformance == ()
    assert dict(log.counts) == {"close_before_open": 1}  # two minutes: no skew


def test_beyond_the_tolerance_a_close_before_the_open_is_still_a_reject(tmp_path: Path) -> None:
    outcomes, log = _outcomes(_mapping(tmp_path, "clock_skew_seconds = 5"), _data(tmp_path))
    assert sorted(outcomes) == ["2", "5"]  # only the close one second before
    assert dict(log.counts) == {"close_before_open": 3}


def test_no_tolerance_rejects_every_close_before_the_open(tmp_path: Path) -> None:
    outcomes, log = _outcomes(_mapping(tmp_path, "clock_skew_seconds = 0"), _data(tmp_path))
    assert sorted(outcomes) == ["5"]
    assert dict(log.counts) == {"close_before_open": 4}


def test_the_report_counts_the_skewed_tickets(tmp_path: Path) -> None:
    options = ReplayOptions(
        input=_data(tmp_path),
        mapping=_mapping(tmp_path),
        areas=AREAS.tree,
        directory=AREAS.directory,
        due_from_source=True,
        jobs=2,
    )
    report = run_replay(options).to_dict()
    assert report["conformance"] == {"close_before_open_skew": 3}
    assert report["overall"]["nonconforming_rate"] == 0.75  # 3 of the 4 tickets
    assert report["rejects"] == {"close_before_open": 1, "total": 1}


def test_a_negative_tolerance_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        _mapping(tmp_path, "clock_skew_seconds = -1")
    assert caught.value.problems[0].field == "clock_skew_seconds"
