"""The one place that decides whether a failed attempt is tried again, and after how long.

Rules, in order of importance:

- No write is applied twice. POST and PATCH are not idempotent, so they are sent again only when the server cannot
  have acted on them: after a 429 (the server refused the request) or when no connection was made at all. After a
  5xx, a read error or a read timeout the write may have been applied, so the error is raised instead.
- GET, HEAD, PUT, DELETE and OPTIONS are idempotent and are also retried after 500, 502, 503 and 504 and after any
  transport error or timeout.
- A DELETE that is resent after an attempt that may have been applied (a 5xx, a broken connection, a read timeout)
  and then meets 404 has succeeded: the earlier attempt deleted the resource. Raising `NotFoundError` there would
  report a failure for a delete that was done, exactly once.
- A `Retry-After` header (seconds or an HTTP date in the future) is honoured up to `max_retry_after`; zero, negative
  and past values count as absent. A server that asks for a
  longer pause gets no retry: the error is raised at once with `retry_after` set, so the caller decides whether to
  wait that long instead of having a thread silently blocked for minutes.
- Otherwise the wait grows exponentially from `initial_delay`, capped at `max_delay`, with jitter so that clients
  which failed together do not come back together.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable

import attrs
import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
TOO_MANY_REQUESTS = 429
NOT_FOUND = 404

# The request never left the client: no connection could be made, or none was free in the pool.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transient transport failures after the request may have reached the server.
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)


def is_retryable_status(method: str, status_code: int) -> bool:
    """Whether a response with this status may be answered by sending the request again."""
    if status_code == TOO_MANY_REQUESTS:
        return True
    return status_code in RETRYABLE_SERVER_STATUSES and method.upper() in IDEMPOTENT_METHODS


def is_retryable_error(method: str, error: Exception) -> bool:
    """Whether a transport error may be answered by sending the request again."""
    if isinstance(error, _NOT_SENT_ERRORS):
        return True
    return isinstance(error, _TRANSIENT_ERRORS) and method.upper() in IDEMPOTENT_METHODS


def may_have_been_applied(outcome: httpx.Response | Exception) -> bool:
    """Whether a failed attempt may have been acted on: anything but a 429 or a request that never left the client."""
    if isinstance(outcome, httpx.Response):
        return outcome.status_code != TOO_MANY_REQUESTS
    return not isinstance(outcome, _NOT_SENT_ERRORS)


def deleted_by_earlier_attempt(method: str, status_code: int, *, earlier_attempt_may_have_applied: bool) -> bool:
    """Whether this answer means a resent DELETE's resource is gone because an earlier attempt deleted it."""
    return method.upper() == "DELETE" and status_code == NOT_FOUND and earlier_attempt_may_have_applied


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` value (delay-seconds or an HTTP date), or None if it is unusable.

    `now` is the current Unix time, needed to turn a date into a delay. Zero, a negative number and a date that is
    not in the future say nothing usable (a server that wants an immediate retry needs no header), so they count as
    absent and the normal backoff applies; retrying at once would hammer a server that is struggling.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000" gives no zone; HTTP dates are always GMT.
            when = when.replace(tzinfo=datetime.UTC)
        seconds = when.timestamp() - now
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return seconds


def backoff_delay(retries_taken: int, *, initial: float, maximum: float, jitter: float) -> float:
    """The wait before retry number `retries_taken + 1` when the server gave no hint.

    The base doubles from `initial` up to `maximum`; `jitter` (in [0, 1)) picks a point in the upper half of it.
    """
    base = min(initial * 2.0**retries_taken, maximum)
    return base * (0.5 + 0.5 * jitter)


@attrs.frozen
class RetryPolicy:
    """Backoff settings and the clocks they use; the clocks are injectable so tests need not wait."""

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    random: Callable[[], float] = attrs.field(default=random.random, repr=False)
    wall_clock: Callable[[], float] = attrs.field(default=time.time, repr=False)
    sleep: Callable[[float], None] = attrs.field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = attrs.field(default=asyncio.sleep, repr=False)

    def retry_after(self, response: httpx.Response) -> float | None:
        """The pause the server asked for in `Retry-After`, in seconds, uncapped."""
        return parse_retry_after(response.headers.get("retry-after"), now=self.wall_clock())

    def delay_after_response(
        self, method: str, response: httpx.Response, *, retries_taken: int, max_retries: int
    ) -> float | None:
        """Seconds to wait before sending again after this error response, or None to raise it."""
        if retries_taken >= max_retries or not is_retryable_status(method, response.status_code):
            return None
        hint = self.retry_after(response)
        if hint is None:
            return self._backoff(retries_taken)
        return hint if hint <= self.max_retry_after else None

    def delay_after_error(self, method: str, error: Exception, *, retries_taken: int, max_retries: int) -> float | None:
        """Seconds to wait before sending again after this transport error, or None to raise it."""
        if retries_taken >= max_retries or not is_retryable_error(method, error):
            return None
        return self._backoff(retries_taken)

    def _backoff(self, retries_taken: int) -> float:
        return backoff_delay(retries_taken, initial=self.initial_delay, maximum=self.max_delay, jitter=self.random())
