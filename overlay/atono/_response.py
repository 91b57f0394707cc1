"""`APIResponse`: what `client.<namespace>.with_raw_response.<method>(...)` returns, the HTTP answer of a call with
its typed result.

A method called through `with_raw_response` runs as usual; the executor records the answer that ended the call
(after any retries) in a context variable the wrapper set, so every method gets it without a second code path.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

import httpx

from atono._exceptions import APIResponseValidationError, request_id_of

if TYPE_CHECKING:  # only named in annotations: importing the pagers loads the generated models, not for `import atono`
    from atono._pagination import AsyncPager, Page, SyncPager

__all__ = ["APIResponse", "async_to_raw_page", "async_to_raw_response", "record", "to_raw_page", "to_raw_response"]

R = TypeVar("R")
T = TypeVar("T")
P = ParamSpec("P")


class _Recorded:
    """The answer a `with_raw_response` call ended with, once there is one."""

    __slots__ = ("response", "retries_taken")

    def __init__(self) -> None:
        self.response: httpx.Response | None = None
        self.retries_taken = 0


_RECORDING: contextvars.ContextVar[_Recorded | None] = contextvars.ContextVar("atono_raw_response", default=None)


def record(response: httpx.Response, retries_taken: int) -> None:
    """Keep the answer that ended a call, when the call runs under `with_raw_response` (the first one only: a
    list's later pages are not its answer)."""
    recorded = _RECORDING.get()
    if recorded is not None and recorded.response is None:
        recorded.response = response
        recorded.retries_taken = retries_taken


class APIResponse(Generic[R]):
    """The HTTP answer of one call, and its typed result from `parse()`.

    ```python
    response = client.bugs.with_raw_response.get(bug_id)
    print(response.status_code, response.request_id, response.headers.get("x-ratelimit-remaining"))
    bug = response.parse()
    ```

    For a `list`, it is the answer for the first page, and `parse()` gives that `Page` (its `next_start` says where
    `list(start=...)` goes on). A body that does not fit the API description raises `APIResponseValidationError`
    from `parse()`, so the headers can still be read.
    """

    __slots__ = ("_error", "_result", "http_response", "retries_taken")

    def __init__(
        self,
        http_response: httpx.Response,
        *,
        retries_taken: int,
        result: R | None = None,
        error: APIResponseValidationError | None = None,
    ) -> None:
        self.http_response: httpx.Response = http_response
        """The `httpx.Response`, its body already read."""
        self.retries_taken: int = retries_taken
        """How many times the request was sent again before this answer (0: the first attempt answered)."""
        self._result = result
        self._error = error

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The response headers, such as `x-request-id` and any `x-ratelimit-*` the server sends."""
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        """The id the server gave this request (`x-request-id`), to quote to Atono support; None without one."""
        return request_id_of(self.http_response)

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the last attempt to reading the whole answer."""
        return self.http_response.elapsed

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    def parse(self) -> R:
        """The typed result the method returns without `with_raw_response` (for a `list`: the first `Page`)."""
        if self._error is not None:
            raise self._error
        return self._result  # type: ignore[return-value]

    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] {self.method} {self.url.path} request_id={self.request_id!r} "
            f"retries_taken={self.retries_taken}>"
        )


def _finish(recorded: _Recorded, result: Any, error: APIResponseValidationError | None) -> APIResponse[Any]:
    if recorded.response is None:  # every method sends a request first; a result without one is a bug here
        raise RuntimeError("the call ended without an answer to show")
    return APIResponse(recorded.response, retries_taken=recorded.retries_taken, result=result, error=error)


def to_raw_response(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    """A namespace method that returns its `APIResponse` instead of its result."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        recorded = _Recorded()
        token = _RECORDING.set(recorded)
        try:
            try:
                result = method(*args, **kwargs)
            except APIResponseValidationError as exc:
                if recorded.response is None:
                    raise
                return _finish(recorded, None, exc)
        finally:
            _RECORDING.reset(token)
        return _finish(recorded, result, None)

    return wrapped


def async_to_raw_response(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    """`to_raw_response` for a coroutine method."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        recorded = _Recorded()
        token = _RECORDING.set(recorded)
        try:
            try:
                result = await method(*args, **kwargs)
            except APIResponseValidationError as exc:
                if recorded.response is None:
                    raise
                return _finish(recorded, None, exc)
        finally:
            _RECORDING.reset(token)
        return _finish(recorded, result, None)

    return wrapped


def _first_page(pages: Iterator[Page[T]]) -> Page[T]:
    try:
        return next(pages)
    except StopIteration:
        raise ValueError("limit=0 sends no request, so there is no response to return") from None
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()


async def _async_first_page(pages: AsyncIterator[Page[T]]) -> Page[T]:
    try:
        return await anext(pages)
    except StopAsyncIteration:
        raise ValueError("limit=0 sends no request, so there is no response to return") from None
    finally:
        aclose = getattr(pages, "aclose", None)
        if aclose is not None:
            await aclose()


def to_raw_page(method: Callable[P, SyncPager[T]]) -> Callable[P, APIResponse[Page[T]]]:
    """A `list` method that fetches the first page only and returns its `APIResponse` (`parse()`: the `Page`)."""

    @functools.wraps(method)
    def first(*args: P.args, **kwargs: P.kwargs) -> Page[T]:
        return _first_page(method(*args, **kwargs).pages())

    return to_raw_response(first)


def async_to_raw_page(method: Callable[P, AsyncPager[T]]) -> Callable[P, Awaitable[APIResponse[Page[T]]]]:
    """`to_raw_page` for the asyncio client's pagers."""

    @functools.wraps(method)
    async def first(*args: P.args, **kwargs: P.kwargs) -> Page[T]:
        return await _async_first_page(method(*args, **kwargs).pages())

    return async_to_raw_response(first)
