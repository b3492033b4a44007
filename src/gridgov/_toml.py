"""Reading a TOML settings file so every error names the file, the line and the key.

gridgov's configuration files — the routing policy and category catalogue (分级处置),
the permission matrix, the SLA policy (时限), a replay mapping file (映射文件) — are
TOML validated with pydantic.  This module is the one place that reads them: a file
that cannot be read, a TOML syntax error and every pydantic validation error become
:class:`~gridgov.errors.Problem` s with the file, the 1-based line (found by reading
the table headers and keys) and the dotted key, raised together as one
:class:`~gridgov.errors.PolicyError` that says which kind of file it was.

Standard library and pydantic only, so the domain packages may import it.

>>> from pydantic import BaseModel
>>> class Doc(BaseModel):
...     limits: dict[str, int]
>>> doc = parse_toml("[limits]\\nhours = 'many'\\n", source="x.toml", kind=TomlKind("test file"))
>>> try:
...     doc.validate(Doc)
... except PolicyError as exc:
...     print(exc)
invalid test file: x.toml:2: limits.hours: Input should be a valid integer, unable to parse string as an integer (got 'many')
"""  # noqa: E501

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import ErrorDetails

from gridgov.errors import PolicyError, Problem

__all__ = [
    "TimeZoneName",
    "TomlDocument",
    "TomlKind",
    "key_name",
    "parse_toml",
    "read_toml",
    "syntax_problem",
]

M = TypeVar("M", bound=BaseModel)

KeyedReason = tuple[str, str]
"""A dotted key (``rules[2].clocks.handling.due``) and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class TomlKind:
    """Which kind of file is read, as error messages name it.

    ``what`` heads the error (``"SLA policy"`` → ``invalid SLA policy: …``);
    ``file`` names the file when it cannot be read (``cannot read the policy file: …``);
    ``hint`` is added to "unknown key" problems (where the keys are documented).
    """

    what: str
    file: str = "the file"
    hint: str = "check the spelling"


@dataclass(frozen=True, slots=True)
class TomlDocument:
    """A parsed TOML file: where it came from, its text (to find lines) and its data."""

    source: str
    text: str
    data: dict[str, Any]
    kind: TomlKind

    def validate(self, model: type[M]) -> M:
        """``model.model_validate(self.data)``; every validation error as a located problem.

        A top-level key written after a table header (a TOML trap: it silently becomes a
        key of that table) is refused first, saying so, even when the table would take it.
        """
        misplaced = _misplaced(self, model)
        try:
            validated = model.model_validate(self.data)
        except ValidationError as exc:
            if not misplaced:
                raise self.error(self.problems_of(exc)) from exc
            explained = {p.field for p in misplaced} | {p.read_as for p in misplaced}
            rest = [(k, r) for k, r in self.problems_of(exc) if k not in explained]
            problems = [p.problem for p in misplaced] + [self.problem(k, r) for k, r in rest]
            raise PolicyError.many(problems, what=self.kind.what) from exc
        if misplaced:
            raise PolicyError.many([p.problem for p in misplaced], what=self.kind.what)
        return validated

    def problems_of(self, exc: ValidationError, *, under: str = "") -> list[KeyedReason]:
        """Each error of ``exc`` as (key, reason); ``under`` prefixes the keys (a sub-table)."""
        found: list[KeyedReason] = []
        for error in exc.errors(include_url=False):
            key = key_name(error["loc"])
            if under:
                key = f"{under}.{key}" if key else under
            found.append((key, self._reason(error)))
        return found

    def error(self, problems: Iterable[KeyedReason]) -> PolicyError:
        """One :class:`PolicyError` listing every (key, reason), each with its line."""
        return PolicyError.many(
            [self.problem(key, reason) for key, reason in problems], what=self.kind.what
        )

    def problem(self, key: str, reason: str) -> Problem:
        """A :class:`Problem` at ``key`` of this file, with the key's line."""
        return Problem(self.source, reason, line=self.line_of(key), field=key or None)

    def line_of(self, key: str) -> int | None:
        """The line that best matches ``key``: the line of the key itself when it is
        written, else the header of the nearest table around it; ``None`` if neither."""
        return _line_of(self.text, key)

    def _reason(self, error: ErrorDetails) -> str:
        if error["type"] == "extra_forbidden":
            return f"unknown key ({self.kind.hint})"
        if error["type"] == "missing":
            return "required key is missing"
        reason = error["msg"].removeprefix("Value error, ")
        if "input" in error and not isinstance(error["input"], dict):
            reason += f" (got {error['input']!r})"
        return reason


@dataclass(frozen=True, slots=True)
class _Misplaced:
    """A top-level key written under a table: what it is, how TOML read it, the problem."""

    field: str
    read_as: str
    problem: Problem


def _misplaced(document: TomlDocument, model: type[BaseModel]) -> list[_Misplaced]:
    """The top-level keys of ``model`` written after a table header (read into that table).

    A key counts when ``model`` has it, the document does not set it at the top, the
    table it landed in holds it (so the line was read as an assignment there) and that
    table has no such key of its own (a sub-model without the field, or a table of free
    keys such as ``[activities]``).
    """
    found: list[_Misplaced] = []
    fields = model.model_fields
    arrays: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    header_text, header_line, first = "", 0, ""
    for number, line in enumerate(document.text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            names = _dotted(header.group(2))
            if header.group(1) == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            table = _indexed(names, arrays)
            header_text = f"{header.group(1)}{header.group(2)}{header.group(1).replace('[', ']')}"
            header_line = number
            first = first or f"{header_text} on line {number}"
            continue
        assign = _ASSIGN.match(line) if table else None
        if assign is None:
            continue
        key = _dotted(assign.group(1))[0]
        if key not in fields or key in document.data or _holds(model, table, key):
            continue
        if not _is_set(document.data, (*table, key)):
            continue  # not read there (a line inside a multi-line value)
        read_as = key_name([int(p) if p.isdigit() else p for p in (*table, key)])
        reason = (
            f"{key!r} is a top-level key, but it comes after the {header_text} header on "
            f"line {header_line}, so TOML reads it as {read_as}: move it above the first "
            f"table ({first})"
        )
        problem = Problem(document.source, reason, line=number, field=key)
        found.append(_Misplaced(key, read_as, problem))
    return found


def _is_set(data: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return False
    return True


def _holds(model: type[BaseModel], table: tuple[str, ...], key: str) -> bool:
    """Whether the table at ``table`` in ``model`` has a key ``key`` of its own (``True``
    when the type cannot be told: nothing is refused on a guess)."""
    kind: Any = model
    for part in table:
        kind = _container(kind)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = kind.model_fields.get(part)
            if field is None:
                return True  # an unknown table: its own error says so
            kind = field.annotation
        elif get_origin(kind) is dict:
            kind = get_args(kind)[1]
        elif get_origin(kind) is list and part.isdigit():
            kind = get_args(kind)[0]
        else:
            return True
    kind = _container(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return key in kind.model_fields
    return get_origin(kind) is not dict  # a table of free keys holds no key of its own


def _container(kind: Any) -> Any:
    """``kind`` without ``Annotated`` and ``| None``: the model, dict or list inside."""
    while get_origin(kind) is Annotated:
        kind = get_args(kind)[0]
    if get_origin(kind) in (Union, UnionType):
        members = [_container(k) for k in get_args(kind) if k is not type(None)]
        tables = [
            k
            for k in members
            if get_origin(k) in (dict, list) or (isinstance(k, type) and issubclass(k, BaseModel))
        ]
        return tables[0] if len(tables) == 1 else kind
    return kind


def read_toml(path: str | Path, kind: TomlKind) -> TomlDocument:
    """Read and parse the TOML file at ``path``; a file that cannot be read or parsed
    raises a :class:`PolicyError` naming it (and the line of a syntax error)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError(str(path), f"cannot read {kind.file}: {reason}", what=kind.what) from exc
    return parse_toml(text, source=str(path), kind=kind)


_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)")


def parse_toml(text: str, *, source: str, kind: TomlKind) -> TomlDocument:
    """:func:`read_toml` for text already read; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = syntax_problem(exc, source)
        raise PolicyError(source, problem.reason, line=problem.line, what=kind.what) from exc
    return TomlDocument(source, text, data, kind)


def syntax_problem(exc: tomllib.TOMLDecodeError, source: str) -> Problem:
    """A TOML syntax error as a :class:`Problem` with its line (``not valid TOML: …``)."""
    found = _AT_LINE.search(str(exc))  # tomllib has no lineno before Python 3.14
    line = int(found.group(1)) if found else None
    reason = _AT_LINE.sub("", str(exc)).strip()
    return Problem(source, f"not valid TOML: {reason}", line=line)


def key_name(loc: Iterable[str | int]) -> str:
    """A pydantic error location as a TOML key: ``("rules", 2, "due")`` → ``rules[2].due``.

    Pydantic's own labels for union members and validators (``function-after[…]``) are
    left out: they are not keys a person wrote.
    """
    key = ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif "[" not in part and "," not in part:
            key += f".{part}" if key else part
    return key


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}: expected an IANA name") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
"""A settings value naming an IANA time zone (``"Asia/Shanghai"``), checked when read."""


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _line_of(text: str, key: str) -> int | None:
    wanted = _parts(key)
    arrays: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    best, best_line = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        assign = None if header else _ASSIGN.match(line)
        if header:
            names = _dotted(header.group(2))
            if header.group(1) == "[[":
                arrays[names] = arrays.get(names, -1) + 1
            table = _indexed(names, arrays)
            path = table
        elif assign:
            path = table + _dotted(assign.group(1))
        else:
            continue
        matched = _common_prefix(path, wanted)
        if matched > best or (matched == best == len(path) and best_line is None):
            best, best_line = matched, number
    return best_line


def _dotted(names: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in names.split("."))


def _parts(key: str) -> tuple[str, ...]:
    return tuple(p for p in re.split(r"[.\[\]]+", key) if p)


def _indexed(names: tuple[str, ...], arrays: Mapping[tuple[str, ...], int]) -> tuple[str, ...]:
    path: list[str] = []
    for depth, name in enumerate(names, 1):
        path.append(name)
        if names[:depth] in arrays:
            path.append(str(arrays[names[:depth]]))
    return tuple(path)


def _common_prefix(line: tuple[str, ...], wanted: tuple[str, ...]) -> int:
    """How much of ``wanted`` a line's path covers; 0 when they part ways."""
    count = 0
    for x, y in zip(line, wanted, strict=False):
        if x != y:
            break
        count += 1
    return count if count in (len(line), len(wanted)) else 0
