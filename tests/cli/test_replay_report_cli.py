"""The report's figures and groupings through ``gridgov replay run`` (issue 12): the
satisfaction rate, combined groupings, and the top groups on a terminal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from tests.unit.test_replay_sources import GOOD_ROW, HEADER

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

MAPPING = BOSTON_SAMPLE_DIR / "mapping.toml"
ROWS = [  # (ward, type, satisfaction)
    ("Ward 5", "Pothole", "满意"),
    ("Ward 5", "Pothole", "不满意"),
    ("Ward 5", "Graffiti", ""),
    ("Ward 21", "Pothole", "基本满意"),
    ("Ward 21", "Graffiti", "不满意"),
]


def _mapping(tmp_path: Path) -> Path:
    """Boston's mapping with a satisfaction column, its files found where they are."""
    text = MAPPING.read_text(encoding="utf-8")
    text = text.replace('areas = "areas.csv"', f'areas = "{BOSTON_SAMPLE_DIR / "areas.csv"}"')
    text = text.replace('policy = "routing.toml"', f'policy = "{BOSTON_SAMPLE_DIR}/routing.toml"')
    text = text.replace("[columns]", '[columns]\nsatisfaction = "S"')
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _data(tmp_path: Path, rows: list[tuple[str, str, str]] = ROWS) -> Path:
    path = tmp_path / "tickets.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, [*HEADER, "S"])
        writer.writeheader()
        for i, (ward, kind, satisfaction) in enumerate(rows, start=1):
            row = {"ward": ward, "precinct": "", "TYPE": kind, "S": satisfaction}
            writer.writerow({**GOOD_ROW, "CASE_ENQUIRY_ID": str(i), **row})
    return path


def _run(tmp_path: Path, *args: str, data: Path | None = None) -> tuple[str, str]:
    data = data or _data(tmp_path)
    command = ["replay", "run", str(data), "--mapping", str(_mapping(tmp_path))]
    wide = {"COLUMNS": "160"}
    result = CliRunner().invoke(main, [*command, "--due-from-source", "-q", *args], env=wide)
    assert result.exit_code == 0, result.stderr or result.exception
    return result.stdout, result.stderr


def test_the_satisfaction_rate_is_in_every_format_per_group(tmp_path: Path) -> None:
    reports = {s: tmp_path / f"r{s}" for s in (".json", ".csv", ".html")}
    for path in reports.values():
        out, _ = _run(tmp_path, "--by", "area:ward", "--report-out", str(path))
    data = json.loads(reports[".json"].read_text(encoding="utf-8"))
    assert data["overall"]["satisfaction_rate"] == 0.5  # 2 of the 4 reviewed
    wards = {g["key"]: g["satisfaction_rate"] for g in data["groups"]["area:ward"]}
    assert wards == {"BOS-W05": 0.5, "BOS-W21": 0.5}
    rows = list(csv.DictReader(io.StringIO(reports[".csv"].read_text(encoding="utf-8"))))
    assert [(r["key"], r["satisfaction_rate"]) for r in rows] == [
        ("", "0.5"),
        ("BOS-W05", "0.5"),
        ("BOS-W21", "0.5"),
    ]
    page = reports[".html"].read_text(encoding="utf-8")
    assert "<th>satisfaction_rate</th>" in page
    assert page.count("<td>50.0%</td>") >= 3
    head, w05, w21 = (_cells(out, start) for start in ("key", "BOS-W05", "BOS-W21"))
    at = head.index("satisfied")
    assert (w05[at], w21[at]) == ("50.0%", "50.0%")


def _cells(table: str, first: str) -> list[str]:
    """The cells of the terminal table's row whose first cell is ``first``."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").replace("┃", "│").split("│")]
        if cells[0] == first:
            return cells
    raise AssertionError(f"no row {first!r} in\n{table}")
