"""Bulk read: every story from a sandbox with latency, SDK iteration vs a sequential raw-httpx page loop.

    python bench/bulk_read.py [--stories 5000] [--latency-ms 20] [--rounds 5] [--smoke]

Prints the median of each case, the ratio to the hand-written loop, the limit the read-ahead allows
(pages / read_ahead x latency), and what httpx itself reaches with as many pages in flight and nothing parsed:
the transport's ceiling on this machine, which no SDK on httpx passes. `--smoke` runs a small case once and checks
correctness only.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
from atono import AsyncAtono, Atono
from atono._pagination import DEFAULT_READ_AHEAD

from bench._common import Server, alternate, record, sandbox_process


def raw_httpx_loop(server: Server) -> list[str]:
    """What people write by hand: one page after another until a short page."""
    ids: list[str] = []
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": server.api_key}) as http:
        number = 0
        while True:
            response = http.get("/stories", params={"page[size]": 100, "page[number]": number})
            response.raise_for_status()
            data = response.json()["data"]
            ids.extend(item["id"] for item in data)
            if len(data) < 100:
                return ids
            number += 1


WINDOW = "raw httpx, K in flight, unparsed"
ASYNC_WINDOW = "raw httpx async, K in flight, unparsed"
# The windows' clients share one TLS context, as the SDK's do: each new context loads the CA bundle (~20 ms a
# client), which would otherwise be counted in the transport's ceiling.
_TLS = httpx.create_ssl_context()


def raw_httpx_window(server: Server) -> list[str]:
    """The transport's own ceiling: httpx with as many pages in flight as the SDK's read-ahead, from a thread pool
    as the sync SDK does, a slot taken up again as soon as any page lands, each page's body read but not parsed;
    the ids are read from the first page only."""
    with httpx.Client(base_url=server.url, headers={"X-API-KEY": server.api_key}, verify=_TLS) as http:

        def get(number: int) -> httpx.Response:
            response = http.get("/stories", params={"page[size]": 100, "page[number]": number})
            response.raise_for_status()
            return response

        first = get(0).json()
        pages = math.ceil(first["meta"]["count"] / 100)
        with ThreadPoolExecutor(max_workers=DEFAULT_READ_AHEAD) as pool:
            for _ in pool.map(get, range(1, pages)):
                pass
    return [item["id"] for item in first["data"]]


def raw_httpx_async_window(server: Server) -> list[str]:
    """`raw_httpx_window` with `httpx.AsyncClient` and tasks, as the async SDK reads ahead."""

    async def run() -> list[str]:
        async with httpx.AsyncClient(base_url=server.url, headers={"X-API-KEY": server.api_key}, verify=_TLS) as http:
            slots = asyncio.Semaphore(DEFAULT_READ_AHEAD)

            async def get(number: int) -> httpx.Response:
                async with slots:
                    response = await http.get("/stories", params={"page[size]": 100, "page[number]": number})
                response.raise_for_status()
                return response

            first = (await get(0)).json()
            pages = math.ceil(first["meta"]["count"] / 100)
            await asyncio.gather(*(get(n) for n in range(1, pages)))
        return [item["id"] for item in first["data"]]

    return asyncio.run(run())


def sdk_sync(server: Server) -> list[str]:
    with Atono(api_key=server.api_key, base_url=server.url, rate_limit=None) as client:
        return [story.id for story in client.stories.list()]


def sdk_async(server: Server) -> list[str]:
    async def run() -> list[str]:
        async with AsyncAtono(api_key=server.api_key, base_url=server.url, rate_limit=None) as client:
            return [story.id async for story in client.stories.list()]

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="a small run that checks results, not time")
    args = parser.parse_args()
    if args.smoke:
        args.stories, args.rounds = 450, 1
    with sandbox_process(stories=args.stories, latency_ms=args.latency_ms) as server:
        expected = raw_httpx_loop(server)
        assert len(expected) == args.stories, (len(expected), args.stories)
        assert sdk_sync(server) == expected, "the sync SDK read other items than the raw loop"
        assert sdk_async(server) == expected, "the async SDK read other items than the raw loop"
        assert raw_httpx_window(server) == expected[:100], "the httpx window read another first page"
        assert raw_httpx_async_window(server) == expected[:100], "the async httpx window read another first page"
        if args.smoke:
            print(f"bulk read smoke: {len(expected)} stories read identically by raw httpx, Atono and AsyncAtono")
            return 0
        medians = alternate(
            {
                "raw httpx, sequential pages": lambda: raw_httpx_loop(server),
                "Atono (sync, read-ahead)": lambda: sdk_sync(server),
                "AsyncAtono (read-ahead)": lambda: sdk_async(server),
                WINDOW: lambda: raw_httpx_window(server),
                ASYNC_WINDOW: lambda: raw_httpx_async_window(server),
            },
            rounds=args.rounds,
        )
    pages = math.ceil(args.stories / 100)
    limit = (1 + math.ceil((pages - 1) / DEFAULT_READ_AHEAD)) * args.latency_ms / 1000
    baseline = medians["raw httpx, sequential pages"]
    print(
        f"Bulk read of {args.stories} stories ({pages} pages), {args.latency_ms:g} ms latency, "
        f"median of {args.rounds} alternating rounds, read_ahead={DEFAULT_READ_AHEAD}"
    )
    for name, seconds in medians.items():
        print(f"  {name:38} {seconds * 1000:8.1f} ms   {baseline / seconds:5.2f}x the raw loop")
    print(f"  {'limit (first page, then pages/K)':38} {limit * 1000:8.1f} ms   {baseline / limit:5.2f}x the raw loop")
    speedups = {name: round(baseline / seconds, 2) for name, seconds in medians.items()}
    sync, asynchronous = speedups["Atono (sync, read-ahead)"], speedups["AsyncAtono (read-ahead)"]
    slowest = min(sync, asynchronous)
    shares = {"sync": round(sync / speedups[WINDOW], 3), "async": round(asynchronous / speedups[ASYNC_WINDOW], 3)}
    print(
        f"  goal: >= 8x the raw loop: {'met' if slowest >= 8 else 'not met'} ({slowest:.2f}x, "
        f"{slowest / (baseline / limit):.0%} of the read-ahead limit); of httpx's own speed with as many in flight "
        f"and nothing parsed, the SDK reaches {shares['sync']:.0%} (sync) and {shares['async']:.0%} (async)"
    )
    record(
        "bulk_read",
        stories=args.stories,
        latency_ms=args.latency_ms,
        milliseconds={name: round(seconds * 1000, 1) for name, seconds in medians.items()},
        speedup=speedups,
        limit_speedup=round(baseline / limit, 2),
        share_of_limit=round(slowest / (baseline / limit), 3),
        share_of_httpx_window=shares,
        goal=">= 8x the sequential raw loop",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
