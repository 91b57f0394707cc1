"""Bodies are read as streams within `max_response_bytes` of decoded data, so a server cannot fill memory.

From a real server on 127.0.0.1: a gzip bomb (1 MB on the wire, 1 GiB inflated), a 2 GB `Content-Length`, an
encoding the SDK did not ask for. Peak memory is sampled while the call runs.
"""

from __future__ import annotations

import gc
import gzip
import json
import socket
import threading
import time
import weakref
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import psutil
import pytest
from atono import DEFAULT_MAX_RESPONSE_BYTES, APIResponseValidationError, Atono

from tests.helpers import KEY, call

from .figures import record_figure
from .rawserver import BUG, Received, answer, client_for, raw_server


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """1 GiB of spaces after a valid JSON start, gzip-compressed to about 1 MB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip container
    parts = [compressor.compress(b'{"data": ')]
    block = b" " * (1 << 20)
    parts += [compressor.compress(block) for _ in range(1024)]
    parts.append(compressor.flush())
    return b"".join(parts)


class PeakRSS:
    """The highest resident set size of this process while the block runs, sampled every 5 ms."""

    def __init__(self) -> None:
        self.before = self.peak = psutil.Process().memory_info().rss
        self._stop = threading.Event()

    def __enter__(self) -> PeakRSS:
        def sample() -> None:
            process = psutil.Process()
            while not self._stop.is_set():
                self.peak = max(self.peak, process.memory_info().rss)
                time.sleep(0.005)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def grew_mb(self) -> float:
        return (self.peak - self.before) / 1e6


def send(body: bytes, headers: dict[str, str]) -> Callable[[Received, socket.socket], None]:
    def handler(request: Received, conn: socket.socket) -> None:
        conn.sendall(answer(200, body, headers))

    return handler


async def test_a_gzip_bomb_is_refused_with_memory_bounded(flavor: str, gzip_bomb: bytes) -> None:
    with raw_server(send(gzip_bomb, {"Content-Encoding": "gzip"})) as server:
        client = client_for(flavor, server.url, max_retries=0)
        with PeakRSS() as rss, pytest.raises(APIResponseValidationError) as caught:
            await call(client.bugs.get, "b1")
        await call(client.close)
    assert "max_response_bytes" in str(caught.value)
    assert f"{DEFAULT_MAX_RESPONSE_BYTES:,}" in str(caught.value)
    # The cap (64 MiB) plus what is decoded at once from one small piece; before, 1 GiB and more.
    assert rss.grew_mb < DEFAULT_MAX_RESPONSE_BYTES / 1e6 + 80, rss.grew_mb
    record_figure(
        f"gzip bomb ({len(gzip_bomb) / 1e6:.1f} MB on the wire, 1,074 MB inflated), {flavor}: peak RSS growth (MB)",
        f"{rss.grew_mb:.0f}",
    )


async def test_a_smaller_cap_is_kept_to_closely(flavor: str, gzip_bomb: bytes) -> None:
    with raw_server(send(gzip_bomb, {"Content-Encoding": "gzip"})) as server:
        client = client_for(flavor, server.url, max_retries=0, max_response_bytes=1 << 20)
        with PeakRSS() as rss, pytest.raises(APIResponseValidationError, match="1,048,576 bytes"):
            await call(client.bugs.get, "b1")
        await call(client.close)
    assert rss.grew_mb < 40, rss.grew_mb


async def test_an_announced_huge_body_is_refused_unread(flavor: str) -> None:
    def huge(request: Received, conn: socket.socket) -> None:
        conn.sendall(answer(200, b"", {"Content-Length": str(2 * 10**9)}))
        conn.sendall(b"{" * 65536)
        time.sleep(2)

    with raw_server(huge) as server:
        client = client_for(flavor, server.url, max_retries=0)
        started = time.monotonic()
        with pytest.raises(APIResponseValidationError, match="announces 2,000,000,000 bytes"):
            await call(client.bugs.get, "b1")
        elapsed = time.monotonic() - started
        await call(client.close)
    assert elapsed < 1.5


async def test_an_encoding_not_asked_for_is_refused(flavor: str) -> None:
    with raw_server(send(b"\x0b\x02\x80{}\x03", {"Content-Encoding": "br"})) as server:
        client = client_for(flavor, server.url, max_retries=0)
        with pytest.raises(APIResponseValidationError, match="'br', which the SDK did not ask for"):
            await call(client.bugs.get, "b1")
        await call(client.close)
    assert server.received[0].headers["accept-encoding"] == "gzip, deflate"


async def test_ordinary_compressed_and_plain_bodies_still_read(flavor: str) -> None:
    body = json.dumps(BUG).encode()
    for encoded, headers in ((body, {}), (gzip.compress(body), {"Content-Encoding": "gzip"})):
        with raw_server(send(encoded, headers)) as server:
            client = client_for(flavor, server.url, max_retries=0, max_response_bytes=len(body))
            bug = await call(client.bugs.get, "b1")
            await call(client.close)
        assert bug.title == "t"


async def test_a_read_response_and_its_body_are_freed_when_dropped_not_left_for_the_collector(flavor: str) -> None:
    """httpx's client binds a response's stream to the response, a reference cycle. Unbroken, every page's body
    waited for the garbage collector, which grew the memory of a walk of 100,000 stories by 10-16 MB."""
    responses: list[weakref.ref[httpx.Response]] = []

    def note(response: httpx.Response) -> None:
        responses.append(weakref.ref(response))

    async def anote(response: httpx.Response) -> None:
        note(response)

    http: httpx.Client | httpx.AsyncClient = (
        httpx.Client(event_hooks={"response": [note]})
        if flavor == "sync"
        else httpx.AsyncClient(event_hooks={"response": [anote]})
    )
    with raw_server(send(json.dumps(BUG).encode(), {})) as server:
        client = client_for(flavor, server.url, max_retries=0, http_client=http)
        gc.collect()
        gc.disable()
        try:
            bug = await call(client.bugs.get, "b1")
            freed = [ref() is None for ref in responses]
        finally:
            gc.enable()
        await call(client.close)
    assert bug.title == "t"
    assert freed == [True]


async def test_an_error_body_is_capped_too(flavor: str) -> None:
    def error_page(request: Received, conn: socket.socket) -> None:
        conn.sendall(answer(500, b"x" * (2 << 20), {"Content-Type": "text/plain"}))

    with raw_server(error_page) as server:
        client = client_for(flavor, server.url, max_retries=0, max_response_bytes=1 << 20)
        with pytest.raises(APIResponseValidationError, match="larger"):
            await call(client.bugs.get, "b1")
        await call(client.close)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "1", True])
def test_max_response_bytes_is_checked(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        Atono(api_key=KEY, max_response_bytes=bad)


def test_with_options_keeps_or_changes_the_cap() -> None:
    client = Atono(api_key=KEY, max_response_bytes=1000)
    assert client.with_options().max_response_bytes == 1000
    assert client.with_options(max_response_bytes=5).max_response_bytes == 5
