"""Client-side pacing: a sliding window shared by every thread or task that uses one client (and its copies)."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from atono import AsyncAtono, Atono, RateLimit
from atono._ratelimit import RateLimiter
from atono_api.api.bugs import get_bug
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import Server, call, respond

if TYPE_CHECKING:
    from atono._ratelimit import Slot


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


def test_a_pause_holds_back_every_booking_until_it_ends() -> None:
    """A 429's Retry-After (`pause`, what a shared limit that fell back to this process uses) moves every next
    slot past it; slots already booked stay, and the window's own spacing still holds after the pause."""
    clock, waits = FakeClock(), []
    pacer = limiter(2, 10.0, clock, waits)
    assert pacer.reserve() == 0
    pacer.pause(3.0)
    pacer.pause(1.0)  # a shorter pause does not shorten the longer one
    assert pacer.reserve() == 3.0
    assert pacer.reserve() == 10.0  # the window: 10 s after the first slot
    clock.now = 50.0
    assert pacer.reserve() == 0  # the pause is over


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
    # Served in arrival order. A send time is rebuilt as now + (slot - now), which float rounding may put a few ulps
    # off the slot, so the order is checked within the same 1e-9 s as the window below.
    assert all(later >= earlier - 1e-9 for earlier, later in itertools.pairwise(sends))
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
        await call(target.bugs.get, "b1")
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


# ---- cancelled and interrupted callers give their slots back --------------------------------------------------


class Parked:
    """An awaitable that suspends its coroutine once, so a test decides whether the sleeper wakes or is cancelled."""

    def __await__(self) -> Generator[None, None, None]:
        yield


class Caller:
    """One `acquire_async` driven by hand, without an event loop: it books when created, then wakes or is cancelled."""

    def __init__(self, pacer: RateLimiter, clock: FakeClock, asked: list[float]) -> None:
        self._coro = pacer.acquire_async()
        before = len(asked)
        try:
            self._coro.send(None)
        except StopIteration:
            self.waiting = False
        else:
            self.waiting = True
        self.at = clock.now + (asked[-1] if len(asked) > before else 0.0)

    def wake(self) -> None:
        with pytest.raises(StopIteration):
            self._coro.send(None)
        self.waiting = False

    def cancel(self) -> None:
        with pytest.raises(asyncio.CancelledError):
            self._coro.throw(asyncio.CancelledError())
        self.waiting = False


def parking_limiter(requests: int, per_seconds: float, clock: FakeClock, asked: list[float]) -> RateLimiter:
    async def async_sleep(seconds: float) -> None:
        asked.append(seconds)
        await Parked()

    return RateLimiter(RateLimit(requests, per_seconds), clock=clock, async_sleep=async_sleep)


def test_cancelled_waiters_give_their_slots_back() -> None:
    clock, asked = FakeClock(), list[float]()
    pacer = parking_limiter(3, 10.0, clock, asked)
    callers = [Caller(pacer, clock, asked) for _ in range(30)]
    assert [c.at for c in callers[:7]] == [0, 0, 0, 10, 10, 10, 20]
    for caller in callers[3:]:
        caller.cancel()
    clock.now = 1.0
    # Only the three sent at 0 are left: the next request goes when they leave the window, not after slot 90.
    assert pacer.reserve() == 9.0
    clock.now = 10.0
    assert [pacer.reserve() for _ in range(3)] == [0, 0, 10]


def test_a_slot_given_back_goes_to_the_next_caller_without_crowding_the_window() -> None:
    clock, asked = FakeClock(), list[float]()
    pacer = parking_limiter(2, 10.0, clock, asked)
    callers = [Caller(pacer, clock, asked) for _ in range(6)]
    assert [c.at for c in callers] == [0, 0, 10, 10, 20, 20]
    callers[2].cancel()  # one of the two at 10: the other waiter at 10 keeps its own
    clock.now = 1.0
    assert pacer.reserve() == 9.0  # the hole at 10 is the earliest time that keeps two per window
    assert pacer.reserve() == 29.0  # and it is gone now: 10, 10, 20, 20 are all held again
    assert [s.at for s in pacer._slots] == [0, 0, 10, 10, 20, 20, 30]


def test_giving_a_slot_back_twice_frees_only_that_slot() -> None:
    clock = FakeClock()
    pacer = RateLimiter(RateLimit(2, 10.0), clock=clock)
    assert [pacer.reserve(), pacer.reserve()] == [0, 0]
    mine, _ = pacer.book()
    theirs, _ = pacer.book()
    assert mine.at == theirs.at == 10.0
    pacer.release(mine)
    pacer.release(mine)  # an equal send time is still held by someone else
    assert pacer._slots == [pacer._slots[0], pacer._slots[1], theirs]


@pytest.mark.parametrize(
    ("interrupted", "next_wait"),
    [
        ({0, 1, 2, 3}, 9.0),  # only the two sent at 0 are left
        ({0, 2}, 9.0),  # 0, 0, 10, 20 held: 10 still has room
        ({3}, 19.0),  # 0, 0, 10, 10, 20 held: the two at 10 fill their window until 20
    ],
)
def test_threads_interrupted_while_waiting_give_their_slots_back(interrupted: set[int], next_wait: float) -> None:
    """A KeyboardInterrupt raised in the sleep (it cannot be delivered to another thread for real) frees the slot."""
    clock = FakeClock()
    parked = threading.Semaphore(0)
    go = threading.Event()
    outcome: dict[int, object] = {}

    def sleep(seconds: float) -> None:
        parked.release()
        assert go.wait(5)
        if int(threading.current_thread().name) in interrupted:
            raise KeyboardInterrupt

    pacer = RateLimiter(RateLimit(2, 10.0), clock=clock, sleep=sleep)
    assert [pacer.acquire(), pacer.acquire()] == [0, 0]

    def work(n: int) -> None:
        try:
            outcome[n] = pacer.acquire()
        except KeyboardInterrupt:
            outcome[n] = "interrupted"

    threads = []
    for n in range(4):  # one at a time, so thread n holds the n-th waiting slot: 10, 10, 20, 20
        thread = threading.Thread(target=work, args=(n,), name=str(n))
        thread.start()
        assert parked.acquire(timeout=5)
        threads.append(thread)
    go.set()
    for thread in threads:
        thread.join(5)
    assert outcome == {n: "interrupted" if n in interrupted else [10.0, 10.0, 20.0, 20.0][n] for n in range(4)}
    clock.now = 1.0
    assert pacer.reserve() == next_wait


EIGHTHS = st.integers(0, 40).map(lambda n: n / 8)  # on a binary grid, so every sum below is exact


def fits(times: list[float], requests: int, per_seconds: float) -> bool:
    """No window of `per_seconds` holds more than `requests` of `times` (compared as sums, as slots are made)."""
    times = sorted(times)
    return all(times[i] + per_seconds <= times[i + requests] for i in range(len(times) - requests))


def earliest_fit(now: float, held: list[float], requests: int, per_seconds: float) -> float:
    """By brute force. A time that fits and is not `now` fits because some slot just left its window: s + per_seconds."""
    candidates = [now, *(s + per_seconds for s in held if s + per_seconds >= now)]
    return min(t for t in candidates if fits([*held, t], requests, per_seconds))


def test_every_hole_is_found_not_just_the_first() -> None:
    clock, asked = FakeClock(), list[float]()
    pacer = parking_limiter(1, 1.0, clock, asked)
    callers = [Caller(pacer, clock, asked) for _ in range(6)]
    for caller in callers[1::2]:
        caller.cancel()  # 0, 2, 4 held; 1, 3, 5 given back
    assert [pacer.reserve() for _ in range(4)] == [1.0, 3.0, 5.0, 6.0]


@settings(derandomize=True, max_examples=200)
@given(
    requests=st.integers(1, 4),
    per_seconds=st.integers(1, 80).map(lambda n: n / 8),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("book"), st.just(0.0)),
            st.tuples(st.just("book"), st.just(0.0)),  # twice as likely: queues long enough to have several holes
            st.tuples(st.just("cancel"), st.integers(0, 100).map(float)),
            st.tuples(st.just("advance"), EIGHTHS),
        ),
        max_size=60,
    ),
)
def test_cancellations_never_crowd_the_window_nor_delay_the_next_caller(
    requests: int, per_seconds: float, steps: list[tuple[str, float]]
) -> None:
    """Any interleaving of bookings, cancellations of waiters and passing time: the held slots always fit the limit,
    and each new caller gets the earliest time that fits with them."""
    clock, asked = FakeClock(), list[float]()
    pacer = parking_limiter(requests, per_seconds, clock, asked)
    sent: list[float] = []
    waiting: list[Caller] = []
    for step, value in steps:
        if step == "book":
            held = sent + [c.at for c in waiting]
            caller = Caller(pacer, clock, asked)
            assert caller.at == earliest_fit(clock.now, held, requests, per_seconds)
            if caller.waiting:
                waiting.append(caller)
            else:
                sent.append(caller.at)
        elif step == "cancel" and waiting:
            waiting.pop(int(value) % len(waiting)).cancel()
        elif step == "advance":
            clock.now += value
            for caller in [c for c in waiting if c.at <= clock.now]:
                caller.wake()
                waiting.remove(caller)
                sent.append(caller.at)
        assert fits(sent + [c.at for c in waiting], requests, per_seconds)


@settings(derandomize=True, max_examples=200)
@given(
    requests=st.integers(1, 4),
    per_seconds=st.floats(0.01, 20.0),
    start=st.floats(0.0, 1e6),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("book"), st.just(0.0)),
            st.tuples(st.just("release"), st.integers(0, 100).map(float)),
            st.tuples(st.just("advance"), st.floats(0.0, 10.0)),
        ),
        max_size=40,
    ),
)
def test_rounding_neither_crowds_the_window_nor_delays_the_next_caller(
    requests: int, per_seconds: float, start: float, steps: list[tuple[str, float]]
) -> None:
    """The same with any floats, through `book` and `release`: a slot made as a + per_seconds is never a rounding
    error short of its window."""
    clock = FakeClock()
    clock.now = start
    pacer = RateLimiter(RateLimit(requests, per_seconds), clock=clock)
    held: list[Slot] = []
    for step, value in steps:
        if step == "book":
            expected = earliest_fit(clock.now, [s.at for s in held], requests, per_seconds)
            slot, delay = pacer.book()
            assert slot.at == expected
            assert delay == slot.at - clock.now
            held.append(slot)
        elif step == "release":
            future = [s for s in held if s.at > clock.now]
            if future:
                slot = future[int(value) % len(future)]
                held.remove(slot)
                pacer.release(slot)
        else:
            clock.now += value
        assert fits([s.at for s in held], requests, per_seconds)


def advancing_limiter(requests: int, per_seconds: float, clock: FakeClock) -> RateLimiter:
    """A limiter whose sleeps pass the fake time."""

    def sleep(seconds: float) -> None:
        clock.now += seconds

    return RateLimiter(RateLimit(requests, per_seconds), clock=clock, sleep=sleep)


def test_a_slot_counts_until_a_window_after_its_answer() -> None:
    """The server counts a request when it arrives, any time up to its answer: the next caller waits for a window
    after the answer, not after the send."""
    clock = FakeClock()
    pacer = advancing_limiter(2, 10.0, clock)
    first, second = pacer.hold(), pacer.hold()
    pacer.answered(second)  # answered at once
    clock.now = 3.0
    pacer.answered(first)  # answered 3 s after its send
    assert pacer.acquire() == 7.0  # at 10: the window (0, 10] holds the first, now at 3, and this one
    assert clock.now == 10.0
    assert pacer.acquire() == 3.0  # at 13, once the first's answer is a window back


def test_a_caller_booked_before_an_answer_moved_a_slot_waits_for_its_window() -> None:
    """A slot booked while an earlier request was on its way may crowd the window once that request's answer
    moves it later: the caller checks on waking and waits until its window holds no more than the limit."""
    clock = FakeClock()
    pacer = advancing_limiter(1, 10.0, clock)
    first = pacer.hold()
    booked, delay = pacer.book()  # the next caller, booked at 10 while the first is on its way
    assert (booked.at, delay) == (10.0, 10.0)
    pacer.release(booked)  # (only to see the time it would get)

    def sleep(seconds: float) -> None:
        if clock.now == 0.0:  # the first is answered at 4 while the second sleeps until 10
            clock.now = 4.0
            pacer.answered(first)
            clock.now = 0.0
        clock.now += seconds

    pacer._sleep = sleep
    assert pacer.acquire() == 14.0  # at 10 the window (0, 10] still holds the first (now at 4): on to 14
    assert clock.now == 14.0
