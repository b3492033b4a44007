"""The one TOML + pydantic loader: every kind of settings file names itself, the file,
the line and the key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from gridgov._toml import TomlKind, key_name, parse_toml, read_toml
from gridgov.errors import PolicyError
from gridgov.replay import load_mapping
from gridgov.sla import parse_policy
from gridgov.workflow import load_permissions

KIND = TomlKind("test file", file="the test file", hint="see the manual")


class _Clock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due: int
    warn_at: list[float] = []


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    clocks: dict[str, _Clock]
    rules: list[_Clock] = []


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_toml(text, source="t.toml", kind=KIND).validate(_Doc)
    return caught.value


def test_the_message_names_the_kind_of_file() -> None:
    err = _error('name = "x"\n[clocks.a]\ndue = "soon"\n')
    assert str(err).startswith("invalid test file: t.toml:3: clocks.a.due: ")
    assert err.what == "test file"


def test_every_problem_is_reported_with_its_own_line() -> None:
    err = _error('name = "x"\n\n[clocks.a]\ndue = 1\ndeu = 2\n\n[[rules]]\nwarn_at = [0.5]\n')
    found = [(p.field, p.line, p.reason) for p in err.problems]
    assert found == [
        ("clocks.a.deu", 5, "unknown key (see the manual)"),
        ("rules[0].due", 7, "required key is missing"),
    ]
    assert str(err).endswith("(and 1 more problem)")


def test_a_missing_top_level_key_has_no_line() -> None:
    err = _error("[clocks.a]\ndue = 1\n")
    assert (err.key, err.line, err.reason) == ("name", None, "required key is missing")


def test_a_syntax_error_names_the_line_without_the_parser_suffix() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_toml('name = "x"\nthis is not toml\n', source="t.toml", kind=KIND)
    assert caught.value.line == 2
    assert caught.value.reason.startswith("not valid TOML: ")
    assert "(at line" not in caught.value.reason


def test_an_unreadable_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the test file: No such file") as caught:
        read_toml(tmp_path / "absent.toml", KIND)
    assert caught.value.path == str(tmp_path / "absent.toml")


def test_a_file_that_is_not_utf8_is_a_policy_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(PolicyError, match="cannot read the test file"):
        read_toml(path, KIND)


def test_key_names_skip_pydantic_labels() -> None:
    assert key_name(("rules", 2, "function-after[_check(), Clock]", "due")) == "rules[2].due"
    assert key_name(()) == ""


def test_a_sub_table_is_reported_under_its_key() -> None:
    doc = parse_toml('[calendars.office]\ndue = "x"\n', source="t.toml", kind=KIND)
    with pytest.raises(ValidationError) as caught:
        _Clock.model_validate(doc.data["calendars"]["office"])
    problems = doc.problems_of(caught.value, under="calendars.office")
    assert [key for key, _ in problems] == ["calendars.office.due"]
    assert doc.error(problems).line == 2


@pytest.mark.parametrize(
    ("load", "what"),
    [
        (lambda p: load_mapping(p), "invalid mapping file:"),
        (lambda p: load_permissions(p), "invalid permission matrix:"),
        (lambda p: parse_policy(p.read_text(), source=str(p)), "invalid SLA policy:"),
    ],
    ids=["mapping", "permissions", "sla"],
)
def test_each_loader_names_its_kind_of_file(tmp_path: Path, load: object, what: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("typo_key = 1\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load(path)  # type: ignore[operator]
    assert str(caught.value).startswith(f"{what} {path}")


def test_the_loader_imports_only_the_standard_library_pydantic_and_errors() -> None:
    source = Path(__file__).resolve().parents[2] / "src" / "gridgov" / "_toml.py"
    imported = {
        node.module or "" if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= {
        "__future__",
        "re",
        "tomllib",
        "collections.abc",
        "dataclasses",
        "pathlib",
        "types",
        "typing",
        "zoneinfo",
        "pydantic",
        "pydantic_core",
        "gridgov.errors",
    }
