"""The report's figures and groupings through ``gridgov replay run`` (issue 12): the
satisfaction rate, combined groupings, and the top groups on a terminal."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
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


# ----------------------------------------------------------------------------- --by A,B

SAMPLE = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"


def _sample(*args: str) -> dict[str, object]:
    command = ["replay", "run", str(SAMPLE), "--mapping", str(MAPPING), "--due-from-source"]
    result = CliRunner().invoke(main, [*command, "-q", "--format", "json", *args])
    assert result.exit_code == 0, result.stderr or result.exception
    return {"rows": json.loads(result.stdout)}


def test_a_combined_grouping_keys_every_pair(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    _run(tmp_path, "--by", "area:ward,category", "--report-out", str(report))
    groups = json.loads(report.read_text(encoding="utf-8"))["groups"]["area:ward,category"]
    counts = {tuple(g["keys"]): (g["key"], g["tickets"], g["satisfaction_rate"]) for g in groups}
    assert counts == {
        ("BOS-W05", "Graffiti"): ("BOS-W05 | Graffiti", 1, None),
        ("BOS-W05", "Pothole"): ("BOS-W05 | Pothole", 2, 0.5),
        ("BOS-W21", "Graffiti"): ("BOS-W21 | Graffiti", 1, 0.0),
        ("BOS-W21", "Pothole"): ("BOS-W21 | Pothole", 1, 1.0),
    }


def test_combined_groupings_add_up_to_their_single_ones() -> None:
    rows = _sample("--by", "category,tier", "--by", "category")["rows"]
    assert isinstance(rows, list)
    combined = [r for r in rows if r["group"] == "category,tier"]
    single = {r["key"]: r["tickets"] for r in rows if r["group"] == "category"}
    summed: dict[str, int] = {}
    for row in combined:
        category, tier = row["key"].split(" | ")
        assert tier in {"small", "complex", "major"}
        summed[category] = summed.get(category, 0) + row["tickets"]
    assert summed == single


def test_combined_groupings_under_jobs_equal_one_process(tmp_path: Path) -> None:
    reports = []
    for jobs in ("1", "3"):
        out = tmp_path / f"r{jobs}.json"
        _sample("--by", "area:ward,month", "--by", "category,tier", "--jobs", jobs,
                "--report-out", str(out))  # fmt: skip
        data = json.loads(out.read_text(encoding="utf-8"))
        data["meta"].pop("jobs", None)
        reports.append(data)
    assert reports[0] == reports[1]
    assert len(reports[0]["groups"]["area:ward,month"]) > 22  # wards × months


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("month,colour", "unknown grouping 'colour'"),
        ("month,month", "'month,month' names a dimension twice"),
    ],
)
def test_a_bad_combined_grouping_is_a_usage_error(by: str, expected: str) -> None:
    command = ["replay", "run", str(SAMPLE), "--mapping", str(MAPPING), "--due-from-source"]
    result = CliRunner().invoke(main, [*command, "--by", by])
    assert result.exit_code == 2
    assert expected in result.stderr


# ----------------------------------------------------------------------------- --top


def _table(*args: str) -> str:
    command = ["replay", "run", str(SAMPLE), "--mapping", str(MAPPING), "--due-from-source"]
    wide = {"COLUMNS": "200"}
    result = CliRunner().invoke(main, [*command, "-q", "--by", "category", *args], env=wide)
    assert result.exit_code == 0, result.stderr or result.exception
    return result.stdout


def _group_rows(table: str) -> list[list[str]]:
    """The rows of the terminal's ``by category`` table."""
    section = table[table.index("by category") :]
    return [
        [c.strip() for c in line.strip("│ ").split("│")]
        for line in section.splitlines()
        if line.startswith("│")
    ]


def test_the_terminal_shows_the_busiest_groups_and_one_row_of_the_others(
    tmp_path: Path,
) -> None:
    report = tmp_path / "r.json"
    table = _table("--top", "3", "--report-out", str(report))
    every = json.loads(report.read_text(encoding="utf-8"))["groups"]["category"]
    assert len(every) > 20  # the file has every group
    busiest = sorted(every, key=lambda g: (-g["tickets"], g["key"]))
    rows = _group_rows(table)
    assert [r[:2] for r in rows[:3]] == [[g["key"], str(g["tickets"])] for g in busiest[:3]]
    rest = sum(g["tickets"] for g in busiest[3:])
    assert rows[3][:2] == [f"({len(every) - 3:,} others)", str(rest)]
    assert len(rows) == 4
    assert f"the 3 of {len(every)} groups with the most tickets" in table


def test_the_others_row_is_the_tally_of_the_others() -> None:
    from gridgov.replay import boston_sample_options, run_replay

    report = run_replay(boston_sample_options(due_from_source=True, by=("category",)))
    others = report.to_dict(top=5)["groups"]["category"][-1]
    groups = report.groups["category"]
    rest = sorted(groups, key=lambda k: (-groups[k].tickets, k))[5:]
    merged = groups[rest[0]]
    for key in rest[1:]:
        merged = merged + groups[key]
    assert others == {"key": f"({len(rest)} others)", "others": len(rest), **merged.metrics()}


def test_top_0_and_a_few_groups_show_every_group() -> None:
    rows = _group_rows(_table("--top", "0"))
    assert len(rows) > 20
    assert not any("others" in r[0] for r in rows)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # in key order, as in files


# ----------------------------------------------------------------------------- compare

POLICY = BOSTON_SAMPLE_DIR / "policy.toml"


def _report(path: Path, *args: str) -> Path:
    command = ["replay", "run", str(SAMPLE), "--mapping", str(MAPPING), "-q"]
    result = CliRunner().invoke(main, [*command, *args, "--report-out", str(path)])
    assert result.exit_code == 0, result.stderr or result.exception
    return path


def _compare(a: Path, b: Path) -> tuple[dict[tuple[str, str, str], dict[str, str]], str]:
    result = CliRunner().invoke(main, ["replay", "compare", str(a), str(b), "--format", "csv"])
    assert result.exit_code == 0, result.stderr or result.exception
    rows = csv.DictReader(io.StringIO(result.stdout))
    return {(r["group"], r["key"], r["metric"]): r for r in rows}, result.stderr


def test_compare_labels_hours_and_never_subtracts_wall_from_working(tmp_path: Path) -> None:
    wall = _report(tmp_path / "wall.json", "--due-from-source", "--by", "tier")
    working = _report(tmp_path / "working.json", "--policy", str(POLICY), "--by", "tier")
    rows, err = _compare(wall, working)
    assert json.loads(wall.read_text(encoding="utf-8"))["overall"]["handling_unit"] == "wall"
    major = rows[("tier", "major", "median_handling_h")]  # Boston's rule: business hours
    assert (major["unit"], major["change"]) == ("A wall hours, B working hours", "")
    assert float(major["a"]) > float(major["b"]) > 0
    overall = rows[("all", "", "p90_handling_h")]  # rules of both kinds of calendar
    assert (overall["unit"], overall["change"]) == ("A wall hours, B mixed hours", "")
    assert rows[("all", "", "on_time_rate")]["change"] != ""  # a rate is a rate
    assert "not subtracted: median_handling_h is in different hours in A and B" in err
    assert ("all", "", "handling_unit") not in rows  # said in the unit column


def test_compare_subtracts_hours_of_the_same_kind(tmp_path: Path) -> None:
    a = _report(tmp_path / "a.json", "--policy", str(POLICY), "--by", "tier")
    b = _report(tmp_path / "b.json", "--policy", str(POLICY), "--by", "tier", "--clock", "handling")
    rows, err = _compare(a, b)
    major = rows[("tier", "major", "median_handling_h")]
    assert (major["unit"], major["change"]) == ("working hours", "0.0")
    part = rows.get(("all", "", "median_part_h"))
    assert part is None  # no joint tickets in Boston: nothing to show
    assert "not subtracted" not in err


def test_compare_takes_only_the_groups_both_reports_have_and_says_so(tmp_path: Path) -> None:
    a = _report(tmp_path / "a.json", "--due-from-source", "--by", "tier", "--by", "month")
    b = _report(tmp_path / "b.json", "--due-from-source", "--by", "tier", "--by", "area:ward")
    data = json.loads(b.read_text(encoding="utf-8"))
    data["groups"]["tier"] = [g for g in data["groups"]["tier"] if g["key"] != "major"]
    b.write_text(json.dumps(data), encoding="utf-8")
    rows, err = _compare(a, b)
    assert {group for group, _, _ in rows} == {"all", "tier"}
    assert {key for group, key, _ in rows if group == "tier"} == {"complex", "small"}
    assert "not compared: groupings only in A: month" in err
    assert "not compared: groupings only in B: area:ward" in err
    assert "not compared: by tier: 1 groups only in A, 0 only in B (the 2 both have" in err


def test_compare_does_not_subtract_hours_of_an_unknown_kind(tmp_path: Path) -> None:
    a = _report(tmp_path / "a.json", "--due-from-source")
    old = json.loads(a.read_text(encoding="utf-8"))
    del old["overall"]["handling_unit"]  # as a report of an older gridgov has it
    b = tmp_path / "old.json"
    b.write_text(json.dumps(old), encoding="utf-8")
    rows, _ = _compare(a, b)
    median = rows[("all", "", "median_handling_h")]
    assert (median["unit"], median["change"]) == ("A wall hours, B hours (unit not recorded)", "")
