"""Running the sandbox on uvicorn: in a background thread for tests, or in the foreground for the CLI.

uvicorn answers 500 when an ASGI app fails before starting a response, so plain ASGI cannot express
"the connection closed with no response". `DroppingH11Protocol` adds that one ability: each request's
scope carries a hook (`DROP_EXTENSION`) that closes the connection, which the fault layer calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from atono_sandbox._faults import DROP_EXTENSION

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


class DroppingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a hook in every request's scope that drops the connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.app

        async def app_with_drop(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[DROP_EXTENSION] = self._drop
            await app(scope, receive, send)

        self.app = app_with_drop

    def _drop(self) -> None:
        # close(), not abort(): bytes already written (a truncated body) still reach the client.
        self.transport.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; binding here rather than in uvicorn gives the real port of `port=0` at once.

    The protocol is named explicitly: asyncio sets TCP_NODELAY only on sockets whose `proto` is
    IPPROTO_TCP, and without it every response (head and body are separate writes) waits about
    40 ms for a delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def config(app: Any, *, verbose: bool = False) -> uvicorn.Config:
    """uvicorn's settings for the sandbox; `verbose` logs every request (the CLI), else nothing is configured."""
    return uvicorn.Config(
        app,
        http=DroppingH11Protocol,
        ws="none",
        lifespan="off",
        log_config=uvicorn.config.LOGGING_CONFIG if verbose else None,
        log_level="info" if verbose else None,
        access_log=verbose,
        timeout_graceful_shutdown=2,
    )


class ServerThread:
    """uvicorn serving `app` on `sock` from a daemon thread with its own event loop.

    uvicorn installs signal handlers only in the main thread, so Ctrl-C still reaches the test
    runner. `stop()` runs `on_stop` on the server's loop first (the gateway uses it to cut short
    the requests it holds back), then waits for uvicorn's graceful shutdown.
    """

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self._sock = sock
        self._server = uvicorn.Server(config(app))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, name=f"atono-sandbox-{sock.getsockname()[1]}", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by start() or stop()
            self._error = exc

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self._server.serve(sockets=[self._sock])

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start") from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start in time")
            time.sleep(0.002)

    def stop(self, on_stop: Callable[[], None] | None = None) -> None:
        if on_stop is not None and self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                self._loop.call_soon_threadsafe(on_stop)
        self._server.should_exit = True
        self._thread.join(_STOP_TIMEOUT)
        self._sock.close()
        if self._thread.is_alive():
            raise RuntimeError("the sandbox server did not stop in time")
