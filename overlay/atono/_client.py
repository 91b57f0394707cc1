"""`Atono` and `AsyncAtono`: the clients users construct. The request machinery lives in `_base_client`; the
namespaces (`client.bugs`, ...) are generated from the spec (`atono_sdk.namespaces`)."""

from __future__ import annotations

from atono_sdk.namespaces import AsyncNamespaces, SyncNamespaces

from atono._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncAtono", "Atono"]


class Atono(SyncAPIClient, SyncNamespaces):
    """The blocking client of the Atono public API.

    `Atono()` reads the key from `ATONO_API_KEY` and the base URL from `ATONO_BASE_URL` (default
    `https://api.atono.io/v1`). Arguments: `api_key`, `base_url`, `timeout` (seconds for each attempt as a whole,
    connect to last byte, default 60; an `httpx.Timeout` bounds each phase instead; None for none), `max_retries`
    (default 2, or the `retry_policy`'s), `retry_policy` (an `atono.RetryPolicy`: backoff, `Retry-After` cap and
    the statuses retried), `default_headers` (sent with every call; a `User-Agent` there, or on your
    `http_client`, is kept with the SDK's token appended), `http_client` (your own `httpx.Client` for proxies,
    transports, limits or auth; the SDK still adds the key, retries and pacing, and never closes it), `rate_limit`
    (default `RateLimit(3000, 300)`, Atono's documented limit; None turns pacing off) and `max_response_bytes`
    (default 64 MiB: a larger body is refused).

    Every namespace method has a twin under `with_raw_response` (`client.bugs.with_raw_response.get(bug_id)`)
    returning an `atono.APIResponse` with the status, headers, request id and retries taken; `request()` reaches
    a path the SDK has no method for; `with_options()` makes a copy with some options changed.

    Use it as a context manager, or call `close()`, to release its connections. It is safe to share between
    threads, which then share one connection pool and one rate limiter.
    """


class AsyncAtono(AsyncAPIClient, AsyncNamespaces):
    """The asyncio client of the Atono public API; the same arguments as `Atono`, with an `httpx.AsyncClient`.

    Use `async with`, or `await client.close()`. Tasks sharing one client share its pool and its rate limiter.
    """


def _documented_here(client: type, *bases: type) -> None:
    """Name the public members of the client's bases (private modules, and the generated namespaces) in the client
    class itself, so that the reference documents `with_options`, `request`, `client.bugs`, ... on its page."""
    for base in bases:
        for klass in reversed(base.__mro__):
            for name, member in vars(klass).items():
                if not name.startswith("_") and name not in vars(client):
                    setattr(client, name, member)


_documented_here(Atono, SyncAPIClient, SyncNamespaces)
_documented_here(AsyncAtono, AsyncAPIClient, AsyncNamespaces)
