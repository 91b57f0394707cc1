"""Shared pacing: processes x threads sharing one `RateLimit` against one sandbox that enforces the same limit.

    python -m bench.shared_pacing [--seconds 20] [--storage local sqlite redis] [--smoke]

For each storage: 4 processes x 4 threads send `GET /users/{id}` as fast as pacing lets them, sharing
`RateLimit(60, 5)` (through SQLite or Redis; `local` is today's per-process pacing, the baseline), against one
sandbox enforcing (60, 5) per address. Printed from the sandbox's own log: responses 429, the most requests
that arrived (admitted or not) in any 5 s window, and the requests admitted in the run as a share of what the limit allows
(60 x ceil(seconds / 5)). Then two outages: Redis restarted (losing its data) during a run, and the SQLite file
held locked by another process for 3 s. Then the cost of one booking per storage against the in-process
limiter (µs), single-threaded, with a limit that never makes anyone wait.

`--smoke` runs SQLite and Redis short (6 s), without the outages, and checks only that nothing failed (the tests in
tests/pacing assert the figures on short runs).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atono import Atono, AtonoError, RateLimit
from atono._ratelimit import RateLimiter
from atono._shared_ratelimit import SharedRateLimiter
from atono.testing import Sandbox

from bench._common import record
from bench._redis import RedisServer, sqlite_url

LIMIT = (60, 5.0)


@dataclass
class Figures:
    storage: str
    seconds: float
    admitted: int = 0
    rejected: int = 0
    max_window: int = 0
    in_run: int = 0
    allowed: int = 0
    client_errors: list[str] = field(default_factory=list)
    worker_failures: list[str] = field(default_factory=list)
    # When each admitted request arrived, in seconds from the start.
    arrivals: list[float] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.in_run / self.allowed if self.allowed else 0.0

    def line(self) -> str:
        errors = f", client errors {len(self.client_errors)}" if self.client_errors else ""
        failed = f", workers failed {len(self.worker_failures)}" if self.worker_failures else ""
        return (
            f"  {self.storage:<28} 429s {self.rejected:>4}   most sent in any {LIMIT[1]:g} s {self.max_window:>3} "
            f"(limit {LIMIT[0]})   admitted in {self.seconds:g} s {self.in_run:>4} of {self.allowed} "
            f"({self.share:.0%}){errors}{failed}"
        )


def max_in_window(times: list[float], window: float) -> int:
    """The most times in any half-open window (t - window, t], as the sandbox counts."""
    best, first = 0, 0
    for last, t in enumerate(times):
        while times[first] <= t - window:
            first += 1
        best = max(best, last - first + 1)
    return best


@dataclass(frozen=True)
class Job:
    """What a worker process is told: where to send, through which storage and budget, and for how long."""

    url: str
    api_key: str
    user_id: str
    storage: str | None
    name: str
    threads: int
    seconds: float


def _worker(job: Job, ready: Any, go: Any, start: Any, results: Any) -> None:
    limit = RateLimit(*LIMIT, storage=job.storage, name=job.name)
    client = Atono(api_key=job.api_key, base_url=job.url, rate_limit=limit)
    errors: list[str] = []
    lock = threading.Lock()
    ready.put(True)
    go.wait()
    start_at = start.value
    stop_at = start_at + job.seconds
    user_id = job.user_id

    def loop() -> None:
        time.sleep(max(0.0, start_at - time.time()))
        while time.time() < stop_at:
            try:
                client.request("GET", f"/users/{user_id}")
            except AtonoError as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")

    pool = [threading.Thread(target=loop) for _ in range(job.threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    client.close()
    results.put(errors)


def run(
    storage: str | None,
    label: str,
    *,
    seconds: float,
    processes: int = 4,
    threads: int = 4,
    during: Callable[[Sandbox, float], None] | None = None,
) -> Figures:
    """One run; `during(sandbox, start_at)` runs in a thread of this process while the workers send."""
    context = multiprocessing.get_context("spawn")
    results, ready, go, start = context.Queue(), context.Queue(), context.Event(), context.Value("d", 0.0)
    name = f"bench-{uuid.uuid4().hex[:8]}"  # a fresh budget, whatever earlier runs left in the storage
    figures = Figures(storage=label, seconds=seconds)
    with Sandbox(rate_limit=LIMIT, users=5, stories=10, bugs=5) as sandbox:
        job = Job(sandbox.url, sandbox.api_key, sandbox.user_id, storage, name, threads, seconds)
        workers = [context.Process(target=_worker, args=(job, ready, go, start, results)) for _ in range(processes)]
        for worker in workers:
            worker.start()
        for _ in workers:  # spawned interpreters take a while to import the SDK: start together once all are up
            ready.get(timeout=120)
        lead = 0.5
        start_at, start_mono = time.time() + lead, time.monotonic() + lead
        start.value = start_at
        go.set()
        side = threading.Thread(target=during, args=(sandbox, start_at)) if during is not None else None
        if side is not None:
            side.start()
        for _ in workers:
            figures.client_errors += results.get(timeout=seconds + 120)
        for worker in workers:
            worker.join(timeout=30)
            if worker.exitcode != 0:
                figures.worker_failures.append(f"exit code {worker.exitcode}")
        if side is not None:
            side.join()
        log = sandbox.rate_limit_log
    admitted = [t for t, ok in log if ok]
    figures.admitted, figures.rejected = len(admitted), len(log) - len(admitted)
    # Over every request that arrived, answered 429 or not: what the clients sent, not what the server let in.
    figures.max_window = max_in_window([t for t, _ in log], LIMIT[1]) if log else 0
    figures.arrivals = [t - start_mono for t in admitted]
    figures.in_run = sum(start_mono <= t < start_mono + seconds for t in admitted)
    figures.allowed = LIMIT[0] * math.ceil(seconds / LIMIT[1])
    return figures


def stall_sandbox(at: float, seconds: float) -> Callable[[Sandbox, float], None]:
    """The sandbox stops serving for `seconds` from `at` seconds into the run (its event loop blocked, as a paused
    host would be): requests sent before reach its rate limit `seconds` late, and are answered later still."""

    def during(sandbox: Sandbox, start_at: float) -> None:
        time.sleep(max(0.0, start_at + at - time.time()))
        loop = sandbox._server._loop  # type: ignore[union-attr]  # the server thread's own loop
        loop.call_soon_threadsafe(time.sleep, seconds)

    return during


def restart_redis(server: RedisServer, at: float, down: float = 1.0) -> Callable[[Sandbox, float], None]:
    """Stop `server` `at` seconds into the run and start it again (empty) `down` seconds later."""

    def during(_: Sandbox, start_at: float) -> None:
        time.sleep(max(0.0, start_at + at - time.time()))
        server.stop()
        time.sleep(down)
        server.start()

    return during


def _hold_lock(path: str, seconds: float) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    time.sleep(seconds)
    connection.execute("COMMIT")
    connection.close()


def lock_sqlite(url: str, at: float, seconds: float = 3.0) -> Callable[[Sandbox, float], None]:
    """Another process holds the SQLite file locked (`BEGIN EXCLUSIVE`) for `seconds`, `at` seconds in."""

    def during(_: Sandbox, start_at: float) -> None:
        time.sleep(max(0.0, start_at + at - time.time()))
        holder = multiprocessing.get_context("spawn").Process(
            target=_hold_lock, args=(url[len("sqlite:///") :], seconds)
        )
        holder.start()
        holder.join()

    return during


def booking_cost(storage: str | None, rounds: int) -> float:
    """Median µs of one booking, single-threaded, with a limit so high that nobody waits."""
    limit = RateLimit(10**9, 1, storage=storage, name=f"cost-{uuid.uuid4().hex[:8]}")
    limiter: RateLimiter | SharedRateLimiter = (
        RateLimiter(limit) if storage is None else SharedRateLimiter(limit, storage, "https://api.atono.io:443")
    )
    limiter.acquire()  # connect, create tables, load scripts
    per_round: list[float] = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            limiter.acquire()
        per_round.append((time.perf_counter() - started) / rounds * 1e6)
    limiter.close()
    return statistics.median(per_round)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--storage", nargs="*", default=["local", "sqlite", "redis"])
    parser.add_argument("--smoke", action="store_true", help="short runs that check results, not figures")
    args = parser.parse_args()
    seconds = 6.0 if args.smoke else args.seconds
    if args.smoke:
        args.storage = [key for key in args.storage if key != "local"]
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as directory, RedisServer() as redis:
        storages = {"local": None, "sqlite": sqlite_url(directory), "redis": redis.url}
        print(f"{seconds:g} s runs, 4 processes x 4 threads sharing RateLimit{LIMIT}, sandbox enforcing {LIMIT}")
        runs: list[Figures] = []
        for key in args.storage:
            label = "local (per-process, baseline)" if key == "local" else key
            runs.append(run(storages[key], label, seconds=seconds))
            print(runs[-1].line(), flush=True)
        if "redis" in args.storage and not args.smoke:
            runs.append(
                run(redis.url, "redis, restarted at 1/3", seconds=seconds, during=restart_redis(redis, seconds / 3))
            )
            print(runs[-1].line(), flush=True)
        if "sqlite" in args.storage and not args.smoke:
            url = sqlite_url(Path(directory) / "locked")
            Path(directory, "locked").mkdir()
            runs.append(run(url, "sqlite, locked 3 s at 1/3", seconds=seconds, during=lock_sqlite(url, seconds / 3)))
            print(runs[-1].line(), flush=True)
        for figures in runs:
            if figures.worker_failures:
                failures.append(f"{figures.storage}: {figures.worker_failures}")
            if figures.storage == "local (per-process, baseline)":
                continue
            if figures.client_errors:
                failures.append(f"{figures.storage}: {figures.client_errors[:3]}")
            if figures.rejected or figures.max_window > LIMIT[0]:
                failures.append(f"{figures.storage}: over the limit: {figures.line().strip()}")
        rounds = 200 if args.smoke else 2000
        print(f"Cost of one booking (median of 5 x {rounds}, single thread, nobody waits)")
        local = booking_cost(None, rounds * 10)
        costs = {"in-process": local}
        print(f"  {'in-process':<12} {local:8.1f} µs")
        for key in ("sqlite", "redis"):
            costs[key] = cost = booking_cost(storages[key], rounds)
            print(f"  {key:<12} {cost:8.1f} µs   {cost / local:6.0f}x in-process")
    if not args.smoke:
        record(
            "shared_pacing",
            seconds=seconds,
            limit=list(LIMIT),
            runs={
                f.storage: {"responses_429": f.rejected, "max_window": f.max_window, "share": round(f.share, 3)}
                for f in runs
            },
            booking_us={key: round(cost, 1) for key, cost in costs.items()},
        )
    if failures:
        print("FAILED:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
