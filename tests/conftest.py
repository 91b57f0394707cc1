"""Fixtures shared by the suite: the client flavor each test runs for, clients over a mock transport whose retry
pauses are recorded, not slept (the pieces are in `tests.helpers`), and the `atono` logger put back afterwards."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from atono._logs import logger as atono_logger
from atono._retry import RetryPolicy

from tests.helpers import NOW, AnyClient, Step, mock_client, no_wait_policy


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sleeps() -> list[float]:
    """The retry pauses the executor asked for, in order."""
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    return no_wait_policy(sleeps, wall_clock=lambda: NOW)


@pytest.fixture
def make_client(flavor: str, policy: RetryPolicy) -> Callable[..., AnyClient]:
    """Build the client of the current flavor over a mock transport; extra keywords go to `mock_client`."""

    def make(handler: Step, **options: Any) -> AnyClient:
        return mock_client(flavor, handler, policy=policy, **options)

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
