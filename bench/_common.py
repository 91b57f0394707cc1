"""Shared pieces of the benchmarks: a sandbox in its own process, and medians of alternating runs.

Nothing here imports the sandbox: a process that measures the client holds only what a user's would (the
client and httpx), not the server's modules, whose objects would make every garbage-collector pass slower.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Where `record` keeps the figures of a run (`make bench` sets it to build/bench.json); unset, nothing is written.
FIGURES_ENV = "ATONO_BENCH_JSON"


def record(case: str, **figures: Any) -> None:
    """Keep `figures` under `case` in the run's JSON file, so a later run can be compared with this one."""
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    file = Path(path)
    data = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    data.setdefault("cases", {})[case] = figures
    file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Server:
    url: str
    api_key: str


@contextmanager
def sandbox_process(*, stories: int, latency_ms: float, rate_limit: str = "off") -> Iterator[Server]:
    """A sandbox in another process, so the server never competes with the code measured for the GIL.
    `rate_limit` is the sandbox's `--rate-limit` (REQUESTS/SECONDS, or off)."""
    command = [
        sys.executable,
        "-m",
        "atono.sandbox",
        "--port",
        "0",
        "--quiet",
        "--rate-limit",
        rate_limit,
        "--stories",
        str(stories),
        "--bugs",
        "10",
        "--latency-ms",
        str(latency_ms),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = process.stdout.readline() + process.stdout.readline()  # the URL, then the first key
        match = re.search(r"(http://\S+/v1).*?X-API-KEY: (\S+)", banner, re.DOTALL)
        if not match:
            raise RuntimeError(f"the sandbox did not start: {banner!r}")
        yield Server(match.group(1), match.group(2))
    finally:
        process.terminate()
        process.wait(timeout=10)


def alternate(cases: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds of each case, running the cases in turn each round so noise hits them alike."""
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, run in cases.items():
            started = time.perf_counter()
            run()
            timings[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in timings.items()}
