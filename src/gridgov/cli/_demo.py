"""``gridgov demo``: a first look at gridgov on the Hangzhou sample hierarchy."""

from __future__ import annotations

import click

from gridgov.cli._areas import _print_tree
from gridgov.cli._output import emit
from gridgov.grid import load_sample

__all__ = ["demo"]

# A micro-grid of 朱庙 (余杭区仓前街道) in the shipped sample.
_EXAMPLE_AREA = "HZ-YH-CQ-ZM-G03-M05"


@click.command()
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="How many levels of the tree to print.",
)
def demo(depth: int) -> None:
    """Show the Hangzhou sample: the tree with counts per level, and who handles what.

    Needs no database: the sample ships inside the package.
    """
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
