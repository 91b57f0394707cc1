"""A number given as `timeout` bounds each attempt as a whole, however slowly the server sends.

httpx's timeouts bound each socket read: a server that drips its answer a byte at a time never trips them. These
tests drip from a real server on 127.0.0.1, in the status line and headers and in the body, and check that the
call ends with `APITimeoutError` near the deadline, per attempt, while an `httpx.Timeout` keeps httpx's per-phase
meaning.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import httpx
import pytest
from atono import APITimeoutError, AsyncAtono, Atono

from tests.helpers import KEY, call

from .figures import record_figure
from .rawserver import BUG, Received, answer, client_for, drip, raw_server

SLACK = 0.75  # scheduling and one in-flight read; far below what a dripping server held a call before (15 s)


def drip_headers(request: Received, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    drip(conn, b"X-Padding: " + b"a" * 10_000, every=0.02, stop_after=15)


def drip_body(request: Received, conn: socket.socket) -> None:
    body = json.dumps(BUG).encode().ljust(10_000)
    conn.sendall(answer(200, b"", {"Content-Length": str(len(body))}))
    drip(conn, body, every=0.02, stop_after=15)


@pytest.mark.parametrize("handler", [drip_headers, drip_body], ids=["in the headers", "in the body"])
async def test_a_dripping_server_holds_an_attempt_no_longer_than_the_timeout(flavor: str, handler: Any) -> None:
    with raw_server(handler) as server:
        client = client_for(flavor, server.url, timeout=1.0, max_retries=0)
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await call(client.bugs.get, "b1")
        elapsed = time.monotonic() - started
        await call(client.close)
    assert elapsed < 1.0 + SLACK, elapsed
    record_figure(f"drip {handler.__name__}, {flavor}: timeout=1 call ended after (s)", f"{elapsed:.2f}")


async def test_each_retry_gets_its_own_deadline_and_the_whole_call_stays_bounded(flavor: str) -> None:
    with raw_server(drip_body) as server:
        client = client_for(flavor, server.url, timeout=0.5, max_retries=2)
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as caught:
            await call(client.bugs.get, "b1")
        elapsed = time.monotonic() - started
        await call(client.close)
    assert len(server.received) == 3  # a GET is retried after a timeout: three attempts of 0.5 s each
    assert "3 attempts" in str(caught.value)
    assert elapsed < 3 * 0.5 + SLACK, elapsed


async def test_an_httpx_timeout_keeps_bounding_each_read_not_the_whole(flavor: str) -> None:
    def slow_but_steady(request: Received, conn: socket.socket) -> None:
        body = json.dumps(BUG).encode()
        conn.sendall(answer(200, b"", {"Content-Length": str(len(body))}))
        drip(conn, body, every=1.5 / len(body), stop_after=15)

    with raw_server(slow_but_steady) as server:
        client = client_for(flavor, server.url, timeout=httpx.Timeout(0.5), max_retries=0)
        started = time.monotonic()
        bug = await call(client.bugs.get, "b1")
        elapsed = time.monotonic() - started
        await call(client.close)
    assert bug.id == "b1"
    assert elapsed > 1.0  # longer than any one read may take, so no overall deadline applied


async def test_async_deadline_holds_for_a_transport_that_is_not_httpx_own() -> None:
    class Hanging(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(30)
            raise AssertionError("not reached")

    client = AsyncAtono(
        api_key=KEY,
        base_url="https://api.atono.test/v1",
        http_client=httpx.AsyncClient(transport=Hanging()),
        timeout=0.3,
        max_retries=0,
    )
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await client.bugs.get("b1")
    assert time.monotonic() - started < 0.3 + SLACK


def test_the_deadline_reaches_every_pool_including_proxies() -> None:
    from atono._deadline import backends, install

    sync_backend, async_backend = backends()

    # The hook into httpx's private transport attributes: if a new httpx moves them, this fails first.
    client = httpx.Client(proxy="http://127.0.0.1:9")
    assert install(client) == 2  # the direct pool and the proxy's
    pools = [client._transport._pool, *(t._pool for t in client._mounts.values() if t is not None)]  # type: ignore[attr-defined]
    assert all(isinstance(pool._network_backend, sync_backend) for pool in pools)
    async_client = httpx.AsyncClient()
    assert install(async_client) == 1
    assert isinstance(async_client._transport._pool._network_backend, async_backend)  # type: ignore[attr-defined]
    assert Atono(api_key=KEY)._http._transport._pool._network_backend.__class__ is sync_backend  # type: ignore[attr-defined]


def keep_alive_then_hang_up(request: Received, conn: socket.socket) -> None:
    """A complete answer that promises keep-alive; the server closes the connection right after it anyway."""
    body = json.dumps(BUG).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.api+json\r\nContent-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode("latin-1") + body)


async def test_a_pooled_connection_the_server_closed_is_not_reused(flavor: str) -> None:
    """The pool asks each idle connection whether its socket is readable (the streams the deadline wraps answer):
    one the server closed reads as readable, at its end, and is replaced rather than sent a request it would drop."""
    with raw_server(keep_alive_then_hang_up) as server:
        client = client_for(flavor, server.url, max_retries=0)
        first = await call(client.bugs.get, "b1")
        await asyncio.sleep(0.1)  # the server's close reaches the client's socket
        second = await call(client.bugs.get, "b1")
        await call(client.close)
    assert first.id == second.id == "b1"
    assert server.connections == 2
