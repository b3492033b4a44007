"""Who handles a report from a stairwell of 朱庙? Route it on the Hangzhou sample.

"Small issues stay in the grid, big ones are handled jointly above it"
(小事不出网格、大事协同解决): a blocked fire lane goes to the grid head first, an
illegal e-bike charging cable to the fire brigade, a shop's fake goods to market
regulation — each found by falling back up the tree from where it was reported.

    python examples/hangzhou/who_handles.py
"""

from __future__ import annotations

from gridgov.grid import load_sample

# One micro-grid (a stairwell) of 朱庙社区, 仓前街道, 余杭区.
WHERE = "HZ-YH-CQ-ZM-G05-M07"
REPORTS = [
    ("楼道堆物 (things piled in the stairwell)", {"kind": "building_leader"}),
    ("消防通道堵塞 (fire lane blocked)", {"kind": "grid_head"}),
    ("飞线充电 (illegal e-bike charging cable)", {"department": "fire"}),
    ("占道经营 (street stall on the pavement)", {"department": "chengguan"}),
    ("销售假冒商品 (fake goods sold)", {"department": "market_regulation"}),
    ("物业维修 (a repair for the property company)", {"kind": "property_company"}),
]


def main() -> None:
    sample = load_sample("hangzhou")
    tree, directory = sample.tree, sample.directory
    print(" > ".join(a.name for a in tree.path(WHERE)))
    for report, wanted in REPORTS:
        unit = directory.responsible(WHERE, **wanted)
        where = tree.get(unit.area_code)
        levels_up = tree.depth(WHERE) - tree.depth(where.code)
        print(f"- {report}: {unit.name} ({unit.label_zh}, {levels_up} level(s) up at {where.name})")


if __name__ == "__main__":
    main()
