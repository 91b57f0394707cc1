"""The public-API check of `make test` (release/check_api.py): what it finds and when it lets a break through."""

from __future__ import annotations

from pathlib import Path

import griffe
import pytest

from release import check_api

OLD = '''
def read(path, *, limit=None):
    """Read."""

class Client:
    def get(self, id, include=None): ...
'''


def _breaks(new: str) -> list[str]:
    with (
        griffe.temporary_visited_package("pkg", {"__init__.py": OLD}) as old_pkg,
        griffe.temporary_visited_package("pkg", {"__init__.py": new}) as new_pkg,
    ):
        return check_api.breaking_changes({"pkg": old_pkg}, {"pkg": new_pkg})


def test_additions_are_not_breaking() -> None:
    assert _breaks(OLD + "\ndef write(): ...\n") == []
    assert _breaks(OLD.replace("include=None)", "include=None, *, sort=None)")) == []


@pytest.mark.parametrize(
    ("new", "words"),
    [
        (OLD.replace("def read(path, *, limit=None):", "def read(path):"), "limit"),
        (OLD.replace("class Client:", "class Api:"), "Client"),
        (OLD.replace("def get(self, id, include=None)", "def get(self, id, include)"), "include"),
    ],
)
def test_removals_and_new_requirements_are_breaking(new: str, words: str) -> None:
    found = _breaks(new)
    assert found and words in " ".join(found)


@pytest.mark.parametrize(
    ("old", "new", "allowed"),
    [("0.1.0", "0.1.1", False), ("0.1.0", "0.2.0", True), ("1.4.2", "1.5.0", False), ("1.4.2", "2.0.0", True)],
)
def test_a_break_needs_the_minor_bump_of_0x_or_a_major_bump(old: str, new: str, allowed: bool) -> None:
    assert check_api.bump_allows_breaking(old, new) is allowed


def test_a_break_passes_only_when_bumped_and_announced() -> None:
    breaks = ["pkg.read(limit): Parameter was removed"]
    assert not check_api.judge(breaks, old="0.1.0", new="0.1.1").ok
    unannounced = check_api.judge(breaks, old="0.1.0", new="0.2.0", changelog="## 0.2.0 (2026-12-01)\n\n### Added\n")
    assert not unannounced.ok and "breaking.md" in unannounced.message
    announced = "## 0.2.0 (2026-12-01)\n\n### Breaking changes\n\n- read() lost limit.\n\n## 0.1.0\n"
    assert check_api.judge(breaks, old="0.1.0", new="0.2.0", changelog=announced).ok
    elsewhere = "## 0.3.0\n\n### Breaking changes\n\n- x\n\n## 0.2.0\n\n### Added\n"
    assert not check_api.judge(breaks, old="0.1.0", new="0.2.0", changelog=elsewhere).ok
    assert check_api.judge(breaks, old="0.1.0", new="0.2.0", fragments=["16.breaking.md"]).ok
    assert check_api.judge([], old="0.1.0", new="0.1.1").ok


def test_the_last_release_is_the_newest_snapshot_older_than_the_version(tmp_path: Path) -> None:
    root = tmp_path
    for version in ("0.1.0", "0.2.0", "0.10.0"):
        (root / version).mkdir()
        (root / version / check_api.SNAPSHOT).write_text("{}")
    assert check_api.last_release("0.2.0", root) == "0.1.0"
    assert check_api.last_release("0.11.0", root) == "0.10.0"
    assert check_api.last_release("0.1.0", root) is None


def test_the_committed_0_1_0_snapshot_loads_and_matches_nothing_removed() -> None:
    """The 0.1.0 snapshot is the API the check compares with: what 0.2.0 breaks is what its changelog announces
    (the resource classes' generated bases and the `Unset` sentinel), and nothing of the client."""
    old = check_api.load_snapshot(check_api.RELEASES / "0.1.0" / check_api.SNAPSHOT)
    assert set(old) == {"atono", "atono_sdk"}
    assert {"Atono", "AsyncAtono", "NotIncludedError"} <= set(old["atono"].members)
    breakages = check_api.breaking_changes(old, check_api.load_current())
    # The list methods' `**paging` became named keywords (page_size=, limit=, ...): calls are unchanged.
    paging = [line for line in breakages if "resources.py" in line and "paging" in line and "removed" in line]
    # Attributes are converted by a descriptor per attribute instead of `ResourceObject.__getattr__` (#21).
    getattr_hook = [line for line in breakages if "ResourceObject.__getattr__" in line and "removed" in line]
    assert len(getattr_hook) == 1, breakages
    assert breakages and all("types.py" in line for line in breakages if line not in paging + getattr_hook), breakages
    assert any("Unset" in line for line in breakages) and any("BugAttributes" in line for line in breakages)
