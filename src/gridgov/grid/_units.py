"""People and units attached to areas, and who is responsible for an area.

A unit (网格长, 网格员, 楼道长, 物业, 城管中队 ...) is attached to one area and
covers that area's whole subtree.  :meth:`Directory.responsible` answers "who
handles area A" by looking at A and then up the tree, nearest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from gridgov.errors import NoResponsibleUnit, UnknownArea
from gridgov.grid._checks import code_problem, text_problem
from gridgov.grid._tree import AreaTree

__all__ = ["DEPARTMENT_LABELS_ZH", "Directory", "Unit", "UnitKind"]


class UnitKind(StrEnum):
    """The role a unit plays in the grid (its ``kind``)."""

    GRID_HEAD = "grid_head"
    GRID_WORKER = "grid_worker"
    BUILDING_LEADER = "building_leader"
    MICRO_GRID_WORKER = "micro_grid_worker"
    VOLUNTEER = "volunteer"
    SOCIAL_WORKER = "social_worker"
    PROPERTY_COMPANY = "property_company"
    OWNERS_COMMITTEE = "owners_committee"
    COMMUNITY_OFFICE = "community_office"
    STREET_OFFICE = "street_office"
    DEPARTMENT = "department"

    @property
    def label_zh(self) -> str:
        """The Chinese name of the role."""
        return _KIND_LABELS_ZH[self]


_KIND_LABELS_ZH = {
    UnitKind.GRID_HEAD: "网格长",
    UnitKind.GRID_WORKER: "网格员",
    UnitKind.BUILDING_LEADER: "楼道长",
    UnitKind.MICRO_GRID_WORKER: "微网格员",
    UnitKind.VOLUNTEER: "志愿者",
    UnitKind.SOCIAL_WORKER: "社工",
    UnitKind.PROPERTY_COMPANY: "物业",
    UnitKind.OWNERS_COMMITTEE: "业委会",
    UnitKind.COMMUNITY_OFFICE: "社区居委会",
    UnitKind.STREET_OFFICE: "街道办事处",
    UnitKind.DEPARTMENT: "职能部门",
}

#: Functional departments (职能部门) seen in the source documents; others may be used.
DEPARTMENT_LABELS_ZH: Mapping[str, str] = MappingProxyType(
    {
        "chengguan": "城管",
        "police": "公安",
        "fire": "消防",
        "traffic_police": "交警",
        "market_regulation": "市场监管",
        "housing": "住建",
        "environment": "生态环境",
        "civil_affairs": "民政",
    }
)


@dataclass(frozen=True, slots=True)
class Unit:
    """A person or body attached to ``area_code``; it covers that area's subtree.

    ``kind`` is a :class:`UnitKind`; a ``department`` unit also names its
    department code (``chengguan``, ``police`` ...), which the others leave ``None``.
    """

    code: str
    name: str
    kind: UnitKind
    area_code: str
    department: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", UnitKind(self.kind))
        if not self.code.strip() or not self.name.strip():
            raise ValueError("a unit needs a non-empty code and name")
        for field_name, bad in (
            ("code", code_problem(self.code)),
            ("name", text_problem(self.name)),
        ):
            if bad:
                raise ValueError(f"unit {self.code!r}: {field_name} {bad}")
        if (self.kind is UnitKind.DEPARTMENT) != bool(self.department):
            raise ValueError(
                f"unit {self.code!r}: a department code is required for kind 'department' "
                "and only for it"
            )

    @property
    def label_zh(self) -> str:
        """Chinese role label: the department's name for departments."""
        if self.department:
            return DEPARTMENT_LABELS_ZH.get(self.department, self.department)
        return self.kind.label_zh


class Directory:
    """The units of one :class:`AreaTree`, indexed by the area they sit on.

    >>> from gridgov.grid import Area, AreaTree, Unit
    >>> tree = AreaTree([Area("YH", "余杭区", "district"), Area("ZM", "朱庙", "community", "YH")])
    >>> units = Directory(tree, [Unit("cg-yh", "余杭城管", "department", "YH", "chengguan")])
    >>> units.responsible("ZM", department="chengguan").name
    '余杭城管'
    """

    __slots__ = ("_by_area", "_tree", "_units")

    def __init__(self, tree: AreaTree, units: Iterable[Unit] = ()) -> None:
        self._tree = tree
        self._units: dict[str, Unit] = {}
        self._by_area: dict[str, list[Unit]] = {}
        for unit in units:
            self.add(unit)

    def add(self, unit: Unit) -> None:
        """Attach a unit; its area must exist and its code must be new."""
        if unit.area_code not in self._tree:
            raise UnknownArea(unit.area_code)
        if unit.code in self._units:
            raise ValueError(f"duplicate unit code {unit.code!r}")
        self._units[unit.code] = unit
        self._by_area.setdefault(unit.area_code, []).append(unit)

    @property
    def tree(self) -> AreaTree:
        """The hierarchy the units are attached to."""
        return self._tree

    def get(self, code: str) -> Unit:
        """The unit with ``code``; ``KeyError`` if there is none (workflow relies on it)."""
        return self._units[code]

    def find(self, code: str) -> Unit | None:
        """The unit with ``code``, or ``None``."""
        return self._units.get(code)

    def at(self, area_code: str) -> list[Unit]:
        """The units attached to exactly this area, in the order they were added."""
        self._tree.get(area_code)
        return list(self._by_area.get(area_code, ()))

    def covering(
        self,
        area_code: str,
        *,
        level: str | None = None,
        kind: UnitKind | str | None = None,
        department: str | None = None,
    ) -> Iterator[Unit]:
        """Every matching unit that covers ``area_code``, nearest area first.

        ``level`` keeps units attached to an area at that level; ``kind`` keeps
        one role; ``department`` keeps that functional department.
        """
        tree = self._tree
        if level is not None:
            tree.levels.index(level)
        wanted_kind = UnitKind(kind) if kind is not None else None
        for area in (tree.get(area_code), *tree.ancestors(area_code)):
            if level is not None and area.level != level:
                continue
            for unit in self._by_area.get(area.code, ()):
                if wanted_kind is not None and unit.kind is not wanted_kind:
                    continue
                if department is not None and unit.department != department:
                    continue
                yield unit

    def responsible(
        self,
        area_code: str,
        *,
        level: str | None = None,
        kind: UnitKind | str | None = None,
        department: str | None = None,
    ) -> Unit:
        """The nearest unit covering ``area_code`` that matches; the first added wins a tie.

        Raises :class:`~gridgov.errors.NoResponsibleUnit` when none does.
        """
        for unit in self.covering(area_code, level=level, kind=kind, department=department):
            return unit
        wanted = " ".join(
            part
            for part in (
                f"department {department!r}" if department else "",
                f"{kind}" if kind and not department else "",
                f"at level {level!r}" if level else "",
            )
            if part
        )
        raise NoResponsibleUnit(area_code, wanted or "unit")

    def __iter__(self) -> Iterator[Unit]:
        return iter(self._units.values())

    def __len__(self) -> int:
        return len(self._units)
