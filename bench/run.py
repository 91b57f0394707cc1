"""Run every benchmark: `make bench` (full) or `make bench-smoke` (small, checks results, not time)."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import atono
import httpx

from bench._common import FIGURES_ENV

FIGURES = Path("build/bench.json")

CASES = [
    "bench.bulk_read",
    "bench.parse",
    "bench.memory",
    "bench.startup",
    "bench.pacing_at_limit",
    "bench.shared_pacing",
]


def main() -> int:
    smoke = "--smoke" in sys.argv[1:]
    env = dict(os.environ)
    if not smoke:  # the figures of a full run, beside the machine they were measured on
        FIGURES.parent.mkdir(exist_ok=True)
        machine = {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "atono": atono.__version__,
            "httpx": httpx.__version__,
        }
        FIGURES.write_text(json.dumps({"machine": machine, "cases": {}}, indent=2) + "\n", encoding="utf-8")
        env[FIGURES_ENV] = str(FIGURES.resolve())
    for module in CASES:
        command = [sys.executable, "-m", module, *(["--smoke"] if smoke else [])]
        print(f"$ python -m {module}{' --smoke' if smoke else ''}", flush=True)
        subprocess.run(command, check=True, env=env)
        print(flush=True)
    if not smoke:
        print(f"figures written to {FIGURES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
