"""Fixtures for shared pacing: a real `redis-server` on a free loopback port (stopped after), SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench._redis import RedisServer, sqlite_url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def sqlite_storage(tmp_path: Path) -> str:
    return sqlite_url(tmp_path)
