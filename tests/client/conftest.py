"""Fixtures for the client tests: sync and async clients over `httpx.MockTransport`, with sleeps recorded, not slept,
and clients of either flavor connected to a sandbox over loopback HTTP."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from atono import AsyncAtono, Atono
from atono._logs import logger as atono_logger
from atono._retry import RetryPolicy
from atono.testing import Sandbox
from atono_api.models import BugCreateAttributes, BugCreateDocument, BugCreateDocumentData

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


def bug_create() -> BugCreateDocument:
    """The body of a create_bug operation, for tests of the executor itself."""
    return BugCreateDocument(data=BugCreateDocumentData(type_="bug", attributes=BugCreateAttributes(title="T")))


Step = Callable[[httpx.Request], httpx.Response]
AnyClient = Atono | AsyncAtono


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


@pytest.fixture
def sleeps() -> list[float]:
    """The retry pauses the executor asked for, in order."""
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return RetryPolicy(sleep=sleeps.append, async_sleep=async_sleep, random=lambda: 1.0, wall_clock=lambda: 1_000_000.0)


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_client(flavor: str, policy: RetryPolicy) -> Callable[..., AnyClient]:
    """Build the client of the current flavor over a mock transport; extra keywords go to the client."""

    def make(handler: Step, *, http_options: dict[str, Any] | None = None, **options: Any) -> AnyClient:
        transport = httpx.MockTransport(handler)
        options.setdefault("api_key", KEY)
        options.setdefault("base_url", BASE_URL)
        client: AnyClient
        if flavor == "sync":
            client = Atono(http_client=httpx.Client(transport=transport, **(http_options or {})), **options)
        else:
            client = AsyncAtono(http_client=httpx.AsyncClient(transport=transport, **(http_options or {})), **options)
        client._retry_policy = policy
        return client

    return make


@pytest.fixture
def clean_atono_logger() -> Iterator[logging.Logger]:
    """Undo what `ATONO_LOG` does to the process-wide `atono` logger."""
    level, handlers = atono_logger.level, list(atono_logger.handlers)
    yield atono_logger
    atono_logger.setLevel(level)
    for handler in atono_logger.handlers:
        if handler not in handlers:
            atono_logger.removeHandler(handler)


# Real pauses, kept short: the loop, the sleeps and the sockets are all real.
FAST_RETRIES = RetryPolicy(initial_delay=0.01, max_delay=0.05)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A small sandbox per test; `@pytest.mark.atono_sandbox(...)` (the plugin's marker) changes its options."""
    marker = request.node.get_closest_marker("atono_sandbox")
    with Sandbox(**{"stories": 5, "bugs": 10, "seed": 0, **(marker.kwargs if marker else {})}) as sb:
        yield sb


@pytest.fixture
async def connect(flavor: str, sandbox: Sandbox) -> AsyncIterator[Callable[..., AnyClient]]:
    """Open clients of the current flavor to the sandbox; all are closed after the test."""
    opened: list[AnyClient] = []

    def open_client(**options: Any) -> AnyClient:
        options.setdefault("api_key", sandbox.api_key)
        client: AnyClient = (Atono if flavor == "sync" else AsyncAtono)(base_url=sandbox.url, **options)
        client._retry_policy = FAST_RETRIES
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await close(client)
