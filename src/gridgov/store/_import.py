"""Writing checked files into a store: ``gridgov areas import`` and ``gridgov people import``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gridgov.grid import AreaFile
from gridgov.store._ports import Store
from gridgov.workflow import Actor

__all__ = ["PeopleImport", "import_areas", "import_people"]


def import_areas(store: Store, loaded: AreaFile, *, replace: bool = False) -> int:
    """Insert or update the file's areas, levels and units, all in one transaction.

    The database must be migrated (``gridgov db upgrade``).  Areas already
    stored and absent from the file are kept: tickets may point at them.  A
    database holding another hierarchy raises :class:`~gridgov.errors.HierarchyConflict`
    and is left as it was, unless ``replace`` (see :meth:`Store.save_directory`).
    Returns how many areas were written.
    """
    return store.save_directory(loaded.directory, replace=replace)


@dataclass(frozen=True, slots=True)
class PeopleImport:
    """What :func:`import_people` did: people new to the store, changed, and as stored."""

    inserted: int
    updated: int
    unchanged: int


def import_people(store: Store, people: Sequence[Actor]) -> PeopleImport:
    """Insert or update ``people`` (checked by :func:`~gridgov.workflow.load_people`).

    Importing the same people again changes nothing; people stored and absent
    from ``people`` are kept: their events name them.
    """
    stored = {p.id: _fields(p) for p in store.load_people()}
    changed = [p for p in people if stored.get(p.id) != _fields(p)]  # new ones included
    inserted = sum(p.id not in stored for p in changed)
    if changed:
        store.save_people(changed)
    return PeopleImport(inserted, len(changed) - inserted, len(people) - len(changed))


def _fields(person: Actor) -> tuple[str | None, ...]:
    # Actor equality leaves the name out; a new name is still an update.
    return (person.role, person.area_code, person.unit_code, person.name)
