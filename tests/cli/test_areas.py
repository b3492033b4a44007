"""``gridgov areas``: validate, import, tree, show and export, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.grid import load_areas

HEADER = "code,name,level,parent_code\n"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "areas.csv"
    path.write_text(
        HEADER
        + "YH,余杭区,district,\nZM,朱庙社区,community,YH\n"
        + "G1,第1网格,grid,ZM\nG2,第2网格,grid,ZM\nM1,第1微网格,micro_grid,G1\n",
        encoding="utf-8",
    )
    return path


def test_validate_a_good_file_prints_counts_per_level(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(main, ["areas", "validate", str(good), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["level"]: r["areas"] for r in rows} == {
        "district": 1,
        "community": 1,
        "grid": 2,
        "micro_grid": 1,
        "(units)": 0,
    }


def test_validate_lists_every_problem_and_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "YH,余杭区,district,\nYH,重复,district,\nZM,,community,XX\n", "utf-8")
    result = runner.invoke(main, ["areas", "validate", str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{bad}:3: code: duplicate code 'YH' (first at line 2)" in lines
    assert f"{bad}:4: name: area 'ZM': empty name" in lines
    assert f"{bad}:4: parent_code: area 'ZM': unknown parent 'XX' (no area has this code)" in lines
    assert lines[-1].startswith("Error: invalid area hierarchy:")
    assert "(and 2 more problems)" in lines[-1]


def test_validate_reads_a_levels_option(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "boston.csv"
    path.write_text(HEADER + "BOS,Boston,city,\nW1,Ward 1,ward,BOS\n", encoding="utf-8")
    refused = runner.invoke(main, ["areas", "validate", str(path)])
    assert refused.exit_code == 1
    assert "unknown level 'city'" in refused.stderr
    accepted = runner.invoke(main, ["areas", "validate", str(path), "--levels", "city > ward"])
    assert accepted.exit_code == 0, accepted.output


def test_a_bad_levels_option_is_a_usage_error(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(main, ["areas", "validate", str(good), "--levels", "a > a"])
    assert result.exit_code == 2
    assert "repeat" in result.stderr


def test_import_without_db_loads_in_memory(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(main, ["areas", "import", str(good), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "micro_grid,微网格,1" in result.stdout


def test_import_help_names_the_db_hook(runner: CliRunner) -> None:
    result = runner.invoke(main, ["areas", "import", "--help"])
    assert "--db URL" in result.stdout


def test_tree_prints_the_hierarchy_with_counts(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(main, ["areas", "tree", "--file", str(good)])
    assert result.exit_code == 0, result.output
    assert "朱庙社区 ZM · 社区(村) — 2 grid, 1 micro_grid" in result.stdout
    assert "第1微网格" in result.stdout


def test_tree_from_a_code_with_depth(runner: CliRunner, good: Path) -> None:
    args = ["areas", "tree", "ZM", "--file", str(good), "--depth", "1", "--format", "json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert [(r["code"], r["depth"]) for r in json.loads(result.stdout)] == [
        ("ZM", 0),
        ("G1", 1),
        ("G2", 1),
    ]


def test_tree_of_an_unknown_code_fails_in_one_line(runner: CliRunner, good: Path) -> None:
    result = runner.invoke(main, ["areas", "tree", "XX", "--file", str(good)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: unknown area code 'XX'"


def test_tree_needs_exactly_one_source(runner: CliRunner, good: Path) -> None:
    for args in ([], ["--file", str(good), "--sample", "hangzhou"]):
        result = runner.invoke(main, ["areas", "tree", *args])
        assert result.exit_code == 2
        assert "exactly one of --file FILE, --sample NAME or --db URL" in result.stderr


def test_show_gives_path_metadata_and_covering_units(runner: CliRunner) -> None:
    args = ["areas", "show", "HZ-XS-LPL", "--sample", "hangzhou", "--format", "json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    fields = {r["field"]: r["value"] for r in json.loads(result.stdout)}
    assert fields["path"] == "杭州市 > 萧山区 > 罗婆路社区"
    assert fields["below"] == "7 grid, 55 micro_grid"
    assert fields["households"] == 4185
    assert fields["unit: 城管"] == "萧山区城管 (HZ-XS-chengguan @ HZ-XS)"


def test_show_on_the_boston_sample(runner: CliRunner) -> None:
    result = runner.invoke(main, ["areas", "show", "BOS-W05-P09", "--sample", "boston311"])
    assert result.exit_code == 0, result.output
    assert "Boston > 第5选区 > 第5选区第9分区".replace("Boston", "波士顿") in result.stdout


@pytest.mark.parametrize("suffix", [".json", ".toml", ".csv"])
def test_export_writes_a_file_that_loads_back(
    runner: CliRunner, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"hangzhou{suffix}"
    result = runner.invoke(main, ["areas", "export", str(out), "--sample", "hangzhou"])
    assert result.exit_code == 0, result.output
    loaded = load_areas(out)
    assert len(loaded.tree) == 209
    assert len(loaded.directory) == (0 if suffix == ".csv" else 426)


def test_responsible_falls_back_up_the_tree(runner: CliRunner) -> None:
    args = ["areas", "responsible", "HZ-XS-HS-G01-M02", "--sample", "hangzhou"]
    result = runner.invoke(main, [*args, "--department", "fire", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["name"], row["role"], row["at"]) == ("萧山区消防救援大队", "消防", "HZ-XS")


def test_responsible_without_filters_lists_every_covering_unit(runner: CliRunner) -> None:
    args = ["areas", "responsible", "HZ-XS-HS-G01-M02", "--sample", "hangzhou", "--format", "csv"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    ats = [line.split(",")[3] for line in result.stdout.splitlines()[1:]]
    assert ats == ["HZ-XS-HS-G01-M02"] * 2 + ["HZ-XS-HS-G01"] * 2 + ["HZ-XS-HS"] * 2 + ["HZ-XS"] * 5


def test_responsible_when_nobody_is(runner: CliRunner) -> None:
    args = ["areas", "responsible", "HZ-XS-HS", "--sample", "hangzhou", "--kind", "grid_head"]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "no grid_head covers area 'HZ-XS-HS' or any area above it" in result.stderr


def test_levels_and_units_options_need_a_file(runner: CliRunner) -> None:
    result = runner.invoke(main, ["areas", "tree", "--sample", "hangzhou", "--levels", "a > b"])
    assert result.exit_code == 2
    assert "--levels and --units apply to --file only" in result.stderr


def test_validate_a_cell_over_the_csv_limit_names_its_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "big.csv"
    bad.write_text(HEADER + "YH," + "x" * 131_073 + ",district,\n", "utf-8")
    result = runner.invoke(main, ["areas", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: a cell is longer than 131,072 characters" in result.stderr
