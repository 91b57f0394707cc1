"""`Sandbox`: a seeded, stateful, Atono-compatible API server on 127.0.0.1, for demos and tests."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

from atono_sandbox._app import build_app
from atono_sandbox._data import seed_store
from atono_sandbox._faults import FaultKind, FaultPlan, Gateway, Injection, ServerRateLimit
from atono_sandbox._journal import AppliedWrite, Journal
from atono_sandbox._server import ServerThread, bind

API_KEY = "atono_sandbox_key"
OTHER_API_KEY = "atono_sandbox_outsider_key"

# Atono's documented limit: 3,000 requests per 5 minutes.
ATONO_RATE_LIMIT = (3000, 300.0)

# The request body media types a strict sandbox may insist on: the documented one, and JSON:API's.
MEDIA_TYPES = ("application/json", "application/vnd.api+json")


class Sandbox:
    """A local Atono API with a seeded workspace, served over real HTTP.

    ```python
    with Sandbox(stories=250, seed=0) as sb:
        client = Atono(api_key=sb.api_key, base_url=sb.url)
    ```

    The workspace is generated from `seed`: the same arguments give the same ids, handles, names and
    order. `api_key` acts as a user who is a member of every team; `other_api_key` as a user outside
    the private team, who gets 404 reading its items and 403 writing them.

    Fault injection: `latency_ms` delays every request; `fault_rate` makes that share of requests fail
    with a seeded mix of 429, 500, 502, 503, a dropped connection and a truncated body; `inject()`
    makes the next requests to a path fail in a chosen way. A failing write (but for 429) has been
    applied before it fails, and `applied_writes` lists every applied write, so a test can prove a
    client never applied one twice. `rate_limit=(requests, seconds)` is a sliding window (None: off).
    `stall_seconds` is how long a `timeout` fault holds a request before answering 504.

    `strict_media_type` makes the sandbox take request bodies of that media type only and answer 415 Unsupported
    Media Type to the other, before applying anything: "application/json" acts like a server built on a plain JSON
    framework, "application/vnd.api+json" like a strict JSON:API server. None (the default) takes both.

    Every answer carries an `X-Request-Id`; `rate_limit_headers=True` adds `X-RateLimit-Limit`, `-Remaining` and
    `-Reset` (seconds) from the rate limit, which Atono does not document but many APIs send.
    """

    def __init__(
        self,
        *,
        stories: int = 250,
        bugs: int = 100,
        users: int = 25,
        teams: int = 4,
        flags: int = 10,
        seed: int = 0,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        rate_limit: tuple[int, float] | None = ATONO_RATE_LIMIT,
        stall_seconds: float = 5.0,
        rate_limit_headers: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_media_type: str | None = None,
    ) -> None:
        if strict_media_type is not None and strict_media_type not in MEDIA_TYPES:
            raise ValueError(f"strict_media_type must be one of {MEDIA_TYPES} or None, got {strict_media_type!r}")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if stall_seconds < 0:
            raise ValueError("stall_seconds must not be negative")
        self.seed = seed
        self.host = host
        self._requested_port = port
        self._store = seed_store(seed=seed, stories=stories, bugs=bugs, users=users, teams=teams, flags=flags)
        user_ids = list(self._store.users)
        self.user_id: str = user_ids[0]
        """The id of the user `api_key` acts as (a member of every team)."""
        self.other_user_id: str = user_ids[1]
        """The id of the user `other_api_key` acts as (outside the private team)."""
        self.api_key = API_KEY
        self.other_api_key = OTHER_API_KEY
        self._journal = Journal()
        self._faults = FaultPlan(seed=seed, fault_rate=fault_rate)
        limiter = ServerRateLimit(*rate_limit) if rate_limit is not None else None
        self.strict_media_type = strict_media_type
        keys = {API_KEY: self.user_id, OTHER_API_KEY: self.other_user_id}
        app = build_app(self._store, self._journal, keys, strict_media_type=strict_media_type)
        self._gateway = Gateway(
            app,
            faults=self._faults,
            rate_limit=limiter,
            latency=latency_ms / 1000,
            stall=stall_seconds,
            rate_limit_headers=rate_limit_headers,
        )
        self._server: ServerThread | None = None
        self._port: int | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Serve in a background thread; returns once the server accepts connections."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        sock = bind(self.host, self._port if self._port is not None else self._requested_port)
        self._port = sock.getsockname()[1]
        self._gateway.open()
        server = ServerThread(self._gateway, sock)
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving (requests held by latency or a `timeout` fault are cut short). Idempotent."""
        server, self._server = self._server, None
        if server is not None:
            server.stop(on_stop=self._gateway.close)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the sandbox has not been started")
        return self._port

    @property
    def origin(self) -> str:
        """`http://host:port`, the root that `/v1/...` and `/api/v1/...` (the style of links) hang off."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """The base URL to give a client, ending in `/v1` like `https://api.atono.io/v1`."""
        return f"{self.origin}/v1"

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<Sandbox {where} seed={self.seed}>"

    # ---- faults and the write record -------------------------------------------------------------

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
        """Make the next `count` requests matching `path`, `method` and `query` fail with `fault`.

        `fault` is one of `FAULT_KINDS`: "429" (with `Retry-After: retry_after`, default 1), "500",
        "502", "503", "504", "reset" (the connection closes with no response), "timeout" (the request
        is held `stall_seconds`, then 504), "truncate" (200 head, body cut short), "html" (502 with an
        HTML page), "wrong_content_type" (200 with a text/plain body), "drip" (the real answer, its body a
        byte every 10 ms for `stall_seconds`), "gzip_bomb" (200, gzip, 130 kB inflating to 128 MiB),
        "redirect" (303 See Other to the same URL). `path` is relative to the API
        root (`/bugs`, `/bugs/{bugId}` for any bug) and None matches every path; `method` None matches
        every method; `query` ({"page[number]": 7}) matches requests whose last value of each of those
        parameters is the one given. Injections are used in the order they were made. The returned `Injection`
        shows how many failures are still `remaining`.
        """
        return self._faults.inject(fault, path=path, method=method, count=count, retry_after=retry_after, query=query)

    def clear_faults(self) -> None:
        """Drop every injected fault that has not fired yet."""
        self._faults.clear()

    @property
    def rate_limit_log(self) -> list[tuple[float, bool]]:
        """Each request the rate limit counted, oldest first (the last 100,000): its arrival as
        `time.monotonic()` and whether it was admitted (False: answered 429). Empty with `rate_limit=None`."""
        limiter = self._gateway.rate_limit
        return list(limiter.log) if limiter is not None else []

    @property
    def applied_writes(self) -> list[AppliedWrite]:
        """Every write applied so far, oldest first (a copy)."""
        return self._journal.snapshot()
