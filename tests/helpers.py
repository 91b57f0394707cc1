"""What tests across the suite build on, imported as `tests.helpers`: sync and async clients over
`httpx.MockTransport` with retry pauses recorded instead of slept, scripted servers, and the spec's path.

Fixtures that use these live in `tests/conftest.py`; a conftest is never imported from.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from atono import AsyncAtono, Atono
from atono._retry import RetryPolicy
from atono_api.models import BugCreateAttributes, BugCreateDocument, BugCreateDocumentData

SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "atono.openapi.yaml"

KEY = "atono-test-key-7f3c9d2e81"
BASE_URL = "https://api.atono.test/v1"

BUG = {
    "data": {
        "type": "bug",
        "id": "b1",
        "attributes": {
            "title": "MIDI input lost",
            "handle": "BUG-1",
            "createdAt": "2024-09-04T22:28:31Z",
            "updatedAt": "2025-06-24T03:37:37Z",
        },
    }
}

# The wall clock of the `policy` fixture, which HTTP-date `Retry-After` values are read against.
NOW = 1_000_000.0

Step = Callable[[httpx.Request], httpx.Response]
AnyClient = Atono | AsyncAtono


def bug_create() -> BugCreateDocument:
    """The body of a create_bug operation, for tests of the executor itself."""
    return BugCreateDocument(data=BugCreateDocumentData(type_="bug", attributes=BugCreateAttributes(title="T")))


def respond(status: int = 200, json: Any = None, **kwargs: Any) -> Step:
    """A step that answers with a fresh response (responses cannot be sent twice)."""

    def step(request: httpx.Request) -> httpx.Response:
        if json is not None:
            return httpx.Response(status, json=json, **kwargs)
        return httpx.Response(status, **kwargs)

    return step


def fail(error: type[httpx.TransportError], message: str = "boom") -> Step:
    """A step that raises a transport error, as a real transport would."""

    def step(request: httpx.Request) -> httpx.Response:
        raise error(message, request=request)

    return step


class Server:
    """A scripted transport handler: answers with `steps` in order (the last one repeats) and records what it got.

    The headers are copied at send time, because the executor replaces the key in a request once it is sent.
    """

    def __init__(self, *steps: Step) -> None:
        self.steps = steps or (respond(200, BUG),)
        self.requests: list[httpx.Request] = []
        self.sent_headers: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.sent_headers.append(dict(request.headers))
        return self.steps[min(len(self.requests), len(self.steps)) - 1](request)

    @property
    def calls(self) -> int:
        return len(self.requests)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a sync or async client method alike, so one test covers both clients."""
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


async def collect(pager: Any) -> list[Any]:
    """Every item of a sync or async pager, in order."""
    if hasattr(pager, "__aiter__"):
        return [item async for item in pager]
    return list(pager)


async def close(client: AnyClient) -> None:
    await call(client.close)


def no_wait_policy(sleeps: list[float] | None = None, *, wall_clock: Callable[[], float] | None = None) -> RetryPolicy:
    """A retry policy that records the pauses it is asked for instead of sleeping them, without jitter; with
    `wall_clock`, an HTTP-date `Retry-After` is read against that clock."""

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    if wall_clock is None:
        return RetryPolicy(sleep=sleep, async_sleep=async_sleep, random=lambda: 1.0)
    return RetryPolicy(sleep=sleep, async_sleep=async_sleep, random=lambda: 1.0, wall_clock=wall_clock)


def mock_client(
    flavor: str,
    handler: Step,
    *,
    policy: RetryPolicy | None = None,
    http_options: dict[str, Any] | None = None,
    **options: Any,
) -> AnyClient:
    """A client of `flavor` ("sync" or "async") over `httpx.MockTransport(handler)`, retrying by `policy` (by
    default without waiting); `http_options` go to the httpx client, the other keywords to the SDK's."""
    transport = httpx.MockTransport(handler)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE_URL)
    client: AnyClient
    if flavor == "sync":
        client = Atono(http_client=httpx.Client(transport=transport, **(http_options or {})), **options)
    else:
        client = AsyncAtono(http_client=httpx.AsyncClient(transport=transport, **(http_options or {})), **options)
    client._retry_policy = policy if policy is not None else no_wait_policy()
    return client
