"""Fitting a scenario from history: the shared Boston data gives the example's scenario,
every ticket is accounted for, and the fitted city runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR
from gridgov.simulate import fit_scenario, load_scenario, simulate, write_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "simulation" / "boston.toml"
MAPPING = BOSTON_SAMPLE_DIR / "mapping.toml"
POLICY = BOSTON_SAMPLE_DIR / "policy.toml"
SLICE = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"


def test_the_boston_example_is_the_fit_of_the_shared_data(boston_full: Path) -> None:
    """examples/simulation/boston.toml is what `gridgov simulate fit` writes today."""
    out = EXAMPLE.parent / "boston.refit.toml"
    try:
        code = CliRunner().invoke(main, [
            "simulate", "fit", str(boston_full), "--mapping", str(MAPPING),
            "--sla-policy", str(POLICY), "--min-tickets", "500", "--out", str(out),
        ]).exit_code  # fmt: skip
        assert code == 0
        assert out.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8"), (
            "examples/simulation/boston.toml is stale: refit it (see its README)"
        )
    finally:
        out.unlink(missing_ok=True)


def test_the_fit_accounts_for_every_ticket(tmp_path: Path) -> None:
    scenario, summary = fit_scenario(SLICE, MAPPING, out_dir=tmp_path, min_tickets=30)
    assert summary.tickets == 2000  # 3 closed seconds before opening: clock skew, kept
    assert summary.rejected == 0
    expected = summary.tickets / summary.days
    assert sum(s.per_day for s in scenario.arrivals) == pytest.approx(expected, rel=1e-4)
    weights = sum(sum((s.area_weights or {}).values()) for s in scenario.arrivals)
    assert weights == summary.tickets  # area weights are the tickets' own areas
    assert {len(s.hours or ()) for s in scenario.arrivals} <= {24, 168}
    assert set(scenario.service) <= {"small", "complex", "major"}
    assert all(s.mean_h > 0 for s in scenario.service.values())


def test_a_fitted_scenario_round_trips_and_runs(tmp_path: Path) -> None:
    scenario, _ = fit_scenario(SLICE, MAPPING, out_dir=tmp_path, sla=POLICY)
    path = tmp_path / "boston.toml"
    write_scenario(scenario, path, comment="a test")
    loaded = load_scenario(path)
    assert loaded.arrivals == scenario.arrivals
    result = simulate(loaded, days=14, seed=1, replications=2)
    assert result.stay_in_grid_rate(tier="small") > 0.5
    assert 0 < result.closed_rate() <= 1


def test_fit_scales_and_shifts_and_refuses_a_category_it_lacks(tmp_path: Path) -> None:
    out = tmp_path / "s.toml"
    args = ["simulate", "fit", str(SLICE), "--mapping", str(MAPPING), "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    base = tomllib.loads(out.read_text(encoding="utf-8"))
    shifted = [*args, "--scale", "2", "--shift", "Street Light Outages=3"]
    result = CliRunner().invoke(main, shifted)
    assert result.exit_code == 0, result.output
    again = tomllib.loads(out.read_text(encoding="utf-8"))
    rates = {(a["category"], a["channel"]): a["per_day"] for a in base["arrivals"]}
    for stream in again["arrivals"]:
        factor = 6 if stream["category"] == "Street Light Outages" else 2
        key = (stream["category"], stream["channel"])
        assert stream["per_day"] == pytest.approx(rates[key] * factor)
    bad = CliRunner().invoke(main, [*args, "--shift", "Alien Landing=2"])
    assert bad.exit_code == 2
    assert "no arrival stream of category 'Alien Landing'" in bad.output


def test_the_boston_example_runs() -> None:
    result = simulate(load_scenario(EXAMPLE), days=5, seed=1)
    (run,) = result.replications
    assert run.tickets > 1000  # ~320 a day in the first half of 2015
    assert run.unrouted == 0
