"""Docs and examples are tests: every ``>>>`` in the Markdown docs and in the
package's docstrings runs, every example script runs to completion, and a Markdown
block marked ``<!-- file: PATH -->`` is that file of the repository, as it is."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gridgov

REPO = Path(__file__).resolve().parent.parent
DOCS = [*sorted((REPO / "docs").rglob("*.md")), REPO / "README.md"]
EXAMPLES = sorted(p for p in (REPO / "examples").rglob("*.py") if not p.name.startswith("_"))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(gridgov.__path__, prefix="gridgov.")
        if ".cli" not in info.name and "migrations" not in info.name
    )


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_markdown_doctests_pass(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # From the repository's root, as a reader of a checkout runs them: a doc names the
    # repository's files by their paths there (examples/new_city/...).
    monkeypatch.chdir(REPO)
    result = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS, verbose=False)
    assert result.failed == 0


_FILE_BLOCK = re.compile(r"<!-- file: (?P<path>\S+) -->\n```\w*\n(?P<text>.*?)^```", re.M | re.S)


def test_file_blocks_in_the_docs_are_the_files_they_name() -> None:
    blocks = [(doc, m) for doc in DOCS for m in _FILE_BLOCK.finditer(doc.read_text("utf-8"))]
    assert blocks, "no <!-- file: PATH --> block in the docs: the pattern is stale"
    for doc, block in blocks:
        shown, actual = block["text"], (REPO / block["path"]).read_text(encoding="utf-8")
        assert shown == actual, f"{doc.name}: the block of {block['path']} drifted from the file"


@pytest.mark.parametrize("module_name", _modules())
def test_module_doctests_pass(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_example_runs(path: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
