"""Routing (分级处置): which tier a category is, and at which level the tier is finished.

小事不出网格、大事协同解决: a :class:`RoutingPolicy` maps each category of a
:class:`Category` tree to a :class:`Tier`, and each tier to the level of the area
hierarchy that must finish it.  Policies are TOML files; the package ships a default
(``gridgov/samples/routing/policy.toml`` and ``categories.toml``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path

from gridgov._toml import TomlKind, key_name, read_toml
from gridgov.errors import PolicyError, Problem, UnknownCategory, UnknownLevel
from gridgov.grid import LevelSet
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
    ``handler_kinds`` are the kinds of unit that finish it at or below its level, nearest
    first (empty: the policy's); above its level the policy's ``handler_kinds`` take over.
    A ``joint`` tier is dispatched jointly by default (大事协同解决): the lead unit at its
    level, the route's and the tier's departments as co-units (协办); ``lead_may_finish``
    lets the lead mark it handled before every co-unit has, with a reason.  Only a tier
    above the grid level is handled jointly.
    """

    name: str
    label_zh: str
    label_en: str
    levels: tuple[str, ...]
    departments: tuple[str, ...] = ()
    supervised: bool = False
    handler_kinds: tuple[str, ...] = ()
    joint: bool = False
    lead_may_finish: bool = False

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
    """Categories, tiers and routes, checked as a whole (see :func:`load_routing_policy`).

    ``grid_level`` is the level of the grid (网格): a ticket handled at it or below it,
    never escalated and not handled jointly, stayed in the grid.  ``patterns`` route
    categories that are not in the catalogue (a city's own words, read by replay):
    ``(glob, tier)`` pairs, first match wins, then ``fallback_tier``.
    """

    def __init__(
        self,
        categories: Mapping[str, Category],
        tiers: Mapping[str, Tier],
        routes: Mapping[str, Route],
        handler_kinds: tuple[str, ...],
        *,
        grid_level: str = "grid",
        default_tier: str | None = None,
        patterns: tuple[tuple[str, str], ...] = (),
        fallback_tier: str | None = None,
        source: str = "<policy>",
        lines: Mapping[str, int | None] | None = None,
        origins: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.categories = dict(categories)
        self.tiers = dict(tiers)
        self._routes = dict(routes)
        self.handler_kinds = handler_kinds
        self.grid_level = grid_level
        self.default_tier = default_tier
        """The catalogue's tier for categories without a route of their own or a parent's."""
        self.patterns = patterns
        self.fallback_tier = fallback_tier
        self.source = source
        self._lines = dict(lines or {})
        """Line of each key in ``source`` (``tiers.NAME.level``), for later checks' errors."""
        self._origins = dict(origins or {})
        """The file and key of the keys set outside ``source`` (a replay mapping's
        ``routing.levels.small`` for ``tiers.small.level``)."""
        self._matched: dict[str, Route] = {}
        unknown = [
            (key, tier)
            for key, tier in (*patterns, ("default_tier", fallback_tier))
            if tier is not None and tier not in self.tiers
        ]
        if unknown:
            raise PolicyError.many(
                [
                    Problem(
                        source,
                        f"unknown tier {t!r}; expected one of {sorted(self.tiers)}",
                        field=key if key == "default_tier" else f"tiers.{key!r}",
                    )
                    for key, t in unknown
                ],
                what=ROUTING_POLICY.what,
            )

    def route(self, category: str) -> Route:
        """The route of ``category``: its own or its parents' (catalogue), else the first
        pattern it matches, else the fallback tier; :class:`UnknownCategory` if none."""
        found = self._routes.get(category) or self._matched.get(category)
        if found is not None:
            return found
        tier = next(
            (t for pattern, t in self.patterns if fnmatch.fnmatchcase(category, pattern)),
            self.fallback_tier,
        )
        if tier is None:
            raise UnknownCategory(category, list(self._routes))
        route = Route(Category(category, category, category), self.tiers[tier])
        if len(self._matched) >= _MATCHED_LIMIT:
            self._matched.clear()  # a source with endless free-text categories: stay bounded
        self._matched[category] = route
        return route

    def tier_of(self, category: str) -> Tier:
        """The tier of ``category``."""
        return self.route(category).tier

    def ancestors(self, category: str) -> Iterator[Category]:
        """The category's parents, nearest first."""
        parent = self.route(category).category.parent
        while parent is not None:
            yield self.categories[parent]
            parent = self.categories[parent].parent

    def with_patterns(
        self,
        patterns: Mapping[str, str],
        *,
        fallback_tier: str | None = None,
        source: str | None = None,
        levels: Mapping[str, Sequence[str]] | None = None,
        grid_level: str | None = None,
        key: str = "routing",
    ) -> RoutingPolicy:
        """This policy, also routing the categories ``patterns`` match (``glob -> tier``,
        consulted before the catalogue) and any other to ``fallback_tier`` (default: the
        policy's own ``default_tier``).  A replay mapping's ``[routing]`` compiles to this.

        ``levels`` (tier -> levels, alternatives first to last) and ``grid_level`` put the
        tiers on another hierarchy's levels (a city of wards and precincts); errors about
        them name ``source`` and its keys under ``key`` (``routing.levels.small``).
        """
        source = source or self.source
        origins = {k: (self.source, k) for k in self._keys()} | self._origins
        lines = dict(self._lines)
        unknown = sorted(set(levels or {}) - set(self.tiers))
        if unknown:
            raise PolicyError.many(
                [
                    Problem(
                        source,
                        f"unknown tier {name!r}; expected one of {sorted(self.tiers)}",
                        field=f"{key}.levels.{name}",
                    )
                    for name in unknown
                ],
                what=ROUTING_POLICY.what,
            )
        tiers = dict(self.tiers)
        for name, names in (levels or {}).items():
            tiers[name] = replace(tiers[name], levels=tuple(names))
            origins[f"tiers.{name}.level"] = (source, f"{key}.levels.{name}")
            lines.pop(f"tiers.{name}.level", None)
        if grid_level is not None:
            origins["grid_level"] = (source, f"{key}.grid_level")
            lines.pop("grid_level", None)
        routes = {
            c: replace(r, tier=tiers[r.tier.name])
            for c, r in self._routes.items()
            if not _matches_any(c, patterns)
        }
        compiled = RoutingPolicy(
            self.categories,
            tiers,
            routes,
            self.handler_kinds,
            grid_level=grid_level or self.grid_level,
            default_tier=self.default_tier,
            patterns=(*patterns.items(), *self.patterns),
            fallback_tier=fallback_tier or self.fallback_tier or self.default_tier,
            source=source,
            lines=lines,
            origins=origins,
        )
        return compiled

    def _keys(self) -> list[str]:
        """The keys later checks name: each tier's level, and the grid level."""
        return [*(f"tiers.{name}.level" for name in self.tiers), "grid_level"]

    def _problem(self, key: str, reason: str, *, field: str | None = None) -> Problem:
        """A problem with ``key``, named in the file (and under the key) that set it."""
        source, written = self._origins.get(key, (self.source, key))
        if field is not None and written == key:
            written = field
        return Problem(source, reason, line=self._lines.get(key), field=written)

    def check_levels(self, levels: LevelSet) -> None:
        """Fail with a :class:`PolicyError` if a tier, or the grid level, is not a level of
        ``levels``."""
        problems = [
            self._problem(
                f"tiers.{t.name}.level", f"none of {list(t.levels)} is a level of {levels.spec()!r}"
            )
            for t in self.tiers.values()
            if not any(level in levels for level in t.levels)
        ]
        problems.extend(
            self._problem(
                f"tiers.{t.name}.level",
                f"a joint tier must finish above the grid level {self.grid_level!r}, "
                f"but {t.level_in(levels)!r} is not above it (小事不出网格)",
                field=f"tiers.{t.name}.joint",
            )
            for t in self.tiers.values()
            if t.joint
            and self.grid_level in levels
            and any(level in levels for level in t.levels)
            and not self.above_grid(t, levels)
        )
        if self.grid_level not in levels:
            problems.append(
                self._problem(
                    "grid_level", f"{self.grid_level!r} is not a level of {levels.spec()!r}"
                )
            )
        if problems:
            raise PolicyError.many(problems, what=ROUTING_POLICY.what)

    def above_grid(self, tier: Tier, levels: LevelSet) -> bool:
        """Whether ``tier`` finishes above the grid level: the tiers that may be handled
        jointly (大事协同解决); the others stay in the grid."""
        return levels.is_deeper(self.grid_level, tier.level_in(levels))

    def stayed_in_grid(self, ticket: Ticket, levels: LevelSet) -> bool | None:
        """小事不出网格: the one definition, for the live loop, replay and simulation.

        ``None`` while the ticket is not closed, or when it was closed without being
        handled (办结), or its handling level is unknown.  ``False`` once it was escalated
        or handled jointly (大事协同解决 never counts as in the grid).  Otherwise ``True``
        when the level that handled it is the grid level or below it (a micro-grid).
        """
        if ticket.state != State.CLOSED or ticket.handled_at is None:
            return None
        if ticket.escalation_count or ticket.joint:
            return False
        level = ticket.handled_level
        if level is None or level not in levels:
            return None
        return not levels.is_deeper(self.grid_level, level)


_MATCHED_LIMIT = 65_536


def _matches_any(category: str, patterns: Mapping[str, str]) -> bool:
    return any(fnmatch.fnmatchcase(category, p) for p in patterns)


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
    keys = (*(f"tiers.{n}.level" for n in spec.tiers), "grid_level")
    lines = {key: policy_file.line_of(key) for key in keys}
    return _build(catalogue, spec, str(policy_path), lines)


def _build(
    catalogue: CatalogueFile, spec: PolicyFile, source: str, lines: Mapping[str, int | None]
) -> RoutingPolicy:
    cats = {r.code: Category(r.code, r.label_zh, r.label_en, r.parent) for r in catalogue.category}
    tiers = {
        name: Tier(
            name,
            t.label_zh,
            t.label_en,
            tuple(t.level),
            tuple(t.departments),
            t.supervised,
            tuple(t.handler_kinds),
            t.joint,
            t.lead_may_finish,
        )
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
    return RoutingPolicy(
        cats,
        tiers,
        routes,
        tuple(spec.handler_kinds),
        grid_level=spec.grid_level,
        default_tier=spec.default_tier,
        source=source,
        lines=lines,
    )


def _parents(cats: Mapping[str, Category], code: str) -> Iterator[str]:
    parent = cats[code].parent
    while parent is not None:
        yield parent
        parent = cats[parent].parent
