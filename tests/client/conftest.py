"""Fixtures of the client tests alone: clients of either flavor connected to a sandbox over loopback HTTP (the
mock-transport fixtures are in `tests/conftest.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from atono import AsyncAtono, Atono
from atono._retry import RetryPolicy
from atono.testing import Sandbox

from tests.helpers import AnyClient, close

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
