"""``gridgov open311 import``: replay an Open311 GeoReport v2 list of service requests."""

from __future__ import annotations

from typing import Any

import click

from gridgov.cli._replay import run

__all__ = ["open311"]


@click.group()
def open311() -> None:
    """Open311 GeoReport v2 (the format many cities publish their 311 requests in)."""


def _import(**options: Any) -> None:
    from gridgov.replay import OPEN311_MAPPING

    if not options["policies"]:
        options["due_from_source"] = True  # expected_datetime: the city's own due times
    assert run.callback is not None
    run.callback(mapping_path=OPEN311_MAPPING, **options)


open311.add_command(
    click.Command(
        "import",
        callback=_import,
        params=[p for p in run.params if p.name != "mapping_path"],
        help="""Replay INPUT, an Open311 GeoReport v2 list of service requests (the JSON of
        GET requests.json, or what `replay run --open311-out` writes), and print the
        report.

        Each request is one ticket, read through the built-in mapping
        (gridgov/samples/open311/mapping.toml): service_name is the category,
        agency_responsible the unit, expected_datetime the city's own due time (the
        default with no --policy), the updated_datetime of a closed request its closing
        time, extended_attributes area and channel the area and channel. Every option
        of `replay run` but --mapping applies.""",
        short_help="Replay an Open311 GeoReport v2 JSON list of service requests.",
    )
)
