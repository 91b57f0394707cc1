"""The one place that decides whether a failed attempt is tried again, and after how long.

Rules, in order of importance:

- No write is applied twice. POST and PATCH are not idempotent, so they are sent again only when the server cannot
  have acted on them: after a 429 (the server refused the request) or when no connection was made at all. After a
  5xx, a read error or a read timeout the write may have been applied, so the error is raised instead. A connect
  error is believed only from a transport that raised it itself or from httpx's own (see `never_sent`).
- GET, HEAD, PUT, DELETE and OPTIONS are idempotent and are also retried after the other `retry_statuses` (by
  default 408, 500, 502, 503 and 504) and after any transport error or timeout. `retry_statuses` can add or remove
  statuses, but a write is still resent only after a 429: no setting makes the SDK resend a write that may have
  been applied.
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

import datetime
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx

from atono._constants import DEFAULT_MAX_RETRIES
from atono._frozen import Frozen, set_fields
from atono._ratelimit import asyncio_sleep

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
TOO_MANY_REQUESTS = 429
NOT_FOUND = 404
# 408: a server or proxy that gave up waiting for the request; the same request sent again usually gets through.
# 429: the server refused it (rate limit). The 5xx: a failure of the server or of a gateway in front of it.
DEFAULT_RETRY_STATUSES = frozenset({408, TOO_MANY_REQUESTS, 500, 502, 503, 504})


# The request never left the client: no connection could be made, or none was free in the pool.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transient transport failures after the request may have reached the server.
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)


def is_retryable_status(method: str, status_code: int, statuses: frozenset[int] = DEFAULT_RETRY_STATUSES) -> bool:
    """Whether a response with this status may be answered by sending the request again: a status of `statuses`,
    and for a write (POST, PATCH) only 429, the one answer that says the request was not acted on."""
    if status_code not in statuses:
        return False
    return status_code == TOO_MANY_REQUESTS or method.upper() in IDEMPOTENT_METHODS


def never_sent(error: BaseException) -> bool:
    """Whether a transport error says the request never left the client: a connect or pool error, raised by a
    transport itself or by httpx from httpcore's own. One a transport translated from another library's error is
    not believed: httpx-aiohttp, for one, reports a server that closed the connection after reading the request
    as `httpx.ConnectTimeout`, and resending a write on its word would apply it twice."""
    if not isinstance(error, _NOT_SENT_ERRORS):
        return False
    cause = error.__cause__
    if cause is None:
        return True
    import httpcore  # noqa: PLC0415 - httpx's transports load it; `import atono` does not need it

    return isinstance(cause, httpcore.ConnectError | httpcore.ConnectTimeout | httpcore.PoolTimeout)


def is_retryable_error(method: str, error: Exception) -> bool:
    """Whether a transport error may be answered by sending the request again."""
    if never_sent(error):
        return True
    return isinstance(error, _TRANSIENT_ERRORS) and method.upper() in IDEMPOTENT_METHODS


def may_have_been_applied(outcome: httpx.Response | Exception) -> bool:
    """Whether a failed attempt may have been acted on: anything but a 429 or a request that never left the client."""
    if isinstance(outcome, httpx.Response):
        return outcome.status_code != TOO_MANY_REQUESTS
    return not never_sent(outcome)


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


def backoff_delay(retries_taken: int, *, initial: float, maximum: float, jitter: float, spread: float = 0.5) -> float:
    """The wait before retry number `retries_taken + 1` when the server gave no hint.

    The base doubles from `initial` up to `maximum`; `jitter` (a draw in [0, 1]) picks a point in its top `spread`
    share: with the default 0.5, between half the base and all of it.
    """
    base = min(initial * 2.0**retries_taken, maximum)
    return base * (1.0 - spread + spread * jitter)


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"RetryPolicy.{name} must be a number of seconds, got {type(value).__name__}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"RetryPolicy.{name} must be a finite number of seconds >= 0, got {value!r}")
    return value


def _check_max_retries(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"RetryPolicy.max_retries must be an integer >= 0, got {value!r}")
    return value


def _check_jitter(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"RetryPolicy.jitter must be a number between 0 and 1, got {value!r}")
    return value


def _statuses(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, int | str | bytes):
        raise TypeError(f"RetryPolicy.retry_statuses must be a collection of status codes, got {value!r}")
    statuses = frozenset(value)
    bad = sorted(repr(s) for s in statuses if isinstance(s, bool) or not isinstance(s, int) or not 400 <= s <= 599)
    if bad:
        raise ValueError(
            f"RetryPolicy.retry_statuses holds {', '.join(bad)}: only error statuses (400-599) can be retried"
        )
    return statuses


def _draw() -> float:
    """The default of `RetryPolicy.random`: a function, so that a pickled policy restores to an equal one (the
    bound `random.random` pickles a copy of the module's generator)."""
    return random.random()


class RetryPolicy(Frozen):
    """How failed calls are tried again: `Atono(retry_policy=atono.RetryPolicy(max_retries=5, max_delay=20))`,
    also in `with_options()` and per call (`retry_policy=`); a `max_retries=` given beside it wins over its own.

    - `max_retries` (2): retries after the first attempt.
    - `initial_delay` (0.5 s), `max_delay` (8 s): the pause doubles from one to the other while the server gives
      no `Retry-After`.
    - `jitter` (0.5): the share of each pause that is random (0: none, 1: anywhere from 0 to the full pause), so
      clients that failed together do not come back together.
    - `max_retry_after` (60 s): the longest `Retry-After` waited out; asked for more, the error (`RateLimitError`
      with `.retry_after`) is raised at once, so the caller decides rather than a thread blocking for minutes.
    - `retry_statuses` (408, 429, 500, 502, 503, 504): the answers worth sending again. 408 is in because a
      server or proxy that timed out waiting for the request did not act on it, and a second try usually gets
      through. A write (POST, PATCH) is resent only after a 429, whatever this holds: after any other answer it
      may have been applied, and sending it again could apply it twice. No setting changes that.

    `random`, `wall_clock`, `sleep` and `async_sleep` are the clocks it uses, replaceable so tests need not wait.
    """

    # The fields in the order of the constructor, which the repr follows.
    __slots__ = (  # noqa: RUF023
        "max_retries",
        "initial_delay",
        "max_delay",
        "jitter",
        "max_retry_after",
        "retry_statuses",
        "random",
        "wall_clock",
        "sleep",
        "async_sleep",
    )
    _unshown = frozenset({"random", "wall_clock", "sleep", "async_sleep"})

    max_retries: int
    initial_delay: float
    max_delay: float
    jitter: float
    max_retry_after: float
    retry_statuses: frozenset[int]
    random: Callable[[], float]
    wall_clock: Callable[[], float]
    sleep: Callable[[float], None]
    async_sleep: Callable[[float], Awaitable[None]]

    def __init__(  # noqa: PLR0917 - positional as well, as when attrs made it
        self,
        max_retries: int = DEFAULT_MAX_RETRIES,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        jitter: float = 0.5,
        max_retry_after: float = 60.0,
        retry_statuses: Iterable[int] = DEFAULT_RETRY_STATUSES,
        random: Callable[[], float] = _draw,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio_sleep,
    ) -> None:
        set_fields(
            self,
            max_retries=_check_max_retries(max_retries),
            initial_delay=_seconds("initial_delay", initial_delay),
            max_delay=_seconds("max_delay", max_delay),
            jitter=_check_jitter(jitter),
            max_retry_after=_seconds("max_retry_after", max_retry_after),
            retry_statuses=_statuses(retry_statuses),
            random=random,
            wall_clock=wall_clock,
            sleep=sleep,
            async_sleep=async_sleep,
        )

    def retry_after(self, response: httpx.Response) -> float | None:
        """The pause the server asked for in `Retry-After`, in seconds, uncapped."""
        return parse_retry_after(response.headers.get("retry-after"), now=self.wall_clock())

    def delay_after_response(
        self, method: str, response: httpx.Response, *, retries_taken: int, max_retries: int
    ) -> float | None:
        """Seconds to wait before sending again after this error response, or None to raise it."""
        if retries_taken >= max_retries or not is_retryable_status(method, response.status_code, self.retry_statuses):
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
        return backoff_delay(
            retries_taken, initial=self.initial_delay, maximum=self.max_delay, jitter=self.random(), spread=self.jitter
        )
