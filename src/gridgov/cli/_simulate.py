"""``gridgov simulate``: run a scenario's replications and report what they found."""

from __future__ import annotations

import csv
import io
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import click

from gridgov.cli._output import emit, format_option
from gridgov.errors import InvalidInput, Problem

__all__ = ["simulate"]

_REPORT_FORMATS = (".json", ".csv")


@click.group()
def simulate() -> None:
    """Simulate stay-in-grid rules (小事不出网格): arrivals, staff, queues, the loop."""


@simulate.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
def check(scenario: Path) -> None:
    """Check SCENARIO: its shape and what it refers to, every problem with its line."""
    from gridgov.simulate import load_scenario

    loaded = load_scenario(scenario)
    click.echo(f"{scenario}: scenario {loaded.scenario.name!r} is valid "
               f"({len(loaded.arrivals)} arrival streams)")  # fmt: skip


@simulate.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--days", type=click.FloatRange(min=0, min_open=True), default=90.0,
              show_default=True, help="Simulated days of each replication.")  # fmt: skip
@click.option("--warmup", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Days simulated first and not counted (an empty city fills up).")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True, help="The random seed.")
@click.option("--replications", type=click.IntRange(min=1), default=10, show_default=True,
              help="Independent replications (a confidence interval needs 2).")  # fmt: skip
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Local processes to run the replications on (same result as 1).")  # fmt: skip
@click.option("--report-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report: .json (all, per replication) or .csv (figures).")  # fmt: skip
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@format_option()
def run(
    scenario: Path,
    days: float,
    warmup: float,
    seed: int,
    replications: int,
    jobs: int,
    report_out: Path | None,
    quiet: bool,
    fmt: str,
) -> None:
    """Run SCENARIO's replications; print each figure with its 95% confidence interval."""
    from gridgov.simulate import load_scenario
    from gridgov.simulate import simulate as run_simulation

    if report_out is not None:
        _check_report_path(report_out)
    if warmup >= days:
        raise click.BadParameter(f"{warmup} is not below --days {days}", param_hint="--warmup")
    loaded = load_scenario(scenario)
    executor: Executor | None = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    show_bar = not quiet and sys.stderr.isatty()
    try:
        if show_bar:
            from rich.console import Console
            from rich.progress import Progress

            with Progress(transient=True, console=Console(stderr=True)) as bar:
                task = bar.add_task("replications", total=replications)
                result = run_simulation(
                    loaded, days=days, warmup_days=warmup, seed=seed,
                    replications=replications, executor=executor,
                    on_replication=lambda _: bar.advance(task),
                )  # fmt: skip
        else:
            result = run_simulation(
                loaded, days=days, warmup_days=warmup, seed=seed,
                replications=replications, executor=executor,
            )  # fmt: skip
    finally:
        if executor is not None:
            executor.shutdown()
    rows = [{"figure": name, **estimate.to_dict()} for name, estimate in result.figures().items()]
    if report_out is not None:
        _write_report(report_out, result.to_json() if report_out.suffix == ".json" else _csv(rows))
    emit(rows, ["figure", "mean", "ci95", "n"], fmt,
         title=f"{result.scenario}: {replications} × {days:g} days")  # fmt: skip


def _check_report_path(path: Path) -> None:
    """Refuse a report file that cannot be written before anything runs."""
    if path.suffix.lower() not in _REPORT_FORMATS:
        raise InvalidInput(
            [Problem(str(path), f"unknown report format: expected {', '.join(_REPORT_FORMATS)}",
                     field="--report-out")],
            what="report file",
        )  # fmt: skip
    if not path.parent.is_dir():
        raise InvalidInput(
            [Problem(str(path), f"folder {str(path.parent)!r} does not exist",
                     field="--report-out")],
            what="report file",
        )  # fmt: skip


def _csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["figure", "mean", "ci95", "n"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _write_report(path: Path, text: str) -> None:
    try:
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            [Problem(str(path), f"cannot write: {exc.strerror}", field="--report-out")],
            what="report file",
        ) from exc
