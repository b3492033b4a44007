"""Build Boston's city → ward → precinct sample from the real 311 data.

Reads ``boston311_2015_h1.csv.gz`` (City of Boston open data via
johnsliao/bostonservicemap, MIT) and writes
``src/gridgov/samples/boston311/areas.csv``: one row per ward and precinct seen
in the data, with the median location of its tickets as a point and the number
of tickets as ``tickets_2015h1``.  Ward and precinct cells are cleaned with
:func:`gridgov.samples.boston_area_code` ("Ward 5" / "05" / "509.0"); a precinct
is placed in the ward its number names.  Prints what it could not place.

``python examples/build_boston_areas.py`` checks that the shipped file is what
this script builds; ``--write`` rewrites it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from gridgov.grid import (
    Area,
    AreaTree,
    Point,
    dump_areas,
)
from gridgov.samples import (
    BOSTON_CITY_CODE,
    BOSTON_LEVELS,
    boston_area_code,
    clean_precinct,
    clean_ward,
)

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "boston311" / "boston311_2015_h1.csv.gz"
OUT = ROOT / "src" / "gridgov" / "samples" / "boston311" / "areas.csv"
HEADER = (
    "# Boston city > ward > precinct, built by examples/build_boston_areas.py from\n"
    "# boston311_2015_h1.csv.gz (City of Boston open data,\n"
    "# via johnsliao/bostonservicemap, MIT licence).\n"
    "# lon/lat: median location of the area's 2015 H1 tickets; tickets_2015h1: their count.\n"
)
# Tickets without a street address are geocoded to City Hall; they say nothing about a precinct.
CITY_HALL = ("42.3594", "-71.0587")


def read(source: Path) -> tuple[Counter[str], dict[str, list[tuple[float, float]]], Counter[str]]:
    """Tickets per area code, their locations, and counts of what could not be placed."""
    tickets: Counter[str] = Counter()
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    issues: Counter[str] = Counter()
    with gzip.open(source, "rt", encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream):
            code = boston_area_code(row["ward"], row["precinct"])
            ward, precinct = clean_ward(row["ward"]), clean_precinct(row["precinct"])
            if ward is not None and precinct is not None and precinct // 100 != ward:
                issues["ward cell disagrees with the precinct's ward (precinct kept)"] += 1
            if code == BOSTON_CITY_CODE:
                issues["no ward or precinct (city level)"] += 1
                continue
            tickets[code] += 1
            lat, lon = row["LATITUDE"].strip(), row["LONGITUDE"].strip()
            if lat and lon and (lat, lon) != CITY_HALL:
                points[code].append((float(lon), float(lat)))
    return tickets, points, issues


def _point(located: list[tuple[float, float]]) -> Point | None:
    if not located:
        return None
    lon = statistics.median(p[0] for p in located)
    lat = statistics.median(p[1] for p in located)
    return Point(round(lon, 5), round(lat, 5))


def areas(tickets: Counter[str], points: dict[str, list[tuple[float, float]]]) -> list[Area]:
    """The city, every ward seen and every precinct seen, with ticket counts and locations."""
    for code in list(tickets):  # a ward's tickets include its precincts'
        if len(code) > len("BOS-W05"):
            tickets[code[:7]] += tickets[code]
            points[code[:7]] += points.get(code, [])
    found = [Area(BOSTON_CITY_CODE, "波士顿", "city", name_en="Boston")]
    for code in sorted(tickets):
        ward, precinct = int(code[5:7]), int(code[9:]) if len(code) > 7 else None
        if precinct is None:
            names = (f"第{ward}选区", f"Ward {ward}", BOSTON_CITY_CODE, "ward")
        else:
            names = (
                f"第{ward}选区第{precinct}分区",
                f"Ward {ward} Precinct {precinct}",
                code[:7],
                "precinct",
            )
        name, name_en, parent, level = names
        found.append(
            Area(
                code,
                name,
                level,
                parent,
                name_en,
                geometry=_point(points.get(code, [])),
                extra={"tickets_2015h1": str(tickets[code])},
            )
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the 311 .csv.gz file")
    parser.add_argument("--write", action="store_true", help=f"write the sample to {OUT}")
    parser.add_argument("--out", type=Path, help="write the sample to this file instead")
    args = parser.parse_args()
    if not args.source.exists():
        print(f"the Boston 311 data is not at {args.source}: nothing to build (see --source)")
        return
    tickets, points, issues = read(args.source)
    tree = AreaTree(areas(tickets, points), BOSTON_LEVELS, source=str(args.source))
    text = HEADER + dump_areas(tree, "csv")
    print(f"{args.source.name}: {tree.count_by_level()}")
    for issue, count in sorted(issues.items()):
        print(f"  {count:6d} tickets: {issue}")
    if args.write or args.out:
        out = args.out or OUT
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}")
    elif OUT.read_text(encoding="utf-8") == text:
        print(f"{OUT} is up to date")
    else:
        raise SystemExit(f"{OUT} differs from what this script builds: run it with --write")


if __name__ == "__main__":
    main()
