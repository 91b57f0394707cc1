"""The sandbox is released with the SDK at the same version: its own version and the extra's pin follow the SDK's."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import atono
import atono_sandbox

ROOT = Path(__file__).resolve().parents[2]


def _version_in(path: Path) -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None, f"no __version__ in {path}"
    return found.group(1)


def test_the_sandbox_has_the_sdks_version() -> None:
    sdk = _version_in(ROOT / "overlay" / "atono" / "_version.py")
    assert _version_in(ROOT / "sandbox" / "atono_sandbox" / "_version.py") == sdk
    assert atono.__version__ == atono_sandbox.__version__ == sdk


def test_the_sandbox_extra_pins_that_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["sandbox"] == [f"atono-sandbox=={atono.__version__}"]
