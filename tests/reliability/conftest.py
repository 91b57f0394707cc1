"""Shared pieces of the reliability tests, and the figures they report at the end of the run.

Each test that measures something records it with `record_figure`; `pytest_terminal_summary` prints the figures and
the fault matrix's outcome table after the run, so the numbers quoted in tests/README.md can be checked by running
`pytest tests/reliability`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atono import AsyncAtono, Atono
from atono._retry import RetryPolicy

KEY = "atono-reliability-key-5b1e0c77d2"
BASE_URL = "https://api.atono.test/v1"

AnyClient = Atono | AsyncAtono

FIGURES: dict[str, str] = {}
MATRIX: dict[tuple[str, str, str], str] = {}  # (flavor, fault, operation) -> outcome


def record_figure(name: str, value: object) -> None:
    FIGURES[name] = str(value)


def no_wait_policy(sleeps: list[float] | None = None) -> RetryPolicy:
    """A retry policy that records the pauses it is asked for instead of sleeping them."""

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    return RetryPolicy(sleep=sleep, async_sleep=async_sleep, random=lambda: 1.0)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a sync or async client method alike."""
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


class Recorder:
    """A MockTransport handler: answers with `responder` and keeps every request it was sent."""

    def __init__(self, responder: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self._responder = responder or (lambda request: httpx.Response(500))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._responder(request)


def mock_client(flavor: str, handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> AnyClient:
    """A client of `flavor` ("sync" or "async") over `httpx.MockTransport(handler)`, with pauses not slept."""
    transport = httpx.MockTransport(handler)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE_URL)
    client: AnyClient
    if flavor == "sync":
        client = Atono(http_client=httpx.Client(transport=transport), **options)
    else:
        client = AsyncAtono(http_client=httpx.AsyncClient(transport=transport), **options)
    client._retry_policy = no_wait_policy()
    return client


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES and not MATRIX:
        return
    from .matrix import render_table  # the table's layout lives with the matrix

    terminalreporter.section("reliability figures")
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"{name}: {value}")
    for flavor in ("sync", "async"):
        if any(key[0] == flavor for key in MATRIX):
            terminalreporter.write_line("")
            terminalreporter.write_line(f"fault matrix ({flavor} client):")
            for line in render_table(MATRIX, flavor):
                terminalreporter.write_line(line)
