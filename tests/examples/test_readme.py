"""Every `python` block of README.md and CONTRIBUTING.md runs as pasted, in a fresh interpreter, against a sandbox
named by `ATONO_API_KEY` and `ATONO_BASE_URL` (as a user's environment would name their workspace).

A block that defines pytest tests is run by pytest, as users would run it. A block whose first line is
`# fragment: <what it needs>` (visible to readers too) is compiled, not run; a block that needs names from
elsewhere without saying so fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from atono.testing import Sandbox

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("README.md", "CONTRIBUTING.md")
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
FRAGMENT = "# fragment:"


def blocks() -> list[tuple[str, str]]:
    """(`file:line`, code) of every python block of the documents."""
    found = []
    for name in DOCUMENTS:
        text = (ROOT / name).read_text(encoding="utf-8")
        found += [(f"{name}:{text.count(chr(10), 0, m.start()) + 1}", m.group(1)) for m in _BLOCK.finditer(text)]
    return found


def test_fragments_are_few_and_say_what_they_need() -> None:
    fragments = [where for where, code in blocks() if code.startswith(FRAGMENT)]
    assert len(fragments) <= 2, f"keep fragments few; these do not run: {fragments}"
    for where, code in blocks():
        if code.startswith(FRAGMENT):
            compile(code, where, "exec")
            assert code.splitlines()[0].removeprefix(FRAGMENT).strip(), f"{where}: say what the fragment needs"


# What a block's own comments promise it prints, checked where the output says so.
PROMISES = {"404 Not Found:": "the quickstart's error message"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=30, bugs=10, users=5, teams=2, rate_limit=None) as sb:
        yield sb


RUNNABLE = [(where, code) for where, code in blocks() if not code.startswith(FRAGMENT)]


@pytest.mark.parametrize(("line", "code"), RUNNABLE, ids=[where for where, _ in RUNNABLE])
def test_a_readme_block_runs_as_pasted(line: str, code: str, sandbox: Sandbox, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    is_test_module = re.search(r"^def test_", code, re.M) is not None
    command = (
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
        if is_test_module
        else [
            sys.executable,
            str(script),
        ]
    )
    env = {**os.environ, "ATONO_API_KEY": sandbox.api_key, "ATONO_BASE_URL": sandbox.url}
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
    for promise in PROMISES:
        if promise in code:
            assert promise in result.stdout, f"{line} promises {promise!r}:\n{result.stdout}"


def test_every_block_was_found() -> None:
    assert len(blocks()) >= 8
