"""``gridgov simulate``: run a scenario's replications and report what they found."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import click

from gridgov.cli._output import emit, format_option
from gridgov.errors import InvalidInput, Problem

__all__ = ["simulate"]

_REPORT_FORMATS = (".json", ".csv", ".html", ".htm")
F = TypeVar("F", bound=Callable[..., Any])


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


def _run_options(replications: int) -> Callable[[F], F]:
    """The options every simulating command shares: how long, from which seed, how many
    replications, on how many processes."""

    def decorate(func: F) -> F:
        for option in reversed([
            click.option("--days", type=click.FloatRange(min=0, min_open=True), default=90.0,
                         show_default=True, help="Simulated days of each replication."),
            click.option("--warmup", type=click.FloatRange(min=0), default=0.0,
                         show_default=True,
                         help="Days simulated first and not counted (an empty city fills up)."),
            click.option("--seed", type=int, default=1, show_default=True,
                         help="The random seed."),
            click.option("--replications", type=click.IntRange(min=1), default=replications,
                         show_default=True,
                         help="Independent replications (a confidence interval needs 2)."),
            click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                         help="Local processes to run the replications on (same result)."),
        ]):  # fmt: skip
            func = option(func)
        return func

    return decorate


@simulate.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@_run_options(replications=10)
@click.option("--report-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report: .json (all), .csv (figures) or .html (a page).")  # fmt: skip
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
        suffix = report_out.suffix.lower()
        if suffix == ".json":
            text = result.to_json()
        elif suffix == ".csv":
            text = _csv(rows)
        else:
            from gridgov.simulate import html_report

            text = html_report(result)
        _write_report(report_out, text)
    emit(rows, ["figure", "mean", "ci95", "n"], fmt,
         title=f"{result.scenario}: {replications} × {days:g} days")  # fmt: skip


def _check_report_path(path: Path) -> None:
    """Refuse a report file that cannot be written before anything runs."""
    from gridgov._outputs import check_output

    check_output(path, _REPORT_FORMATS, option="--report-out")


def _csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["figure", "mean", "ci95", "n"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _write_report(path: Path, text: str) -> None:
    from gridgov._outputs import writing

    with writing(path, option="--report-out"):
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _values(text: str) -> list[float]:
    """``1..5`` (whole steps), ``1,2,4`` or ``0.8..1.4:0.2`` (a step)."""
    try:
        if ".." in text:
            low, _, rest = text.partition("..")
            high, _, step = rest.partition(":")
            a, b, d = float(low), float(high), float(step or 1)
            if d <= 0 or b < a:
                raise ValueError
            count = round((b - a) / d)
            return [round(a + i * d, 10) for i in range(count + 1)]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: expected LOW..HIGH, LOW..HIGH:STEP or a,b,c", param_hint="--vary"
        ) from None


@simulate.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--vary", required=True, metavar="KEY=VALUES",
              help="What to vary: staffing.KIND=1..5, staffing.units.CODE=1..3, "
                   "arrivals.scale=0.8..1.4:0.2, rules.NAME=a,b,c.")  # fmt: skip
@_run_options(replications=5)
@click.option("--tier", default="small", show_default=True,
              help="The tier whose stay-in-grid rate is shown.")  # fmt: skip
@format_option()
def sweep(
    scenario: Path,
    vary: str,
    days: float,
    warmup: float,
    seed: int,
    replications: int,
    jobs: int,
    tier: str,
    fmt: str,
) -> None:
    """The frontier: stay-in-grid and on-time rates at each value of one setting."""
    from gridgov.simulate import load_scenario
    from gridgov.simulate import sweep as run_sweep

    key, sep, text = vary.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{vary!r}: expected KEY=VALUES", param_hint="--vary")
    values = _values(text)
    loaded = load_scenario(scenario)
    executor: Executor | None = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        points = run_sweep(
            loaded, key, values, days=days, seed=seed, replications=replications,
            warmup_days=warmup, executor=executor,
        )  # fmt: skip
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--vary") from exc
    finally:
        if executor is not None:
            executor.shutdown()
    rows = []
    for value, result in points:
        stay, total, on_time = (
            result.stay_in_grid_rate(tier=tier),
            result.stay_in_grid_rate(),
            result.on_time_rate(),
        )
        rows.append({
            key: value,
            f"stay_in_grid_rate.{tier}": _r(stay.mean), "ci95": _r(stay.half_width),
            "stay_in_grid_rate": _r(total.mean), "on_time_rate": _r(on_time.mean),
            "on_time_ci95": _r(on_time.half_width),
        })  # fmt: skip
    columns = [key, f"stay_in_grid_rate.{tier}", "ci95", "stay_in_grid_rate", "on_time_rate",
               "on_time_ci95"]  # fmt: skip
    emit(rows, columns, fmt, title=f"{loaded.scenario.name}: {vary}")


@simulate.command()
@click.argument("before", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("after", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@format_option()
def compare(before: Path, after: Path, fmt: str) -> None:
    """Two JSON reports of ``simulate run``, figure by figure: the change, and whether
    the two 95% intervals overlap (if not, the change is beyond the noise)."""
    import json

    def figures(path: Path) -> dict[str, dict[str, float | None]]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found = data["figures"]
            assert isinstance(found, dict)
            return found
        except (ValueError, KeyError, TypeError, AssertionError):
            raise InvalidInput(
                [Problem(str(path), "not a report of gridgov simulate run (--report-out .json)")],
                what="simulation report",
            ) from None

    a, b = figures(before), figures(after)
    rows = []
    for name in [*a, *(n for n in b if n not in a)]:
        x, y = a.get(name, {}), b.get(name, {})
        mx, my = x.get("mean"), y.get("mean")
        hx, hy = x.get("ci95") or 0.0, y.get("ci95") or 0.0
        change = None if mx is None or my is None else round(my - mx, 6)
        apart = None if change is None else abs(change) > hx + hy
        rows.append({"figure": name, "before": mx, "after": my, "change": change,
                     "beyond_noise": apart})  # fmt: skip
    emit(rows, ["figure", "before", "after", "change", "beyond_noise"], fmt,
         title=f"{before.name} → {after.name}")  # fmt: skip


@simulate.command()
@click.argument("history", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The replay mapping that reads HISTORY (its areas, routing).")  # fmt: skip
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The scenario file to write (.toml).")  # fmt: skip
@click.option("--sla-policy", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The SLA policy the scenario runs (default: the shipped one).")  # fmt: skip
@click.option("--min-tickets", type=click.IntRange(min=1), default=20, show_default=True,
              help="Smaller category × channel streams fold into larger ones.")  # fmt: skip
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Every arrival rate times this (next year).")  # fmt: skip
@click.option("--shift", "shifts", multiple=True, metavar="CATEGORY=FACTOR",
              help="One category's rate times FACTOR (repeatable).")  # fmt: skip
def fit(
    history: Path,
    mapping_path: Path,
    out: Path,
    sla_policy: Path | None,
    min_tickets: int,
    scale: float,
    shifts: tuple[str, ...],
) -> None:
    """Fit a scenario from HISTORY: arrival rates per category × channel × area × hour of
    the week, work times per tier (log-normal), unlimited staff to set."""
    from gridgov.simulate import fit_scenario, write_scenario

    if out.suffix.lower() != ".toml" or not out.parent.is_dir():
        raise InvalidInput(
            [Problem(str(out), "expected a .toml file in an existing folder", field="--out")],
            what="scenario file",
        )
    scenario, summary = fit_scenario(
        history, mapping_path, out_dir=out.parent, sla=sla_policy, min_tickets=min_tickets
    )
    if scale != 1.0:
        scenario = scenario.scaled(scale)
    for shift in shifts:
        category, sep, factor = shift.rpartition("=")
        try:
            scenario = scenario.shifted(category, float(factor))
        except ValueError as exc:
            reason = str(exc) if sep and category else "expected CATEGORY=FACTOR"
            raise click.BadParameter(f"{shift!r}: {reason}", param_hint="--shift") from None
    comment = (
        f"Fitted by `gridgov simulate fit {history.name} --mapping {mapping_path.name}`"
        f"{f' --scale {scale:g}' if scale != 1.0 else ''}.\n"
        "Staff are unlimited: set [staffing] headcounts to ask staffing questions.\n"
        + "\n".join(summary.lines())
    )
    write_scenario(scenario, out, comment=comment)
    for line in summary.lines():
        click.echo(line, err=True)
    click.echo(f"wrote {out}")
