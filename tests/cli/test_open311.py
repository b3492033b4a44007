"""Open311 GeoReport v2 out (``replay run --open311-out``) and in (``gridgov open311
import``), and the round trip between them (issue 12)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridgov.cli import main
from gridgov.replay import BOSTON_SAMPLE_DIR

SAMPLE = BOSTON_SAMPLE_DIR / "tickets_2015h1_sample.csv.gz"
MAPPING = BOSTON_SAMPLE_DIR / "mapping.toml"
POLICY = BOSTON_SAMPLE_DIR / "policy.toml"
KEPT = (
    "ticket_id", "category", "area", "channel", "unit", "opened_at", "due_at", "closed_at",
    "on_time", "final_state", "reopened", "escalations", "handling_hours", "source_due_at",
)  # fmt: skip
"""What a ticket keeps through Open311 (its tier and stayed-in-grid are the routing's; the
source's own verdict is not a GeoReport field)."""
GEOREPORT = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
    "extended_attributes",
}  # fmt: skip


def _invoke(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, [*args, "-q"])
    assert result.exit_code == 0, result.stderr or result.exception
    return result.stdout, result.stderr


def _export(tmp_path: Path, *args: str) -> tuple[Path, Path]:
    requests, tickets = tmp_path / "requests.json", tmp_path / "original.csv"
    _invoke("replay", "run", str(SAMPLE), "--mapping", str(MAPPING), *args,
            "--open311-out", str(requests), "--tickets-out", str(tickets))  # fmt: skip
    return requests, tickets


def _tickets(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return [{k: row[k] for k in KEPT} for row in csv.DictReader(file)]


def test_an_export_imported_gives_equal_tickets(tmp_path: Path) -> None:
    requests, original = _export(tmp_path, "--due-from-source")
    again = tmp_path / "again.csv"
    _invoke("open311", "import", str(requests), "--tickets-out", str(again))
    before, after = _tickets(original), _tickets(again)
    assert len(after) == 2000  # every row of the sample
    assert after == before
    assert {t["final_state"] for t in after} == {"closed", "in_progress"}


def test_the_export_is_a_georeport_list_of_requests(tmp_path: Path) -> None:
    requests, original = _export(tmp_path, "--policy", str(POLICY))
    listed = json.loads(requests.read_text(encoding="utf-8"))
    tickets = {t["ticket_id"]: t for t in _tickets(original)}
    assert [r["service_request_id"] for r in listed] == list(tickets)
    for request in listed:
        ticket = tickets[request["service_request_id"]]
        assert set(request) == GEOREPORT
        assert request["status"] == ("closed" if ticket["closed_at"] else "open")
        assert request["service_code"] == request["service_name"] == ticket["category"]
        assert request["requested_datetime"] == ticket["opened_at"]
        assert request["expected_datetime"] == (ticket["due_at"] or None)  # the policy's due
        assert request["agency_responsible"] == (ticket["unit"] or None)
        if ticket["closed_at"]:
            assert request["updated_datetime"] == ticket["closed_at"]
        assert request["extended_attributes"]["area"] == ticket["area"]
    assert len(requests.read_text(encoding="utf-8").splitlines()) == len(listed) + 2


def test_the_export_under_jobs_equals_one_process(tmp_path: Path) -> None:
    files = []
    for jobs in ("1", "2"):
        folder = tmp_path / jobs
        folder.mkdir()
        requests, _ = _export(folder, "--due-from-source", "--jobs", jobs)
        files.append(requests.read_bytes())
    assert files[0] == files[1]


CITY = """[
  {
    "service_request_id": "638344", "status": "closed", "status_notes": "Duplicate request.",
    "service_name": "Sidewalk and Curb Issues", "service_code": "006",
    "agency_responsible": "City of Bloomington Public Works",
    "requested_datetime": "2010-04-19T06:37:38-08:00",
    "updated_datetime": "2010-04-19T06:37:38-08:00", "expected_datetime": null,
    "address": "8TH AVE and JUDAH ST", "lat": 37.762221815, "long": -122.4651145
  },
  {
    "service_request_id": "638349", "status": "open", "service_name": "Pothole",
    "service_code": "007", "requested_datetime": "2010-04-19T06:37:38-08:00",
    "updated_datetime": "2010-04-20T08:00:00-08:00",
    "expected_datetime": "2010-04-23T17:00:00-08:00"
  }
]
"""
"""A city's GeoReport v2 response (as the specification's example has it)."""


def test_a_city_s_requests_are_replayed_in_one_root_area(tmp_path: Path) -> None:
    city, tickets = tmp_path / "requests.json", tmp_path / "t.csv"
    city.write_text(CITY, encoding="utf-8")
    _, err = _invoke("open311", "import", str(city), "--tickets-out", str(tickets))
    rows = {t["ticket_id"]: t for t in _tickets(tickets)}
    closed, still_open = rows["638344"], rows["638349"]
    assert (closed["final_state"], closed["closed_at"]) == ("closed", "2010-04-19T06:37:38-08:00")
    assert (closed["category"], closed["area"]) == ("Sidewalk and Curb Issues", "open311")
    assert closed["on_time"] == "true"  # no due time: on time, as with --due-from-source
    assert (still_open["final_state"], still_open["closed_at"]) == ("in_progress", "")
    assert still_open["due_at"] == "2010-04-23T17:00:00-08:00"
    assert "read 2 rows (2 replayed, 0 ignored, 0 rejected)" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"service_requests": []}', "requests.json:1: not an Open311 GeoReport v2 list"),
        ("", "requests.json:1: not an Open311 GeoReport v2 list of service requests: expected "
             "a JSON list [...], found an empty file"),
        ('[\n{"service_request_id": "1"},\n{"service_request_id": \n', "requests.json:4: not "
                                                                       "valid JSON: Expecting"),
        ('[\n{"service_request_id": "1"}\n{"service_request_id": "2"}]', "requests.json:3: not "
                                                                         "valid JSON: expected "
                                                                         "',' or ']'"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_list_of_requests_names_the_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    city = tmp_path / "requests.json"
    city.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["open311", "import", str(city)])
    assert result.exit_code == 1
    assert expected in result.stderr.replace(str(tmp_path) + "/", "")


def test_an_element_that_is_no_request_is_a_reject_on_its_line(tmp_path: Path) -> None:
    city, rejects = tmp_path / "requests.json", tmp_path / "x.csv"
    text = CITY.replace("[\n  {", '[\n  ["not", "a request"],\n  {', 1)
    city.write_text(text, encoding="utf-8")
    _, err = _invoke("open311", "import", str(city), "--rejects-out", str(rejects))
    with rejects.open(encoding="utf-8") as file:
        (reject,) = csv.DictReader(file)
    assert (reject["line"], reject["kind"]) == ("2", "unreadable")
    assert "expected a service request (a JSON object), found list" in reject["reason"]
    assert "read 3 rows (2 replayed, 0 ignored, 1 rejected)" in err
