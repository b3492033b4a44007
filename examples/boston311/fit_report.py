"""How many of Boston's own due times (TARGET_DT) gridgov reproduces from OPEN_DT and TYPE.

The due time of each ticket is computed by gridgov's policy and calendar code only:
the policy in force when the ticket was opened (``policy.toml``, or
``policy_until_2015-02-16.toml`` before the city's SLA revision) selects the rule for the
ticket's TYPE, and the rule's handling clock adds its duration on the Boston business
calendar.  A due time counts as reproduced within two minutes of TARGET_DT.  Misses are
sorted into classes so the residual error is visible::

    python examples/boston311/fit_report.py [--data FILE] [--json]

Without ``--data`` it reads the shared 58,119-ticket file; when that file is not beside the
repository it says so and exits without a fit.

How the two policy files were derived (``--derive`` writes them again): for each request
type and each period (before and after ``REVISION``), try "N working days" and "N calendar
days" on the Boston business calendar, for N near the type's observed due times, and keep
the one that reproduces most of its TARGET_DTs (at least half of them and at least three,
else the period has no evidence for that type and keeps the other period's rule).  Types
with the same due time share one rule: the policies are general rules per type, never a
lookup of tickets or dates.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from gridgov.sla import CalendarSpec, Duration, SlaPolicy, WorkingCalendar, load_policy

BOSTON = ZoneInfo("America/New_York")
POLICY_DIR = Path(__file__).resolve().parent
BOSTON_FULL = POLICY_DIR.parents[2] / "shared" / "data" / "boston311" / "boston311_2015_h1.csv.gz"
REVISION = datetime(2015, 2, 16, 13, 0, tzinfo=BOSTON)
"""When the city's revised SLA table came into force (Presidents' Day 2015, ~13:00): 14
request types got new due times then.  Tickets opened before it follow
``policy_until_2015-02-16.toml``, tickets opened after it ``policy.toml``.  Found as the
common change point of those types (each one's best split lies on 16 February)."""

TOLERANCE = timedelta(minutes=2)
_FORMAT = "%m/%d/%Y %I:%M:%S %p"


@dataclass(frozen=True, slots=True)
class DueTicket:
    """One ticket with the city's due time: id, request type, opened, due (Boston time)."""

    case_id: str
    type: str
    opened: datetime
    target: datetime


def read_due_tickets(path: Path) -> Iterator[DueTicket]:
    """Every ticket of the file that has a TARGET_DT, in file order.

    Raises :class:`ValueError` naming the line when a time cannot be read.
    """
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if not row["TARGET_DT"]:
                continue
            try:
                opened = datetime.strptime(row["OPEN_DT"], _FORMAT).replace(tzinfo=BOSTON)
                target = datetime.strptime(row["TARGET_DT"], _FORMAT).replace(tzinfo=BOSTON)
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: OPEN_DT/TARGET_DT: {exc}") from exc
            yield DueTicket(row["CASE_ENQUIRY_ID"], row["TYPE"], opened, target)


# ----------------------------------------------------------------- deriving the policies

MIN_SUPPORT = 3
CALENDAR_TOML = """\
# Boston city business hours: Monday to Friday 08:30-17:00, Massachusetts public
# holidays from the `holidays` package (US, subdiv MA).  A ticket opened after hours
# starts its clock at 08:30 on the next working day; N working days keep the time of day.
[calendars.boston_business]
label_zh = "波士顿市政工作日"
timezone = "America/New_York"
working_hours = ["08:30-17:00"]
workweek = ["mon", "tue", "wed", "thu", "fri"]
holidays = { provider = "holidays", country = "US", subdiv = "MA", last_known_year = 2026 }
working_day_rule = "keep_time_of_day"
"""
BUSINESS = WorkingCalendar(
    CalendarSpec.model_validate(
        {"name": "boston_business", **tomllib.loads(CALENDAR_TOML)["calendars"]["boston_business"]}
    )
)


def _candidates(tickets: Sequence[DueTicket]) -> set[str]:
    spans = sorted((t.target - t.opened) / timedelta(days=1) for t in tickets)
    found: set[str] = set()
    for days in spans[:: max(1, len(spans) // 50)]:
        for shift in range(-2, 3):
            found.add(f"{max(0, round(days) + shift)} calendar_days")
            found.add(f"{max(0, round(days * 5 / 7) + shift)} working_days")
    return found


def best_due(tickets: Sequence[DueTicket]) -> tuple[str, int] | None:
    """The due time reproducing most of ``tickets`` and how many, or None without support."""
    scored = []
    for text in _candidates(tickets):
        due = Duration.parse(text)
        hits = sum(abs(BUSINESS.add(t.opened, due) - t.target) <= TOLERANCE for t in tickets)
        scored.append((hits, text))
    hits, text = max(scored)
    return (text, hits) if hits * 2 >= len(tickets) and hits >= MIN_SUPPORT else None


def rules_by_type(tickets: Sequence[DueTicket]) -> dict[str, str]:
    """The best-supported due time of each request type that has one."""
    by_type: dict[str, list[DueTicket]] = defaultdict(list)
    for ticket in tickets:
        by_type[ticket.type].append(ticket)
    found = {type_name: best_due(group) for type_name, group in sorted(by_type.items())}
    return {type_name: due[0] for type_name, due in found.items() if due is not None}


def policy_toml(name: str, note: str, rules: dict[str, str]) -> str:
    """A policy file with one rule per due time, selecting the types that have it."""
    by_due: dict[str, list[str]] = defaultdict(list)
    for type_name, due in sorted(rules.items()):
        by_due[due].append(type_name)
    lines = [
        f"# {note}",
        "# Derived by `fit_report.py --derive` from the City of Boston 311 data (2015 H1).",
        "[policy]",
        f'name = "{name}"',
        'label_zh = "波士顿311时限策略"',
        "",
        CALENDAR_TOML,
        "# Every ticket gets a handling clock from report to handled; types without a",
        "# rule have no city due time, so the default clock is off.",
        "[clocks.handling]",
        'label_zh = "办理时限"',
        'start = "report"',
        'stop = "mark_handled"',
        'calendar = "boston_business"',
        'due = "10 working_days"',
        "enabled = false",
    ]
    for due, types in sorted(by_due.items(), key=lambda item: _sort_key(item[0])):
        amount, unit = due.split()
        lines += ["", "[[rules]]", f'name = "{unit.replace("_", "-")}-{amount}"']
        lines.append("match.category = [")
        lines += [f"    {_quote(t)}," for t in types]
        lines += ["]", f'clocks.handling = {{ due = "{due}", enabled = true }}']
    return "\n".join(lines) + "\n"


def _sort_key(due: str) -> tuple[str, int]:
    parsed = Duration.parse(due)
    return parsed.unit.value, parsed.amount


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def derive(path: Path) -> None:
    """Write both policy files from the tickets in ``path``."""
    tickets = list(read_due_tickets(path))
    before = rules_by_type([t for t in tickets if t.opened < REVISION])
    after = rules_by_type([t for t in tickets if t.opened >= REVISION])
    # A type without evidence in one period keeps the rule of the other: no evidence of a change.
    revised = policy_toml(
        "boston311",
        f"In force from {REVISION.isoformat()} (the revised SLA table).",
        before | after,
    )
    earlier = policy_toml(
        "boston311-until-2015-02-16",
        f"In force until {REVISION.isoformat()} (the earlier SLA table).",
        after | before,
    )
    (POLICY_DIR / "policy.toml").write_text(revised, encoding="utf-8")
    (POLICY_DIR / "policy_until_2015-02-16.toml").write_text(earlier, encoding="utf-8")
    changed = sorted(t for t in before if t in after and before[t] != after[t])
    print(f"{len(after | before)} types with a rule; changed at the revision: {len(changed)}")
    for type_name in changed:
        print(f"  {type_name}: {before[type_name]} -> {after[type_name]}")


# ----------------------------------------------------------------- the fit

MISS_CLASSES = {
    "no_rule": "the type has no rule (no evidence of a due-time rule for it)",
    "entered_late": "due 2-60 minutes before ours: OPEN_DT was recorded after the city's "
    "clock started (employee-entered and integrated cases)",
    "other_day": "due on another day: a re-targeted ticket, or a queue within the type "
    "with its own due time",
    "other": "anything else",
}


@dataclass
class Fit:
    """Counts of reproduced due times, overall and with the revised policy alone."""

    tickets: int = 0
    reproduced: int = 0
    reproduced_revised_only: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    miss_types: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return self.reproduced / self.tickets if self.tickets else 0.0

    @property
    def share_revised_only(self) -> float:
        return self.reproduced_revised_only / self.tickets if self.tickets else 0.0


def _miss_class(policy: SlaPolicy, ticket: DueTicket) -> tuple[bool, str]:
    clock = policy.select(category=ticket.type).clock("handling")
    if clock is None:
        return False, "no_rule"
    due = clock.calendar.add(ticket.opened, clock.due)
    gap = due - ticket.target
    if abs(gap) <= TOLERANCE:
        return True, ""
    if TOLERANCE < gap <= timedelta(hours=1):
        return False, "entered_late"
    if abs(gap) >= timedelta(hours=12):
        return False, "other_day"
    return False, "other"


def fit(tickets: Iterable[DueTicket], revised: SlaPolicy, earlier: SlaPolicy) -> Fit:
    """Reproduce every ticket's due time with the policy in force when it was opened."""
    result = Fit()
    for ticket in tickets:
        result.tickets += 1
        policy = earlier if ticket.opened < REVISION else revised
        hit, why = _miss_class(policy, ticket)
        result.reproduced += hit
        if not hit:
            result.misses[why] += 1
            result.miss_types[ticket.type] += 1
        result.reproduced_revised_only += (
            hit if policy is revised else _miss_class(revised, ticket)[0]
        )
    return result


def _print_text(result: Fit, source: Path) -> None:
    print(f"Boston 311 due times reproduced within {TOLERANCE}: {source.name}")
    print(f"  tickets with a TARGET_DT        {result.tickets:>8,}")
    print(f"  reproduced (policy in force)    {result.reproduced:>8,}  {result.share:7.2%}")
    print(
        f"  reproduced (revised table only) {result.reproduced_revised_only:>8,}  "
        f"{result.share_revised_only:7.2%}"
    )
    print("  misses by class:")
    for name, count in result.misses.most_common():
        print(f"    {name:<13} {count:>6,}  {count / result.tickets:6.2%}  {MISS_CLASSES[name]}")
    print("  types with the most misses:")
    for type_name, count in result.miss_types.most_common(8):
        print(f"    {count:>6,}  {type_name}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None, help="a Boston 311 .csv.gz file")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--derive", action="store_true", help="write the policy files again")
    args = parser.parse_args(argv)
    source: Path = args.data or BOSTON_FULL
    if not source.exists():
        print(f"no Boston 311 data at {source}: nothing to fit")
        return 0
    if args.derive:
        derive(source)
    revised = load_policy(POLICY_DIR / "policy.toml")
    earlier = load_policy(POLICY_DIR / "policy_until_2015-02-16.toml")
    result = fit(read_due_tickets(source), revised, earlier)
    if args.json:
        numbers = {
            "tickets": result.tickets,
            "reproduced": result.reproduced,
            "share": result.share,
            "share_revised_only": result.share_revised_only,
            "misses": dict(result.misses),
        }
        print(json.dumps(numbers, indent=2))
    else:
        _print_text(result, source)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
