"""The simulator against queueing theory: an M/M/c queue (Poisson arrivals, exponential
work, c staff on a 24×7 calendar, no clocks) waits as Erlang C says, and Little's law
holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.simulate import Scenario, SimulationResult, erlang_c_wait, simulate

AREAS = """\
levels = "district > community > grid"

[[areas]]
code = "D"
name = "区"
level = "district"

[[areas]]
code = "C"
name = "社区"
level = "community"
parent_code = "D"

[[areas]]
code = "G"
name = "网格"
level = "grid"
parent_code = "C"

[[units]]
code = "gw"
name = "网格员"
kind = "grid_worker"
area_code = "G"
"""


def mmc(tmp_path: Path, arrivals_per_h: float, service_per_h: float, staff: int) -> Scenario:
    """One grid, one grid worker unit with ``staff`` people: every small ticket queues
    there; triage and review take no time and no staff."""
    (tmp_path / "areas.toml").write_text(AREAS, encoding="utf-8")
    return Scenario.model_validate(
        {
            "scenario": {
                "name": f"M/M/{staff}",
                "start": "2026-03-02T00:00+08:00",
                "areas": "areas.toml",
                "sla": "none",
            },
            "arrivals": [{"category": "noise", "areas": ["G"], "per_day": arrivals_per_h * 24}],
            "service": {"small": {"mean_h": 1 / service_per_h, "dist": "exponential"}},
            "staffing": {"grid_worker": staff},
            "rules": {"triage_minutes": 0, "review_minutes": 0, "supervise_on_breach": False},
            "base_dir": str(tmp_path),
        }
    )


SETTINGS = [(0.5, 1.0, 1), (1.6, 1.0, 2), (2.7, 1.0, 3)]
"""(λ per hour, μ per hour, c): utilisation 0.5, 0.8 and 0.9."""


@pytest.mark.parametrize(("lam", "mu", "c"), SETTINGS, ids=["rho0.5", "rho0.8", "rho0.9"])
def test_the_mean_wait_is_erlang_c(tmp_path: Path, lam: float, mu: float, c: int) -> None:
    result = simulate(mmc(tmp_path, lam, mu, c), days=120, warmup_days=10, seed=11, replications=10)
    wait = result.mean_wait_h("grid_worker")
    expected = erlang_c_wait(lam, mu, c)
    assert wait.covers(expected), (wait, expected)
    assert result.utilisation("grid_worker").covers(lam / (mu * c))


def _little(result: SimulationResult) -> tuple[float, float]:
    (run,) = result.replications
    stats = run.units["grid_worker"]
    hours = result.days * 24
    return stats.in_system_h / hours, stats.arrivals / hours * (stats.sojourn_h / stats.jobs)


def test_littles_law_holds_on_a_long_run(tmp_path: Path) -> None:
    result = simulate(mmc(tmp_path, 1.6, 1.0, 2), days=400, warmup_days=5, seed=3)
    in_system, arrivals_times_sojourn = _little(result)
    assert in_system == pytest.approx(arrivals_times_sojourn, rel=0.02)


def test_erlang_c_is_the_textbook_value() -> None:
    # M/M/2, λ = 1.6, μ = 1: P(wait) = 0.7111, Wq = 0.7111 / 0.4 = 1.7778
    assert erlang_c_wait(1.6, 1.0, 2) == pytest.approx(1.777778, rel=1e-5)
    with pytest.raises(ValueError, match="unstable"):
        erlang_c_wait(2.0, 1.0, 2)
