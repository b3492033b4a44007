"""``gridgov people``: import the people who act on tickets, and list them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridgov.cli._areas import stored_directory
from gridgov.cli._engine_options import db_option
from gridgov.cli._output import emit, format_option

if TYPE_CHECKING:
    pass

__all__ = ["people"]

_COLUMNS = ["id", "name", "role", "area_code", "unit_code"]


@click.group()
def people() -> None:
    """The people who act on tickets (人员): import them from a file, list them.

    \b
    A people file is CSV (id,role,area_code,unit_code, then optional name),
    JSON or TOML (a `people` list of tables with those keys).  role is a role
    of the permission matrix (`gridgov workflow permissions`); area_code is the
    person's home area, unit_code the unit they work in (default area: the
    unit's).  Areas and units must be in the database already
    (`gridgov areas import FILE --db URL`).  `gridgov ticket act --actor ID`
    then acts as the person.
    """


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def import_(file: Path, url: str) -> None:
    """Check FILE against the database's areas, units and roles, then store its people.

    All or nothing: a file with any problem is rejected and every problem is
    listed with its line and field.  Importing again updates the people whose
    role, area, unit or name changed; people absent from FILE are kept.
    """
    from gridgov.app import open_store
    from gridgov.store import import_people
    from gridgov.workflow import load_people

    store = open_store(url)
    try:
        loaded = load_people(file, stored_directory(store))
        done = import_people(store, loaded.people)
    finally:
        store.close()
    click.echo(
        f"{file}: {len(loaded.people)} people: {done.inserted} inserted, "
        f"{done.updated} updated, {done.unchanged} unchanged"
    )


@people.command("list")
@click.option("--area", metavar="CODE", help="Only people whose home area is in CODE's subtree.")
@click.option("--role", help="Only people with this role (grid_worker, grid_head ...).")
@db_option
@format_option()
def list_(area: str | None, role: str | None, url: str, fmt: str) -> None:
    """The stored people, by id (units, which act as themselves, are not listed)."""
    from gridgov.app import open_store

    store = open_store(url)
    try:
        found = store.load_people()
        tree = stored_directory(store).tree if area is not None else None
    finally:
        store.close()
    if tree is not None and area is not None:
        tree.get(area)  # an unknown code is an error, not an empty list
        found = [p for p in found if p.area_code and tree.is_within(p.area_code, area)]
    if role is not None:
        found = [p for p in found if p.role == role]
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "role": p.role,
            "area_code": p.area_code,
            "unit_code": p.unit_code,
        }
        for p in found
    ]
    emit(rows, _COLUMNS, fmt, title=f"{len(rows)} people")
