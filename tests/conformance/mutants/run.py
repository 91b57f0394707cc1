"""The mutation check of the conformance vectors: how many plausible wrong SDKs do the cases catch?

Each `*.patch` here is a unified diff of the SDK (overlay/ or generated/) that builds one wrong behaviour; its first
line says which. For each, this script applies the patch to a temporary copy of the tree, runs the conformance
tests there, and counts the mutant caught when they fail. It prints one line a mutant and the score, and exits
non-zero when the score is below `--min` (95%), when a patch no longer applies, or when the unpatched copy does not
pass (then no score would mean anything).

Each mutant first runs only the case that caught it last time (`caught_by.json`); if that case passes, or is gone,
it runs every case (`pytest tests/conformance -x -q`). So the score is the one a full run gives, in a third of its
time. `--learn` runs every case for every mutant and writes `caught_by.json` afresh.

    make conformance-mutants                         # or: .venv/bin/python tests/conformance/mutants/run.py
    .venv/bin/python tests/conformance/mutants/run.py --jobs 2 12-*.patch
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CAUGHT_BY = HERE / "caught_by.json"
# What the conformance tests need: the SDK (hand-written and generated), the tests, the spec and the pytest config.
COPIED = ("overlay", "generated", "tests", "spec", "pyproject.toml")
IGNORED = shutil.ignore_patterns("__pycache__", "node_modules", ".pytest_cache", "*.pyc", "mutants")
# A mutant that makes a walk go round for ever fails its test by this timeout (pytest-timeout), caught.
TEST_TIMEOUT = 30
RUN_TIMEOUT = 600


@dataclass(frozen=True)
class Result:
    patch: Path
    outcome: str  # "caught", "survived" or "error" (the patch did not apply, or pytest itself failed)
    seconds: float
    detail: str = ""

    @property
    def what(self) -> str:
        return self.patch.read_text(encoding="utf-8").splitlines()[0].removeprefix("Wrong behaviour: ")


def copy_tree(into: Path) -> Path:
    into.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=IGNORED)
        else:
            shutil.copy2(source, into / name)
    # Bytecode checked by source hash, not mtime: a file patched and reverted within one second is never run stale,
    # and the tree is compiled once instead of for every mutant.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "checked-hash", str(into)],
        check=True,
        capture_output=True,
    )
    return into


def environment(tree: Path) -> dict[str, str]:
    """Import the SDK from the copy, ahead of the project's own install; load only the pytest plugins the
    conformance tests use (asyncio, timeout), which halves the start-up of each run."""
    env = dict(os.environ)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(str(tree / part) for part in ("overlay", "generated", "."))
    return env


def pytest(tree: Path, *tests: str) -> subprocess.CompletedProcess[str]:
    """Run `tests` (node ids), or every conformance case, in `tree`; stop at the first failure."""
    command = [sys.executable, "-m", "pytest", *(tests or ["tests/conformance"]), "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "asyncio", "-p", "timeout"]
    command += ["-o", f"timeout={TEST_TIMEOUT}"]
    return subprocess.run(
        command, cwd=tree, env=environment(tree), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )


def patch(tree: Path, diff: Path, *, reverse: bool = False) -> subprocess.CompletedProcess[str]:
    command = ["patch", "-p1", "--forward", "--batch", "--silent", "-d", str(tree), "-i", str(diff)]
    if reverse:
        command.insert(1, "--reverse")
    return subprocess.run(command, capture_output=True, text=True, check=False)


def check_copy(tree: Path) -> None:
    """The copy imports its own SDK and passes every conformance test unpatched."""
    probe = "import atono, atono_api; print(atono.__file__); print(atono_api.__file__)"
    files = subprocess.run(
        [sys.executable, "-c", probe], cwd=tree, env=environment(tree), capture_output=True, text=True, check=True
    ).stdout.split()
    if not all(Path(file).resolve().is_relative_to(tree.resolve()) for file in files):
        sys.exit(f"the copy imports the SDK from elsewhere: {files}")
    baseline = pytest(tree)
    if baseline.returncode != 0:
        sys.exit(f"the unpatched copy fails its conformance tests:\n{baseline.stdout[-3000:]}")


def run_one(tree: Path, diff: Path, known: str | None) -> Result:
    """Test one mutant: first `known`, the case that caught it before, if any; then, unless it failed, every case."""
    started = time.perf_counter()
    applied = patch(tree, diff)
    if applied.returncode != 0:
        patch(tree, diff, reverse=True)  # undo whatever hunks did apply
        return Result(diff, "error", time.perf_counter() - started, f"does not apply: {applied.stdout.strip()}")
    try:
        tested = pytest(tree, known) if known else None
        if tested is None or tested.returncode != 1:  # passed, or the case is gone (exit 4): every case
            tested = pytest(tree)
    finally:
        if patch(tree, diff, reverse=True).returncode != 0:
            sys.exit(f"{diff.name}: could not be reverted in {tree}")
    seconds = time.perf_counter() - started
    if tested.returncode == 0:
        return Result(diff, "survived", seconds)
    if tested.returncode == 1:  # tests ran and failed
        failed = next((line for line in tested.stdout.splitlines() if line.startswith("FAILED")), "")
        return Result(diff, "caught", seconds, failed.removeprefix("FAILED ").split(" - ")[0].strip())
    return Result(diff, "error", seconds, f"pytest exited {tested.returncode}: {tested.stdout[-500:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patches", nargs="*", help="patch file names here (globs allowed); default: all")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once, each in its own copy")
    parser.add_argument("--min", type=float, default=95.0, help="the lowest score (percent caught) that passes")
    parser.add_argument("--learn", action="store_true", help="run every case for every mutant; write caught_by.json")
    args = parser.parse_args()
    caught_by: dict[str, str] = {} if args.learn or not CAUGHT_BY.exists() else json.loads(CAUGHT_BY.read_text())
    patterns = args.patches or ["*.patch"]
    diffs = sorted({diff for pattern in patterns for diff in HERE.glob(pattern)})
    if not diffs:
        sys.exit(f"no patches match {patterns}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="atono-mutants-") as scratch:
        jobs = max(1, min(args.jobs, len(diffs)))
        trees = [copy_tree(Path(scratch) / f"tree{n}") for n in range(jobs)]
        check_copy(trees[0])
        batches = [diffs[n::jobs] for n in range(jobs)]

        def work(n: int) -> list[Result]:
            results = []
            for diff in batches[n]:
                result = run_one(trees[n], diff, caught_by.get(diff.stem))
                print(f"{result.outcome:8} {diff.stem:45} {result.seconds:5.1f} s  {result.detail}", flush=True)
                results.append(result)
            return results

        with ThreadPoolExecutor(jobs) as pool:
            results = [result for batch in pool.map(work, range(jobs)) for result in batch]
    caught = [r for r in results if r.outcome == "caught"]
    if args.learn:
        learned = {r.patch.stem: r.detail for r in sorted(caught, key=lambda r: r.patch.name)}
        CAUGHT_BY.write_text(json.dumps(learned, indent=2) + "\n", encoding="utf-8")
    survived = [r for r in results if r.outcome == "survived"]
    errors = [r for r in results if r.outcome == "error"]
    score = 100.0 * len(caught) / len(results)
    print(f"\n{len(caught)} of {len(results)} mutants caught ({score:.1f}%) in {time.perf_counter() - started:.0f} s")
    for result in survived:
        print(f"  survived: {result.patch.stem}: {result.what}")
    for result in errors:
        print(f"  error:    {result.patch.stem}: {result.detail}")
    if errors or score < args.min:
        print(f"FAILED: below {args.min:g}% or patches that no longer apply (regenerate or update them)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
