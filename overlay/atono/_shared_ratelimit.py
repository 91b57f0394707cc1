"""Pacing shared between processes and hosts: one sliding window kept in SQLite (one host) or Redis (many).

The window itself is pyrate-limiter's sliding-window log (`SQLiteBucket`, `RedisBucket`): its check-and-insert is
one Lua script in Redis (counting to the end of the window, `_PUT_SCRIPT`) and runs under SQLite's write lock
(`BEGIN IMMEDIATE`), so no two processes can both take the last free place. What this module adds is what the SDK
needs around it:

- the budget's key: the API origin as seen from this address, and `RateLimit.name`;
- shared backoff: a 429's `Retry-After` is written beside the window, and every client of the budget reads it
  before it books (one round trip with the Redis epoch below);
- typed errors: a storage that cannot be reached at first use raises `RateLimitStorageError` naming it, or, with
  `fallback_to_local=True`, warns and paces within this process; one that is only busy (a SQLite file another
  process holds) is waited for, as in an outage;
- outages: an error during a run (Redis restarting, a SQLite file locked by another process) makes the caller
  wait and try again, for up to `OUTAGE_WAIT` seconds, then raise. A Redis that comes back without its data (the
  epoch token beside the window changed) pauses every client for one whole window, so requests sent before the
  loss are out of the server's window before any more go.

This module (and so the library) is imported on first use of a storage, so `import atono` pays nothing for it;
the Redis client, an extra (`atono[redis]`), only when a Redis storage is used.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import itertools
import os
import random
import secrets
import sqlite3
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, Protocol, cast

from pyrate_limiter import AbstractBucket, Rate, RateItem, RedisBucket, SQLiteBucket
from pyrate_limiter.buckets.redis_bucket import LuaScript

from atono._exceptions import RateLimitStorageError
from atono._ratelimit import Hold, RateLimit, RateLimiter, redact

# How long a caller waits for a storage that failed during a run before it raises.
OUTAGE_WAIT = 30.0
# Added to the window the storage keeps: the server counts a request when it arrives, up to its answer after the
# booking; an answer within this margin needs no second round trip to the storage (`_Window.keep`).
GUARD_SECONDS = 0.25
# Polling step while the storage is out of reach or a pause is in force and may be lifted or extended.
_STEP = 0.25
# Dedicated threads for async callers: booking blocks (in the library's sleep), and must not take the loop's
# default executor from the application.
_ASYNC_WORKERS = 16


class _Backend(Protocol):
    def read(self) -> float:
        """Until when (a Unix time) every client of the budget is paused: a 429's Retry-After, or one window after
        the storage lost its data."""
        ...

    def pause_until(self, until: float) -> None: ...

    def book(self) -> Booking:
        """Block until a place in the window is taken."""
        ...

    def keep(self, booking: Booking, now: int) -> None:
        """Restamp `booking` with `now`, so it counts until a window after its answer."""
        ...

    def close(self) -> None: ...


def _storage_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.Error, OSError, TimeoutError]
    try:
        import redis.exceptions  # noqa: PLC0415 - an extra, there only with atono[redis]
    except ImportError:
        pass
    else:
        errors.append(redis.exceptions.RedisError)
    return tuple(errors)


def _now_ms() -> int:
    """The time every entry is stamped with: Unix milliseconds, the clock of the library's own buckets, so entries
    from every process and host (with synchronised clocks) compare."""
    return time.time_ns() // 1_000_000


class Booking(NamedTuple):
    """One place in the window: the name it was put under and its stamp (`_now_ms`)."""

    name: str
    stamp: int

    def due(self) -> int | None:
        """The time to restamp this place with (now, its answer's), or None if the guard keeps it counted."""
        now = _now_ms()
        return now if now - self.stamp > GUARD_SECONDS * 1000 else None


class _Window:
    """Books a place in a bucket: the library's atomic check-and-insert, stamped with the time of each try.

    (The library's own blocking loop stamps a retry with the first try's time plus the sleeps, which falls behind
    the clock under load; entries stamped early leave the window early, and the server then counts more than the
    limit. Measured: 64 in a 5 s window of 60 over SQLite, with 4 processes x 4 threads on 2 busy cores.)

    A place counts from its send until `per_seconds` after its answer, since the server counts it on arrival,
    somewhere between the two: `keep` restamps it with the answer's time when the answer took longer than the
    guard the window adds (and puts it back if, its request out longer than a window, it was dropped as old).
    Each place is put under a name of its own, so `keep` finds it again.
    """

    def __init__(self, bucket: AbstractBucket, key: str) -> None:
        self.bucket = bucket
        # The bucket keeps the last verdict for `waiting()`: one try at a time in this process.
        self._lock = threading.Lock()
        self._interval = max(rate.interval for rate in bucket.rates)
        self._leaked_at = 0
        self._prefix = f"{os.getpid()}.{secrets.token_hex(4)}."
        self._names = itertools.count()

    def book(self) -> Booking:
        while True:
            with self._lock, self._write():
                booking = Booking(f"{self._prefix}{next(self._names)}", _now_ms())
                wait_ms = self._attempt(booking)
            if wait_ms is None:
                return booking
            # A little jitter, so the callers waiting for one freed place do not all ask at the same instant.
            time.sleep(max(wait_ms, 1) / 1000 + random.uniform(0, 0.003))

    def _write(self) -> contextlib.AbstractContextManager[None]:
        """What makes one try a single step across processes (the Redis script is one already)."""
        return contextlib.nullcontext()

    def keep(self, booking: Booking, now: int) -> None:
        raise NotImplementedError

    def _leak(self, now: int) -> None:
        """Drop the entries no window at `now` holds any more."""
        self.bucket.leak(now)

    def _attempt(self, booking: Booking) -> int | None:
        """One try: None if a place was taken, else the milliseconds until one may be free."""
        item = RateItem(booking.name, booking.stamp)
        if self.bucket.put(item):
            if booking.stamp - self._leaked_at > self._interval:  # drop entries no window holds any more
                self._leak(booking.stamp)
                self._leaked_at = booking.stamp
            return None
        wait_ms = self.bucket.waiting(item)
        assert isinstance(wait_ms, int)
        return wait_ms


class _SQLiteWindow(_Window):
    """Each try holds SQLite's write lock (`BEGIN IMMEDIATE`) from before it reads the clock to its commit, so the
    count and the insert are one step across processes, and a wait for another process's lock (SQLite's busy
    timeout) cannot age the stamp. (Stamped before such a wait, an entry leaves the window as early: measured, 64
    in a 5 s window of 60 while another process held the file for 3 s.)"""

    bucket: SQLiteBucket

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        connection = self.bucket.conn
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            if connection.in_transaction:  # a refusal wrote nothing
                connection.commit()

    def _leak(self, now: int) -> None:
        # One statement: the library's leak counts the old entries, then deletes that many of the oldest, and an
        # entry another process restamped in between (its answer came late) would go in place of an old one.
        self.bucket.conn.execute(f"DELETE FROM '{self.bucket.table}' WHERE item_timestamp < ?", (now - self._interval,))
        self.bucket.conn.commit()

    def keep(self, booking: Booking, now: int) -> None:
        table = self.bucket.table
        with self._lock, self._write():
            moved = self.bucket.conn.execute(
                f"UPDATE '{table}' SET item_timestamp = ? WHERE item_timestamp = ? AND name = ?",
                (now, booking.stamp, booking.name),
            ).rowcount
            if not moved:  # dropped as older than a window while its request was still out: put back
                self.bucket.conn.execute(
                    f"INSERT INTO '{table}' (name, item_timestamp) VALUES (?, ?)", (booking.name, now)
                )


# Finds the place put under ARGV[2] at ARGV[1] (the library names members `<item name>:<id>:<n>`) and restamps it;
# one dropped as older than a window while its request was still out is put back, under a name of the same form.
_RESTAMP_SCRIPT = """
local prefix = ARGV[2] .. ':'
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])) do
  if string.sub(member, 1, #prefix) == prefix then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[3], member)
    return 1
  end
end
redis.call('ZADD', KEYS[1], ARGV[3], prefix .. 'back:0')
return 0
"""


# The library's check-and-insert, counting every entry from the window's start on, not only those up to the try's
# own clock reading: another process's place stamped after this try read the clock (the try then waited for Redis),
# or one restamped at its answer since, is in the window too. (Counted up to `now`, 61 arrived in a 5 s window of
# 60, with 4 processes x 4 threads on 2 cores.)
_COUNTED_UP_TO_NOW = "redis.call('ZCOUNT', bucket, window_start, now)"
if _COUNTED_UP_TO_NOW not in LuaScript.PUT_ITEM:  # pragma: no cover - a pyrate-limiter that changed its script
    raise ImportError("pyrate-limiter's Redis script changed: check _PUT_SCRIPT against it")
_PUT_SCRIPT = LuaScript.PUT_ITEM.replace(_COUNTED_UP_TO_NOW, "redis.call('ZCOUNT', bucket, window_start, '+inf')")


class _RedisWindow(_Window):
    bucket: RedisBucket

    def __init__(self, bucket: RedisBucket, key: str) -> None:
        super().__init__(bucket, key)
        self._restamp_script = bucket.redis.register_script(_RESTAMP_SCRIPT)

    def keep(self, booking: Booking, now: int) -> None:
        self._restamp_script(keys=[self.bucket.bucket_key], args=[booking.stamp, booking.name, now])


def _rate(limit: RateLimit) -> Rate:
    return Rate(limit.requests, round((limit.per_seconds + GUARD_SECONDS) * 1000))


def sqlite_path(url: str) -> str:
    """The file a `sqlite:///` URL names, as SQLAlchemy reads it: three slashes relative, four absolute."""
    rest = url.partition("://")[2]
    if not rest.startswith("/") or rest == "/":
        raise ValueError(f"{url!r}: a SQLite storage is 'sqlite:///relative.db' or 'sqlite:////absolute.db'")
    return rest[1:]


class _SQLite:
    def __init__(self, url: str, key: str, limit: RateLimit) -> None:
        path = sqlite_path(url)
        parent = Path(path).parent
        if not parent.is_dir():
            raise FileNotFoundError(f"no directory {str(parent)!r} for the SQLite file")
        self._key = key
        table = "atono_window_" + hashlib.sha256(key.encode()).hexdigest()[:16]
        bucket = SQLiteBucket.init_from_file([_rate(limit)], table=table, db_path=path)
        # Write-ahead logging: readers (the pause) never wait for the writer; a commit needs no sync of the file.
        bucket.conn.execute("PRAGMA journal_mode=WAL")
        bucket.conn.execute("PRAGMA synchronous=NORMAL")
        self._window = _SQLiteWindow(bucket, key)
        self._pauses = sqlite3.connect(path, timeout=5.0, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._pauses.execute("CREATE TABLE IF NOT EXISTS atono_pause (key TEXT PRIMARY KEY, until REAL)")

    def read(self) -> float:
        with self._lock:
            row = self._pauses.execute("SELECT until FROM atono_pause WHERE key = ?", (self._key,)).fetchone()
        return float(row[0]) if row else 0.0

    def pause_until(self, until: float) -> None:
        with self._lock:
            self._pauses.execute(
                "INSERT INTO atono_pause (key, until) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET until = max(until, excluded.until)",
                (self._key, until),
            )

    def book(self) -> Booking:
        return self._window.book()

    def keep(self, booking: Booking, now: int) -> None:
        self._window.keep(booking, now)

    def close(self) -> None:
        self._window.bucket.close()  # type: ignore[no-untyped-call]
        with self._lock:
            self._pauses.close()


# Sets the pause only if it extends it, and keeps it no longer than it matters.
_PAUSE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
"""


class _Redis:
    def __init__(self, url: str, key: str, limit: RateLimit) -> None:
        try:
            import redis  # noqa: PLC0415 - an extra, there only with atono[redis]
        except ImportError:
            raise RateLimitStorageError(
                f"rate limit storage {redact(url)!r} needs the Redis client: pip install 'atono[redis]'",
                storage=redact(url),
            ) from None
        self._client = redis.Redis.from_url(url, socket_timeout=5.0, socket_connect_timeout=5.0)
        self._client.ping()
        self._key = key
        self._pause_key = f"{key}:pause"
        self._epoch_key = f"{key}:epoch"
        self._epoch: object = None
        self._epoch_lock = threading.Lock()
        self._pause_script = self._client.register_script(_PAUSE_SCRIPT)
        self._rate = _rate(limit)
        # Requests sent before a loss may still be in the server's window: wait out one whole window.
        self._lost_pause = limit.per_seconds + GUARD_SECONDS
        self._window_key = f"{key}:window"
        self._window = self._new_window()

    def read(self) -> float:
        seen = self._epoch  # before the read: a thread that sees a new token must also see its pause
        pause, epoch = self._client.mget(self._pause_key, self._epoch_key)
        if epoch != seen:
            with self._epoch_lock:
                if epoch is None:  # a new Redis (or one that lost its data): the first to look sets the token
                    self._client.set(self._epoch_key, secrets.token_hex(8), nx=True)
                    epoch = self._client.get(self._epoch_key)
                # Only a token changed after we saw one means the data went; a first look just learns it. The pause
                # is written before the token is kept, and read again, so no thread of this process books first.
                if self._epoch is not None and self._epoch != epoch:
                    self.pause_until(time.time() + self._lost_pause)
                self._epoch = epoch
                pause = self._client.get(self._pause_key)
        return float(pause) if pause is not None else 0.0

    def pause_until(self, until: float) -> None:
        self._pause_script(keys=[self._pause_key], args=[repr(until), max(1, round((until - time.time()) * 1000))])

    def _new_window(self) -> _RedisWindow:
        bucket = RedisBucket([self._rate], self._client, self._window_key, self._client.script_load(_PUT_SCRIPT))
        return _RedisWindow(bucket, self._key)

    def book(self) -> Booking:
        try:
            return self._window.book()
        except Exception as error:
            import redis.exceptions  # noqa: PLC0415 - loaded by now (this is a Redis storage)

            if not isinstance(error, redis.exceptions.NoScriptError):
                raise
            # A restarted Redis forgot the window's script: load it again and book.
            self._window = self._new_window()
            return self._window.book()

    def keep(self, booking: Booking, now: int) -> None:
        self._window.keep(booking, now)  # a registered script reloads itself

    def close(self) -> None:
        self._client.close()


class SharedRateLimiter:
    """A `RateLimit` kept in a storage that other processes name too; the interface of `RateLimiter`."""

    def __init__(self, limit: RateLimit, storage: str, origin: str) -> None:
        self.limit = limit
        self.storage = storage
        self.key = f"atono:ratelimit:{origin}:{limit.name}"
        self._lock = threading.Lock()
        self._backend: _Backend | None = None
        self._fallback: RateLimiter | None = None
        self._pid = os.getpid()
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        # Its own lock: `_threads` runs on the event loop, and `_lock` is held while a busy storage is waited for.
        self._executor_lock = threading.Lock()
        self._errors: tuple[type[Exception], ...] = _storage_errors()

    def __repr__(self) -> str:
        return f"SharedRateLimiter({self.limit!r}, key={self.key!r})"

    def _open(self) -> _Backend:
        scheme = self.storage.partition("://")[0].lower()
        if scheme == "sqlite":
            return _SQLite(self.storage, self.key, self.limit)
        return _Redis(self.storage, self.key, self.limit)

    def _open_when_free(self) -> _Backend:
        """`_open`, waiting while another process holds the storage (a SQLite file locked longer than its busy
        timeout, as several processes opening a new file at once can): that storage is there, only busy, so it is
        waited for as during a run, up to `OUTAGE_WAIT`; any other error raises at once."""
        started = time.monotonic()
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() - started > OUTAGE_WAIT:
                    raise
            time.sleep(_STEP)

    def _connect(self) -> _Backend | None:
        """The backend, opened on first use (None once fallen back to in-process pacing)."""
        with self._lock:
            if self._pid != os.getpid():  # a forked child must not share its parent's connections and locks
                self._backend, self._pid = None, os.getpid()
            if self._backend is not None or self._fallback is not None:
                return self._backend
            try:
                self._backend = self._open_when_free()
            except RateLimitStorageError:
                if not self.limit.fallback_to_local:
                    raise
                self._fall_back("the client library is missing")
            except Exception as error:
                if not isinstance(error, (*self._errors, ValueError)):
                    raise
                if not self.limit.fallback_to_local:
                    raise RateLimitStorageError(
                        f"rate limit storage {redact(self.storage)!r} could not be used: "
                        f"{type(error).__name__}: {error}. Check that it is reachable, or pass "
                        "RateLimit(..., fallback_to_local=True) to pace within this process instead.",
                        storage=redact(self.storage),
                    ) from error
                self._fall_back(f"{type(error).__name__}: {error}")
            return self._backend

    def _fall_back(self, reason: str) -> None:
        warnings.warn(
            f"rate limit storage {redact(self.storage)!r} could not be used ({reason}); pacing within this process "
            "only, so other processes are not counted",
            RuntimeWarning,
            stacklevel=6,
        )
        self._fallback = RateLimiter(self.limit)

    def acquire(self) -> float:
        """Wait (blocking the thread) until a request may be sent; return the seconds waited."""
        return self.hold().waited

    def hold(self) -> Hold:
        """`acquire`, keeping what `answered` needs: call it once the request's answer (or failure) came."""
        started = time.monotonic()
        backend = self._connect()
        if backend is None:
            assert self._fallback is not None
            return self._fallback.hold()
        down_since: float | None = None
        while True:
            try:
                wait = backend.read() - time.time()
                if wait > 0:
                    time.sleep(min(wait, _STEP))
                    continue
                booking = backend.book()
                return Hold(time.monotonic() - started, (backend, booking))
            except self._errors as error:
                now = time.monotonic()
                down_since = now if down_since is None else down_since
                if now - down_since > OUTAGE_WAIT:
                    raise RateLimitStorageError(
                        f"rate limit storage {redact(self.storage)!r} stayed out of reach for {OUTAGE_WAIT:.0f} s: "
                        f"{type(error).__name__}: {error}",
                        storage=redact(self.storage),
                    ) from error
                time.sleep(_STEP)

    async def acquire_async(self) -> float:
        """Wait (without blocking the event loop) until a request may be sent; return the seconds waited."""
        return (await self.hold_async()).waited

    async def hold_async(self) -> Hold:
        """`hold`, without blocking the event loop.

        The booking runs on this limiter's own threads; a call cancelled while it waits still takes its place
        (the window stays within the limit; it is one request fewer)."""
        return await asyncio.get_running_loop().run_in_executor(self._threads(), self.hold)

    def _threads(self) -> concurrent.futures.ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(_ASYNC_WORKERS, "atono-pacing")
            return self._executor

    def answered(self, hold: Hold, *, in_background: bool = False) -> None:
        """The request `hold` was taken for has its answer (or failed): keep its place counted until a window
        from now, when the guard does not already. `in_background` (async callers) leaves the storage's round
        trip to this limiter's threads. A storage out of reach is not the caller's failure: its answer is in."""
        if self._fallback is not None:  # the hold is the in-process limiter's
            self._fallback.answered(hold, in_background=in_background)
            return
        if hold.booking is None:
            return
        backend, booking = cast("tuple[_Backend, Booking]", hold.booking)
        now = booking.due()
        if now is None:
            return
        if in_background:
            self._threads().submit(self._keep, backend, booking, now)
        else:
            self._keep(backend, booking, now)

    def _keep(self, backend: _Backend, booking: Booking, now: int) -> None:
        with contextlib.suppress(*self._errors):
            backend.keep(booking, now)

    def pause(self, seconds: float, *, in_background: bool = False) -> None:
        """Pause every client of this budget for `seconds` (a 429's `Retry-After`). `in_background` (async callers)
        leaves opening the storage and its round trip to this limiter's threads; the pause ends when it would have."""
        until = time.time() + seconds
        if in_background and self._fallback is None:
            self._threads().submit(self._pause_until, until)
        else:
            self._pause_until(until)

    def _pause_until(self, until: float) -> None:
        backend = self._connect()
        if backend is None:
            assert self._fallback is not None
            self._fallback.pause(until - time.time())
            return
        # On failure the caller still waits out its own Retry-After; the next booking meets the outage.
        with contextlib.suppress(*self._errors):
            backend.pause_until(until)

    def close(self) -> None:
        with self._lock:
            if self._backend is not None:
                backend, self._backend = self._backend, None
                with contextlib.suppress(*self._errors):
                    backend.close()
        with self._executor_lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


_SHARED: dict[tuple[str, str, int, float, bool], SharedRateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def limiter_for(limit: RateLimit, origin: str) -> RateLimiter | SharedRateLimiter:
    """The limiter a client with `limit` paces through: in-process, or the one shared object per storage and
    budget in this process (so clients and their copies share one connection)."""
    storage = limit.resolved_storage()
    if storage is None:
        return RateLimiter(limit)
    shared = SharedRateLimiter(limit, storage, origin)
    index = (storage, shared.key, limit.requests, limit.per_seconds, limit.fallback_to_local)
    with _SHARED_LOCK:
        return _SHARED.setdefault(index, shared)
