"""The API key never shows: not in reprs, exceptions or log records, and never sent to another host."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from atono import APIConnectionError, APIStatusError, AsyncAtono, Atono, AuthenticationError
from atono._logs import REDACTED, RedactingFilter, Secret, redact, register_secret, setup_logging
from atono._retry import RetryPolicy
from atono_api.api.bugs import get_bug

from tests.helpers import BUG, KEY, Server, call, close, fail, respond


def leaks(value: object) -> bool:
    return KEY in str(value) or KEY in repr(value)


def assert_exception_is_clean(error: BaseException) -> None:
    text = "".join(traceback.format_exception(error))
    assert KEY not in text
    assert not leaks(error.args)
    for exc in (error, error.__cause__):
        request = getattr(exc, "request", None)
        if request is not None:
            assert request.headers.get("x-api-key") in (None, REDACTED)
    response = getattr(error, "response", None)
    if response is not None:
        assert response.request.headers.get("x-api-key") in (None, REDACTED)
        if response.next_request is not None:
            assert response.next_request.headers.get("x-api-key") in (None, REDACTED)


def test_reprs_never_show_the_key() -> None:
    client = Atono(api_key=KEY)
    copy = client.with_options(max_retries=0)
    async_client = AsyncAtono(api_key=KEY)
    for value in (client, copy, async_client, client._limiter, client._retry_policy, client._api_key):
        assert not leaks(value)
    for attribute in vars(client).values():
        assert not leaks(attribute)
    assert str(Secret(KEY)) == repr(Secret(KEY)) == f"Secret({REDACTED!r})"


async def test_exceptions_of_a_failing_retrying_run_hold_no_key(make_client: Any) -> None:
    server = Server(respond(503), fail(httpx.ReadError), respond(401, {"errors": [{"title": "Unauthorized"}]}))
    client = make_client(server)
    with pytest.raises(AuthenticationError) as caught:
        await call(client.bugs.get, "b1")
    assert all(h["x-api-key"] == KEY for h in server.sent_headers)  # it was sent, to the API
    assert_exception_is_clean(caught.value)


async def test_transport_exceptions_hold_no_key(make_client: Any) -> None:
    client = make_client(Server(fail(httpx.ConnectError)), max_retries=1)
    with pytest.raises(APIConnectionError) as caught:
        await call(client.bugs.get, "b1")
    assert_exception_is_clean(caught.value)


async def test_a_returned_response_holds_no_key(make_client: Any) -> None:
    client = make_client(Server())
    response = await call(client._request_raw, get_bug, "b1")
    assert response.request.headers["x-api-key"] == REDACTED


# Redirects


def redirecting(location: str, status: int = 302) -> tuple[Any, Server]:
    """A handler for an API host that redirects to `location`, and a recorder of whatever reaches another host."""
    other = Server(respond(200, BUG))
    api = Server(respond(status, headers={"location": location}))

    def route(request: httpx.Request) -> httpx.Response:
        return api(request) if request.url.netloc == b"api.atono.test" else other(request)

    return route, other


@pytest.mark.parametrize(
    ("location", "origin"),
    [
        ("https://evil.test/v1/bugs/b1", "https://evil.test"),
        ("http://api.atono.test/v1/bugs/b1", "http://api.atono.test"),  # a downgrade is another origin
        ("https://api.atono.test:8443/v1/bugs/b1", "https://api.atono.test:8443"),
        ("//evil.test/steal", "https://evil.test"),
    ],
)
async def test_a_redirect_to_another_origin_is_refused_and_carries_no_key(
    make_client: Any, location: str, origin: str
) -> None:
    route, other = redirecting(location)
    # The caller's client follows redirects itself: httpx would then forward X-API-KEY to the other host.
    client = make_client(route, http_options={"follow_redirects": True})
    with pytest.raises(APIStatusError) as caught:
        await call(client.bugs.get, "b1")
    assert other.calls == 0
    assert caught.value.status_code == 302
    assert f"redirected to another origin ({origin})" in str(caught.value)
    assert "set base_url" in str(caught.value)
    assert_exception_is_clean(caught.value)


@pytest.mark.parametrize("status", [307, 308])
async def test_a_write_redirected_to_another_host_is_not_resent_there(make_client: Any, status: int) -> None:
    route, other = redirecting("https://evil.test/v1/bugs", status)
    client = make_client(route, http_options={"follow_redirects": True})
    with pytest.raises(APIStatusError):
        await call(client.bugs.create, title="T")
    assert other.calls == 0


async def test_a_redirect_on_the_same_host_is_followed_with_the_key(make_client: Any) -> None:
    server = Server(respond(301, headers={"location": "/v1/bugs/b1-moved"}), respond(200, BUG))
    client = make_client(server)
    bug = await call(client.bugs.get, "b1")
    assert bug.id == "b1"
    assert [r.url.path for r in server.requests] == ["/v1/bugs/b1", "/v1/bugs/b1-moved"]
    assert [h["x-api-key"] for h in server.sent_headers] == [KEY, KEY]


async def test_endless_redirects_stop(make_client: Any) -> None:
    server = Server(respond(302, headers={"location": "/v1/bugs/again"}))
    client = make_client(server, http_options={"max_redirects": 3})
    with pytest.raises(APIStatusError, match="more than 3 redirects"):
        await call(client.bugs.get, "b1")
    assert server.calls == 4


# Logs


async def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on 127.0.0.1 answering 503, then 503, then 401, so httpx and httpcore really log."""
    statuses = iter([503, 503, 401])
    seen_keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen_keys.append(self.headers.get("x-api-key", ""))
            status = next(statuses, 401)
            body = b'{"errors": [{"title": "nope"}]}'
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen_keys
    server.shutdown()
    server.server_close()


async def test_log_records_of_a_failing_retrying_run_hold_no_key(
    flavor: str,
    http_server: tuple[str, list[str]],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    clean_atono_logger: logging.Logger,
) -> None:
    url, seen_keys = http_server
    monkeypatch.setenv("ATONO_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    client = (Atono if flavor == "sync" else AsyncAtono)(api_key=KEY, base_url=url)
    client._retry_policy = RetryPolicy(sleep=lambda _: None, async_sleep=no_sleep, random=lambda: 1.0)
    with pytest.raises(AuthenticationError) as caught:
        await call(client.bugs.get, "b1")
    await close(client)
    # Something a caller might log: the headers of the request that failed.
    logging.getLogger("httpx").debug("failed request headers: %r", caught.value.request.headers)
    assert seen_keys == [KEY, KEY, KEY]
    assert {"atono", "httpx", "httpcore.connection", "httpcore.http11"} <= {record.name for record in caplog.records}
    assert [r.getMessage() for r in caplog.records if r.name == "atono"] == [
        "GET /bugs/b1 503; retry 1 of 2 in 0.50 s",
        "GET /bugs/b1 503; retry 2 of 2 in 1.00 s",
        "GET /bugs/b1 401 (2 retries)",
    ]
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert not leaks(record.args)
        assert KEY not in str(record.msg)
    assert KEY not in caplog.text


@pytest.mark.parametrize(
    "logger_name", ["atono", "httpx", "httpcore", "httpcore.http11", "httpcore.connection", "hpack.hpack"]
)
@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("headers=%r", ([(b"X-API-KEY", b"unregistered-secret-value")],)),
        ("headers=%r", (httpx.Headers({"x-api-key": "unregistered-secret-value"}),)),
        (
            "headers=%s",
            ({"X-Api-Key": "unregistered-secret-value", "Authorization": "Bearer unregistered-secret-value"},),
        ),
        ("x-api-key: unregistered-secret-value", ()),
        ("api_key in url ?key=%s", (KEY,)),
    ],
)
def test_the_filter_redacts_credential_headers_and_known_keys(
    caplog: pytest.LogCaptureFixture, logger_name: str, message: str, args: tuple[Any, ...]
) -> None:
    setup_logging()  # what constructing a client does
    register_secret(KEY)
    caplog.set_level(logging.DEBUG)
    logging.getLogger(logger_name).debug(message, *args)
    [record] = [r for r in caplog.records if r.name == logger_name]
    assert "unregistered-secret-value" not in record.getMessage()
    assert KEY not in record.getMessage()
    assert REDACTED in record.getMessage()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{'x-api-key': 'abc def'}", f"{{'x-api-key': '{REDACTED}'}}"),
        ("[(b'x-api-key', b'abc')]", f"[(b'x-api-key', b'{REDACTED}')]"),
        ("X-API-KEY=abc; next", f"X-API-KEY={REDACTED}; next"),
        ('"authorization": "Bearer abc"', f'"authorization": "{REDACTED}"'),
        ("nothing to hide here", "nothing to hide here"),
        ("x-api-key header is required", "x-api-key header is required"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("httpx", logging.DEBUG, __file__, 1, "%s %s", ("only one",), None)
    assert RedactingFilter().filter(record) is True
