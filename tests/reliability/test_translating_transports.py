"""A caller's transport that translates another library's errors into httpx's cannot make the SDK apply a write twice.

Such transports exist (httpx-aiohttp reports a server that closed the connection after reading the request as
`httpx.ConnectTimeout`), and a connect error is the one transport error after which a write is resent. The SDK
believes it only from a transport that raised it itself or from httpx's own, which raises it from httpcore's. The
server here is real (loopback); the transport wraps httpx's own and translates as such a library does.
"""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from atono import APIConnectionError

from tests.helpers import call

from .rawserver import Received, client_for, raw_server


class ServerDisconnectedError(Exception):
    """Another HTTP library's error for a connection closed before the answer."""


def _translated(error: httpx.TransportError, request: httpx.Request) -> httpx.TransportError:
    """What a translating transport raises: a closed connection reported as a connect timeout, from its own error."""
    if not isinstance(error, httpx.RemoteProtocolError):
        return error
    translated = httpx.ConnectTimeout("Server disconnected", request=request)
    translated.__cause__ = ServerDisconnectedError("Server disconnected")
    return translated


class Translating(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return super().handle_request(request)
        except httpx.TransportError as error:
            raise _translated(error, request)  # noqa: B904 - the cause is set as the other library's


class AsyncTranslating(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as error:
            raise _translated(error, request)  # noqa: B904 - the cause is set as the other library's


def _client(flavor: str, url: str) -> Any:
    http: httpx.Client | httpx.AsyncClient = (
        httpx.Client(transport=Translating()) if flavor == "sync" else httpx.AsyncClient(transport=AsyncTranslating())
    )
    return client_for(flavor, url, http_client=http, max_retries=2)


def _hang_up(request: Received, conn: socket.socket) -> None:
    """Read the request, then close without an answer: the server may have applied it."""


async def test_a_write_is_not_resent_after_a_connect_error_translated_from_another_librarys(flavor: str) -> None:
    with raw_server(_hang_up) as server:
        client = _client(flavor, server.url)
        with pytest.raises(APIConnectionError):
            await call(client.request, "POST", "/bugs", json={"data": {"type": "bug", "attributes": {"title": "t"}}})
    assert [r.method for r in server.received] == ["POST"]


async def test_a_read_is_still_retried_after_a_translated_connect_error(flavor: str) -> None:
    with raw_server(_hang_up) as server:
        client = _client(flavor, server.url)
        with pytest.raises(APIConnectionError):
            await call(client.request, "GET", "/bugs/b1")
    assert [r.method for r in server.received] == ["GET", "GET", "GET"]


async def test_a_write_is_resent_after_httpxs_own_connect_error_through_the_same_transport(flavor: str) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now: every connection is refused, so nothing was sent
    attempts: list[str] = []
    client = _client(flavor, f"http://127.0.0.1:{port}")
    client._http.event_hooks["request"] = [_count(flavor, attempts)]
    with pytest.raises(APIConnectionError) as caught:
        await call(client.request, "POST", "/bugs", json={"data": {"type": "bug", "attributes": {"title": "t"}}})
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert attempts == ["POST", "POST", "POST"]


def _count(flavor: str, attempts: list[str]) -> Any:
    def hook(request: httpx.Request) -> None:
        attempts.append(request.method)

    async def async_hook(request: httpx.Request) -> None:
        hook(request)

    return hook if flavor == "sync" else async_hook
