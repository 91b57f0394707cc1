"""A real HTTP/1.1 server on 127.0.0.1 whose every byte a test scripts: for faults no well-behaved server makes
(a body dripped a byte at a time, a gzip bomb, a redirect that changes the method) and for seeing exactly what the
SDK sent (a proxy that must receive nothing)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from atono import AsyncAtono, Atono

from tests.helpers import KEY, no_wait_policy

STAMP = "2024-09-04T22:28:31Z"
BUG = {
    "data": {
        "type": "bug",
        "id": "b1",
        "attributes": {"title": "t", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP},
    }
}


@dataclass
class Received:
    """One request as it arrived: request line, headers (lower-case names) and body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Received, socket.socket], None]


@dataclass
class RawServer:
    url: str
    received: list[Received] = field(default_factory=list)
    connections: int = 0


def _read_request(conn: socket.socket) -> Received | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Received(method, target, headers, rest[:length])


@contextmanager
def raw_server(handler: Handler) -> Iterator[RawServer]:
    """Serve on a free loopback port; `handler(request, conn)` writes the whole answer. Connections are closed
    after each answer, and every thread is stopped on exit."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    server = RawServer(url=f"http://127.0.0.1:{port}")
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(30)
            try:
                request = _read_request(conn)
                if request is None:
                    return
                server.received.append(request)
                handler(request, conn)
            except OSError:  # the client hung up first: what several tests cause on purpose
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server.connections += 1
            worker = threading.Thread(target=serve, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for worker in workers:
            worker.join(5)


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of a complete response that closes its connection."""
    lines = [f"HTTP/1.1 {status} Status", "Connection: close"]
    all_headers = {"Content-Type": "application/vnd.api+json", "Content-Length": str(len(body)), **(headers or {})}
    lines += [f"{name}: {value}" for name, value in all_headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def drip(conn: socket.socket, data: bytes, every: float, stop_after: float) -> None:
    """Send `data` one byte at a time, a byte every `every` seconds, for at most `stop_after` seconds."""
    started = time.monotonic()
    for byte in data:
        if time.monotonic() - started > stop_after:
            return
        conn.sendall(bytes([byte]))
        time.sleep(every)


def client_for(flavor: str, url: str, **options: Any) -> Atono | AsyncAtono:
    """A client of `flavor` for a raw server at `url`, unpaced, its retry pauses recorded instead of slept."""
    cls = Atono if flavor == "sync" else AsyncAtono
    client = cls(api_key=KEY, base_url=url + "/v1", rate_limit=None, **options)
    client._retry_policy = no_wait_policy()
    return client
