"""A small area hierarchy with units, actors and a loop, shared by the workflow tests.

区 D → 街道 S → 社区 C1 (grids G1, G2; micro-grid M1 under G1), 社区 C2 (grid G3).
"""

from __future__ import annotations

from datetime import UTC, datetime

from gridgov.clock import ManualClock
from gridgov.grid import Area, AreaTree, Directory, LevelSet, Unit, UnitKind
from gridgov.workflow import Actor, Ticket, TicketLoop

LEVELS = LevelSet(["district", "street", "community", "grid", "micro_grid"])
START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)

AREAS = [
    Area("D", "余杭区", "district"),
    Area("S", "仓前街道", "street", "D"),
    Area("C1", "朱庙社区", "community", "S"),
    Area("C2", "湖山社区", "community", "S"),
    Area("G1", "朱庙第一网格", "grid", "C1"),
    Area("G2", "朱庙第二网格", "grid", "C1"),
    Area("G3", "湖山第一网格", "grid", "C2"),
    Area("M1", "1幢", "micro_grid", "G1"),
]
UNITS = [
    Unit("gw-G1", "网格员甲", UnitKind.GRID_WORKER, "G1"),
    Unit("gh-G1", "网格长甲", UnitKind.GRID_HEAD, "G1"),
    Unit("gw-G2", "网格员乙", UnitKind.GRID_WORKER, "G2"),
    Unit("gw-G3", "网格员丙", UnitKind.GRID_WORKER, "G3"),
    Unit("mw-M1", "微网格员", UnitKind.MICRO_GRID_WORKER, "M1"),
    Unit("bl-M1", "楼道长", UnitKind.BUILDING_LEADER, "M1"),
    Unit("co-C1", "朱庙社区居委会", UnitKind.COMMUNITY_OFFICE, "C1"),
    Unit("co-C2", "湖山社区居委会", UnitKind.COMMUNITY_OFFICE, "C2"),
    Unit("pc-C1", "朱庙物业", UnitKind.PROPERTY_COMPANY, "C1"),
    Unit("so-S", "仓前街道办", UnitKind.STREET_OFFICE, "S"),
    Unit("cg-D", "余杭城管", UnitKind.DEPARTMENT, "D", "chengguan"),
    Unit("fire-D", "余杭消防", UnitKind.DEPARTMENT, "D", "fire"),
    Unit("pol-D", "余杭公安", UnitKind.DEPARTMENT, "D", "police"),
]

RESIDENT = Actor("r1", "resident", "M1")
NEIGHBOUR = Actor("r2", "resident", "M1")
WORKER = Actor("gw-G1", UnitKind.GRID_WORKER, "G1", unit_code="gw-G1")
OTHER_WORKER = Actor("gw-G3", UnitKind.GRID_WORKER, "G3", unit_code="gw-G3")
HEAD = Actor("gh-G1", UnitKind.GRID_HEAD, "G1", unit_code="gh-G1")
COMMUNITY = Actor("co-C1", UnitKind.COMMUNITY_OFFICE, "C1", unit_code="co-C1")
STREET = Actor("so-S", UnitKind.STREET_OFFICE, "S", unit_code="so-S")
CHENGGUAN = Actor("cg-D", UnitKind.DEPARTMENT, "D", unit_code="cg-D")
POLICE = Actor("pol-D", UnitKind.DEPARTMENT, "D", unit_code="pol-D")
FIRE = Actor("fire-D", UnitKind.DEPARTMENT, "D", unit_code="fire-D")
SYSTEM = Actor("sla", "system")


def make_loop(clock: ManualClock | None = None) -> TicketLoop:
    tree = AreaTree(AREAS, LEVELS)
    return TicketLoop(directory=Directory(tree, UNITS), clock=clock or ManualClock(START))


def reported(loop: TicketLoop, category: str = "noise", area: str = "M1") -> Ticket:
    ticket, _ = loop.report("T1", RESIDENT, category=category, area_code=area)
    return ticket


def in_progress(loop: TicketLoop, category: str = "noise") -> Ticket:
    ticket = reported(loop, category)
    loop.accept(ticket, WORKER)
    loop.dispatch(ticket, WORKER)
    loop.sign_for(ticket, WORKER)
    return ticket


def reviewing(loop: TicketLoop) -> Ticket:
    ticket = in_progress(loop)
    loop.mark_handled(ticket, WORKER, result="talked to the neighbours", photos=["p1.jpg"])
    loop.request_review(ticket, WORKER)
    return ticket
