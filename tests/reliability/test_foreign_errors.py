"""Every failure a user can meet is an `AtonoError`, or a `ValueError`/`TypeError` for a bad argument before any
request; and a `Retry-After` that asks for no wait does not make the SDK hammer a struggling server."""

from __future__ import annotations

import email.utils
import math
from typing import Any

import httpx
import pytest
from atono import APIConnectionError, AsyncAtono, Atono, AtonoError, InternalServerError, RateLimitError

from tests.helpers import KEY, Server, call, mock_client

BAD_TIMEOUTS: list[tuple[Any, type[Exception]]] = [
    (-1, ValueError),
    (0, ValueError),
    (math.nan, ValueError),
    (math.inf, ValueError),
    ("5", TypeError),
    (True, TypeError),
    ([5], TypeError),
    (httpx.Timeout(-1), ValueError),
    (httpx.Timeout(5.0, read=math.nan), ValueError),
]


@pytest.mark.parametrize("cls", [Atono, AsyncAtono])
@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS, ids=[repr(t) for t, _ in BAD_TIMEOUTS])
def test_a_bad_timeout_is_refused_where_it_is_given(cls: type[Atono], timeout: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="timeout"):
        cls(api_key=KEY, timeout=timeout)
    with pytest.raises(error, match="timeout"):
        cls(api_key=KEY).with_options(timeout=timeout)


def test_a_bad_timeout_on_a_callers_client_is_refused() -> None:
    with pytest.raises(ValueError, match="timeout"):
        Atono(api_key=KEY, http_client=httpx.Client(timeout=httpx.Timeout(-2.0)))


@pytest.mark.parametrize("good", [0.25, 3, None, httpx.Timeout(5.0, connect=None)])
def test_good_timeouts_are_kept(good: Any) -> None:
    assert Atono(api_key=KEY, timeout=good).timeout == good


@pytest.mark.parametrize("own_pool", [True, False], ids=["the SDK's pool", "a caller's client"])
async def test_a_call_after_close_is_an_atono_error_and_sends_nothing(flavor: str, own_pool: bool) -> None:
    recorder = Server()
    if own_pool:
        client: Atono | AsyncAtono = (Atono if flavor == "sync" else AsyncAtono)(api_key=KEY)
    else:
        client = mock_client(flavor, recorder)
    await call(client.close)
    if not own_pool:  # a caller's client stays open after the SDK's close; closing it is the caller's part
        await call(client._http.aclose if flavor == "async" else client._http.close)
    with pytest.raises(AtonoError, match="client is closed") as caught:
        await call(client.bugs.get, "b1")
    assert type(caught.value) is AtonoError
    assert recorder.requests == []


def _retry_after(value: str) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": value})

    return respond


@pytest.mark.parametrize(
    "value",
    ["0", "-5", "0.0", email.utils.formatdate(0, usegmt=True), email.utils.formatdate(1_000_000, usegmt=True)],
    ids=["zero", "negative", "zero point zero", "the epoch", "a past date"],
)
async def test_a_retry_after_asking_for_no_wait_gets_the_normal_backoff(flavor: str, value: str) -> None:
    sleeps: list[float] = []
    client = mock_client(flavor, Server(_retry_after(value)), max_retries=2)
    client._retry_policy = client._retry_policy.__class__(
        sleep=sleeps.append, async_sleep=_recording(sleeps), random=lambda: 1.0
    )
    with pytest.raises(RateLimitError) as caught:
        await call(client.bugs.get, "b1")
    assert sleeps == [0.5, 1.0]  # the backoff schedule, not an immediate retry
    assert caught.value.retry_after is None


async def test_a_future_retry_after_is_still_honoured(flavor: str) -> None:
    sleeps: list[float] = []
    client = mock_client(flavor, Server(_retry_after("3")), max_retries=1)
    client._retry_policy = client._retry_policy.__class__(sleep=sleeps.append, async_sleep=_recording(sleeps))
    with pytest.raises(RateLimitError):
        await call(client.bugs.get, "b1")
    assert sleeps == [3.0]


def _recording(sleeps: list[float]) -> Any:
    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return async_sleep


async def test_a_server_error_is_still_an_atono_error(flavor: str) -> None:
    client = mock_client(flavor, Server(lambda request: httpx.Response(500)), max_retries=0)
    with pytest.raises(InternalServerError) as caught:
        await call(client.bugs.get, "b1")
    assert isinstance(caught.value, AtonoError)


class ResponseParseError(Exception):
    """Another HTTP library's error for a response it could not parse, raised through a caller's transport."""


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_callers_transport_failing_with_its_own_error_is_an_api_connection_error_sent_once(
    flavor: str, method: str
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        raise ResponseParseError("Got more than 8190 bytes when reading a header")

    client = mock_client(flavor, handler, max_retries=2)
    with pytest.raises(APIConnectionError) as caught:
        await call(client.request, method, "/bugs", **({"json": {"data": {}}} if method == "POST" else {}))
    assert seen == [method]  # what it means is unknown: not resent, whatever the method
    transport_error = caught.value.__cause__
    assert isinstance(transport_error, httpx.TransportError)
    assert isinstance(transport_error.__cause__, ResponseParseError)
    assert "ResponseParseError: Got more than 8190 bytes" in str(caught.value)
