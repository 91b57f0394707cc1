"""One deadline for a whole request-response exchange, however the server spreads its bytes.

httpx's timeouts bound each phase, and within a phase each socket read, separately: a server that sends one byte a
second never trips a 2 s read timeout and holds the call for as long as it likes. When `timeout` is a number, the
executor sets a deadline for the exchange in a context variable, and every connect, TLS handshake, read and write of
the connection pools it can reach waits at most until then (`install`). Those are the pools of httpx's own
transports, the proxy pools among them; a caller's own transport of another kind (an ASGI app, a mock) gets the
deadline checked between the chunks of the body, and, with `AsyncAtono`, enforced by cancellation.

This reaches into two private attributes of httpx's transport (`_pool`) and of httpcore's pools
(`_network_backend`), in the versions the SDK pins; `tests/reliability/test_deadlines.py` fails if they move. No
public hook of httpx bounds an exchange as a whole. The async stream also answers the pools' `is_readable` itself,
with httpcore's own check (`httpcore._utils.is_socket_readable`) on the socket looked up once: anyio builds its whole
attribute mapping for every ask, and the pools ask of every connection on every request.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpx

__all__ = ["backends", "exchange_deadline", "install", "past_deadline", "seconds_left"]

_DEADLINE: ContextVar[float | None] = ContextVar("atono_exchange_deadline", default=None)

_SocketOptions = Iterable[tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]]


@contextlib.contextmanager
def exchange_deadline(seconds: float | None) -> Iterator[None]:
    """Bound the network I/O of the current thread or task to `seconds` from now (None: no bound)."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def seconds_left() -> float | None:
    """Seconds until the current deadline (negative once passed), or None without one."""
    end = _DEADLINE.get()
    return None if end is None else end - time.monotonic()


def past_deadline() -> bool:
    left = seconds_left()
    return left is not None and left <= 0


@functools.cache
def backends() -> tuple[type[Any], type[Any]]:
    """The wrapping network backends (sync, async), defined on first use: httpcore is imported by httpx only
    when a client is created, and `import atono` should not pay for it earlier."""
    import httpcore  # noqa: PLC0415 - see above
    from httpcore._utils import is_socket_readable  # noqa: PLC0415

    def _clamp(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
        left = seconds_left()
        if left is None:
            return timeout
        if left <= 0:
            raise error("the exchange ran past its deadline (the number given as timeout=)")
        return left if timeout is None else min(timeout, left)

    class _Stream(httpcore.NetworkStream):
        def __init__(self, stream: httpcore.NetworkStream) -> None:
            self._stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

        def close(self) -> None:
            self._stream.close()

        def start_tls(
            self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.NetworkStream:
            return _Stream(
                self._stream.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
            )

        def get_extra_info(self, info: str) -> typing.Any:
            return self._stream.get_extra_info(info)

    class _Backend(httpcore.NetworkBackend):
        def __init__(self, backend: httpcore.NetworkBackend) -> None:
            self._backend = backend

        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: _SocketOptions | None = None,
        ) -> httpcore.NetworkStream:
            timeout = _clamp(timeout, httpcore.ConnectTimeout)
            return _Stream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

        def connect_unix_socket(
            self, path: str, timeout: float | None = None, socket_options: _SocketOptions | None = None
        ) -> httpcore.NetworkStream:
            timeout = _clamp(timeout, httpcore.ConnectTimeout)
            return _Stream(self._backend.connect_unix_socket(path, timeout, socket_options))

        def sleep(self, seconds: float) -> None:
            self._backend.sleep(seconds)

    class _AsyncStream(httpcore.AsyncNetworkStream):
        def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
            self._stream = stream
            self._socket: Any = None

        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            return await self._stream.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

        async def write(self, buffer: bytes, timeout: float | None = None) -> None:
            await self._stream.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

        async def aclose(self) -> None:
            await self._stream.aclose()

        async def start_tls(
            self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
        ) -> httpcore.AsyncNetworkStream:
            timeout = _clamp(timeout, httpcore.ConnectTimeout)
            return _AsyncStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

        def get_extra_info(self, info: str) -> typing.Any:
            if info == "is_readable":
                if self._socket is None:
                    self._socket = self._stream.get_extra_info("socket")
                return is_socket_readable(self._socket)
            return self._stream.get_extra_info(info)

    class _AsyncBackend(httpcore.AsyncNetworkBackend):
        def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
            self._backend = backend

        async def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: _SocketOptions | None = None,
        ) -> httpcore.AsyncNetworkStream:
            timeout = _clamp(timeout, httpcore.ConnectTimeout)
            return _AsyncStream(await self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

        async def connect_unix_socket(
            self, path: str, timeout: float | None = None, socket_options: _SocketOptions | None = None
        ) -> httpcore.AsyncNetworkStream:
            timeout = _clamp(timeout, httpcore.ConnectTimeout)
            return _AsyncStream(await self._backend.connect_unix_socket(path, timeout, socket_options))

        async def sleep(self, seconds: float) -> None:
            await self._backend.sleep(seconds)

    return _Backend, _AsyncBackend


def install(client: httpx.Client | httpx.AsyncClient) -> int:
    """Make the connection pools of `client` keep the exchange deadline; return how many pools now do.

    Pools other than httpx's (a caller's own transport) are left alone. Outside an SDK call no deadline is set, so
    a caller's client shared with other code behaves for that code exactly as before.
    """
    import httpcore  # noqa: PLC0415 - see backends()

    sync_backend, async_backend = backends()
    transports = [client._transport, *client._mounts.values()]
    installed = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool):
            if not isinstance(pool._network_backend, sync_backend):
                pool._network_backend = sync_backend(pool._network_backend)
            installed += 1
        elif isinstance(pool, httpcore.AsyncConnectionPool):
            if not isinstance(pool._network_backend, async_backend):
                pool._network_backend = async_backend(pool._network_backend)
            installed += 1
    return installed
