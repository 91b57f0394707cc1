"""Auto-pagination against the sandbox: every item once, in server order, with the fewest requests."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest
from atono import AsyncAtono, Atono
from atono.testing import Sandbox


def _server_order(sb: Sandbox) -> list[str]:
    """Story ids as the server orders them, read with plain httpx one page at a time."""
    ids: list[str] = []
    with httpx.Client(base_url=sb.url, headers={"X-API-KEY": sb.api_key}) as http:
        number = 0
        while True:
            page = http.get("/stories", params={"page[size]": 100, "page[number]": number}).json()["data"]
            ids += [item["id"] for item in page]
            if len(page) < 100:
                return ids
            number += 1


class Counting:
    """A user-supplied httpx client that counts the requests the SDK sends."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.sync = httpx.Client(event_hooks={"request": [self.requests.append]})

        async def record(request: httpx.Request) -> None:
            self.requests.append(request)

        self.async_ = httpx.AsyncClient(event_hooks={"request": [record]})


@pytest.mark.parametrize("total", [0, 1, 100, 101, 250])
def test_every_item_once_in_order_with_one_request_per_page(total: int) -> None:
    with Sandbox(stories=total, seed=5) as sb:
        expected = _server_order(sb)
        counting = Counting()
        with Atono(api_key=sb.api_key, base_url=sb.url, http_client=counting.sync) as client:
            assert [s.id for s in client.stories.list()] == expected
        assert len(expected) == total
        assert len(counting.requests) == max(1, math.ceil(total / 100))


@pytest.mark.parametrize("total", [0, 1, 100, 101, 250])
async def test_async_every_item_once_in_order(total: int) -> None:
    with Sandbox(stories=total, seed=5) as sb:
        expected = _server_order(sb)
        counting = Counting()
        async with AsyncAtono(api_key=sb.api_key, base_url=sb.url, http_client=counting.async_) as client:
            assert [s.id async for s in client.stories.list()] == expected
        assert len(counting.requests) == max(1, math.ceil(total / 100))


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=250, seed=6) as sb:
        yield sb


def test_limit_caps_items_and_requests(sandbox: Sandbox) -> None:
    counting = Counting()
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url, http_client=counting.sync) as client:
        stories = list(client.stories.list(limit=130))
    assert [s.id for s in stories] == _server_order(sandbox)[:130]
    assert len(counting.requests) == 2


@pytest.mark.parametrize("strategy", ["number", "offset"])
@pytest.mark.parametrize("page_size", [1, 7, 100])
def test_both_strategies_give_the_same_items(sandbox: Sandbox, strategy: str, page_size: int) -> None:
    counting = Counting()
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url, http_client=counting.sync) as client:
        ids = [s.id for s in client.stories.list(strategy=strategy, page_size=page_size)]  # type: ignore[arg-type]
    assert ids == _server_order(sandbox)
    assert len(counting.requests) == math.ceil(250 / page_size)
    wire = "page[number]" if strategy == "number" else "page[offset]"
    assert all(wire in r.url.params for r in counting.requests)


def test_pages_expose_items_links_and_meta(sandbox: Sandbox) -> None:
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        pages = list(client.stories.list(page_size=100, include=["team"]).pages())
    assert [len(p.items) for p in pages] == [100, 100, 50]
    assert pages[0].total == 250
    assert pages[0].links.get("next") and not pages[-1].links.get("next")
    assert all(item.team is None or item.team.id == item.team_id for p in pages for item in p.items)


def test_read_ahead_under_faults_yields_every_item_once_in_order() -> None:
    with Sandbox(stories=2_000, seed=8, fault_rate=0.15) as sb:
        expected_total = 2_000
        with Atono(api_key=sb.api_key, base_url=sb.url, max_retries=10) as client:
            ids = [s.id for s in client.stories.list(page_size=20, read_ahead=8)]
    with Sandbox(stories=2_000, seed=8) as clean:
        assert ids == _server_order(clean)
    assert len(ids) == expected_total and len(set(ids)) == expected_total


async def test_async_read_ahead_under_faults_yields_every_item_once_in_order() -> None:
    with Sandbox(stories=1_000, seed=9, fault_rate=0.15) as sb:
        async with AsyncAtono(api_key=sb.api_key, base_url=sb.url, max_retries=10) as client:
            ids = [s.id async for s in client.stories.list(page_size=20, read_ahead=8)]
    with Sandbox(stories=1_000, seed=9) as clean:
        assert ids == _server_order(clean)
