"""The rate limit: Atono's 3,000 requests per 5 minutes by default, a sliding window, 429 with Retry-After."""

from __future__ import annotations

import time

import httpx
import pytest
from atono.testing import Sandbox

from tests.sandbox.helpers import error_of


def test_the_default_limit_is_3000_requests_per_5_minutes() -> None:
    with (
        Sandbox(stories=1, bugs=1, users=2, teams=1, flags=0) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        started = time.monotonic()
        statuses = [client.get("/users", params={"page[size]": 1}).status_code for _ in range(3000)]
        assert statuses == [200] * 3000
        response = client.get("/users")
        elapsed = time.monotonic() - started
        error_of(response, 429)
        # The window frees up 5 minutes after the first request.
        assert 300 - elapsed - 1 <= int(response.headers["retry-after"]) <= 300


def test_a_configured_limit_answers_429_with_retry_after_then_recovers() -> None:
    with (
        Sandbox(stories=3, rate_limit=(5, 1.0)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        assert [client.get("/stories").status_code for _ in range(5)] == [200] * 5
        limited = client.get("/stories")
        error = error_of(limited, 429)
        assert error["code"] == "rate_limited"
        assert limited.headers["retry-after"] == "1"  # whole seconds
        # The limit is per client address and comes before authentication, as a gateway's would.
        error_of(httpx.get(f"{sandbox.url}/stories"), 429)
        time.sleep(int(limited.headers["retry-after"]) + 0.05)
        assert client.get("/stories").status_code == 200


def test_writes_refused_by_the_limit_are_not_applied() -> None:
    with (
        Sandbox(stories=3, rate_limit=(1, 60.0)) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        assert client.get("/stories").status_code == 200
        error_of(client.post("/bugs", json={"data": {"type": "bug", "attributes": {"title": "x"}}}), 429)
        assert sandbox.applied_writes == []


def test_the_limit_can_be_switched_off() -> None:
    with (
        Sandbox(stories=3, rate_limit=None) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        assert {client.get("/stories").status_code for _ in range(50)} == {200}


def test_rate_limit_headers_count_down_when_asked_for() -> None:
    with (
        Sandbox(stories=3, rate_limit=(4, 30.0), rate_limit_headers=True) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        answers = [client.get("/stories") for _ in range(5)]
        assert [r.headers["x-ratelimit-limit"] for r in answers] == ["4"] * 5
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["3", "2", "1", "0", "0"]
        assert answers[-1].status_code == 429  # the refusal carries them too
        assert all(0 < int(r.headers["x-ratelimit-reset"]) <= 30 for r in answers)


def test_rate_limit_headers_are_off_by_default_and_need_a_limit() -> None:
    with (
        Sandbox(stories=1) as sandbox,
        httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client,
    ):
        assert not any(name.startswith("x-ratelimit") for name in client.get("/stories").headers)
    with pytest.raises(ValueError, match="rate_limit_headers needs a rate limit"):
        Sandbox(stories=1, rate_limit=None, rate_limit_headers=True)
