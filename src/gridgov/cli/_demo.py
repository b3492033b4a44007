"""``gridgov demo``: the Hangzhou sample hierarchy, then a replay of real Boston 311 tickets.

Needs no download: the Hangzhou areas and units, and the Boston tickets,
mapping, city → ward → precinct hierarchy and SLA policies all ship in
``gridgov/samples``.  The replayed tickets and their events are stored in the
embedded SQLite default (``./gridgov.db``), or wherever ``--db`` /
``GRIDGOV_DATABASE_URL`` says; ``--no-db`` keeps everything in memory.
"""

from __future__ import annotations

import click

from gridgov.cli._areas import _print_tree
from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option
from gridgov.cli._replay import show_report

__all__ = ["demo"]

# A micro-grid of 朱庙 (余杭区仓前街道) in the shipped sample.
_EXAMPLE_AREA = "HZ-YH-CQ-ZM-G03-M05"


def _hangzhou(depth: int) -> None:
    """The Hangzhou sample: the tree with counts per level, and who handles what."""
    from gridgov.grid import load_sample

    sample = load_sample("hangzhou")
    tree, directory = sample.tree, sample.directory
    click.echo(f"Area hierarchy from {sample.source} ({tree.levels.spec()}):")
    _print_tree(tree, None, depth)
    emit(
        [
            {"level": level, "label_zh": tree.levels.label_zh(level), "areas": count}
            for level, count in tree.count_by_level().items()
        ],
        ["level", "label_zh", "areas"],
        "table",
        title="Areas per level (各层级数量)",
    )
    area = tree.get(_EXAMPLE_AREA)
    wanted = [
        ("grid_head", None),
        ("property_company", None),
        ("department", "chengguan"),
        ("department", "fire"),
    ]
    rows = []
    for kind, department in wanted:
        unit = directory.responsible(area.code, kind=kind, department=department)
        rows.append(
            {"for": department or kind, "who": unit.name, "at": tree.get(unit.area_code).name}
        )
    emit(rows, ["for", "who", "at"], "table", title=f"Who is responsible for {area.name}?")


@click.command()
@click.option(
    "--by",
    "by",
    multiple=True,
    default=("month",),
    show_default=True,
    metavar="DIM",
    help="Group the report (month, area:ward, category, tier ...).",
)
@click.option(
    "--due-from-source",
    is_flag=True,
    help="Judge on-time against the city's own due times instead of the policy's.",
)
@db_option
@click.option("--no-db", is_flag=True, help="Replay in memory only; write no database.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="How many levels of the Hangzhou tree to print.",
)
@format_option()
def demo(
    by: tuple[str, ...],
    due_from_source: bool,
    url: str,
    no_db: bool,
    depth: int,
    fmt: str,
) -> None:
    """Show the Hangzhou sample hierarchy, then replay 2,000 real Boston 311 tickets.

    The samples ship inside the package, and it takes seconds.  The tickets, their
    events and their SLA clock cycles go into the embedded SQLite database
    ./gridgov.db (or --db URL); running it again adds nothing, since replay --db is
    resumable.

    Each ticket's implied events (report … mark_handled, close) run through the
    ticket loop; its handling clock runs on Boston's business calendar under the
    SLA table in force when it was opened; the report compares gridgov's verdict
    with the city's own (ONTIME/OVERDUE).
    """
    from gridgov.grid import load_sample
    from gridgov.replay import BOSTON_SAMPLE_DIR, boston_sample_options, run_replay

    if fmt == "table":
        _hangzhou(depth)
    tree = load_sample("boston311").tree
    db = None if no_db else _migrated(url)
    options = boston_sample_options(due_from_source=due_from_source, by=by, areas=tree, db=db)
    if fmt == "table":
        levels = tree.count_by_level()
        click.echo(
            f"Boston 311, {options.input.name}: real tickets opened 2015-01..06; areas "
            + " → ".join(f"{n} {level}" for level, n in levels.items())
        )
        how = "the city's own due times" if due_from_source else "Boston's SLA policies"
        click.echo(f"Replaying through the ticket loop, judged against {how} …")
    replayed = run_replay(options)
    report = replayed.to_dict()
    show_report(replayed, fmt, title="Boston 311 sample: replay report (回放报告)")
    if db is not None:
        _record_policies(db)
        _stored(db, report["meta"]["db"])
    if fmt == "table":
        mapping = BOSTON_SAMPLE_DIR / "mapping.toml"
        click.echo(
            f"Next: gridgov replay run YOUR_EXPORT.csv.gz --mapping {mapping} "
            "--due-from-source --by area:ward --report-out report.html"
        )


def _migrated(url: str) -> str:
    """The demo's database URL, its schema created if the database is new."""
    from gridgov.app import open_store

    with open_store(url) as store:
        store.create_if_new()
    return store.url


def _record_policies(url: str) -> None:
    """Record that the database runs on the Boston sample's routing and SLA policies,
    so ``tick`` and ``ticket`` work on it with no policy options."""
    from gridgov.app import BuiltWith, open_store, record_built_with

    # The SLA table in force from 2015-02-16 on: the engine runs one policy, so the
    # open clocks of tickets opened under the earlier table are recomputed under it
    # when they are next touched.
    boston = BuiltWith(
        "boston311",
        sla="samples/boston311/policy.toml",
        routing="samples/boston311/routing.toml",
    )
    with open_store(url) as store:
        record_built_with(store, boston)


def _stored(url: str, written: dict[str, int]) -> None:
    """Say where the tickets went (on stderr, so --format json stays pure)."""
    from gridgov.store import redact

    click.echo(
        f"Stored in {redact(url)}: {written['written']:,} tickets written, "
        f"{written['already_there']:,} already there. Browse them with "
        f"`gridgov ticket list --db {redact(url)}`; check the audit chain with "
        f"`gridgov db verify --db {redact(url)}`.",
        err=True,
    )
