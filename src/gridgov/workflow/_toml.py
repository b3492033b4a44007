"""Reading a TOML policy file so every error names the file, the line and the key."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gridgov.errors import PolicyError, Problem

__all__ = ["key_name", "line_of", "read_toml", "validate"]

M = TypeVar("M", bound=BaseModel)

_AT_LINE = re.compile(r"\(at line (\d+), column \d+\)")


def read_toml(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The parsed document and its lines; a syntax error becomes a :class:`PolicyError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), f"cannot read the file: {exc.strerror}") from exc
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as exc:
        match = _AT_LINE.search(str(exc))
        line = int(match.group(1)) if match else None
        reason = _AT_LINE.sub("", str(exc)).strip()
        raise PolicyError(str(path), f"not valid TOML: {reason}", line=line) from exc


def key_name(loc: Sequence[str | int]) -> str:
    """``("category", 3, "code")`` -> ``"category[3].code"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def line_of(lines: Sequence[str], loc: Sequence[str | int]) -> int | None:
    """The 1-based line where ``loc`` is written, found by looking at table headers.

    Handles ``[[array]]`` items by index, ``[table.name]`` headers, inline keys under
    a ``[table]`` and top-level keys; ``None`` when it cannot tell.
    """
    if not loc:
        return None
    head, rest = loc[0], list(loc[1:])
    start: int | None = None
    if rest and isinstance(rest[0], int) and _find(lines, f"[[{head}]]", 0) is not None:
        start = _nth_header(lines, f"[[{head}]]", rest[0])
        rest.pop(0)
    elif rest and _find(lines, f"[{head}.{rest[0]}]", 0) is not None:
        start = _find(lines, f"[{head}.{rest.pop(0)}]", 0)
    elif _find(lines, f"[{head}]", 0) is not None:
        start = _find(lines, f"[{head}]", 0)
    else:
        rest = [head]  # a top-level key (an array item is on the key's line)
    begin = 0 if start is None else start + 1
    if rest and isinstance(rest[0], str):
        key = _key_line(lines, rest[0], begin)
        if key is not None:
            return key + 1
    return None if start is None else start + 1


def validate(model: type[M], data: Any, path: Path, lines: Sequence[str]) -> M:
    """``model.model_validate(data)``, every validation error as a located problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                str(path),
                _reason(err),
                line=line_of(lines, err["loc"]),
                field=key_name(err["loc"]) or None,
            )
            for err in exc.errors()
        ]
        raise PolicyError.many(problems) from exc


def _reason(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    if err["type"] == "missing":
        return "required key is missing"
    return f"{err['msg']} (got {err.get('input')!r})"


def _find(lines: Sequence[str], header: str, begin: int) -> int | None:
    for i in range(begin, len(lines)):
        if lines[i].strip() == header:
            return i
    return None


def _nth_header(lines: Sequence[str], header: str, n: int) -> int | None:
    seen = -1
    for i, line in enumerate(lines):
        if line.strip() == header:
            seen += 1
            if seen == n:
                return i
    return None


def _key_line(lines: Sequence[str], key: str, begin: int) -> int | None:
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for i in range(begin, len(lines)):
        stripped = lines[i].strip()
        if i > begin and stripped.startswith("["):
            return None
        if pattern.match(lines[i]):
            return i
    return None
