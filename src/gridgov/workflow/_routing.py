"""Routing (分级处置): which tier a category is, and at which level the tier is finished.

小事不出网格、大事协同解决: a :class:`RoutingPolicy` maps each category of a
:class:`Category` tree to a :class:`Tier`, and each tier to the level of the area
hierarchy that must finish it.  Policies are TOML files; the package ships a default
(``gridgov/samples/routing/policy.toml`` and ``categories.toml``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from gridgov._toml import TomlKind, key_name, read_toml
from gridgov.errors import PolicyError, Problem, UnknownCategory, UnknownLevel
from gridgov.grid import LevelSet, UnitKind
from gridgov.workflow._routing_checks import check_policy
from gridgov.workflow._routing_files import CatalogueFile, PolicyFile
from gridgov.workflow._states import State
from gridgov.workflow._ticket import Ticket

__all__ = [
    "CATEGORY_CATALOGUE",
    "ROUTING_POLICY",
    "Category",
    "Route",
    "RoutingPolicy",
    "Tier",
    "load_routing_policy",
]

ROUTING_POLICY = TomlKind("routing policy")
"""How errors name a routing policy file (分级处置策略)."""
CATEGORY_CATALOGUE = TomlKind("category catalogue")
"""How errors name a category catalogue file (事项分类目录)."""


@dataclass(frozen=True, slots=True)
class Category:
    """A kind of issue (事项分类), e.g. ``fire_lane`` 消防通道堵塞; ``parent`` makes a tree."""

    code: str
    label_zh: str
    label_en: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Tier:
    """A handling tier (小事/难事/大事) and the level that must finish it.

    ``levels`` are alternatives: the first one the area hierarchy defines is used.
    ``departments`` handle it in linkage (联动); ``supervised`` tiers are 督办 from dispatch.
    """

    name: str
    label_zh: str
    label_en: str
    levels: tuple[str, ...]
    departments: tuple[str, ...] = ()
    supervised: bool = False

    def level_in(self, levels: LevelSet) -> str:
        """The level of ``levels`` that finishes this tier."""
        for level in self.levels:
            if level in levels:
                return level
        raise UnknownLevel(self.levels[0], levels.names)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a category goes: its tier, and the department that handles it, if any."""

    category: Category
    tier: Tier
    department: str | None = None


class RoutingPolicy:
    """Categories, tiers and routes, checked as a whole (see :func:`load_routing_policy`)."""

    def __init__(
        self,
        categories: Mapping[str, Category],
        tiers: Mapping[str, Tier],
        routes: Mapping[str, Route],
        handler_kinds: tuple[UnitKind, ...],
        *,
        source: str = "<policy>",
        lines: Mapping[str, int | None] | None = None,
    ) -> None:
        self.categories = dict(categories)
        self.tiers = dict(tiers)
        self._routes = dict(routes)
        self.handler_kinds = handler_kinds
        self.source = source
        self._lines = dict(lines or {})
        """Line of each key in ``source`` (``tiers.NAME.level``), for later checks' errors."""

    def route(self, category: str) -> Route:
        """The route of ``category`` (inherited from its parents when not its own)."""
        try:
            return self._routes[category]
        except KeyError:
            raise UnknownCategory(category) from None

    def tier_of(self, category: str) -> Tier:
        """The tier of ``category``."""
        return self.route(category).tier

    def ancestors(self, category: str) -> Iterator[Category]:
        """The category's parents, nearest first."""
        parent = self.route(category).category.parent
        while parent is not None:
            yield self.categories[parent]
            parent = self.categories[parent].parent

    def check_levels(self, levels: LevelSet) -> None:
        """Fail with a :class:`PolicyError` if a tier has no level in ``levels``."""
        problems = [
            Problem(
                self.source,
                f"none of {list(t.levels)} is a level of {levels.spec()!r}",
                line=self._lines.get(f"tiers.{t.name}.level"),
                field=f"tiers.{t.name}.level",
            )
            for t in self.tiers.values()
            if not any(level in levels for level in t.levels)
        ]
        if problems:
            raise PolicyError.many(problems, what=ROUTING_POLICY.what)

    def stayed_in_grid(self, ticket: Ticket, levels: LevelSet) -> bool | None:
        """小事不出网格: finished at or below its tier's level, never escalated?

        ``None`` while the ticket is not closed, or was closed without being handled.
        """
        if ticket.state != State.CLOSED or ticket.handled_level is None or ticket.tier is None:
            return None
        target = self.tiers[ticket.tier].level_in(levels)
        return ticket.escalation_count == 0 and not levels.is_deeper(target, ticket.handled_level)


def load_routing_policy(
    policy: str | Path | None = None, categories: str | Path | None = None
) -> RoutingPolicy:
    """Read a routing policy and its category catalogue (the shipped defaults when ``None``).

    Errors name the file, the line, the key and what was expected.

    >>> load_routing_policy().tier_of("fire_lane").label_zh
    '难事'
    """
    samples = files("gridgov") / "samples" / "routing"
    policy_path = Path(str(policy or samples / "policy.toml"))
    catalogue_path = Path(str(categories or samples / "categories.toml"))
    catalogue_file = read_toml(catalogue_path, CATEGORY_CATALOGUE)
    catalogue = catalogue_file.validate(CatalogueFile)
    policy_file = read_toml(policy_path, ROUTING_POLICY)
    spec = policy_file.validate(PolicyFile)
    located = check_policy(catalogue, spec)
    if located:
        where_file = {"catalogue": catalogue_file, "policy": policy_file}
        raise PolicyError.many(
            [where_file[where].problem(key_name(loc), reason) for where, loc, reason in located],
            what=ROUTING_POLICY.what,
        )
    lines = {key: policy_file.line_of(key) for key in (f"tiers.{n}.level" for n in spec.tiers)}
    return _build(catalogue, spec, str(policy_path), lines)


def _build(
    catalogue: CatalogueFile, spec: PolicyFile, source: str, lines: Mapping[str, int | None]
) -> RoutingPolicy:
    cats = {r.code: Category(r.code, r.label_zh, r.label_en, r.parent) for r in catalogue.category}
    tiers = {
        name: Tier(name, t.label_zh, t.label_en, tuple(t.level), tuple(t.departments), t.supervised)
        for name, t in spec.tiers.items()
    }
    routes: dict[str, Route] = {}
    for code, category in cats.items():
        own = spec.routes.get(code)
        chain = [code, *_parents(cats, code)]
        found = next((spec.routes[c] for c in chain if c in spec.routes), None)
        tier_name = found.tier if found else spec.default_tier
        assert tier_name is not None  # check_policy guarantees it
        department = own.department if own else (found.department if found else None)
        routes[code] = Route(category, tiers[tier_name], department)
    return RoutingPolicy(cats, tiers, routes, tuple(spec.handler_kinds), source=source, lines=lines)


def _parents(cats: Mapping[str, Category], code: str) -> Iterator[str]:
    parent = cats[code].parent
    while parent is not None:
        yield parent
        parent = cats[parent].parent
