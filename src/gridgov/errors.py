"""Every error gridgov raises on purpose.

Catch :class:`GridGovError` to catch them all.  Each subclass carries the data
that explains it (ids, file, line, key) as attributes, and its ``str()`` is a
message a person can act on.  A class's docstring is its default message.

The tree::

    GridGovError
    ├── InvalidInput                 bad input from a file or a caller; lists every problem
    │   ├── AreaFileError            an area hierarchy file (CSV, JSON, TOML)
    │   ├── PeopleFileError          a people file (CSV, JSON, TOML)
    │   ├── PolicyError              a routing / SLA policy, permission matrix or mapping file
    │   ├── InvalidTime              a timestamp that cannot be read
    │   ├── AuditKeyError            an audit key file or $GRIDGOV_AUDIT_KEY
    │   └── InvalidValue             a value no store can hold (too long, a NUL)
    ├── LookupFailed                 something named does not exist
    │   ├── UnknownArea
    │   ├── UnknownLevel
    │   ├── UnknownCategory
    │   ├── UnknownTicket
    │   └── NoResponsibleUnit
    ├── WorkflowError
    │   ├── TransitionNotAllowed
    │   ├── TicketExists             a report with the id of a stored ticket
    │   ├── MergeRefused             merge_into a missing, closed or merged ticket
    │   └── PermissionDenied
    │       ├── UnknownActor         no person or unit has this id
    │       └── ActorMismatch        a caller claimed a role, area or unit it does not hold
    ├── CalendarError
    │   └── CalendarUnknownYear
    ├── StoreError                   the database said no (driver errors are chained)
    │   ├── ConcurrentUpdate
    │   ├── DatabaseNotMigrated
    │   ├── NoDatabase               a SQLite file that does not exist (none is created)
    │   ├── HierarchyConflict        the database holds another area hierarchy
    │   └── AuditChainBroken
    └── OutputFileError              a file gridgov was asked to write cannot be written

Driver errors (SQLAlchemy, psycopg, sqlite3) never escape the store: they are
wrapped in a :class:`StoreError` with ``raise ... from exc``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ActorMismatch",
    "AreaFileError",
    "AuditChainBroken",
    "AuditKeyError",
    "CalendarError",
    "CalendarUnknownYear",
    "ConcurrentUpdate",
    "DatabaseNotMigrated",
    "GridGovError",
    "HierarchyConflict",
    "InvalidInput",
    "InvalidTime",
    "InvalidValue",
    "LookupFailed",
    "MergeRefused",
    "NoDatabase",
    "NoResponsibleUnit",
    "OutputFileError",
    "PeopleFileError",
    "PermissionDenied",
    "PolicyError",
    "Problem",
    "StoreError",
    "TicketExists",
    "TransitionNotAllowed",
    "UnknownActor",
    "UnknownArea",
    "UnknownCategory",
    "UnknownLevel",
    "UnknownTicket",
    "WorkflowError",
    "suggestion",
]


_LISTED = 20  # names listed in a message, at most


def suggestion(name: str, known: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``known`` to a mistyped ``name``,
    else ``""``.

    >>> suggestion("nosie", ["noise", "repair"])
    " (did you mean 'noise'?)"
    """
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class GridGovError(Exception):
    """gridgov could not do what was asked."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or "").strip().splitlines()[0]
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one piece of input: where it is and what is wrong.

    ``source`` is a file name (or another label such as ``"<records>"``),
    ``line`` is 1-based when known, ``field`` names the column or key.
    """

    source: str
    reason: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.reason}"


class InvalidInput(GridGovError):
    """The input is not valid."""

    def __init__(self, problems: Iterable[Problem], what: str = "input") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidInput needs at least one problem")
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(f"invalid {what}: {first}{suffix}")

    def report(self) -> str:
        """Every problem, one per line."""
        return "\n".join(str(p) for p in self.problems)


class InvalidValue(InvalidInput):
    """A value cannot be stored: it is too long for its field or holds a forbidden character."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__([Problem("<value>", reason, field=field)], what="value")


class AuditKeyError(InvalidInput):
    """An audit key (审计密钥) file or ``$GRIDGOV_AUDIT_KEY`` cannot be used.

    The message names the source and line, never the secret.
    """

    def __init__(self, source: str, reason: str, line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__([Problem(source, reason, line=line)], what="audit key")


class AreaFileError(InvalidInput):
    """An area hierarchy file is not valid."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, what="area hierarchy")


class PeopleFileError(InvalidInput):
    """A people file (who acts on tickets) is not valid."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__(problems, what="people file")


class PolicyError(InvalidInput):
    """A settings file (routing or SLA policy, permission matrix, mapping file) is not valid.

    ``what`` names the kind of file in the message (``"SLA policy"`` →
    ``invalid SLA policy: policy.toml:12: clocks.handling.due: …``); ``path``,
    ``line``, ``key`` and ``reason`` describe the first problem.
    """

    def __init__(
        self,
        path: str,
        reason: str,
        *,
        line: int | None = None,
        key: str | None = None,
        what: str = "policy",
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.reason = reason
        self.what = what
        super().__init__([Problem(path, reason, line=line, field=key)], what=what)

    @classmethod
    def many(cls, problems: Sequence[Problem], *, what: str = "policy") -> PolicyError:
        """One error listing several problems (the first one names the error)."""
        if not problems:
            raise ValueError("PolicyError.many needs at least one problem")
        first = problems[0]
        err = cls(first.source, first.reason, line=first.line, key=first.field, what=what)
        err.problems = tuple(problems)
        more = len(problems) - 1
        if more:
            err.message += f" (and {more} more problem{'s' if more != 1 else ''})"
            err.args = (err.message,)
        return err


class InvalidTime(InvalidInput):
    """A timestamp could not be read."""

    def __init__(self, value: str, expected: str, *, source: str = "<argument>") -> None:
        self.value = value
        self.expected = expected
        super().__init__(
            [Problem(source, f"cannot read time {value!r}: expected {expected}")], what="time"
        )


# --------------------------------------------------------------------------- lookups


class LookupFailed(GridGovError):
    """Something that was named does not exist."""


class UnknownArea(LookupFailed):
    """No area has this code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown area code {code!r}")


class UnknownLevel(LookupFailed):
    """No level has this name."""

    def __init__(self, level: str, known: Sequence[str] = ()) -> None:
        self.level = level
        self.known = tuple(known)
        hint = f" (known levels: {', '.join(self.known)})" if self.known else ""
        super().__init__(f"unknown level {level!r}{hint}")


class UnknownCategory(LookupFailed):
    """No category has this code."""

    def __init__(self, code: str, known: Sequence[str] = ()) -> None:
        self.code = code
        self.known = tuple(known)
        hint = suggestion(code, self.known)
        shown = sorted(self.known)[:_LISTED]
        more = f" and {len(self.known) - len(shown)} more" if len(self.known) > len(shown) else ""
        listed = f"; known categories: {', '.join(shown)}{more}" if shown else ""
        super().__init__(f"unknown category {code!r}{hint}{listed}")


class UnknownTicket(LookupFailed):
    """No ticket has this id."""

    def __init__(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        super().__init__(f"unknown ticket {ticket_id!r}")


class NoResponsibleUnit(LookupFailed):
    """No unit covers this area for this role, level or department."""

    def __init__(self, area_code: str, wanted: str) -> None:
        self.area_code = area_code
        self.wanted = wanted
        super().__init__(f"no {wanted} covers area {area_code!r} or any area above it")


# --------------------------------------------------------------------------- workflow


class WorkflowError(GridGovError):
    """The ticket loop refused an action."""


class TransitionNotAllowed(WorkflowError):
    """This trigger is not allowed in the ticket's current state."""

    def __init__(self, ticket_id: str, state: str, trigger: str, reason: str = "") -> None:
        self.ticket_id = ticket_id
        self.state = state
        self.trigger = trigger
        self.reason = reason
        msg = f"ticket {ticket_id!r}: {trigger!r} is not allowed in state {state!r}"
        super().__init__(f"{msg}: {reason}" if reason else msg)


class PermissionDenied(WorkflowError):
    """This actor may not fire this trigger on this ticket."""

    def __init__(self, actor_id: str, trigger: str, ticket_id: str, reason: str = "") -> None:
        self.actor_id = actor_id
        self.trigger = trigger
        self.ticket_id = ticket_id
        self.reason = reason
        msg = f"actor {actor_id!r} may not {trigger!r} ticket {ticket_id!r}"
        super().__init__(f"{msg}: {reason}" if reason else msg)


class UnknownActor(PermissionDenied):
    """No stored person or unit has this id, so it may do nothing."""

    def __init__(self, actor_id: str) -> None:
        self.actor_id = actor_id
        self.trigger = self.ticket_id = ""
        self.reason = "no stored person or unit has this id"
        WorkflowError.__init__(
            self,
            f"unknown actor {actor_id!r}: {self.reason} "
            "(people are loaded with `gridgov people import`)",
        )


class MergeRefused(WorkflowError):
    """A ticket can only be merged into another open ticket."""

    def __init__(self, ticket_id: str, into: str, reason: str) -> None:
        self.ticket_id = ticket_id
        self.into = into
        self.reason = reason
        super().__init__(f"ticket {ticket_id!r} cannot be merged into {into!r}: {reason}")


class ActorMismatch(PermissionDenied):
    """A caller claimed to act as someone the stored people and units say it is not."""

    def __init__(self, actor_id: str, reason: str) -> None:
        self.actor_id = actor_id
        self.trigger = self.ticket_id = ""
        self.reason = reason
        WorkflowError.__init__(self, f"actor {actor_id!r} refused: {reason}")


class TicketExists(WorkflowError):
    """A ticket with this id is already stored; a report needs a new id."""

    def __init__(self, ticket_id: str) -> None:
        self.ticket_id = ticket_id
        super().__init__(f"ticket {ticket_id!r} already exists: a report needs a new id")


# --------------------------------------------------------------------------- calendars


class CalendarError(GridGovError):
    """A working calendar cannot answer."""


class CalendarUnknownYear(CalendarError):
    """The calendar has no announced schedule for this year."""

    def __init__(self, calendar: str, year: int) -> None:
        self.calendar = calendar
        self.year = year
        super().__init__(
            f"calendar {calendar!r} has no announced holiday schedule for {year}; "
            "configure an explicit fallback to compute deadlines in that year"
        )


# --------------------------------------------------------------------------- store


class StoreError(GridGovError):
    """The store could not complete the operation."""


class ConcurrentUpdate(StoreError):
    """Someone else changed the ticket first."""

    def __init__(self, ticket_id: str, expected_version: int, found_version: int | None) -> None:
        self.ticket_id = ticket_id
        self.expected_version = expected_version
        self.found_version = found_version
        super().__init__(
            f"ticket {ticket_id!r} was changed concurrently: expected version "
            f"{expected_version}, found {found_version}"
        )


class DatabaseNotMigrated(StoreError):
    """The database schema is missing or out of date: run `gridgov db upgrade`."""

    def __init__(self, url: str, current: str | None, head: str) -> None:
        self.url = url
        self.current = current
        self.head = head
        super().__init__(
            f"database {url} is at schema revision {current or 'none'}, expected {head}: "
            "run `gridgov db upgrade`"
        )


class NoDatabase(StoreError):
    """There is no database at this URL (only commands that load data create one)."""

    def __init__(self, url: str, path: str) -> None:
        self.url = url
        self.path = path
        super().__init__(
            f"no database at {url}: the file {path} does not exist (nothing was created); "
            "give --db the URL of an existing database, or create one with "
            "`gridgov db upgrade --db URL`, `gridgov areas import FILE --db URL`, "
            "`gridgov replay run ... --db URL` or `gridgov demo --db URL`"
        )


class HierarchyConflict(StoreError):
    """The database holds another area hierarchy; replace it only when asked."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"database {url} {reason}")


class AuditChainBroken(StoreError):
    """A ticket's event hash chain does not verify."""

    def __init__(self, ticket_id: str, sequence: int, reason: str) -> None:
        self.ticket_id = ticket_id
        self.sequence = sequence
        self.reason = reason
        super().__init__(f"ticket {ticket_id!r}: event #{sequence}: {reason}")


# --------------------------------------------------------------------------- output


class OutputFileError(GridGovError):
    """An output file cannot be written."""

    def __init__(self, path: str, reason: str, *, option: str | None = None) -> None:
        self.path = path
        self.reason = reason
        self.option = option
        """The option that named the file (``--report-out``), when there is one."""
        where = f"{option} {path}" if option else path
        super().__init__(f"cannot write {where}: {reason}")

    def __reduce__(self) -> tuple[type[OutputFileError], tuple[str, str], dict[str, object]]:
        # from a --jobs worker process to the parent, with the option
        return type(self), (self.path, self.reason), self.__dict__
