"""Client-side pacing, so bulk work waits for a free slot instead of running into the server's 429s.

Atono counts requests per IP over a window of minutes. A sliding window is the strictest reading of that rule: if
no window of `per_seconds` seconds ever holds more than `requests` of our requests, every fixed window the server
might use holds no more either.
"""

from __future__ import annotations

import bisect
import math
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Final, NamedTuple, cast

from atono._frozen import Frozen, set_fields


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RateLimit.{name} must be a positive integer, got {value!r}")
    return value


def _positive_seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value < math.inf):
        raise ValueError(f"RateLimit.{name} must be a positive number of seconds, got {value!r}")
    return value


async def asyncio_sleep(seconds: float) -> None:
    """`asyncio.sleep`, with asyncio imported on first use: `import atono` does not load it (~30 ms, more than a
    quarter of `import httpx`), and code that never awaits never needs it."""
    import asyncio  # noqa: PLC0415

    await asyncio.sleep(seconds)


ENV_RATE_LIMIT_STORAGE: Final = "ATONO_RATE_LIMIT_STORAGE"


class _FromEnvironment:
    """The type of `RateLimit.storage` left out: `ATONO_RATE_LIMIT_STORAGE` decides, else this process."""

    def __repr__(self) -> str:
        return "FROM_ENVIRONMENT"

    def __reduce__(self) -> str:
        return "FROM_ENVIRONMENT"  # unpickled as the one sentinel, so a pickled RateLimit equals its original


FROM_ENVIRONMENT: Final = _FromEnvironment()
STORAGE_SCHEMES: Final = ("sqlite", "redis", "rediss")
# The default of `RateLimit(storage=)`, typed as the parameter so the type checkers take its type, not the default's.
_STORAGE_LEFT_OUT: str | _FromEnvironment | None = FROM_ENVIRONMENT


def _storage(value: object) -> str | _FromEnvironment | None:
    if value is None or isinstance(value, _FromEnvironment):
        return value
    if not isinstance(value, str):
        raise TypeError(f"RateLimit.storage must be None or a URL string, got {type(value).__name__}")
    return check_storage_url(value)


def check_storage_url(url: str) -> str:
    """`url` if it names a storage the SDK paces through, else a ValueError that says what would."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in STORAGE_SCHEMES or not rest.strip("/"):
        raise ValueError(
            f"rate limit storage {redact(url)!r} is not one the SDK knows: use None (this process), "
            "'sqlite:///relative/path.db' or 'sqlite:////absolute/path.db' (every process on this host) "
            "or 'redis://host:6379/0' / 'rediss://...' (every process on every host)"
        )
    return url


def redact(url: str) -> str:
    """`url` with any password replaced, for messages and reprs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return (
        f"{scheme}://{user}{':***' if colon else ''}@{host}{slash}{path}"
        if user
        else f"{scheme}://***@{host}{slash}{path}"
    )


def _name(value: str) -> str:
    if not isinstance(value, str) or not value or not value.isprintable():
        raise ValueError(f"RateLimit.name must be a non-empty printable string, got {value!r}")
    return value


def _flag(value: bool) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"RateLimit.fallback_to_local must be True or False, got {value!r}")
    return value


class RateLimit(Frozen):
    """At most `requests` requests in any window of `per_seconds` seconds.

    `storage` says who shares the budget: None, this process (every thread and task of the clients that use this
    limit); `"sqlite:///pacing.db"` (relative) or `"sqlite:////var/run/pacing.db"` (absolute, as SQLAlchemy reads
    them), every process on this host that names the file; `"redis://host:6379/0"` or `"rediss://..."`, every
    process on every host that names the same Redis (`pip install atono[redis]`). Left out, the environment
    variable `ATONO_RATE_LIMIT_STORAGE` decides, else this process.

    A shared budget is keyed by what Atono limits by, the API origin (scheme, host and port of `base_url`) as seen
    from one address: share a storage only between processes whose requests leave from the same address, as one
    host or pods behind one NAT. The API key is not part of the key (Atono counts per address, not per key);
    `name` separates budgets in one storage. A 429 with `Retry-After` seen by any client of a budget pauses all of
    them until then.

    A storage that cannot be reached raises `atono.RateLimitStorageError` at first use. With
    `fallback_to_local=True` the client warns (`RuntimeWarning`) and paces within this process instead.
    """

    # The fields in the order of the constructor, which the repr follows.
    __slots__ = ("requests", "per_seconds", "storage", "name", "fallback_to_local")  # noqa: RUF023

    requests: int
    per_seconds: float
    storage: str | _FromEnvironment | None
    name: str
    fallback_to_local: bool

    def __init__(
        self,
        requests: int,
        per_seconds: float,
        *,
        storage: str | _FromEnvironment | None = _STORAGE_LEFT_OUT,
        name: str = "default",
        fallback_to_local: bool = False,
    ) -> None:
        set_fields(
            self,
            requests=_positive_int("requests", requests),
            per_seconds=_positive_seconds("per_seconds", per_seconds),
            storage=_storage(storage),
            name=_name(name),
            fallback_to_local=_flag(fallback_to_local),
        )

    def __repr__(self) -> str:
        """The two numbers, then only the options given (a storage's password replaced)."""
        parts = [f"requests={self.requests!r}", f"per_seconds={self.per_seconds!r}"]
        if not isinstance(self.storage, _FromEnvironment):
            parts.append(f"storage={redact(self.storage) if self.storage is not None else None!r}")
        if self.name != "default":
            parts.append(f"name={self.name!r}")
        if self.fallback_to_local:
            parts.append("fallback_to_local=True")
        return f"RateLimit({', '.join(parts)})"

    def resolved_storage(self) -> str | None:
        """The storage this limit paces through: `storage`, or `ATONO_RATE_LIMIT_STORAGE` where it was left out
        (empty or unset: this process)."""
        if not isinstance(self.storage, _FromEnvironment):
            return self.storage
        value = os.environ.get(ENV_RATE_LIMIT_STORAGE, "").strip()
        if not value or value.lower() == "none":
            return None
        try:
            return check_storage_url(value)
        except ValueError as error:
            raise ValueError(f"{ENV_RATE_LIMIT_STORAGE}: {error}") from None


class Slot(NamedTuple):
    """One booked send time. `seq` tells apart bookings of the same time, so giving one back frees only its own."""

    at: float
    seq: int


class Hold(NamedTuple):
    """A place taken in the window: the seconds waited for it, and what `answered` needs to keep it counted until
    the answer came (None: nothing to keep)."""

    waited: float
    booking: object = None


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
        async_sleep: Callable[[float], Awaitable[None]] = asyncio_sleep,
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
        # A 429's Retry-After seen by any caller: no slot starts before this time.
        self._paused_until = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter({self.limit!r})"

    def book(self) -> tuple[Slot, float]:
        """Take the earliest free slot; return it (for `release`) and how many seconds to wait for it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._paused_until)
            slots, requests = self._slots, self.limit.requests
            # Slots a full window back can no longer share a window with any time from now on.
            del slots[: bisect.bisect_right(slots, (now - self.limit.per_seconds, math.inf))]
            if len(slots) < requests:
                at = start
            elif self._packed:
                # The window ending at `at` must exclude the request `requests` places back; with no hole known,
                # that is never before the last slot (the bound only makes sure).
                at = max(start, slots[-1].at, slots[-requests].at + self.limit.per_seconds)
            else:
                at = self._earliest(start)
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

    def pause(self, seconds: float) -> None:
        """Book nothing sooner than `seconds` from now (a 429's `Retry-After`); slots already booked stay."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def close(self) -> None:
        """Nothing to release: the slots live in this process."""

    def release(self, slot: Slot) -> None:
        """Give back a slot that will not be used (a slot already forgotten, or given back, is ignored)."""
        with self._lock:
            self._remove(slot)

    def reserve(self) -> float:
        """Take the next free slot for good and return how many seconds to wait for it."""
        return self.book()[1]

    def acquire(self) -> float:
        """Wait (blocking the thread) until a request may be sent; return the seconds waited."""
        return self.hold().waited

    async def acquire_async(self) -> float:
        """Wait (without blocking the event loop) until a request may be sent; return the seconds waited."""
        return (await self.hold_async()).waited

    def hold(self) -> Hold:
        """`acquire`, keeping the slot for `answered`."""
        slot, delay = self.book()
        waited = 0.0
        while delay > 0:
            try:
                self._sleep(delay)
            except BaseException:  # KeyboardInterrupt too: the request will not be sent
                self.release(slot)
                raise
            waited += delay
            slot, delay = self._check(slot)
        return Hold(waited, slot)

    async def hold_async(self) -> Hold:
        """`acquire_async`, keeping the slot for `answered`."""
        slot, delay = self.book()
        waited = 0.0
        while delay > 0:
            try:
                await self._async_sleep(delay)
            except BaseException:  # CancelledError too: the request will not be sent
                self.release(slot)
                raise
            waited += delay
            slot, delay = self._check(slot)
        return Hold(waited, slot)

    def _check(self, slot: Slot) -> tuple[Slot, float]:
        """On waking: `slot` and 0 if the window ending now holds no more than the limit; else the slot moved to the
        earliest time its window may, and the wait until then.

        Slots move later, to their answers' times (`answered`), so a slot booked before such a move may now crowd
        its window. Only the window ending at the send matters to the server then: slots booked for later times
        check their own when they wake.
        """
        with self._lock:
            now = self._clock()
            end = slot.at  # the schedule's send time: a caller that wakes late is late by a hair of the window
            slots, requests = self._slots, self.limit.requests
            first = bisect.bisect_right(slots, (end - self.limit.per_seconds, math.inf))
            last = bisect.bisect_right(slots, (end, math.inf))
            index = bisect.bisect_left(slots, slot)
            mine = first <= index < last and slots[index] == slot
            if last - first - mine < requests:
                return slot, 0.0
            others = [other for other in slots[first:last] if other.seq != slot.seq]
            # At most requests - 1 others may share the window: the oldest of the rest must have left it.
            at = others[len(others) - requests].at + self.limit.per_seconds
            return self._move(slot, at), at - now

    def answered(self, hold: Hold, *, in_background: bool = False) -> None:
        """The request sent in `hold`'s slot has its answer (or failed): the slot counts from now, since the server
        counted the request on its arrival, which may have been any time up to now."""
        slot = cast("Slot", hold.booking)
        with self._lock:
            self._move(slot, self._clock())

    def _move(self, slot: Slot, at: float) -> Slot:
        """`slot` moved later, to `at` (back in the list if it was forgotten: it counts for a window from `at`)."""
        if at <= slot.at:
            return slot
        self._remove(slot)
        moved = Slot(at, slot.seq)
        bisect.insort(self._slots, moved)
        return moved

    def _remove(self, slot: Slot) -> bool:
        index = bisect.bisect_left(self._slots, slot)
        if index < len(self._slots) and self._slots[index] == slot:
            del self._slots[index]
            self._packed = False
            return True
        return False
