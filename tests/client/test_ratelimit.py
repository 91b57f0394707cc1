"""Client-side pacing: a sliding window shared by every thread or task that uses one client (and its copies)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import pytest
from atono import AsyncAtono, Atono, RateLimit
from atono._ratelimit import RateLimiter
from atono_api.api.bugs import get_bug
from hypothesis import given
from hypothesis import strategies as st

from .conftest import Server, call, respond


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def limiter(requests: int, per_seconds: float, clock: FakeClock, waits: list[float]) -> RateLimiter:
    async def async_sleep(seconds: float) -> None:
        waits.append(seconds)

    return RateLimiter(RateLimit(requests, per_seconds), clock=clock, sleep=waits.append, async_sleep=async_sleep)


def test_a_full_window_waits_for_its_oldest_request_to_leave() -> None:
    clock, waits = FakeClock(), []
    pacer = limiter(3, 10.0, clock, waits)
    assert [pacer.reserve() for _ in range(7)] == [0, 0, 0, 10, 10, 10, 20]
    clock.now = 12.0  # slots 10, 10, 10 and 20 are still in play: the next one goes 10 s after the third-last
    assert pacer.reserve() == 8.0


def test_the_window_slides() -> None:
    clock, waits = FakeClock(), []
    pacer = limiter(2, 10.0, clock, waits)
    assert pacer.reserve() == 0
    clock.now = 4.0
    assert pacer.reserve() == 0
    clock.now = 6.0
    assert pacer.reserve() == 4.0  # the request at 0 leaves the window at 10
    clock.now = 30.0
    assert pacer.reserve() == 0  # old slots are forgotten
    assert len(pacer._slots) == 1


@given(
    requests=st.integers(1, 5),
    per_seconds=st.floats(0.5, 20.0),
    gaps=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=40),
)
def test_no_window_ever_holds_more_than_the_limit(requests: int, per_seconds: float, gaps: list[float]) -> None:
    clock, waits = FakeClock(), []
    pacer = limiter(requests, per_seconds, clock, waits)
    sends: list[float] = []
    for gap in gaps:
        clock.now += gap
        delay = pacer.reserve()
        assert delay >= 0
        sends.append(clock.now + delay)
    assert sends == sorted(sends)  # served in arrival order
    for i in range(len(sends) - requests):
        assert sends[i + requests] - sends[i] >= per_seconds - 1e-9


def test_threads_sharing_a_limiter_get_distinct_slots() -> None:
    clock, waits = FakeClock(), []
    pacer = limiter(10, 1.0, clock, waits)
    delays: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            waited = pacer.acquire()
            with lock:
                delays.append(waited)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delays) == [0.0] * 10 + [1.0] * 10 + [2.0] * 10 + [3.0] * 10
    assert sorted(waits) == [1.0] * 10 + [2.0] * 10 + [3.0] * 10  # no sleep when no wait is needed


async def test_tasks_sharing_a_limiter_get_distinct_slots() -> None:
    clock, waits = FakeClock(), []
    pacer = limiter(4, 2.0, clock, waits)
    delays = await asyncio.gather(*(pacer.acquire_async() for _ in range(12)))
    assert sorted(delays) == [0.0] * 4 + [2.0] * 4 + [4.0] * 4
    assert sorted(waits) == [2.0] * 4 + [4.0] * 4


async def test_the_client_paces_its_requests_and_shares_the_limiter_with_copies(make_client: Any) -> None:
    clock, waits = FakeClock(), []
    server = Server()
    client = make_client(server, rate_limit=RateLimit(2, 60.0))
    client._limiter = limiter(2, 60.0, clock, waits)
    copy = client.with_options(max_retries=0)
    for target in (client, copy, client, copy, client):
        await call(target._request, get_bug, "b1")
    assert server.calls == 5
    assert waits == [60.0, 60.0, 120.0]


async def test_every_attempt_counts_against_the_limit(make_client: Any) -> None:
    clock, waits = FakeClock(), []
    server = Server(respond(503), respond(503), respond(200))
    client = make_client(server, rate_limit=RateLimit(1, 10.0))
    client._limiter = limiter(1, 10.0, clock, waits)
    await call(client._request_raw, get_bug, "b1")
    assert waits == [10.0, 20.0]


async def test_without_a_rate_limit_nothing_waits(make_client: Any) -> None:
    server = Server()
    client = make_client(server, rate_limit=None)
    started = time.monotonic()
    for _ in range(50):
        await call(client._request_raw, get_bug, "b1")
    assert time.monotonic() - started < 2.0
    assert server.calls == 50


@pytest.mark.parametrize("workers", [1, 3])
def test_real_time_pacing_across_threads(workers: int) -> None:
    server = Server()
    client = Atono(
        api_key="pacing-key-123456",
        base_url="https://api.atono.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(server)),
        rate_limit=RateLimit(5, 0.25),
    )

    def work() -> None:
        for _ in range(15 // workers):
            client._request_raw(get_bug, "b1")

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 15 requests at 5 per 0.25 s: the second five wait 0.25 s, the last five 0.5 s.
    assert server.calls == 15
    assert time.monotonic() - started >= 0.5


async def test_real_time_pacing_across_tasks() -> None:
    server = Server()
    client = AsyncAtono(
        api_key="pacing-key-123456",
        base_url="https://api.atono.test/v1",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        rate_limit=RateLimit(5, 0.25),
    )
    started = time.monotonic()
    await asyncio.gather(*(client._request_raw(get_bug, "b1") for _ in range(15)))
    assert server.calls == 15
    assert time.monotonic() - started >= 0.5
