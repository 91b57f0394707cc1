"""The pager's arithmetic, termination and ordering, against an in-process page source.

Behaviour against a real server (the sandbox over HTTP) is in test_pagination.py; these cases pin the
request counts and orderings that are hard to force through a server.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
import time
from contextlib import aclosing
from typing import Any

import pytest
from atono._pagination import LANDED_AHEAD, AsyncPager, Page, PageParams, SyncPager, next_link_params


class Source:
    """A collection of `total` integers served page by page, recording every request."""

    def __init__(self, total: int, *, count: bool = True, links: bool = True, jitter: float = 0.0) -> None:
        self.total = total
        self.count = count
        self.links = links
        self.jitter = jitter
        self.requests: list[PageParams] = []
        self.lock = threading.Lock()
        self.rng = random.Random(7)

    def _page(self, params: PageParams) -> Page[int]:
        with self.lock:
            self.requests.append(params)
            delay = self.rng.random() * self.jitter
        size = params.get("page[size]", 100)
        start = params["page[offset]"] if "page[offset]" in params else params.get("page[number]", 0) * size
        items = list(range(start, min(start + size, self.total)))
        meta = {"count": self.total} if self.count else {}
        links: dict[str, Any] = {}
        if self.links:
            # Like a JSON:API server, the links keep the paging style of the request.
            def at(position: int) -> str:
                if "page[offset]" in params:
                    return f"/api/v1/things?page[offset]={position}&page[size]={size}"
                return f"/api/v1/things?page[number]={position // size}&page[size]={size}"

            links["self"] = at(start)
            if start + size < self.total:
                links["next"] = at(start + size)
        time.sleep(delay)
        return Page(items, [], links, meta)

    def fetch(self, params: PageParams) -> Page[int]:
        return self._page(params)

    async def afetch(self, params: PageParams) -> Page[int]:
        await asyncio.sleep(0)
        return self._page(params)


def pager(source: Source, **kwargs: Any) -> SyncPager[int]:
    options: dict[str, Any] = {"page_size": 100, "limit": None, "strategy": "number", "read_ahead": 4}
    options.update(kwargs)
    return SyncPager(source.fetch, **options)


@pytest.mark.parametrize(
    ("total", "requests"),
    [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)],
)
@pytest.mark.parametrize("hints", ["count", "links", "none"])
def test_every_item_once_in_order_and_no_wasted_request(total: int, requests: int, hints: str) -> None:
    source = Source(total, count=hints == "count", links=hints == "links")
    assert list(pager(source, read_ahead=1)) == list(range(total))
    # Without any hint a full last page needs one more (empty) request to know it was the last.
    extra = 1 if hints == "none" and total % 100 == 0 and total > 0 else 0
    assert len(source.requests) == requests + extra


def test_read_ahead_yields_in_server_order_despite_out_of_order_completion() -> None:
    source = Source(2_500, jitter=0.01)
    assert list(pager(source, read_ahead=8, page_size=50)) == list(range(2_500))
    assert sorted(p["page[number]"] for p in source.requests) == list(range(50))


def test_read_ahead_keeps_pages_in_flight_concurrently() -> None:
    source = Source(1_000)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow_fetch(params: PageParams) -> Page[int]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return source.fetch(params)

    started = time.perf_counter()
    items = list(SyncPager(slow_fetch, page_size=100, limit=None, strategy="number", read_ahead=5))
    elapsed = time.perf_counter() - started
    assert items == list(range(1_000))
    assert peak == 5
    assert elapsed < 10 * 0.02  # 10 pages, sequentially 0.2 s


class HeldSource(Source):
    """A `Source` whose page `held` waits until released, tracking how many requests are in flight at once."""

    def __init__(self, total: int, *, held: int, fail: int | None = None) -> None:
        super().__init__(total)
        self.held, self.fail = held, fail
        self.release = threading.Event()
        self.in_flight = self.peak = 0

    def fetch(self, params: PageParams) -> Page[int]:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            number = params["page[number]"]
            if number == self.fail:
                with self.lock:
                    self.requests.append(params)
                raise RuntimeError(f"page {number} failed")
            if number == self.held or (self.fail is not None and number > self.fail):
                assert self.release.wait(10)
            return self._page(params)
        finally:
            with self.lock:
                self.in_flight -= 1

    def numbers(self) -> list[int]:
        with self.lock:
            return sorted(p["page[number]"] for p in self.requests)


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_slow_page_holds_up_no_other_slot() -> None:
    """With the total known, a landed page frees its place in flight at once: while page 1 is held, the pages after
    it go on being fetched, at most `read_ahead` at a time and `LANDED_AHEAD` more waiting for the reader."""
    source = HeldSource(30 * 100, held=1)
    items: list[int] = []
    reader = threading.Thread(
        target=lambda: items.extend(SyncPager(source.fetch, page_size=100, limit=None, strategy="number", read_ahead=3))
    )
    reader.start()
    # While page 1 is held, the others land: page 1 in flight and 2 + LANDED_AHEAD landed = 3 + LANDED_AHEAD held.
    fetched = [0, *range(2, 4 + LANDED_AHEAD)]
    wait_for(lambda: source.numbers() == fetched)
    time.sleep(0.05)
    assert source.numbers() == fetched  # no more than read_ahead + LANDED_AHEAD ahead of the reader
    source.release.set()
    reader.join(10)
    assert items == list(range(3_000))
    assert source.numbers() == list(range(30))
    assert source.peak == 3


def test_a_failed_page_stops_the_fetching_ahead() -> None:
    """The walk ends at a page that fails, so the pages landing after it start no others."""
    source = HeldSource(10 * 100, held=1, fail=2)
    items: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            items.extend(SyncPager(source.fetch, page_size=100, limit=None, strategy="number", read_ahead=3))
        except RuntimeError as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    wait_for(lambda: 2 in source.numbers())
    time.sleep(0.2)  # page 2's failure is noted before pages 1 and 3 land
    source.release.set()
    reader.join(10)
    assert [str(e) for e in errors] == ["page 2 failed"]
    assert items == list(range(200))
    wait_for(lambda: source.in_flight == 0)  # page 3, released with page 1, is served in its own thread
    assert source.numbers() == [0, 1, 2, 3]


async def test_an_async_slow_page_holds_up_no_other_slot() -> None:
    source = Source(30 * 100)
    release = asyncio.Event()
    in_flight = peak = 0

    async def fetch(params: PageParams) -> Page[int]:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            if params["page[number]"] == 1:
                await release.wait()
            return await source.afetch(params)
        finally:
            in_flight -= 1

    async def read() -> list[int]:
        return [item async for item in AsyncPager(fetch, page_size=100, limit=None, strategy="number", read_ahead=3)]

    reader = asyncio.ensure_future(read())
    for _ in range(50):
        await asyncio.sleep(0.002)
    assert sorted(p["page[number]"] for p in source.requests) == [0, *range(2, 4 + LANDED_AHEAD)]
    release.set()
    assert await reader == list(range(3_000))
    assert peak == 3


def test_limit_caps_items_and_requests() -> None:
    source = Source(1_000)
    assert list(pager(source, limit=150)) == list(range(150))
    assert len(source.requests) == 2
    small = Source(1_000)
    assert list(pager(small, limit=7)) == list(range(7))
    assert small.requests == [{"page[size]": 7, "page[number]": 0}]
    none = Source(1_000)
    assert list(pager(none, limit=0)) == []
    assert none.requests == []


def test_offset_strategy() -> None:
    source = Source(250)
    assert list(pager(source, strategy="offset", read_ahead=1)) == list(range(250))
    assert [p["page[offset]"] for p in source.requests] == [0, 100, 200]


def test_links_next_that_is_not_the_arithmetic_is_followed_sequentially() -> None:
    pages = {
        0: Page([1, 2], links={"next": "/api/v1/x?page[offset]=7&page[size]=2"}),
        7: Page([3, 4], links={"next": "https://api.atono.io/api/v1/x?page[offset]=20&page[size]=2"}),
        20: Page([5], links={"next": None}),
    }
    requests: list[PageParams] = []

    def fetch(params: PageParams) -> Page[int]:
        requests.append(params)
        return pages[params.get("page[offset]", params.get("page[number]", 0))]

    assert list(SyncPager(fetch, page_size=2, limit=None, strategy="number", read_ahead=8)) == [1, 2, 3, 4, 5]
    assert requests == [
        {"page[size]": 2, "page[number]": 0},
        {"page[size]": 2, "page[offset]": 7},
        {"page[size]": 2, "page[offset]": 20},
    ]


def test_a_failing_page_raises_in_place_after_the_earlier_items() -> None:
    source = Source(500)

    def fetch(params: PageParams) -> Page[int]:
        if params["page[number]"] == 3:
            raise RuntimeError("page 3 failed")
        return source.fetch(params)

    seen: list[int] = []
    with pytest.raises(RuntimeError, match="page 3 failed"):
        for item in SyncPager(fetch, page_size=100, limit=None, strategy="number", read_ahead=4):
            seen.append(item)
    assert seen == list(range(300))


def test_pages_expose_links_meta_and_total() -> None:
    pages = list(pager(Source(150)).pages())
    assert [len(p.items) for p in pages] == [100, 50]
    assert pages[0].total == 150
    assert "next" in pages[0].links and "next" not in pages[1].links


def test_next_link_params_ignore_prefix_and_host() -> None:
    assert next_link_params({"next": "/api/v1/bugs?page%5Bnumber%5D=3&page%5Bsize%5D=20"}) == {
        "page[number]": 3,
        "page[size]": 20,
    }
    assert next_link_params({"next": None}) is None
    assert next_link_params({}) is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"page_size": 0}, ValueError),
        ({"page_size": 101}, ValueError),
        ({"page_size": -1}, ValueError),
        ({"page_size": "10"}, TypeError),
        ({"page_size": True}, TypeError),
        ({"limit": -1}, ValueError),
        ({"limit": 1.5}, TypeError),
        ({"read_ahead": 0}, ValueError),
        ({"strategy": "cursor"}, ValueError),
        ({"start": -1}, ValueError),
        ({"start": "100"}, TypeError),
        ({"start": 2**31}, ValueError),
        ({"start": 150}, ValueError),  # page[number] cannot begin inside a page of 100
    ],
)
def test_bad_arguments_fail_before_any_request(kwargs: dict[str, Any], error: type[Exception]) -> None:
    source = Source(10)
    with pytest.raises(error):
        pager(source, **kwargs)
    assert source.requests == []


async def test_async_pager_in_order_with_limit() -> None:
    source = Source(1_234)
    pager_ = AsyncPager(source.afetch, page_size=100, limit=1_111, strategy="number", read_ahead=6)
    assert [item async for item in pager_] == list(range(1_111))
    assert len(source.requests) == 12


async def test_async_pager_stops_early_and_cancels_in_flight() -> None:
    source = Source(10_000)
    pager_ = AsyncPager(source.afetch, page_size=100, limit=None, strategy="number", read_ahead=4)
    seen = []
    async with aclosing(pager_.__aiter__()) as items:
        async for item in items:
            seen.append(item)
            if item == 150:
                break
    sent = len(source.requests)
    # The first page, then 4 in flight and LANDED_AHEAD landed waiting (the total is known), and the one started as
    # page 1 was taken.
    assert sent <= 1 + 4 + LANDED_AHEAD + 1
    for _ in range(10):
        await asyncio.sleep(0)
    assert seen == list(range(151))
    assert len(source.requests) == sent  # closing the walk cancelled what was in flight


@pytest.mark.parametrize("kwargs", [{"pagesize": 5}, {"page_size": 0}, {"strategy": "cursor"}, {"read_ahead": 0}])
def test_namespace_list_rejects_bad_paging_before_any_request(kwargs: dict[str, Any]) -> None:
    import httpx
    from atono import Atono

    sent: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(500))
    client = Atono(api_key="k", base_url="https://api.test/v1", http_client=httpx.Client(transport=transport))
    with pytest.raises((TypeError, ValueError)):
        client.bugs.list(**kwargs)
    assert sent == []


def test_a_short_page_with_links_next_is_not_the_end() -> None:
    """A server that filters items (e.g. a private team's) may send short pages mid-collection."""
    pages = {
        0: Page([1, 2, 3], links={"next": "/api/v1/x?page[number]=1&page[size]=5"}),
        1: Page([4], links={"next": "/api/v1/x?page[number]=2&page[size]=5"}),
        2: Page([5, 6, 7, 8, 9], links={"self": "/api/v1/x?page[number]=2&page[size]=5"}),
    }
    requests: list[PageParams] = []

    def fetch(params: PageParams) -> Page[int]:
        requests.append(params)
        return pages.get(params["page[number]"], Page([], links={"self": "x"}))

    for read_ahead in (1, 4):
        requests.clear()
        pager_ = SyncPager(fetch, page_size=5, limit=None, strategy="number", read_ahead=read_ahead)
        assert list(pager_) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
        assert len(requests) <= 3 + read_ahead


def test_limit_counts_items_handed_out_across_short_pages() -> None:
    def fetch(params: PageParams) -> Page[int]:
        start = params["page[number]"] * 10
        return Page(list(range(start, start + 6)), links={"next": f"?page[number]={params['page[number]'] + 1}"})

    for read_ahead in (1, 3):
        items = list(SyncPager(fetch, page_size=10, limit=25, strategy="number", read_ahead=read_ahead))
        assert len(items) == 25
        assert items[:7] == [0, 1, 2, 3, 4, 5, 10]


# Where pages start, and resuming there


@pytest.mark.parametrize("hints", ["count", "links", "none"])
@pytest.mark.parametrize("strategy", ["number", "offset"])
def test_pages_know_their_start_and_the_next_one(hints: str, strategy: str) -> None:
    source = Source(230, count=hints == "count", links=hints == "links")
    pages = list(pager(source, page_size=50, strategy=strategy).pages())
    assert [(p.start, p.next_start, p.has_next_page()) for p in pages] == [
        (0, 50, True),
        (50, 100, True),
        (100, 150, True),
        (150, 200, True),
        (200, None, False),
    ]


@pytest.mark.parametrize(("strategy", "start"), [("number", 150), ("offset", 150), ("offset", 137)])
@pytest.mark.parametrize("read_ahead", [1, 4])
def test_start_resumes_at_an_item_offset(strategy: str, start: int, read_ahead: int) -> None:
    source = Source(1_000)
    pages = list(pager(source, page_size=50, strategy=strategy, start=start, read_ahead=read_ahead).pages())
    assert [item for page in pages for item in page.items] == list(range(start, 1_000))
    assert pages[0].start == start and pages[-1].next_start is None
    assert all(a.next_start == b.start for a, b in itertools.pairwise(pages))
    key = "page[number]" if strategy == "number" else "page[offset]"
    first = start // 50 if strategy == "number" else start
    assert source.requests[0][key] == first
    # No request for anything before `start`, and with a count no request beyond the end.
    assert len(source.requests) == len(pages)


def test_a_resumed_walk_keeps_its_read_ahead() -> None:
    source = Source(2_000)
    in_flight = peak = 0
    lock = threading.Lock()

    def slow_fetch(params: PageParams) -> Page[int]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return source.fetch(params)

    walk = SyncPager(slow_fetch, page_size=100, limit=None, strategy="number", read_ahead=5, start=1_000)
    assert list(walk) == list(range(1_000, 2_000))
    assert peak == 5
    assert sorted(p["page[number]"] for p in source.requests) == list(range(10, 20))


async def test_an_async_resumed_walk_keeps_its_read_ahead() -> None:
    source = Source(2_000)
    walk = AsyncPager(source.afetch, page_size=100, limit=None, strategy="offset", read_ahead=4, start=1_050)
    items = [item async for item in walk]
    assert items == list(range(1_050, 2_000))
    assert [p["page[offset]"] for p in source.requests] == list(range(1_050, 2_000, 100))


def test_a_limit_cut_says_where_the_rest_begins() -> None:
    source = Source(1_000)
    pages = list(pager(source, page_size=100, limit=130, strategy="offset").pages())
    assert [(p.start, len(p.items), p.next_start) for p in pages] == [(0, 100, 100), (100, 30, 130)]
    rest = list(pager(source, page_size=100, strategy="offset", start=pages[-1].next_start).pages())
    assert rest[0].items[0] == 130


def test_a_limit_keeps_page_number_on_a_page_boundary() -> None:
    """page[number] shrinks its pages to a small limit only where `start` stays on a page boundary."""
    source = Source(1_000)
    assert list(pager(source, page_size=100, limit=30, start=200)) == list(range(200, 230))
    assert source.requests[0] == {"page[size]": 100, "page[number]": 2}
    assert list(pager(source, page_size=100, limit=30, start=300, strategy="number")) == list(range(300, 330))


def test_start_beyond_the_end_is_one_empty_page() -> None:
    source = Source(120)
    pages = list(pager(source, page_size=50, strategy="offset", start=500).pages())
    assert [(p.items, p.start, p.next_start) for p in pages] == [([], 500, None)]
    assert len(source.requests) == 1
