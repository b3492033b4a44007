"""Replications on a Dask cluster: ``simulate`` takes the cluster's executor and gives the
same result as one process (gridgov schedules nothing itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridgov.simulate import load_scenario, simulate

HANGZHOU = Path(__file__).resolve().parents[2] / "examples" / "simulation" / "hangzhou.toml"


def test_a_dask_cluster_runs_the_replications() -> None:
    distributed = pytest.importorskip(
        "distributed",
        reason="the Dask test needs the optional extra: pip install -e '.[distributed]'",
    )
    scenario = load_scenario(HANGZHOU)
    alone = simulate(scenario, days=5, seed=2, replications=3)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        spread = simulate(scenario, days=5, seed=2, replications=3, executor=client.get_executor())
    assert spread.to_json() == alone.to_json()
