"""Replay's shares on a Dask cluster (``run_replay(..., executor=)``, ``--executor dask``):
worker processes that get the options pickled, not forked, and outputs identical to one
process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import boston_sample_options, run_replay

distributed = pytest.importorskip(
    "distributed",
    reason="the Dask tests need the optional extra: pip install -e '.[distributed]'",
)

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "gridgov" / "samples" / "boston311"


def _outputs(tmp_path: Path, name: str, **options: Any) -> tuple[dict[str, Any], str, str]:
    out, rejects = tmp_path / f"{name}.csv", tmp_path / f"{name}-rejects.csv"
    executor = options.pop("executor", None)
    run = boston_sample_options(
        tickets_out=out, rejects_out=rejects, by=("area:ward", "month", "tier"), **options
    )
    report = run_replay(run, executor=executor).to_dict()
    report["meta"].pop("jobs", None)
    return report, out.read_text(encoding="utf-8"), rejects.read_text(encoding="utf-8")


def test_shares_on_a_cluster_of_processes_equal_one_process(tmp_path: Path) -> None:
    # no tolerance of clock skew: the sample's 3 closes before opening are rejects to merge
    strict = boston_sample_options().mapping.model_copy(update={"clock_skew_seconds": 0})
    alone = _outputs(tmp_path, "alone", mapping=strict)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        spread = _outputs(tmp_path, "dask", jobs=3, executor=client.get_executor(), mapping=strict)
    assert spread == alone
    assert alone[2].count("\n") > 1  # the sample has rejects: their merge is tested too
    assert not list(tmp_path.glob("*.part*"))


def test_the_cli_runs_on_a_scheduler_by_address(tmp_path: Path) -> None:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    common = [
        "replay", "run", str(SAMPLE / "tickets_2015h1_sample.csv.gz"),
        "--mapping", str(SAMPLE / "mapping.toml"), "--policy", str(SAMPLE / "policy.toml"),
        "--format", "json",
    ]  # fmt: skip
    runner = CliRunner()
    one = runner.invoke(main, [*common, "--tickets-out", str(tmp_path / "one.csv")])
    assert one.exit_code == 0, one.output
    with cluster:
        spread = runner.invoke(
            main,
            [*common, "--executor", "dask", "--scheduler", cluster.scheduler_address,
             "--tickets-out", str(tmp_path / "dask.csv")],
        )  # fmt: skip
    assert spread.exit_code == 0, spread.output
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_a_scheduler_without_the_executor_is_refused() -> None:
    result = CliRunner().invoke(
        main,
        ["replay", "run", str(SAMPLE / "tickets_2015h1_sample.csv.gz"),
         "--mapping", str(SAMPLE / "mapping.toml"), "--policy", str(SAMPLE / "policy.toml"),
         "--scheduler", "tcp://127.0.0.1:1"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--executor dask" in result.output
