"""Compare the public API of `atono` with the last release's, and fail on a breaking change the version and the
changelog do not announce.

    python release/check_api.py             # the check `make test` runs
    python release/check_api.py --dump DIR  # write the current public API to DIR/public-api.json (a release)
    python release/check_api.py --last      # print the version of the last release before this one

Each release keeps its public API in release/<version>/public-api.json, a `griffe dump` of `atono` and of
`atono_sdk` (the generated resource layer it re-exports), so the check needs no tags and no other checkout.
The last release is the newest snapshot older than the version in overlay/atono/_version.py. A breaking change
(griffe's: a removed or renamed name, a parameter removed, made required or moved, ...) passes only when the
major version was bumped, or the minor one while the major is 0, and the changelog says so: a "Breaking changes"
section in CHANGELOG.md for this version, or a `breaking` fragment in changes/ not built into it yet.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "release"
PACKAGES = ("atono", "atono_sdk")
SEARCH_PATHS = [ROOT / "overlay", ROOT / "generated"]
SNAPSHOT = "public-api.json"

Version = tuple[int, ...]


def parse_version(text: str) -> Version:
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", text):
        raise ValueError(f"not a release version: {text!r}")
    return tuple(int(part) for part in text.split("."))


def current_version() -> str:
    source = (ROOT / "overlay" / "atono" / "_version.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', source, re.MULTILINE)
    if found is None:
        raise SystemExit("overlay/atono/_version.py has no __version__")
    return found.group(1)


def last_release(version: str, releases: Path = RELEASES) -> str | None:
    """The newest release with a snapshot, older than `version`."""
    older = [
        path.parent.name
        for path in releases.glob(f"*/{SNAPSHOT}")
        if re.fullmatch(r"[0-9.]+", path.parent.name) and parse_version(path.parent.name) < parse_version(version)
    ]
    return max(older, key=parse_version, default=None)


def bump_allows_breaking(old: str, new: str) -> bool:
    """Semantic versioning, with 0.x's minor part standing for the major one."""
    before, after = parse_version(old), parse_version(new)
    if after[0] != before[0]:
        return after[0] > before[0]
    return after[0] == 0 and after[1:2] > before[1:2]


def changelog_announces_breaking(version: str, changelog: str, fragments: Iterable[str]) -> bool:
    """Whether this version's section of CHANGELOG.md has a "Breaking changes" heading, or a fragment waits."""
    if any(re.search(r"\.breaking(\.[0-9]+)?\.md$", name) for name in fragments):
        return True
    section = re.search(rf"^## {re.escape(version)}\b.*?(?=^## |\Z)", changelog, re.MULTILINE | re.DOTALL)
    return section is not None and re.search(r"^### Breaking changes\s*$", section.group(0), re.MULTILINE) is not None


def load_current() -> dict[str, griffe.Object]:
    loader = griffe.GriffeLoader(search_paths=[str(p) for p in SEARCH_PATHS])
    modules = {name: loader.load(name) for name in PACKAGES}
    loader.resolve_aliases(implicit=False, external=None)
    return {name: module for name, module in modules.items() if isinstance(module, griffe.Object)}


def load_snapshot(path: Path) -> dict[str, griffe.Object]:
    """The packages of a `griffe dump`, in one modules collection so aliases between them resolve."""
    modules: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), object_hook=griffe.json_decoder)
    collection = griffe.ModulesCollection()
    for name, module in modules.items():
        module._modules_collection = collection
        collection.set_member(name, module)
    return modules


def dump(modules: Mapping[str, griffe.Object], path: Path) -> None:
    """What `griffe dump atono atono_sdk` writes, with file paths relative to the checkout it was made from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(modules), cls=griffe.JSONEncoder, indent=2, full=False, sort_keys=True)
    path.write_text(text.replace(json.dumps(f"{ROOT}/")[1:-1], "") + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


def judge(breakages: list[str], *, old: str, new: str, changelog: str = "", fragments: Iterable[str] = ()) -> Verdict:
    """Whether these breaking changes (griffe's explanations) may ship in version `new` after `old`."""
    if not breakages:
        return Verdict(True, f"public API: no breaking change from {old} to {new}")
    listed = "\n".join(f"  {b}" for b in breakages)
    if not bump_allows_breaking(old, new):
        return Verdict(
            False,
            f"public API: {len(breakages)} breaking change(s) from {old}, but {new} does not bump the "
            f"{'minor' if parse_version(old)[0] == 0 else 'major'} version:\n{listed}",
        )
    if not changelog_announces_breaking(new, changelog, fragments):
        return Verdict(
            False,
            f"public API: {len(breakages)} breaking change(s) from {old} that the changelog does not announce; add a "
            f"changes/<issue>.breaking.md fragment (a 'Breaking changes' section of {new}):\n{listed}",
        )
    return Verdict(True, f"public API: {len(breakages)} breaking change(s) from {old}, announced for {new}:\n{listed}")


def breaking_changes(old: Mapping[str, griffe.Object], new: Mapping[str, griffe.Object]) -> list[str]:
    found: list[str] = []
    for name, module in old.items():
        if name not in new:
            found.append(f"{name}: the package is gone")
            continue
        found += [b.explain() for b in griffe.find_breaking_changes(module, new[name])]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, metavar="DIR", help=f"write the current public API to DIR/{SNAPSHOT}")
    parser.add_argument("--last", action="store_true", help="print the last release before this version")
    args = parser.parse_args()
    if args.last:
        last = last_release(current_version())
        if last is None:
            raise SystemExit(f"no release before {current_version()} in {RELEASES}")
        print(last)
        return 0
    current = load_current()
    if args.dump is not None:
        dump(current, args.dump / SNAPSHOT)
        print(f"wrote {args.dump / SNAPSHOT}")
        return 0
    version = current_version()
    old = last_release(version)
    if old is None:
        print(f"public API: no release before {version} to compare with")
        return 0
    changelog_path = ROOT / "CHANGELOG.md"
    verdict = judge(
        breaking_changes(load_snapshot(RELEASES / old / SNAPSHOT), current),
        old=old,
        new=version,
        changelog=changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else "",
        fragments=[p.name for p in (ROOT / "changes").glob("*.md")],
    )
    print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
