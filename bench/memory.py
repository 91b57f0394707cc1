"""Memory: peak RSS of a process iterating 100,000 stories vs 10,000 and 1,000 (the sandbox in another process).

    python -m bench.memory [--sizes 1000 10000 100000] [--rounds 3] [--smoke]

Each iteration runs in a fresh process that reports its own peak RSS, so the figures do not mix.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys

from atono import Atono

from bench._common import record, sandbox_process


def child(url: str, api_key: str, count: int) -> None:
    """Iterate `count` stories and print the peak RSS in KiB (Linux reports ru_maxrss in KiB)."""
    seen = 0
    with Atono(api_key=api_key, base_url=url, rate_limit=None) as client:
        for _ in client.stories.list(limit=count):
            seen += 1
    assert seen == count, (seen, count)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def peak_kib(url: str, api_key: str, count: int) -> int:
    output = subprocess.run(
        [sys.executable, "-m", "bench.memory", "--child", url, api_key, str(count)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="small sizes, one round")
    parser.add_argument("--child", nargs=3, metavar=("URL", "KEY", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    if args.smoke:
        args.sizes, args.rounds = [300, 3_000], 1
    peaks: dict[int, list[int]] = {size: [] for size in args.sizes}
    with sandbox_process(stories=max(args.sizes), latency_ms=0) as server:
        for _ in range(args.rounds):
            for size in args.sizes:
                peaks[size].append(peak_kib(server.url, server.api_key, size))
    medians = {size: statistics.median(values) / 1024 for size, values in peaks.items()}
    smallest = medians[min(args.sizes)]
    print(f"Peak RSS iterating stories, median of {args.rounds} fresh processes per size")
    for size, megabytes in medians.items():
        print(f"  {size:>7} stories {megabytes:8.1f} MB   growth {megabytes - smallest:+.1f} MB")
    growth = medians[max(args.sizes)] - smallest
    print(f"  goal: growth < 15 MB from {min(args.sizes)} to {max(args.sizes)}: {'met' if growth < 15 else 'not met'}")
    if not args.smoke:
        record(
            "memory",
            peak_mb={str(size): round(mb, 1) for size, mb in medians.items()},
            growth_mb=round(growth, 1),
            goal="< 15 MB growth from 1k to 100k stories",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
