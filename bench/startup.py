"""Start-up as users meet it: `import atono` vs `import httpx` in a fresh venv holding only the wheel.

    python -m bench.startup [--rounds 20] [--smoke]

Builds the wheel, installs it without extras into a new venv with bytecode compiled (as pip does), then times
`python -c "import atono"` against `python -c "import httpx"` and the interpreter alone, in fresh processes,
alternating. Then lists what `import atono` loads beyond `import httpx`, by cumulative time (`-X importtime`).
Goal: <= 1.25x as whole processes. Beside it, without a goal, a script's first call as a whole process: import,
then one story listed from a sandbox (in its own process), with the SDK against `httpx.get(...).json()`; the
first call loads what `import atono` leaves for it (the generated client and models, attrs, msgspec).
`--smoke` times one round.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._common import alternate, record, sandbox_process

ROOT = Path(__file__).resolve().parents[1]


def uv() -> str:
    """The project's pinned uv (`make setup` installs it into .tools), else one on PATH."""
    pinned = ROOT / ".tools" / "bin" / "uv"
    found = str(pinned) if pinned.exists() else shutil.which("uv")
    if found is None:
        raise SystemExit("uv is missing: run `make setup` first")
    return found


def user_venv(scratch: Path) -> Path:
    """A new venv with the atono wheel and its dependencies only; returns its interpreter."""
    subprocess.run(
        [uv(), "build", "--wheel", "--quiet", "--out-dir", str(scratch / "dist"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next((scratch / "dist").glob("atono-*.whl"))
    venv = scratch / "venv"
    subprocess.run([uv(), "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv(), "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python), str(wheel)],
        check=True,
    )
    return python


def importer(python: Path, module: str) -> None:
    subprocess.run([str(python), "-I", "-c", f"import {module}"], check=True)


# A script's first call, as a user writes it with each library: one story of the first page.
FIRST_CALL = {
    "httpx first call": (
        "import httpx, sys\n"
        "url, key = sys.argv[1:]\n"
        "story = httpx.get(url + '/stories', params={'page[size]': 1}, headers={'X-API-KEY': key}).json()['data'][0]\n"
        "assert story['attributes']['title']\n"
    ),
    "atono first call": (
        "import atono, sys\n"
        "url, key = sys.argv[1:]\n"
        "with atono.Atono(api_key=key, base_url=url) as client:\n"
        "    story = next(iter(client.stories.list(page_size=1, limit=1)))\n"
        "assert story.title\n"
    ),
}


def first_call(python: Path, code: str, url: str, api_key: str) -> None:
    subprocess.run([str(python), "-I", "-c", code, url, api_key], check=True)


def import_times(python: Path, module: str) -> dict[str, int]:
    """Cumulative µs of each module `import module` loads, from `-X importtime`."""
    done = subprocess.run(
        [str(python), "-I", "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    )
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            times[match.group(3)] = int(match.group(1))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.smoke else args.rounds
    with tempfile.TemporaryDirectory(prefix="atono-startup-") as scratch:
        python = user_venv(Path(scratch))
        medians = alternate(
            {
                "python": lambda: importer(python, "sys"),
                "import httpx": lambda: importer(python, "httpx"),
                "import atono": lambda: importer(python, "atono"),
            },
            rounds=rounds,
        )
        with sandbox_process(stories=100, latency_ms=0) as server:
            calls = alternate(
                {
                    name: lambda code=code: first_call(python, code, server.url, server.api_key)
                    for name, code in FIRST_CALL.items()
                },
                rounds=rounds,
            )
        httpx_modules = import_times(python, "httpx")
        atono_modules = import_times(python, "atono")
    interpreter = medians["python"]
    httpx_cost = medians["import httpx"] - interpreter
    atono_cost = medians["import atono"] - interpreter
    ratio = medians["import atono"] / medians["import httpx"]
    print(
        f"Start-up in a fresh venv with only the wheel, fresh processes, median of {rounds} alternating rounds "
        f"(interpreter alone: {interpreter * 1000:.0f} ms)"
    )
    for name in ("import httpx", "import atono"):
        cost = medians[name] - interpreter
        print(f"  {name} {medians[name] * 1000:7.1f} ms   ({cost * 1000:+.1f} ms over the interpreter)")
    print(f"  ratio {ratio:.2f}x as whole processes, {atono_cost / httpx_cost:.2f}x counting the imports only")
    print(f"  goal: <= 1.25x as whole processes: {'met' if ratio <= 1.25 else 'not met'}")
    first_call_ratio = calls["atono first call"] / calls["httpx first call"]
    print("  a script's first call (import, then one story from a sandbox), whole processes:")
    for name, seconds in calls.items():
        print(f"    {name:<18} {seconds * 1000:7.1f} ms")
    print(f"    ratio {first_call_ratio:.2f}x (no goal: what the first call loads, `import atono` leaves for it)")
    extra = sorted(
        ((us, name) for name, us in atono_modules.items() if name not in httpx_modules and "." not in name),
        reverse=True,
    )
    print("  top-level modules import atono loads beyond httpx (cumulative, one run):")
    for us, name in extra[:8]:
        print(f"    {name:<28} {us / 1000:6.1f} ms")
    if not args.smoke:
        record(
            "startup",
            milliseconds={name: round(seconds * 1000, 1) for name, seconds in {**medians, **calls}.items()},
            ratio=round(ratio, 3),
            imports_only_ratio=round(atono_cost / httpx_cost, 3),
            first_call_ratio=round(first_call_ratio, 3),
            beyond_httpx_ms={name: round(us / 1000, 1) for us, name in extra[:8]},
            goal="<= 1.25x import httpx, whole processes, in a clean venv with the wheel",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
