"""Pacing at the limit: a bulk read where the rate limit, not latency, sets the pace.

    python -m bench.pacing_at_limit [--requests 100] [--per-seconds 10] [--windows 3] [--latency-ms 20] [--smoke]

The sandbox (its own process) enforces REQUESTS per PER_SECONDS and has `windows x requests` pages of stories; the
client paces with the same `RateLimit` and reads them all with read-ahead, sync then async. Printed: responses 429
(counted on the client's own connection, by an httpx response hook), and the throughput kept: the time the limit
allows for those pages against the time taken. The limit allows `windows - 1` whole windows, plus the time the
same client takes to read one window's pages with no limit (measured in the same run, against a second sandbox
without one), since the last window's pages cannot all arrive at its first instant. Goal: 0 responses 429 and
>= 95%.
`--smoke` runs (20 per 2 s, 2 windows) and checks the stories read and that no 429 was met.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

import httpx
from atono import AsyncAtono, Atono, RateLimit

from bench._common import Server, record, sandbox_process

PAGE = 100


def read_sync(server: Server, limit: RateLimit) -> tuple[int, int, float]:
    """(stories read, responses 429, seconds)."""
    rejected = 0

    def count(response: httpx.Response) -> None:
        nonlocal rejected
        rejected += response.status_code == 429

    http = httpx.Client(event_hooks={"response": [count]})
    with Atono(api_key=server.api_key, base_url=server.url, rate_limit=limit, http_client=http) as client:
        started = time.perf_counter()
        read = sum(1 for _ in client.stories.list(page_size=PAGE))
        seconds = time.perf_counter() - started
    http.close()
    return read, rejected, seconds


def read_async(server: Server, limit: RateLimit) -> tuple[int, int, float]:
    async def run() -> tuple[int, int, float]:
        rejected = 0

        async def count(response: httpx.Response) -> None:
            nonlocal rejected
            rejected += response.status_code == 429

        http = httpx.AsyncClient(event_hooks={"response": [count]})
        async with (
            http,
            AsyncAtono(api_key=server.api_key, base_url=server.url, rate_limit=limit, http_client=http) as c,
        ):
            started = time.perf_counter()
            read = 0
            async for _ in c.stories.list(page_size=PAGE):
                read += 1
            return read, rejected, time.perf_counter() - started

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--per-seconds", type=float, default=10.0)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--smoke", action="store_true", help="a short run that checks results, not time")
    args = parser.parse_args()
    if args.smoke:
        args.requests, args.per_seconds, args.windows = 20, 2.0, 2
    # The last page comes back short (one story), so the walk ends on it without one more request.
    pages = args.windows * args.requests
    stories = (pages - 1) * PAGE + 1
    allowed = (args.windows - 1) * args.per_seconds
    limit = RateLimit(args.requests, args.per_seconds)
    rate = f"{args.requests}/{args.per_seconds:g}"
    failures: list[str] = []
    print(
        f"Pacing at the limit: {stories} stories in {pages} pages, sandbox enforcing {rate} s, "
        f"{args.latency_ms:g} ms latency; the limit allows them in {allowed:g} s and the time to read one window's pages"
    )
    unlimited = sandbox_process(stories=(args.requests - 1) * PAGE + 1, latency_ms=args.latency_ms)
    limited = sandbox_process(stories=stories, latency_ms=args.latency_ms, rate_limit=rate)
    figures: dict[str, dict[str, float]] = {}
    with unlimited as free, limited as server:
        for name, read in (("Atono (sync, read-ahead)", read_sync), ("AsyncAtono (read-ahead)", read_async)):
            one_window = min(read(free, limit)[2] for _ in range(3))
            count, rejected, seconds = read(server, limit)
            kept = (allowed + one_window) / seconds
            print(
                f"  {name:<26} 429s {rejected:>3}   {seconds:6.2f} s (one window's pages unpaced: {one_window:.2f} s)"
                f"   throughput kept {kept:5.1%} (goal >= 95%)"
            )
            figures[name] = {"responses_429": rejected, "seconds": round(seconds, 2), "kept": round(kept, 3)}
            if count != stories:
                failures.append(f"{name}: read {count} stories of {stories}")
            if rejected:
                failures.append(f"{name}: {rejected} responses 429")
            time.sleep(args.per_seconds)  # the next case starts with an empty window on both sides
    if not args.smoke:
        record("pacing_at_limit", rate=rate, pages=pages, clients=figures, goal="0 responses 429, >= 95% kept")
    if failures:
        print("FAILED:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
