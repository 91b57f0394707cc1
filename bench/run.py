"""Run every benchmark: `make bench` (full) or `make bench-smoke` (small, checks results, not time)."""

from __future__ import annotations

import subprocess
import sys

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
    for module in CASES:
        command = [sys.executable, "-m", module, *(["--smoke"] if smoke else [])]
        print(f"$ python -m {module}{' --smoke' if smoke else ''}", flush=True)
        subprocess.run(command, check=True)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
