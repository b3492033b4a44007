"""Placeholders read as empty (``null_values``, ``column_null_values``), and an area
pattern's group that takes no part in the match is an empty level, never ``None``
(issue 12, dirty real data)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tests.unit.test_replay_sources import GOOD_ROW, HEADER

from gridgov.errors import PolicyError
from gridgov.grid import load_sample
from gridgov.replay import BOSTON_SAMPLE_DIR, InputFile, RejectLog, ReplayMapping, load_mapping
from gridgov.replay import read_tickets as _read_tickets

TREE = load_sample("boston311").tree
BOSTON_TEXT = (BOSTON_SAMPLE_DIR / "mapping.toml").read_text(encoding="utf-8")


def _mapping(tmp_path: Path, top: str = "", tables: str = "") -> ReplayMapping:
    """The shipped Boston mapping with ``top`` above its first table, ``tables`` after."""
    path = tmp_path / "mapping.toml"
    head, rest = BOSTON_TEXT.split("[columns]", 1)
    path.write_text(f"{head}{top}\n[columns]{rest}\n{tables}", encoding="utf-8")
    return load_mapping(path)


def _rows(tmp_path: Path, *changes: dict[str, str]) -> Path:
    path = tmp_path / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, HEADER)
        writer.writeheader()
        for i, change in enumerate(changes, start=1):
            writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i), **change})
    return path


def _read(
    mapping: ReplayMapping, path: Path, tree: object = TREE
) -> tuple[dict[str, str], RejectLog]:
    log = RejectLog()
    tickets = _read_tickets(mapping, InputFile(path), areas=tree, rejects=log)  # type: ignore[arg-type]
    return {t.ticket_id: t.area for t in tickets}, log


def test_a_global_placeholder_is_read_as_empty_in_every_column(tmp_path: Path) -> None:
    rows = _rows(tmp_path, {"ward": "Unspecified"}, {"ward": "N/A", "precinct": "N/A"})
    _, before = _read(_mapping(tmp_path), rows)
    assert dict(before.counts) == {"bad_value": 2}  # "Unspecified" is no ward
    areas, log = _read(_mapping(tmp_path, 'null_values = ["Unspecified", "N/A"]'), rows)
    assert log.total == 0
    assert areas == {"1": "BOS-W05-P09", "2": "BOS"}  # from the precinct; none: the city


def test_a_column_placeholder_is_empty_in_that_column_only(tmp_path: Path) -> None:
    rows = _rows(tmp_path, {"ward": "0", "precinct": ""}, {"TYPE": "0"})
    _, before = _read(_mapping(tmp_path), rows)
    assert dict(before.counts) == {"unknown_area": 1}  # ward 0 is BOS-W00, no such ward
    mapping = _mapping(tmp_path, tables='[column_null_values]\nward = ["0"]\n')
    log = RejectLog()
    tickets = list(_read_tickets(mapping, InputFile(rows), areas=TREE, rejects=log))
    assert log.total == 0
    assert [(t.area, t.category) for t in tickets] == [
        ("BOS", "Abandoned Bicycle"),
        ("BOS-W05-P09", "0"),
    ]


def test_a_placeholder_date_is_no_date(tmp_path: Path) -> None:
    open_row = {"CASE_STATUS": "Open", "CLOSED_DT": "01/01/1900 12:00:00 AM", "OnTime_Status": ""}
    rows = _rows(tmp_path, open_row)
    _, before = _read(_mapping(tmp_path), rows)
    assert dict(before.counts) == {"bad_value": 1}  # a closing time on an open ticket
    nulls = '[column_null_values]\nCLOSED_DT = ["01/01/1900 12:00:00 AM"]\n'
    log = RejectLog()
    (ticket,) = _read_tickets(
        _mapping(tmp_path, tables=nulls), InputFile(rows), areas=TREE, rejects=log
    )
    assert log.total == 0
    assert ticket.events[-1].trigger == "sign_for"  # open: no implied close


def test_column_null_values_names_only_columns_the_mapping_reads(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        _mapping(tmp_path, tables='[column_null_values]\nwrad = ["0"]\n')
    (problem,) = caught.value.problems
    assert problem.field == "column_null_values"
    assert "'wrad', a column this mapping does not read" in problem.reason
    assert "CASE_ENQUIRY_ID" in problem.reason


LEVEL_WITH_AN_OPTIONAL_GROUP = """\
name = "nyc"
kind = "snapshot"
time_format = "%m/%d/%Y %I:%M:%S %p"

[columns]
id = "CASE_ENQUIRY_ID"
opened_at = "OPEN_DT"

[area]
missing = "NYC"

[[area.levels]]
level = "district"
column = "ward"
pattern = '^\\s*(?:Unspecified|Ward\\s*(\\d+))\\s*$'
prefix = "NYC-"
"""


def test_a_group_that_takes_no_part_in_the_match_is_an_empty_level(tmp_path: Path) -> None:
    path = tmp_path / "nyc.toml"
    path.write_text(LEVEL_WITH_AN_OPTIONAL_GROUP, encoding="utf-8")
    rows = _rows(tmp_path, {"ward": "Unspecified"}, {"ward": "Ward 7"})
    areas, log = _read(load_mapping(path), rows, tree=None)
    assert log.total == 0
    assert areas == {"1": "NYC", "2": "NYC-7"}  # never "NYC-None"
