"""A delete resent after an attempt that may have been applied, and then answered 404, was done by that attempt.

Over a scripted transport: the rule is the executor's, so it is pinned here answer by answer; the fault matrix shows
it against the sandbox, where a failing delete really was applied before its fault.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from atono import APIConnectionError, NotFoundError, RateLimitError

from tests.helpers import call, mock_client

NOT_FOUND = {"errors": [{"status": "404", "title": "Not found", "detail": "No bug with id 'b1'."}]}
Step = Callable[[httpx.Request], httpx.Response]


def status(code: int, **kwargs: object) -> Step:
    return lambda request: httpx.Response(code, **kwargs)  # type: ignore[arg-type]


def raising(error: type[httpx.TransportError]) -> Step:
    def step(request: httpx.Request) -> httpx.Response:
        raise error("injected", request=request)

    return step


def script(*steps: Step) -> tuple[Step, list[str]]:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return steps[len(seen) - 1](request)

    return handler, seen


@pytest.mark.parametrize(
    "first",
    [
        status(500),
        status(502),
        status(503),
        status(504),
        raising(httpx.ReadTimeout),
        raising(httpx.ReadError),
        raising(httpx.RemoteProtocolError),
    ],
    ids=["500", "502", "503", "504", "read-timeout", "read-error", "no-response"],
)
async def test_a_resent_delete_that_finds_nothing_was_done_by_the_first_attempt(flavor: str, first: Step) -> None:
    handler, seen = script(first, status(404, json=NOT_FOUND))
    client = mock_client(flavor, handler)
    assert await call(client.bugs.delete, "b1") is None
    assert seen == ["DELETE", "DELETE"]


@pytest.mark.parametrize(
    "first",
    [status(429, headers={"retry-after": "0"}), raising(httpx.ConnectError), raising(httpx.ConnectTimeout)],
    ids=["429", "connect-error", "connect-timeout"],
)
async def test_a_404_after_an_attempt_that_was_not_applied_is_a_real_not_found(flavor: str, first: Step) -> None:
    handler, seen = script(first, status(404, json=NOT_FOUND))
    client = mock_client(flavor, handler)
    with pytest.raises(NotFoundError, match="No bug with id 'b1'"):
        await call(client.bugs.delete, "b1")
    assert seen == ["DELETE", "DELETE"]


async def test_a_first_attempt_404_is_a_not_found(flavor: str) -> None:
    handler, seen = script(status(404, json=NOT_FOUND))
    with pytest.raises(NotFoundError):
        await call(mock_client(flavor, handler).bugs.delete, "b1")
    assert seen == ["DELETE"]


async def test_only_deletes_take_a_404_as_done(flavor: str) -> None:
    handler, seen = script(status(503), status(404, json=NOT_FOUND))
    with pytest.raises(NotFoundError):
        await call(mock_client(flavor, handler).bugs.get, "b1")
    assert seen == ["GET", "GET"]


async def test_other_failures_of_a_resent_delete_still_raise(flavor: str) -> None:
    handler, seen = script(status(503), status(429, headers={"retry-after": "0"}), raising(httpx.ConnectError))
    with pytest.raises(APIConnectionError):
        await call(mock_client(flavor, handler, max_retries=2).bugs.delete, "b1")
    assert seen == ["DELETE"] * 3
    handler, seen = script(status(429, headers={"retry-after": "0"}))
    with pytest.raises(RateLimitError):
        await call(mock_client(flavor, handler, max_retries=0).bugs.delete, "b1")
