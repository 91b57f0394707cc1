"""Resuming a bulk read against the sandbox: a walk that fails at a late page goes on from the last page's
`next_start`, so that every item is read exactly once overall, in server order, with read-ahead on both walks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from atono import AsyncAtono, Atono, InternalServerError, RetryPolicy
from atono.testing import Sandbox

from tests.resources.test_pagination import Counting, _server_order

FAST = RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.02)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=1_000, seed=3) as sb:
        yield sb


def _fail_late_page(sb: Sandbox, strategy: str, page_size: int, page: int) -> None:
    """Make page `page` fail on its first attempt and its one retry."""
    query = {"page[number]": page} if strategy == "number" else {"page[offset]": page * page_size}
    sb.inject("500", path="/stories", query=query, count=2)


@pytest.mark.parametrize(("strategy", "page_size"), [("number", 50), ("offset", 70)])
def test_an_interrupted_export_resumes_from_the_saved_next_start(
    sandbox: Sandbox, strategy: str, page_size: int
) -> None:
    expected = _server_order(sandbox)
    _fail_late_page(sandbox, strategy, page_size, page=12)
    exported: list[str] = []
    saved: int | None = None
    counting = Counting()
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url, retry_policy=FAST, http_client=counting.sync) as client:
        with pytest.raises(InternalServerError):
            for page in client.stories.list(page_size=page_size, strategy=strategy, read_ahead=8).pages():
                exported += [story.id for story in page.items]
                saved = page.next_start
        assert saved == 12 * page_size and exported == expected[:saved]
        counting.requests.clear()
        resumed = client.stories.list(page_size=page_size, strategy=strategy, read_ahead=8, start=saved)
        exported += [story.id for story in resumed]
    assert exported == expected and len(set(exported)) == 1_000
    # The resumed walk asked for no page before the saved start, each later one once.
    positions = sorted(_offset(r.url.params) for r in counting.requests)
    assert positions == list(range(saved, 1_000, page_size))


async def test_an_async_export_resumes_from_the_saved_next_start(sandbox: Sandbox) -> None:
    expected = _server_order(sandbox)
    _fail_late_page(sandbox, "number", 100, page=8)
    exported: list[str] = []
    saved: int | None = None
    async with AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, retry_policy=FAST) as client:
        with pytest.raises(InternalServerError):
            async for page in client.stories.list(read_ahead=4).pages():
                exported += [story.id for story in page.items]
                saved = page.next_start
        assert saved == 800
        exported += [story.id async for story in client.stories.list(start=saved)]
    assert exported == expected


def test_a_start_inside_a_page_needs_the_offset_strategy(sandbox: Sandbox) -> None:
    counting = Counting()
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url, http_client=counting.sync) as client:
        with pytest.raises(ValueError, match=r"start=150 is not a multiple of page_size=100.*strategy='offset'"):
            client.stories.list(start=150)
        assert counting.requests == []
        expected = _server_order(sandbox)
        assert [s.id for s in client.stories.list(start=150, strategy="offset")] == expected[150:]
        assert [s.id for s in client.stories.list(start=150, page_size=50)] == expected[150:]


def _offset(params: Any) -> int:
    size = int(params["page[size]"])
    return int(params["page[offset]"]) if "page[offset]" in params else int(params["page[number]"]) * size
