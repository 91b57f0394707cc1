"""`ATONO_LOG` turns on the `atono` logger, which reports method, path, status and retries; nothing else."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from atono import Atono, RateLimit
from atono._logs import logger
from atono_api.api.bugs import get_bug

from tests.helpers import BUG, KEY, Server, call, respond

from .test_ratelimit import FakeClock, limiter


@pytest.mark.parametrize(
    ("value", "level"), [("info", logging.INFO), ("debug", logging.DEBUG), (" DEBUG ", logging.DEBUG)]
)
def test_atono_log_sets_the_level(
    monkeypatch: pytest.MonkeyPatch, clean_atono_logger: logging.Logger, value: str, level: int
) -> None:
    monkeypatch.setenv("ATONO_LOG", value)
    Atono(api_key=KEY)
    assert logger.level == level


def test_without_atono_log_the_level_is_left_alone(
    monkeypatch: pytest.MonkeyPatch, clean_atono_logger: logging.Logger
) -> None:
    monkeypatch.delenv("ATONO_LOG", raising=False)
    logger.setLevel(logging.WARNING)
    Atono(api_key=KEY)
    monkeypatch.setenv("ATONO_LOG", "verbose")  # not a level: ignored
    Atono(api_key=KEY)
    assert logger.level == logging.WARNING


def test_a_handler_is_added_only_when_nothing_would_print(
    monkeypatch: pytest.MonkeyPatch, clean_atono_logger: logging.Logger
) -> None:
    monkeypatch.setenv("ATONO_LOG", "info")
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        Atono(api_key=KEY)
        Atono(api_key=KEY)
        assert len(logger.handlers) == 1
    finally:
        root.handlers[:] = saved


async def test_records_hold_method_path_status_and_retries_only(
    make_client: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    clean_atono_logger: logging.Logger,
) -> None:
    monkeypatch.setenv("ATONO_LOG", "info")
    client = make_client(Server(respond(429, headers={"retry-after": "3"}), respond(200, BUG)))
    caplog.set_level(logging.INFO, logger="atono")
    await call(client.bugs.get, "b1", include=["team"])
    await call(client.bugs.update, "b1", title="secret-title-text")
    messages = [r.getMessage() for r in caplog.records if r.name == "atono"]
    assert messages == [
        "GET /bugs/b1 429; retry 1 of 2 in 3.00 s",
        "GET /bugs/b1 200 (1 retry)",
        "PATCH /bugs/b1 200 (0 retries)",
    ]
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == "atono")
    text = caplog.text
    for private in ("secret-title-text", "MIDI", "include=team", "x-api-key", "vnd.api"):
        assert private not in text


async def test_pacing_waits_are_logged(
    make_client: Any, caplog: pytest.LogCaptureFixture, clean_atono_logger: logging.Logger
) -> None:
    client = make_client(Server(), rate_limit=RateLimit(1, 30.0))
    client._limiter = limiter(1, 30.0, FakeClock(), [])
    caplog.set_level(logging.INFO, logger="atono")
    await call(client._request_raw, get_bug, "b1")
    await call(client._request_raw, get_bug, "b1")
    assert "GET /bugs/b1 waited 30.00 s for the rate limit (RateLimit(requests=1, per_seconds=30.0))" in [
        r.getMessage() for r in caplog.records
    ]
