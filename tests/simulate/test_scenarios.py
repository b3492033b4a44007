"""Scenarios from files and from Python: errors with their keys and lines, determinism,
executors, and the Hangzhou example's rules having the effect they should."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from gridgov.errors import PolicyError
from gridgov.simulate import Scenario, load_scenario, simulate

ROOT = Path(__file__).resolve().parents[2]
HANGZHOU = ROOT / "examples" / "simulation" / "hangzhou.toml"


@pytest.fixture(scope="module")
def hangzhou() -> Scenario:
    return load_scenario(HANGZHOU)


def test_the_same_seed_gives_byte_identical_results(hangzhou: Scenario) -> None:
    first = simulate(hangzhou, days=10, seed=5, replications=2).to_json()
    again = simulate(hangzhou, days=10, seed=5, replications=2).to_json()
    other = simulate(hangzhou, days=10, seed=6, replications=2).to_json()
    assert first == again
    assert first != other


def test_processes_give_the_same_result_as_one_process(hangzhou: Scenario) -> None:
    alone = simulate(hangzhou, days=10, seed=5, replications=3)
    with ProcessPoolExecutor(max_workers=2) as pool:
        spread = simulate(hangzhou, days=10, seed=5, replications=3, executor=pool)
    assert spread.to_json() == alone.to_json()


def test_more_grid_workers_never_lower_the_small_stay_in_grid_rate(hangzhou: Scenario) -> None:
    def small_rate(workers: int) -> tuple[float, float]:
        staffing = hangzhou.staffing.with_headcount("micro_grid_worker", workers)
        result = simulate(
            hangzhou.model_copy(update={"staffing": staffing}), days=20, seed=3, replications=5
        )
        estimate = result.stay_in_grid_rate(tier="small")
        assert estimate.mean is not None
        assert estimate.low is not None
        return estimate.mean, estimate.low

    one, two = small_rate(1), small_rate(2)
    assert two[0] >= one[1]  # never lower beyond the interval


def test_moving_a_category_to_a_higher_tier_lowers_the_stay_in_grid_rate(
    hangzhou: Scenario, tmp_path: Path
) -> None:
    routing = (ROOT / "src" / "gridgov" / "samples" / "routing" / "policy.toml").read_text(
        encoding="utf-8"
    )
    harder = routing.replace(
        'environment = { tier = "small" }',
        'environment = { tier = "small" }\nnoise = { tier = "complex" }',
    )
    assert harder != routing
    (tmp_path / "routing.toml").write_text(harder, encoding="utf-8")
    header = hangzhou.scenario.model_copy(update={"routing": str(tmp_path / "routing.toml")})
    moved = hangzhou.model_copy(update={"scenario": header})
    before = simulate(hangzhou, days=20, seed=3, replications=5).stay_in_grid_rate()
    after = simulate(moved, days=20, seed=3, replications=5).stay_in_grid_rate()
    assert after.high is not None
    assert before.low is not None
    assert after.high < before.low


def test_a_bad_scenario_names_every_key_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "[scenario]\n"
        'name = "x"\n'
        'start = "2026-03-02T00:00+08:00"\n'
        "\n"
        "[[arrivals]]\n"
        'category = "nosie"\n'
        'areas = ["NOWHERE-*"]\n'
        "per_day = 3\n"
        "\n"
        "[service.tiny]\n"
        "mean_h = 1\n"
        "\n"
        "[staffing]\n"
        "wizard = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        load_scenario(path)
    found = {(p.field, p.line) for p in info.value.problems}
    assert ("arrivals[0].category", 6) in found
    assert ("arrivals[0].areas", 7) in found
    assert ("service.tiny", 10) in found
    assert ("staffing.wizard", 14) in found
    assert "did you mean 'noise'" in str(info.value.problems)


def test_a_scenario_shape_error_names_the_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[scenario]\nname = "x"\nstart = "2026-03-02"\n\n[[arrivals]]\ncategory = "noise"\n'
        "per_day = -1\n\n[service.small]\nmean_h = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as info:
        load_scenario(path)
    found = {(p.field, p.line) for p in info.value.problems}
    assert ("scenario.start", 3) in found  # no time zone
    assert ("arrivals[0].per_day", 7) in found


def test_a_test_reads_like_the_rule_it_checks() -> None:
    from gridgov.testing import load_scenario as load
    from gridgov.testing import simulate as run

    result = run(load(HANGZHOU), days=30, seed=7)
    assert result.stay_in_grid_rate(tier="small") >= 0.9
    assert result.on_time_rate() > 0.5
