"""`RateLimit(storage=..., name=...)`: how a storage is named, read from the environment, reported when it cannot be
used, and shared by clients, their copies and both flavours (against a real Redis and real SQLite files)."""

from __future__ import annotations

import asyncio
import itertools
import re
import sqlite3
import threading
import time
import warnings
from pathlib import Path

import pytest
from atono import AsyncAtono, Atono, RateLimit, RateLimitStorageError
from atono._shared_ratelimit import Booking, SharedRateLimiter, _now_ms, sqlite_path
from atono.testing import Sandbox

from bench._redis import RedisServer, free_port, sqlite_url


@pytest.mark.parametrize(
    "storage",
    ["memcached://localhost", "redis://", "sqlite://", "/tmp/pacing.db", "http://127.0.0.1:6379"],
)
def test_an_unknown_storage_is_refused_at_construction(storage: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///"):
        RateLimit(60, 5, storage=storage)


def test_the_environment_applies_where_storage_is_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONO_RATE_LIMIT_STORAGE", "redis://cache:6379/1")
    assert RateLimit(60, 5).resolved_storage() == "redis://cache:6379/1"
    assert RateLimit(60, 5, storage=None).resolved_storage() is None  # explicit: this process
    assert RateLimit(60, 5, storage="sqlite:///x.db").resolved_storage() == "sqlite:///x.db"
    monkeypatch.setenv("ATONO_RATE_LIMIT_STORAGE", "")
    assert RateLimit(60, 5).resolved_storage() is None
    monkeypatch.setenv("ATONO_RATE_LIMIT_STORAGE", "mongodb://x")
    with pytest.raises(ValueError, match="ATONO_RATE_LIMIT_STORAGE"):
        RateLimit(60, 5).resolved_storage()


def test_sqlite_paths_read_as_sqlalchemy_does() -> None:
    assert sqlite_path("sqlite:///pacing.db") == "pacing.db"
    assert sqlite_path("sqlite:///data/pacing.db") == "data/pacing.db"
    assert sqlite_path("sqlite:////var/run/pacing.db") == "/var/run/pacing.db"


def test_a_password_never_shows(redis_server: RedisServer) -> None:
    limit = RateLimit(60, 5, storage="redis://:s3cret-pw@127.0.0.1:1/0")
    assert "s3cret-pw" not in repr(limit)
    with Sandbox() as sandbox:
        client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=limit)
        with pytest.raises(RateLimitStorageError) as caught:
            client.request("GET", "/users")
    assert "s3cret-pw" not in str(caught.value) and "s3cret-pw" not in repr(caught.value.storage)
    assert caught.value.storage == "redis://***@127.0.0.1:1/0"


def test_a_redis_out_of_reach_raises_at_first_use_naming_it() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with Sandbox() as sandbox:
        client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=RateLimit(60, 5, storage=url))
        with pytest.raises(RateLimitStorageError, match=re.escape(url)) as caught:
            client.request("GET", "/users")
        assert caught.value.storage == url
        assert "fallback_to_local=True" in str(caught.value)
        assert sandbox.rate_limit_log == []  # nothing was sent unpaced


def test_a_sqlite_file_in_a_missing_directory_raises_naming_it(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "no" / "such")
    with Sandbox() as sandbox:
        client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=RateLimit(60, 5, storage=url))
        with pytest.raises(RateLimitStorageError, match=r"pacing\.db"):
            client.request("GET", "/users")


def _hold_exclusive(path: str, seconds: float) -> threading.Timer:
    """Hold the SQLite file with a connection of its own (as another process's would) for `seconds`."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(seconds, lambda: (holder.execute("COMMIT"), holder.close()))
    release.start()
    return release


def test_a_sqlite_file_locked_at_first_use_is_waited_for_not_reported_unreachable(tmp_path: Path) -> None:
    """The file is held longer than SQLite's busy timeout (5 s) when this client first opens it, as when several
    processes open a new file at once on a loaded machine: it is there, only busy."""
    url = sqlite_url(tmp_path)
    with Sandbox(rate_limit=(60, 5)) as sandbox:
        client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=RateLimit(60, 5, storage=url))
        release = _hold_exclusive(sqlite_path(url), 6.0)
        started = time.monotonic()
        client.request("GET", "/users")
        assert time.monotonic() - started > 5.0  # it waited for the lock, then went
        assert len(sandbox.rate_limit_log) == 1  # sent once, after the wait
        release.join()


def test_waiting_for_a_locked_sqlite_file_leaves_the_event_loop_free(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)

    async def main(sandbox: Sandbox) -> int:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.1)
                ticks += 1

        ticker = asyncio.create_task(tick())
        client = AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=RateLimit(60, 5, storage=url))
        await asyncio.gather(client.request("GET", "/users"), client.request("GET", "/users"))
        ticker.cancel()
        await client.close()
        return ticks

    with Sandbox(rate_limit=(60, 5)) as sandbox:
        release = _hold_exclusive(sqlite_path(url), 6.0)
        ticks = asyncio.run(main(sandbox))
        release.join()
        assert len(sandbox.rate_limit_log) == 2
    assert ticks >= 40  # the loop ran all through the 6 s the file was held


def test_a_429_pausing_a_locked_sqlite_file_leaves_the_event_loop_free(tmp_path: Path) -> None:
    """The pause a 429 writes for every client of the budget waits for the file on the limiter's threads: the
    file is held from while the request is out until 4 s in, past the 429's answer (1 s, the sandbox's latency)."""
    url = sqlite_url(tmp_path)

    async def main(sandbox: Sandbox) -> float:
        beats: list[float] = []

        async def beat() -> None:
            while True:
                beats.append(time.monotonic())
                await asyncio.sleep(0.05)

        client = AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=RateLimit(60, 5, storage=url))
        await client.request("GET", "/users")  # the file is open and its tables made
        sandbox.inject("429", path="/users", retry_after=1)
        ticker = asyncio.create_task(beat())
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, lambda: holds.append(_hold_exclusive(sqlite_path(url), 3.7)))
        await client.request("GET", "/users")
        ticker.cancel()
        await client.close()
        return max(b - a for a, b in itertools.pairwise(beats))

    holds: list[threading.Timer] = []
    with Sandbox(rate_limit=(60, 5), latency_ms=1000) as sandbox:
        longest_gap = asyncio.run(main(sandbox))
        holds[0].join()
        assert [ok for _, ok in sandbox.rate_limit_log] == [True, True, True]  # the first, the 429'd one, its retry
    assert longest_gap < 0.5  # the loop never stood still while the file was held


def test_falling_back_to_local_pacing_is_explicit_and_warns() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    limit = RateLimit(3, 2, storage=url, fallback_to_local=True)
    with Sandbox(rate_limit=(3, 2)) as sandbox:
        client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=limit)
        with pytest.warns(RuntimeWarning, match="pacing within this process"):
            client.request("GET", "/users")
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warned once, not on every call
            started = time.monotonic()
            for _ in range(3):
                client.request("GET", "/users")
        assert time.monotonic() - started >= 1.5  # the fourth request waited for the window: still paced


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_clients_naming_one_storage_share_one_budget(kind: str, redis_server: RedisServer, sqlite_storage: str) -> None:
    """Two clients (sync and async, each its own `Atono`) in one budget: together they stay within it."""
    storage = redis_server.url if kind == "redis" else sqlite_storage
    limit = RateLimit(10, 2, storage=storage, name=f"share-{kind}-{time.monotonic_ns()}")
    with Sandbox(rate_limit=(10, 2)) as sandbox:
        sync = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=limit)

        async def both() -> None:
            async with AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=limit) as client:
                calls = [client.request("GET", "/users") for _ in range(10)]
                await asyncio.gather(
                    asyncio.to_thread(lambda: [sync.request("GET", "/users") for _ in range(10)]), *calls
                )

        started = time.monotonic()
        asyncio.run(both())
        log = sandbox.rate_limit_log
    assert len(log) == 20 and all(ok for _, ok in log)  # 20 requests, none 429
    assert time.monotonic() - started >= 2.0  # the second ten waited for the first to leave the window


def test_names_separate_budgets(redis_server: RedisServer) -> None:
    stamp = time.monotonic_ns()
    with Sandbox(rate_limit=None) as sandbox:
        clients = [
            Atono(
                api_key=sandbox.api_key,
                base_url=sandbox.url,
                rate_limit=RateLimit(5, 60, storage=redis_server.url, name=f"{n}-{stamp}"),
            )
            for n in ("a", "b")
        ]
        started = time.monotonic()
        for client in clients:
            for _ in range(5):
                client.request("GET", "/users")
        assert time.monotonic() - started < 5  # each name had its own 5: nobody waited a minute


def test_copies_on_the_same_origin_share_the_limiter(redis_server: RedisServer) -> None:
    limit = RateLimit(5, 60, storage=redis_server.url, name=f"copies-{time.monotonic_ns()}")
    client = Atono(api_key="k", base_url="http://127.0.0.1:1/v1", rate_limit=limit)
    copy = client.with_options(timeout=5)
    assert copy._limiter is client._limiter
    assert isinstance(client._limiter, SharedRateLimiter)
    assert client._limiter.key == f"atono:ratelimit:http://127.0.0.1:1:{limit.name}"  # the origin, not the key
    other = Atono(api_key="another-key", base_url="http://127.0.0.1:1/v1", rate_limit=limit)
    assert other._limiter is client._limiter  # one budget per origin and name, whatever the API key


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_429_seen_by_one_client_pauses_the_others(kind: str, redis_server: RedisServer, sqlite_storage: str) -> None:
    """Shared backoff: a 429 with Retry-After 2 answered to one client holds back a client with its own limiter
    object and connection (as in another process) until then."""
    storage = redis_server.url if kind == "redis" else sqlite_storage
    limit = RateLimit(100, 5, storage=storage, name=f"backoff-{time.monotonic_ns()}")
    with Sandbox(rate_limit=None) as sandbox:
        first = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=limit)
        second = Atono(api_key=sandbox.api_key, base_url=sandbox.url, rate_limit=None)
        second._limiter = SharedRateLimiter(limit, storage, sandbox.origin)
        assert isinstance(first._limiter, SharedRateLimiter) and second._limiter.key == first._limiter.key
        sandbox.inject("429", path="/users", count=1, retry_after=2)
        answered = threading.Thread(target=lambda: first.request("GET", "/users"))
        answered.start()
        time.sleep(0.5)  # the 429 has been answered (on loopback, within milliseconds) and its pause written
        started = time.monotonic()
        second.request("GET", "/teams")
        waited = time.monotonic() - started
        answered.join()
    assert waited >= 1.0, waited  # held back until about 2 s after the 429, not sent at once


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_slow_answer_keeps_its_place_until_a_window_after_it(
    kind: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The server counts a request when it arrives, somewhere up to its answer: a place counts until a window
    after the answer. One request a second; the first answered 0.6 s after its send (past the 0.25 s guard), so
    the next may go 1.25 s after the answer, not after the send. Against the storage itself, so a change in how the
    library names its entries (which the restamp relies on) fails here."""
    storage = redis_server.url if kind == "redis" else sqlite_url(tmp_path)
    limit = RateLimit(1, 1.0, storage=storage, name=f"slow-{kind}")
    first, second = (SharedRateLimiter(limit, storage, "https://api.atono.io:443") for _ in range(2))
    try:
        hold = first.hold()
        time.sleep(0.6)
        answered_at = time.monotonic()
        first.answered(hold)
        started = time.monotonic()
        second.acquire()
        assert time.monotonic() - answered_at >= 1.2
        # A quick answer needs no second round trip: its place already counts a guard past its window.
        quick = second.hold()
        assert quick.booking is not None
        _, booking = quick.booking
        assert booking.due() is None
    finally:
        first.close()
        second.close()
    assert started - answered_at < 0.1


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_place_dropped_while_its_request_was_out_longer_than_a_window_is_put_back(
    kind: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """RateLimit(2, 1 s): the first request is out 1.6 s; at 1.3 s another client books, which drops every entry older
    than a window, the first's included. Its answer puts its place back, counted until a window after it: the window
    then holds two (the other's and the first's), and the next must wait for the other's to leave (about 2.55 s)."""
    storage = redis_server.url if kind == "redis" else sqlite_url(tmp_path)
    limit = RateLimit(2, 1.0, storage=storage, name=f"dropped-{kind}")
    first, other, later = (SharedRateLimiter(limit, storage, "https://api.atono.io:443") for _ in range(3))
    try:
        began = time.monotonic()
        hold = first.hold()
        time.sleep(1.3)
        other.acquire()  # at once: the first's entry is older than a window, and is dropped now
        assert time.monotonic() - began < 1.45
        time.sleep(max(0.0, began + 1.6 - time.monotonic()))
        first.answered(hold)
        waited_from = time.monotonic()
        later.acquire()
        assert time.monotonic() - waited_from >= 0.7, "the first request's place was lost"
    finally:
        for limiter in (first, other, later):
            limiter.close()


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_try_counts_a_place_stamped_after_it_read_the_clock(
    kind: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """RateLimit(1, 5 s), its one place taken. Another process's try that read the clock a little before that place
    was stamped (it then waited for the storage; or the place was restamped at its answer since) finds it full."""
    storage = redis_server.url if kind == "redis" else sqlite_url(tmp_path)
    limit = RateLimit(1, 5.0, storage=storage, name=f"stale-{kind}")
    first, other = (SharedRateLimiter(limit, storage, "https://api.atono.io:443") for _ in range(2))
    try:
        first.acquire()
        backend = other._connect()
        assert backend is not None
        window = backend._window  # type: ignore[attr-defined]
        stale = Booking(f"stale-{kind}", _now_ms() - 50)
        with window._lock, window._write():
            assert window._attempt(stale) is not None, "a second place was booked in a window of one"
    finally:
        first.close()
        other.close()
