"""Which failures are retried, how often and after how long; writes are never sent twice when they may have
been applied."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest
from atono import APIConnectionError, APIStatusError, APITimeoutError, InternalServerError, RateLimitError
from atono._retry import RetryPolicy, backoff_delay, is_retryable_error, is_retryable_status, parse_retry_after

from tests.helpers import BUG, NOW, Server, call, fail, respond


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


# The policy as pure functions.


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "delete"])
@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_idempotent_methods_retry_408_429_and_server_errors(method: str, status: int) -> None:
    assert is_retryable_status(method, status)


@pytest.mark.parametrize("method", ["POST", "PATCH", "post"])
def test_writes_retry_429_but_never_a_server_error(method: str) -> None:
    assert is_retryable_status(method, 429)
    for status in (408, 500, 502, 503, 504):
        assert not is_retryable_status(method, status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 422, 501, 505])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not is_retryable_status("GET", status)


def _error(cls: type[httpx.TransportError]) -> httpx.TransportError:
    return cls("x", request=httpx.Request("GET", "https://h/"))


@pytest.mark.parametrize("cls", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_errors_before_sending_are_retried_for_every_method(cls: type[httpx.TransportError], method: str) -> None:
    assert is_retryable_error(method, _error(cls))


@pytest.mark.parametrize(
    "cls", [httpx.ReadError, httpx.ReadTimeout, httpx.WriteError, httpx.WriteTimeout, httpx.RemoteProtocolError]
)
def test_errors_after_sending_are_retried_only_for_idempotent_methods(cls: type[httpx.TransportError]) -> None:
    assert is_retryable_error("GET", _error(cls))
    assert is_retryable_error("PUT", _error(cls))
    assert not is_retryable_error("POST", _error(cls))
    assert not is_retryable_error("PATCH", _error(cls))


@pytest.mark.parametrize("cls", [httpx.UnsupportedProtocol, httpx.LocalProtocolError])
def test_errors_that_cannot_heal_are_not_retried(cls: type[httpx.TransportError]) -> None:
    assert not is_retryable_error("GET", _error(cls))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("1.5", 1.5),
        ("0", None),  # zero, negative and past values say nothing usable: the normal backoff applies
        ("-4", None),
        (http_date(NOW + 30), 30.0),
        (http_date(NOW - 30), None),
        (http_date(NOW), None),
        (email.utils.formatdate(NOW + 10), 10.0),  # "-0000": no zone, read as GMT
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after_reads_seconds_and_http_dates(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    tops = [backoff_delay(n, initial=0.5, maximum=8.0, jitter=1.0) for n in range(7)]
    assert tops == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff_delay(3, initial=0.5, maximum=8.0, jitter=0.0) == 2.0
    assert backoff_delay(100, initial=0.5, maximum=8.0, jitter=0.5) == 6.0


def test_policy_stops_at_the_budget() -> None:
    policy = RetryPolicy(random=lambda: 1.0)
    response = httpx.Response(503, request=httpx.Request("GET", "https://h/"))
    assert policy.delay_after_response("GET", response, retries_taken=0, max_retries=2) == 0.5
    assert policy.delay_after_response("GET", response, retries_taken=1, max_retries=2) == 1.0
    assert policy.delay_after_response("GET", response, retries_taken=2, max_retries=2) is None
    assert policy.delay_after_response("GET", response, retries_taken=0, max_retries=0) is None


# The executor, sync and async alike.


async def test_server_errors_are_retried_with_growing_backoff_then_raised(
    make_client: Any, sleeps: list[float]
) -> None:
    server = Server(respond(503))
    client = make_client(server, max_retries=3)
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1")
    assert server.calls == 4
    assert sleeps == [0.5, 1.0, 2.0]


async def test_a_retry_that_succeeds_returns_the_result(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(502), fail(httpx.ReadTimeout), fail(httpx.RemoteProtocolError), respond(200, BUG))
    client = make_client(server, max_retries=3)
    bug = await call(client.bugs.get, "b1")
    assert bug.id == "b1"
    assert server.calls == 4
    assert len(sleeps) == 3


async def test_default_budget_is_two_retries(make_client: Any) -> None:
    server = Server(respond(500))
    client = make_client(server)
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1")
    assert server.calls == 3


async def test_max_retries_per_call_overrides_the_client(make_client: Any) -> None:
    server = Server(respond(500))
    client = make_client(server, max_retries=5)
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1", max_retries=1)
    assert server.calls == 2
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1", max_retries=0)
    assert server.calls == 3


async def test_negative_max_retries_is_refused_before_sending(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="max_retries"):
        await call(client.bugs.get, "b1", max_retries=-1)
    assert server.calls == 0


async def test_429_waits_for_retry_after_in_seconds(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(429, headers={"retry-after": "12"}), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.get, "b1")
    assert sleeps == [12.0]


async def test_429_waits_for_retry_after_as_an_http_date(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(429, headers={"retry-after": http_date(NOW + 20)}), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.get, "b1")
    assert sleeps == [20.0]


async def test_429_without_a_usable_hint_backs_off(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(429, headers={"retry-after": "whenever"}), respond(429), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.get, "b1")
    assert sleeps == [0.5, 1.0]


async def test_retry_after_beyond_the_cap_raises_at_once(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(429, headers={"retry-after": "600"}))
    client = make_client(server)
    with pytest.raises(RateLimitError) as caught:
        await call(client.bugs.get, "b1")
    assert server.calls == 1
    assert sleeps == []
    assert caught.value.retry_after == 600.0


async def test_retry_after_at_the_cap_is_honoured(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(503, headers={"retry-after": "60"}), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.get, "b1")
    assert sleeps == [60.0]


async def test_client_errors_are_not_retried(make_client: Any) -> None:
    server = Server(respond(404))
    client = make_client(server)
    with pytest.raises(APIStatusError):
        await call(client.bugs.get, "b1")
    assert server.calls == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@pytest.mark.parametrize(
    ("method", "args"), [("create", {"title": "T"}), ("update", {"bug_id": "b1", "title": "U"})], ids=["POST", "PATCH"]
)
async def test_a_write_is_not_resent_after_a_server_error(
    make_client: Any, sleeps: list[float], status: int, method: str, args: dict[str, Any]
) -> None:
    server = Server(respond(status), respond(201, BUG))
    client = make_client(server)
    with pytest.raises(InternalServerError):
        await call(getattr(client.bugs, method), **args)
    assert server.calls == 1
    assert sleeps == []


@pytest.mark.parametrize("error", [httpx.ReadError, httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError])
async def test_a_write_is_not_resent_after_a_failure_once_sent(
    make_client: Any, error: type[httpx.TransportError]
) -> None:
    server = Server(fail(error), respond(201, BUG))
    client = make_client(server)
    with pytest.raises(APIConnectionError):
        await call(client.bugs.create, title="T")
    assert server.calls == 1


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_a_write_is_resent_when_it_never_left(make_client: Any, error: type[httpx.TransportError]) -> None:
    server = Server(fail(error), respond(201, BUG))
    client = make_client(server)
    bug = await call(client.bugs.create, title="T")
    assert bug.id == "b1"
    assert server.calls == 2
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert server.requests[0].content == server.requests[1].content


async def test_a_write_is_resent_after_429(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(429, headers={"retry-after": "2"}), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.update, "b1", title="U")
    assert server.calls == 2
    assert sleeps == [2.0]


async def test_delete_is_retried_after_502(make_client: Any) -> None:
    server = Server(respond(502), respond(204))
    client = make_client(server)
    assert await call(client.bugs.delete, "b1") is None
    assert server.calls == 2


async def test_timeouts_become_api_timeout_error_after_retries(make_client: Any, sleeps: list[float]) -> None:
    server = Server(fail(httpx.ReadTimeout, "timed out"))
    client = make_client(server)
    with pytest.raises(APITimeoutError, match=r"GET /bugs/b1 timed out \(ReadTimeout\) after 3 attempts") as caught:
        await call(client.bugs.get, "b1")
    assert server.calls == 3
    assert sleeps == [0.5, 1.0]
    assert caught.value.request.url.path == "/v1/bugs/b1"
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


async def test_connection_errors_become_api_connection_error(make_client: Any) -> None:
    server = Server(fail(httpx.ConnectError, "[Errno 111] Connection refused"))
    client = make_client(server, max_retries=1)
    with pytest.raises(APIConnectionError, match="Connection refused") as caught:
        await call(client.bugs.get, "b1")
    assert not isinstance(caught.value, APITimeoutError)
    assert server.calls == 2
    assert "api.atono.test" in str(caught.value)


async def test_each_attempt_is_a_fresh_request_with_the_key(make_client: Any) -> None:
    server = Server(respond(503), respond(200, BUG))
    client = make_client(server)
    await call(client.bugs.get, "b1", include=["team"])
    assert server.requests[0] is not server.requests[1]
    assert all(h["x-api-key"] for h in server.sent_headers)
    assert [str(r.url) for r in server.requests] == ["https://api.atono.test/v1/bugs/b1?include=team"] * 2
