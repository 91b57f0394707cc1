"""Fixtures for the sandbox's tests: plain httpx against sandboxes on loopback, never the SDK."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from atono.testing import Sandbox


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    """One sandbox for the tests that only read: 250 stories, 100 bugs, 25 users, 4 teams, 10 flags, seed 0."""
    with Sandbox(stories=250, bugs=100, seed=0) as sandbox:
        yield sandbox


@pytest.fixture
def api(shared_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client of the shared sandbox with the key of a member of every team."""
    with httpx.Client(base_url=shared_sandbox.url, headers={"X-API-KEY": shared_sandbox.api_key}) as client:
        yield client


@pytest.fixture
def outsider_api(shared_sandbox: Sandbox) -> Iterator[httpx.Client]:
    """A client of the shared sandbox with the key of the user outside the private team."""
    with httpx.Client(base_url=shared_sandbox.url, headers={"X-API-KEY": shared_sandbox.other_api_key}) as client:
        yield client


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox for a test that writes."""
    with Sandbox(stories=20, bugs=20, users=10, teams=3, flags=3, seed=1) as fresh:
        yield fresh


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as http:
        yield http
