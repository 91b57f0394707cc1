"""Cancelled or interrupted calls give back the rate-limit slots they booked, against the sandbox over loopback.

Before, a `gather` of 100 calls at 10 per 2 s cancelled after 0.3 s left 90 future slots booked, and the next call
waited behind all of them (about 18 s); now it waits only for the 10 requests really sent to leave the window.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections.abc import Iterator

import pytest
from atono import AsyncAtono, Atono, RateLimit
from atono._ratelimit import RateLimiter
from atono.testing import Sandbox

from .figures import record_figure


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # No server-side limit: only the client's own pacing is under test.
    with Sandbox(stories=5, bugs=5, users=5, seed=7, latency_ms=20, rate_limit=None) as sb:
        yield sb


async def test_a_cancelled_gather_does_not_hold_up_the_next_call(sandbox: Sandbox) -> None:
    async with AsyncAtono(
        api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0, rate_limit=RateLimit(10, 2.0)
    ) as client:
        started = time.monotonic()
        calls = asyncio.gather(*(client.users.get(sandbox.user_id) for _ in range(100)))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(calls, 0.3)  # 10 sent at once; 90 waiting for slots at 2, 4, ... 18 s
        cancelled = time.monotonic()
        # Bounded, so the old limiter (next slot at 20 s) fails in 5 s rather than hanging.
        user = await asyncio.wait_for(client.users.get(sandbox.user_id), 5)
        done = time.monotonic()
    assert user.id == sandbox.user_id
    assert done - started >= 2.0  # the 10 really sent still fill the first window
    assert done - cancelled < 2.5
    record_figure(
        "cancelled gather, next call", f"waited {done - cancelled:.2f} s after 90 of 100 calls were cancelled"
    )


def test_threads_interrupted_while_waiting_do_not_hold_up_the_next_call(sandbox: Sandbox) -> None:
    """KeyboardInterrupt cannot be delivered to another thread, so the sleep raises it for the worker threads waiting
    for the third and fourth windows; those waiting for the second sleep for real and send."""

    def sleep(seconds: float) -> None:
        if seconds > 1.5 and threading.current_thread() is not threading.main_thread():
            time.sleep(0.1)
            raise KeyboardInterrupt
        time.sleep(seconds)

    client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0, rate_limit=RateLimit(5, 1.0))
    client._limiter = RateLimiter(RateLimit(5, 1.0), sleep=sleep)
    outcomes: list[str] = []

    def work() -> None:
        try:
            client.users.get(sandbox.user_id)
            outcomes.append("sent")
        except KeyboardInterrupt:
            outcomes.append("interrupted")

    started = time.monotonic()
    threads = [threading.Thread(target=work) for _ in range(20)]
    for thread in threads:
        thread.start()
    while outcomes.count("interrupted") < 10 and time.monotonic() - started < 5:
        time.sleep(0.01)
    assert outcomes.count("interrupted") == 10
    # 5 sent at 0 and 5 at 1 s still hold their windows: the next goes at 2 s (the old limiter: at 4 s).
    client.users.get(sandbox.user_id)
    done = time.monotonic()
    for thread in threads:
        thread.join(5)
    client.close()
    assert sorted(outcomes) == ["interrupted"] * 10 + ["sent"] * 10
    assert 2.0 <= done - started < 3.0
    record_figure("interrupted threads, next call", f"sent {done - started:.2f} s after the first (2.0 s is the limit)")


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill to interrupt the main thread")
def test_a_real_keyboard_interrupt_in_acquire_gives_the_slot_back(sandbox: Sandbox) -> None:
    """A real SIGINT to the main thread while it sleeps in `acquire`. `_thread.interrupt_main()` would only set a flag
    seen after the sleep ends; a signal sent to the thread wakes the sleep at once."""
    main = threading.main_thread().ident
    assert main == threading.get_ident()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    client = Atono(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0, rate_limit=RateLimit(1, 2.0))
    try:
        started = time.monotonic()
        client.users.get(sandbox.user_id)  # sent at once; the next slot is at 2 s
        timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            client.users.get(sandbox.user_id)
        interrupted = time.monotonic()
        timer.join()
        client.users.get(sandbox.user_id)  # takes the slot at 2 s that was given back (the old limiter: 4 s)
        done = time.monotonic()
    finally:
        signal.signal(signal.SIGINT, previous)
        client.close()
    assert interrupted - started < 1.0  # the interrupt really cut the sleep short
    assert 2.0 <= done - started < 3.0
    record_figure("interrupted main thread, next call", f"sent {done - started:.2f} s after the first (limit 2.0 s)")
