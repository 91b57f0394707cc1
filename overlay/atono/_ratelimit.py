"""Client-side pacing, so bulk work waits for a free slot instead of running into the server's 429s.

Atono counts requests per IP over a window of minutes. A sliding window is the strictest reading of that rule: if
no window of `per_seconds` seconds ever holds more than `requests` of our requests, every fixed window the server
might use holds no more either.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

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


class RateLimiter:
    """A sliding-window limiter shared by every thread or task that uses one client.

    Each caller reserves the earliest send time that keeps the window within the limit, then sleeps until it. The
    reservation is taken under a lock and never awaits, so it is safe across threads and across asyncio tasks, and
    callers are served in arrival order. A caller cancelled while it waits leaves its slot unused, which only ever
    makes the pacing more cautious.
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
        # Send times handed out, oldest first; some may lie in the future.
        self._slots: deque[float] = deque()

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit!r})"

    def reserve(self) -> float:
        """Take the next free slot and return how many seconds to wait for it."""
        with self._lock:
            now = self._clock()
            window = self.limit.per_seconds
            while self._slots and self._slots[0] <= now - window:
                self._slots.popleft()
            if len(self._slots) < self.limit.requests:
                slot = now
            else:
                # The window ending at `slot` must exclude the request `requests` places back.
                slot = max(now, self._slots[-self.limit.requests] + window)
            self._slots.append(slot)
            return slot - now

    def acquire(self) -> float:
        """Wait (blocking the thread) until a request may be sent; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)
        return delay

    async def acquire_async(self) -> float:
        """Wait (without blocking the event loop) until a request may be sent; return the seconds waited."""
        delay = self.reserve()
        if delay > 0:
            await self._async_sleep(delay)
        return delay
