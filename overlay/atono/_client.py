"""`Atono` and `AsyncAtono`: the clients users construct. The request machinery lives in `_base_client`."""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import TYPE_CHECKING, Any

from atono._base_client import AsyncAPIClient, SyncAPIClient

if TYPE_CHECKING:
    from atono import resources
else:

    class _OnFirstUse:
        """`atono.resources`, imported when a namespace is first used: it pulls in the generated operations."""

        def __getattr__(self, name: str) -> Any:
            return getattr(importlib.import_module("atono.resources"), name)

    resources = _OnFirstUse()

__all__ = ["AsyncAtono", "Atono"]


class Atono(SyncAPIClient):
    """The blocking client of the Atono public API.

    `Atono()` reads the key from `ATONO_API_KEY` and the base URL from `ATONO_BASE_URL` (default
    `https://api.atono.io/v1`). Arguments: `api_key`, `base_url`, `timeout` (seconds for each attempt as a whole,
    connect to last byte, default 60; an `httpx.Timeout` bounds each phase instead; None for none), `max_retries`
    (default 2), `http_client` (your own `httpx.Client` for proxies, transports, limits or auth; the SDK still adds
    the key, retries and pacing, and never closes it), `rate_limit` (default `RateLimit(3000, 300)`, Atono's
    documented limit; None turns pacing off) and `max_response_bytes` (default 64 MiB: a larger body is refused).

    Use it as a context manager, or call `close()`, to release its connections. It is safe to share between
    threads, which then share one connection pool and one rate limiter.
    """

    @cached_property
    def stories(self) -> resources.Stories:
        return resources.Stories(self)

    @cached_property
    def bugs(self) -> resources.Bugs:
        return resources.Bugs(self)

    @cached_property
    def teams(self) -> resources.Teams:
        return resources.Teams(self)

    @cached_property
    def users(self) -> resources.Users:
        return resources.Users(self)

    @cached_property
    def flags(self) -> resources.Flags:
        return resources.Flags(self)

    @cached_property
    def workflow_steps(self) -> resources.WorkflowSteps:
        return resources.WorkflowSteps(self)


class AsyncAtono(AsyncAPIClient):
    """The asyncio client of the Atono public API; the same arguments as `Atono`, with an `httpx.AsyncClient`.

    Use `async with`, or `await client.close()`. Tasks sharing one client share its pool and its rate limiter.
    """

    @cached_property
    def stories(self) -> resources.AsyncStories:
        return resources.AsyncStories(self)

    @cached_property
    def bugs(self) -> resources.AsyncBugs:
        return resources.AsyncBugs(self)

    @cached_property
    def teams(self) -> resources.AsyncTeams:
        return resources.AsyncTeams(self)

    @cached_property
    def users(self) -> resources.AsyncUsers:
        return resources.AsyncUsers(self)

    @cached_property
    def flags(self) -> resources.AsyncFlags:
        return resources.AsyncFlags(self)

    @cached_property
    def workflow_steps(self) -> resources.AsyncWorkflowSteps:
        return resources.AsyncWorkflowSteps(self)
