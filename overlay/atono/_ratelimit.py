"""Client-side pacing, so bulk work waits for a free slot instead of running into the server's 429s.

Atono counts requests per IP over a window of minutes. A sliding window is the strictest reading of that rule: if
no window of `per_seconds` seconds ever holds more than `requests` of our requests, every fixed window the server
might use holds no more either.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import attrs


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RateLimit.{attribute.name} must be a positive integer, got {value!r}")


def _positive_seconds(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value < math.inf):
        raise ValueError(f"RateLimit.{attribute.name} must be a positive number of seconds, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most `requests` requests in any window of `per_seconds` seconds."""

    requests: int = attrs.field(validator=_positive_int)
    per_seconds: float = attrs.field(validator=_positive_seconds)


class Slot(NamedTuple):
    """One booked send time. `seq` tells apart bookings of the same time, so giving one back frees only its own."""

    at: float
    seq: int


class RateLimiter:
    """A sliding-window limiter shared by every thread or task that uses one client.

    Each caller books the earliest send time that keeps every window within the limit, then sleeps until it. The
    booking is taken under a lock and never awaits, so it is safe across threads and across asyncio tasks.

    A caller cancelled or interrupted while it waits (`CancelledError`, `KeyboardInterrupt`, any exception from the
    sleep) gives its slot back: otherwise a cancelled `gather` of many calls would leave the slots it never used
    booked, and the next call would wait behind them for minutes. Giving a slot back only removes a send time, so
    the window can never hold more than the limit. Callers already waiting keep their slots (moving them earlier
    would mean waking sleepers); the room freed goes to the next callers, who may thus be served before earlier ones.
    Each slot is given back by its own handle (`Slot.seq`), never by its time, which another caller may share.
    """

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        # Slots booked and not given back, in time order; some may lie in the future.
        self._slots: list[Slot] = []
        self._seq = 0
        # Whether no free time lies before the last slot, so the next slot is simply after the tail. A slot given
        # back can leave a hole; the next booking then searches the whole list and restores this once it lands last.
        self._packed = True

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit!r})"

    def book(self) -> tuple[Slot, float]:
        """Take the earliest free slot; return it (for `release`) and how many seconds to wait for it."""
        with self._lock:
            now = self._clock()
            slots, requests = self._slots, self.limit.requests
            # Slots a full window back can no longer share a window with any time from now on.
            del slots[: bisect.bisect_right(slots, (now - self.limit.per_seconds, math.inf))]
            if len(slots) < requests:
                at = now
            elif self._packed:
                # The window ending at `at` must exclude the request `requests` places back; with no hole known,
                # that is never before the last slot (the bound only makes sure).
                at = max(now, slots[-1].at, slots[-requests].at + self.limit.per_seconds)
            else:
                at = self._earliest(now)
            self._packed = not slots or at >= slots[-1].at
            self._seq += 1
            slot = Slot(at, self._seq)
            bisect.insort(slots, slot)
            return slot, at - now

    def _earliest(self, now: float) -> float:
        """The earliest time from `now` that adds no window of more than `requests` slots, holes included.

        A new slot t crowds a window only together with `requests` consecutive slots a..b that fit in less than
        `per_seconds`, and only if b - per_seconds < t < a + per_seconds. Both bounds grow along the list, so one
        pass that moves t past each such group it falls in finds the earliest time.
        """
        slots, requests, window = self._slots, self.limit.requests, self.limit.per_seconds
        at = now
        for first in range(len(slots) - requests + 1):
            a, b = slots[first].at, slots[first + requests - 1].at
            # Compared as sums, the way slots are made (a + per_seconds), so a slot made so is never off by rounding.
            if at + window <= b:
                break  # before this group's reach, and so before every later group's
            if b < a + window:
                at = max(at, a + window)
        return at

    def release(self, slot: Slot) -> None:
        """Give back a slot that will not be used (a slot already forgotten, or given back, is ignored)."""
        with self._lock:
            index = bisect.bisect_left(self._slots, slot)
            if index < len(self._slots) and self._slots[index] == slot:
                del self._slots[index]
                self._packed = False

    def reserve(self) -> float:
        """Take the next free slot for good and return how many seconds to wait for it."""
        return self.book()[1]

    def acquire(self) -> float:
        """Wait (blocking the thread) until a request may be sent; return the seconds waited."""
        slot, delay = self.book()
        if delay > 0:
            try:
                self._sleep(delay)
            except BaseException:  # KeyboardInterrupt too: the request will not be sent
                self.release(slot)
                raise
        return delay

    async def acquire_async(self) -> float:
        """Wait (without blocking the event loop) until a request may be sent; return the seconds waited."""
        slot, delay = self.book()
        if delay > 0:
            try:
                await self._async_sleep(delay)
            except BaseException:  # CancelledError too: the request will not be sent
                self.release(slot)
                raise
        return delay
