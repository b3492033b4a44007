"""The shipped samples hold what the source documents and the real data say."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from gridgov.errors import LookupFailed
from gridgov.grid import load_sample
from gridgov.samples import BOSTON_LEVELS, boston_area_code

REPO = Path(__file__).resolve().parents[2]


def _builder(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _below(code: str, level: str) -> int:
    return load_sample("hangzhou").tree.count_by_level(code).get(level, 0)


def test_zhumiao_has_8_grids_and_106_micro_grids() -> None:
    assert (_below("HZ-YH-CQ-ZM", "grid"), _below("HZ-YH-CQ-ZM", "micro_grid")) == (8, 106)


def test_luopolu_has_7_grids_55_micro_grids_and_4185_households() -> None:
    tree = load_sample("hangzhou").tree
    assert (_below("HZ-XS-LPL", "grid"), _below("HZ-XS-LPL", "micro_grid")) == (7, 55)
    assert tree.get("HZ-XS-LPL").households == 4185


def test_hushan_has_3_grids_and_20_micro_grids() -> None:
    assert (_below("HZ-XS-HS", "grid"), _below("HZ-XS-HS", "micro_grid")) == (3, 20)


def test_every_grid_of_the_sample_has_a_grid_head() -> None:
    sample = load_sample("hangzhou")
    grids = [a for a in sample.tree if a.level == "grid"]
    heads = {sample.directory.responsible(g.code, kind="grid_head").area_code for g in grids}
    assert heads == {g.code for g in grids}


def test_departments_fall_back_from_a_micro_grid_to_the_district() -> None:
    directory = load_sample("hangzhou").directory
    assert directory.responsible("HZ-XS-HS-G01-M01", department="fire").area_code == "HZ-XS"


def test_the_shipped_hangzhou_file_is_what_its_builder_writes() -> None:
    shipped = REPO / "src" / "gridgov" / "samples" / "hangzhou" / "areas.toml"
    assert shipped.read_text(encoding="utf-8") == _builder("build_hangzhou_sample").render()


def test_boston_sample_nests_precincts_in_wards() -> None:
    tree = load_sample("boston311").tree
    assert tree.levels == BOSTON_LEVELS
    assert tree.count_by_level() == {"city": 1, "ward": 22, "precinct": 253}
    assert all(tree.parent(a.code) == tree.get(a.code[:7]) for a in tree if a.level == "precinct")


def test_boston_sample_places_a_real_ticket() -> None:
    # Row 1 of the shared file: 29 Hereford St, "Ward 5", "509.0".
    tree = load_sample("boston311").tree
    assert tree.is_within(boston_area_code("Ward 5", "509.0"), "BOS-W05")


def test_boston_builder_reproduces_the_shipped_file(boston_full: Path, tmp_path: Path) -> None:
    out = tmp_path / "areas.csv"
    script = REPO / "examples" / "build_boston_areas.py"
    cmd = [sys.executable, str(script), "--source", str(boston_full), "--out", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=True)
    assert "6312 tickets: no ward or precinct" in result.stdout
    shipped = REPO / "src" / "gridgov" / "samples" / "boston311" / "areas.csv"
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_unknown_sample_name_is_a_lookup_error_naming_the_choices() -> None:
    with pytest.raises(LookupFailed, match="hangzhou, boston311"):
        load_sample("nowhere")  # type: ignore[arg-type]
