"""What stands between a client and the sandbox's API: latency, the rate limit and injected faults.

`Gateway` is an ASGI app wrapping the API app. It behaves like the proxy in front of a real service:
it can delay a request, refuse it (429), or fail after the API has answered. A write that meets any
fault but 429 has already been applied when the failure happens, the worst case for a client, which
must not blindly retry it; a 429 is refused before the API sees the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import random
import re
import secrets
import threading
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args
from urllib.parse import parse_qs

from atono_sandbox._errors import error_object

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FaultKind = Literal[
    "429",
    "500",
    "502",
    "503",
    "504",
    "reset",
    "timeout",
    "truncate",
    "html",
    "wrong_content_type",
    "drip",
    "gzip_bomb",
    "redirect",
]
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
# What `fault_rate` draws from: the failures a client meets in the wild and must survive.
RANDOM_FAULTS: tuple[FaultKind, ...] = ("429", "500", "502", "503", "reset", "truncate")

# The per-connection hook (set by the sandbox's HTTP protocol) that closes a connection unanswered.
DROP_EXTENSION = "atono_sandbox.drop"

_JSONAPI = (b"content-type", b"application/vnd.api+json")
_PREFIX = re.compile(r"^(/api)?/v1(?=/|$)")
_STATUS_TEXT = {
    429: ("rate_limited", "Too many requests"),
    500: ("internal_error", "Internal server error"),
    502: ("bad_gateway", "Bad gateway"),
    503: ("service_unavailable", "Service unavailable"),
    504: ("gateway_timeout", "Gateway timeout"),
}


def api_path(path: str) -> str:
    """A request path without its `/v1` or `/api/v1` prefix: what fault injection matches on."""
    return _PREFIX.sub("", path).rstrip("/") or "/"


def _path_matcher(pattern: str) -> re.Pattern[str]:
    """`/bugs/{bugId}` matches `/bugs/<any id>`; other paths match exactly. Prefixes are optional."""
    parts = re.split(r"(\{[^/{}]+\})", api_path(pattern))
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


@dataclass(eq=False)
class Injection:
    """A targeted fault waiting for its requests; `remaining` counts down as matching requests fail."""

    fault: FaultKind
    path: str | None
    method: str | None
    count: int
    retry_after: int
    query: dict[str, str] = field(default_factory=dict)
    remaining: int = field(init=False)
    _matcher: re.Pattern[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.remaining = self.count
        self._matcher = _path_matcher(self.path) if self.path is not None else None

    def matches(self, method: str, path: str, query: dict[str, list[str]] | None = None) -> bool:
        if self.method is not None and self.method != method:
            return False
        if any((query or {}).get(name, [None])[-1] != value for name, value in self.query.items()):
            return False
        return self._matcher is None or self._matcher.fullmatch(api_path(path)) is not None


@dataclass(frozen=True, slots=True)
class Chosen:
    fault: FaultKind
    retry_after: int


class FaultPlan:
    """Which request fails, and how: targeted injections first, then the seeded `fault_rate` draw.

    The draw uses its own generator seeded from the sandbox's seed, so the same sequence of requests
    meets the same faults on every run.
    """

    def __init__(self, *, seed: int, fault_rate: float, retry_after: int = 1) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, not {fault_rate}")
        self.fault_rate = fault_rate
        self.retry_after = retry_after
        self._rng = random.Random(f"atono-sandbox-faults-{seed}")
        self._lock = threading.Lock()
        self._injections: list[Injection] = []

    def inject(
        self,
        fault: FaultKind | int,
        *,
        path: str | None = None,
        method: str | None = None,
        count: int = 1,
        retry_after: int | None = None,
        query: Mapping[str, object] | None = None,
    ) -> Injection:
        kind = str(fault)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if kind == "gzip_bomb":
            gzip_bomb()  # built now (0.6 s, once), not while a client waits on the request it fails
        injection = Injection(
            kind,
            path,
            method.upper() if method is not None else None,
            count,
            self.retry_after if retry_after is None else retry_after,
            {str(name): str(value) for name, value in (query or {}).items()},
        )
        with self._lock:
            self._injections.append(injection)
        return injection

    def clear(self) -> None:
        with self._lock:
            for injection in self._injections:
                injection.remaining = 0
            self._injections.clear()

    def choose(self, method: str, path: str, query_string: bytes = b"") -> Chosen | None:
        query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True) if query_string else {}
        with self._lock:
            for injection in self._injections:
                if injection.matches(method, path, query):
                    injection.remaining -= 1
                    if injection.remaining == 0:
                        self._injections.remove(injection)
                    return Chosen(injection.fault, injection.retry_after)
            if self.fault_rate and self._rng.random() < self.fault_rate:
                return Chosen(self._rng.choice(RANDOM_FAULTS), self.retry_after)
        return None


# The last requests the rate limiter remembers for `Sandbox.rate_limit_log()` (a few MB at most).
LOG_SIZE = 100_000


class ServerRateLimit:
    """A sliding window per client address, like Atono's "3,000 requests per 5 minutes per IP".

    The server's side of a rate limit; the SDK's own pacing is `atono.RateLimit`, a different thing.
    """

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate_limit must be (requests >= 1, seconds > 0)")
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        # Every request counted, for tests and benchmarks that check a client's pacing as the server saw it.
        self.log: deque[tuple[float, bool]] = deque(maxlen=LOG_SIZE)

    def admit(self, client: str) -> int | None:
        """Count a request; None if it may pass, else the whole seconds to wait (`Retry-After`)."""
        now = time.monotonic()
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            self.log.append((now, False))
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        self.log.append((now, True))
        return None

    def headers(self, client: str) -> list[tuple[bytes, bytes]]:
        """`X-RateLimit-Limit`, `-Remaining` and `-Reset` (whole seconds until the oldest request in the window
        leaves it), as many APIs send them, for the requests counted so far."""
        now = time.monotonic()
        hits = self._hits.get(client, deque())
        live = [hit for hit in hits if hit > now - self.window]
        reset = max(0, math.ceil(live[0] + self.window - now)) if live else 0
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(max(0, self.limit - len(live))).encode()),
            (b"x-ratelimit-reset", str(reset).encode()),
        ]


# Sent at this pace, a body outlasts any read timeout of a client without tripping it: bytes keep arriving.
DRIP_INTERVAL = 0.01
# Inflated, the bomb is twice the SDK's default cap on a response (64 MiB); on the wire, about 130 kB.
GZIP_BOMB_INFLATED = 128 * 1024 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """A gzip body that starts as JSON and inflates to GZIP_BOMB_INFLATED bytes of spaces."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    block = b" " * (1 << 20)
    parts = [compressor.compress(b'{"data": ')]
    parts += [compressor.compress(block) for _ in range(GZIP_BOMB_INFLATED >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def _error_body(status: int, detail: str) -> bytes:
    code, title = _STATUS_TEXT[status]
    return json.dumps({"errors": [error_object(status, code, title, detail)]}).encode()


async def _send_simple(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Captured:
    status: int = 500
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class Gateway:
    """ASGI app in front of the API: latency, then the rate limit, then faults (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultPlan,
        rate_limit: ServerRateLimit | None,
        latency: float = 0.0,
        stall: float = 5.0,
        rate_limit_headers: bool = False,
    ) -> None:
        if rate_limit_headers and rate_limit is None:
            raise ValueError("rate_limit_headers needs a rate limit to report: give rate_limit=(requests, seconds)")
        self.app = app
        self.faults = faults
        self.rate_limit = rate_limit
        self.rate_limit_headers = rate_limit_headers
        self.latency = latency
        self.stall = stall
        self._closing: asyncio.Event | None = None

    def open(self) -> None:
        """Get ready to serve on a new event loop (a sandbox can be started again after a stop)."""
        self._closing = None

    def close(self) -> None:
        """Wake every sleeping request so the server can stop now (call on the server's loop)."""
        self._closing_event().set()

    def _closing_event(self) -> asyncio.Event:
        if self._closing is None:
            self._closing = asyncio.Event()
        return self._closing

    async def _sleep(self, seconds: float) -> None:
        closing = self._closing_event()
        if seconds > 0 and not closing.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        client = peer[0] if peer else "unknown"
        send = self._identified(send, client)
        await self._sleep(self.latency)
        if self.rate_limit is not None:
            wait = self.rate_limit.admit(client)
            if wait is not None:
                await self._too_many_requests(send, wait, "The rate limit is exceeded.")
                return
        chosen = self.faults.choose(scope["method"], scope["path"], scope.get("query_string", b""))
        if chosen is None:
            await self.app(scope, receive, send)
        elif chosen.fault == "429":
            await self._too_many_requests(send, chosen.retry_after, "Injected fault: too many requests.")
        else:
            captured = _Captured()

            async def capture(message: Message) -> None:
                if message["type"] == "http.response.start":
                    captured.status = message["status"]
                    captured.headers = list(message.get("headers", []))
                elif message["type"] == "http.response.body":
                    captured.body += message.get("body", b"")

            await self.app(scope, receive, capture)
            await self._fail(chosen.fault, captured, scope, receive, send)

    def _identified(self, send: Send, client: str) -> Send:
        """`send`, adding to every answer an `X-Request-Id`, as Atono's front end does, and the rate limit headers
        when asked for."""
        request_id = f"req_{secrets.token_hex(8)}".encode()

        async def identified(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id))
                if self.rate_limit_headers and self.rate_limit is not None:
                    headers += self.rate_limit.headers(client)
                message = {**message, "headers": headers}
            await send(message)

        return identified

    async def _too_many_requests(self, send: Send, retry_after: int, detail: str) -> None:
        headers = [_JSONAPI, (b"retry-after", str(retry_after).encode())]
        await _send_simple(send, 429, headers, _error_body(429, f"{detail} Retry after {retry_after} s."))

    async def _fail(self, fault: FaultKind, captured: _Captured, scope: Scope, receive: Receive, send: Send) -> None:
        if fault in ("500", "502", "503", "504"):
            status = int(fault)
            await _send_simple(send, status, [_JSONAPI], _error_body(status, f"Injected fault: {fault}."))
        elif fault == "timeout":
            await self._sleep(self.stall)
            await _send_simple(send, 504, [_JSONAPI], _error_body(504, "Injected fault: the upstream timed out."))
        elif fault == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            await _send_simple(send, 502, [(b"content-type", b"text/html; charset=utf-8")], page)
        elif fault == "wrong_content_type":
            await _send_simple(send, 200, [(b"content-type", b"text/plain; charset=utf-8")], b"OK")
        elif fault == "drip":
            # The whole answer, a byte at a time: no read waits long, yet the body takes `stall` seconds before
            # the rest comes at once. An answer without a body has nothing to drip: its head waits that long.
            body = bytes(captured.body)
            if not body:
                await self._sleep(self.stall)
            headers = [h for h in captured.headers if h[0].lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": captured.status, "headers": headers})
            sent, started = 0, time.monotonic()
            while sent < len(body) and time.monotonic() - started < self.stall and not self._closing_event().is_set():
                await send({"type": "http.response.body", "body": body[sent : sent + 1], "more_body": True})
                sent += 1
                await asyncio.sleep(DRIP_INTERVAL)
            await send({"type": "http.response.body", "body": body[sent:]})
        elif fault == "gzip_bomb":
            headers = [_JSONAPI, (b"content-encoding", b"gzip")]
            await _send_simple(send, 200, headers, gzip_bomb())
        elif fault == "redirect":
            # 303 See Other to the same URL: a read follows it; a write would be resent as a GET without its body.
            target = scope.get("raw_path") or scope["path"].encode()
            if scope.get("query_string"):
                target += b"?" + scope["query_string"]
            await _send_simple(send, 303, [_JSONAPI, (b"location", target)], b"")
        elif fault == "truncate":
            # The head promises the whole document; the connection closes halfway through it.
            body = bytes(captured.body) or b'{"data":null}'
            status = captured.status if captured.status in (200, 201) else 200
            headers = [_JSONAPI, (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            await self._drop(scope, receive)
        else:  # reset
            await self._drop(scope, receive)

    async def _drop(self, scope: Scope, receive: Receive) -> None:
        """Close the connection without completing a response, then wait until the server has noticed."""
        drop = scope.get("extensions", {}).get(DROP_EXTENSION)
        if drop is None:
            raise RuntimeError("dropping a connection needs the sandbox's HTTP protocol (see atono_sandbox._server)")
        drop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                while (await receive())["type"] != "http.disconnect":
                    pass
