"""Build the Hangzhou sample hierarchy shipped in ``gridgov/samples/hangzhou/areas.toml``.

The sizes come from the source documents (see ``/work/shared/DOMAIN.md``):
朱庙 has 8 residential grids and 106 micro-grids (seed 004, 余杭区仓前街道);
罗婆路 has 7 grids, 55 micro-grids and 4,185 households in three estates (seed 001,
萧山区); 湖山 has 3 grids and 20 micro-grids (seed 001); 江澜 reports 38
micro-grids without naming its grids (seed 001), so it is kept as a community
with that figure in its metadata.  The seeds do not say which street 罗婆路,
湖山 and 江澜 belong to, so they hang directly under 萧山区: ``street`` is an
optional level here.  How micro-grids split between grids, and the units'
names, are illustrative.

``python examples/build_hangzhou_sample.py`` checks that the shipped file is what
this script builds; ``--write`` rewrites it after the script changed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "src" / "gridgov" / "samples" / "hangzhou" / "areas.toml"
LEVELS = "city > district > street? > community > grid > micro_grid"
DEPARTMENTS = {
    "chengguan": "城管",
    "police": "公安分局",
    "fire": "消防救援大队",
    "traffic_police": "交警大队",
    "market_regulation": "市场监管局",
}


def split(total: int, parts: int) -> list[int]:
    """``total`` micro-grids over ``parts`` grids, the first grids taking one more."""
    base, more = divmod(total, parts)
    return [base + (1 if i < more else 0) for i in range(parts)]


def community(
    code: str, name: str, parent: str, grids: int, micro_grids: int, **meta: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A community with its grids and micro-grids, and the people on them."""
    areas: list[dict[str, Any]] = [
        {"code": code, "name": f"{name}社区", "level": "community", "parent_code": parent, **meta}
    ]
    units: list[dict[str, Any]] = [
        unit(f"{code}-office", f"{name}社区居委会", "community_office", code),
        unit(f"{code}-sw", f"{name}社区社工", "social_worker", code),
    ]
    for g, count in enumerate(split(micro_grids, grids) if grids else [], start=1):
        grid = f"{code}-G{g:02d}"
        areas.append(
            {"code": grid, "name": f"{name}第{g}网格", "level": "grid", "parent_code": code}
        )
        units += [
            unit(f"{grid}-head", f"{name}第{g}网格 网格长", "grid_head", grid),
            unit(f"{grid}-worker", f"{name}第{g}网格 专职网格员", "grid_worker", grid),
        ]
        for m in range(1, count + 1):
            micro = f"{grid}-M{m:02d}"
            label = f"{name}第{g}网格第{m}微网格"
            areas.append({"code": micro, "name": label, "level": "micro_grid", "parent_code": grid})
            units += [
                unit(f"{micro}-mgw", f"{label} 微网格员", "micro_grid_worker", micro),
                unit(f"{micro}-bl", f"{label} 楼道长", "building_leader", micro),
            ]
    return areas, units


def unit(code: str, name: str, kind: str, area: str, department: str = "") -> dict[str, Any]:
    record = {"code": code, "name": name, "kind": kind, "area_code": area}
    return {**record, "department": department} if department else record


def departments(district: str, name: str) -> list[dict[str, Any]]:
    """The functional departments (职能部门) serving a whole district."""
    return [
        unit(f"{district}-{dep}", f"{name}{label}", "department", district, dep)
        for dep, label in DEPARTMENTS.items()
    ]


def build() -> dict[str, Any]:
    areas: list[dict[str, Any]] = [
        {"code": "HZ", "name": "杭州市", "name_en": "Hangzhou", "level": "city"},
        {
            "code": "HZ-YH",
            "name": "余杭区",
            "name_en": "Yuhang",
            "level": "district",
            "parent_code": "HZ",
        },
        {
            "code": "HZ-XS",
            "name": "萧山区",
            "name_en": "Xiaoshan",
            "level": "district",
            "parent_code": "HZ",
        },
        {
            "code": "HZ-YH-CQ",
            "name": "仓前街道",
            "name_en": "Cangqian",
            "level": "street",
            "parent_code": "HZ-YH",
        },
    ]
    units = [
        *departments("HZ-YH", "余杭区"),
        *departments("HZ-XS", "萧山区"),
        unit("HZ-YH-CQ-office", "仓前街道办事处", "street_office", "HZ-YH-CQ"),
        unit("HZ-YH-CQ-chengguan", "仓前街道综合行政执法队", "department", "HZ-YH-CQ", "chengguan"),
    ]
    parts = [
        community("HZ-YH-CQ-ZM", "朱庙", "HZ-YH-CQ", 8, 106, name_en="Zhumiao"),
        community("HZ-YH-CQ-MC", "梦创", "HZ-YH-CQ", 0, 0, name_en="Mengchuang"),
        community("HZ-YH-CQ-GX", "葛巷", "HZ-YH-CQ", 0, 0, name_en="Gexiang"),
        community(
            "HZ-XS-LPL",
            "罗婆路",
            "HZ-XS",
            7,
            55,
            name_en="Luopolu",
            households=4185,
            population=8897,
            party_members="323",
        ),
        community("HZ-XS-HS", "湖山", "HZ-XS", 3, 20, name_en="Hushan"),
        community("HZ-XS-JL", "江澜", "HZ-XS", 0, 0, name_en="Jianglan", micro_grids_reported="38"),
    ]
    for community_areas, community_units in parts:
        areas += community_areas
        units += community_units
    units += [
        unit(f"HZ-XS-LPL-pm{i}", f"{estate}物业服务中心", "property_company", "HZ-XS-LPL")
        for i, estate in enumerate(["右岸澜庭", "四季华庭", "晨悦湾"], start=1)
    ]
    units.append(unit("HZ-YH-CQ-ZM-pm", "朱庙社区物业服务中心", "property_company", "HZ-YH-CQ-ZM"))
    return {"levels": LEVELS, "areas": areas, "units": units}


def render() -> str:
    header = "# Generated by examples/build_hangzhou_sample.py; edit the script, not this file.\n"
    return header + tomli_w.dumps(build())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write the sample to {OUT}")
    parser.add_argument("--out", type=Path, help="write the sample to this file instead")
    args = parser.parse_args()
    text = render()
    if args.write or args.out:
        out = args.out or OUT
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    elif OUT.read_text(encoding="utf-8") == text:
        print(f"{OUT} is up to date ({text.count('[[areas]]')} areas)")
    else:
        raise SystemExit(f"{OUT} differs from what this script builds: run it with --write")


if __name__ == "__main__":
    main()
