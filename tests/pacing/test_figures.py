"""The figures of shared pacing, short: 4 processes x 4 threads sharing `RateLimit(60, 5)` against one sandbox that
enforces (60, 5), counted from the sandbox's own log (`make bench` runs the same for 20 s). A real Redis, real
SQLite files, real processes; nothing faked.

These assert results, not times: no 429, no 5 s window in which more than 60 requests arrived (429s included),
most of what the limit allows got through, and the outages ended in a wait, not an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench._redis import RedisServer, sqlite_url
from bench.shared_pacing import LIMIT, Figures, lock_sqlite, restart_redis, run, stall_sandbox

# Two windows and a bit: the second burst must be paced behind the first, across processes.
SECONDS = 11.0
pytestmark = pytest.mark.timeout(240)


def check_within_the_limit(figures: Figures) -> None:
    assert figures.worker_failures == []
    assert figures.client_errors == []
    assert figures.rejected == 0, figures.line()
    assert figures.max_window <= LIMIT[0], figures.line()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_processes_sharing_a_storage_stay_within_the_limit(
    kind: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Sixteen threads in four processes, and the sandbox stalls for 0.8 s as the first requests are sent (a paused
    host, a queue in front of the API): they reach its rate limit 0.8 s after their booking, past the 0.25 s guard.
    Each counts until a window after its answer, so the second window's requests wait for them, and both windows
    that begin in the run are filled. (Counted from their sends: 16 responses 429.)"""
    storage = redis_server.url if kind == "redis" else sqlite_url(tmp_path)
    figures = run(storage, f"{kind}, stalled 0.8 s", seconds=SECONDS, during=stall_sandbox(at=-0.05, seconds=0.8))
    check_within_the_limit(figures)
    assert figures.in_run >= 2 * LIMIT[0], figures.line()  # the third window begins 0.8 s late, past the run


def test_in_process_pacing_counts_requests_held_up_on_the_way() -> None:
    """The same stall against one process of 16 threads pacing without a storage: each slot counts until a window
    after its answer too. (Counted from their sends: 16 responses 429.)"""
    figures = run(
        None,
        "in-process, stalled 0.8 s",
        seconds=SECONDS,
        processes=1,
        threads=16,
        during=stall_sandbox(at=-0.05, seconds=0.8),
    )
    check_within_the_limit(figures)
    assert figures.in_run >= 2 * LIMIT[0], figures.line()


def test_per_process_pacing_is_the_baseline_that_meets_429s() -> None:
    """Without a storage each process paces alone: four of them send up to four times the limit. This is what the
    storages are for, and it shows that the checks above can fail."""
    figures = run(None, "local", seconds=SECONDS)
    assert figures.rejected > 0, figures.line()
    assert figures.max_window > LIMIT[0], figures.line()


def test_a_redis_restart_during_a_run_is_waited_out() -> None:
    """Redis stops for a second and comes back empty (no persistence): the workers wait for it, then for one
    whole window (their earlier requests are still in the server's), and never go over the limit."""
    with RedisServer() as server:
        figures = run(server.url, "redis restarted", seconds=SECONDS, during=restart_redis(server, at=3.0))
    check_within_the_limit(figures)
    assert figures.in_run > LIMIT[0]  # they went on after the restart


def test_a_sqlite_file_locked_by_another_process_is_waited_out(tmp_path: Path) -> None:
    """Another process holds the file locked (`BEGIN EXCLUSIVE`) for 3 s: the workers wait, then go on."""
    url = sqlite_url(tmp_path)
    figures = run(url, "sqlite locked", seconds=SECONDS, during=lock_sqlite(url, at=3.0))
    check_within_the_limit(figures)
    assert figures.in_run > LIMIT[0]
