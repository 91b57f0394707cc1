"""Auto-pagination over `page[number]` or `page[offset]`, with ordered concurrent read-ahead.

The first page is fetched alone: it tells whether there is more (`meta.count`, `links.next`, a short
page), so an empty or one-page collection costs one request. The following pages are fetched up to
`read_ahead` at a time (threads for the sync client, tasks for the async one) and always handed out in
server order. Every request goes through the client, so its retries and rate limiter apply to each page;
a page that still fails raises at its place in the sequence, after every earlier item was yielded.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

from atono._objects import ResourceObject

T = TypeVar("T")
Strategy = Literal["number", "offset"]
PageParams = dict[str, int]

MAX_PAGE_SIZE = 100
# Ten requests in flight, the common default of bulk transfer tools: a bulk read then waits about one round trip
# per ten pages. The API limits requests per five minutes (3,000), not concurrency; the client's pacing keeps to it.
DEFAULT_READ_AHEAD = 10


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection: its items in server order, the `included` resources, links and meta."""

    items: list[T]
    included: list[ResourceObject] = field(default_factory=list)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int | None:
        """The number of items in the whole collection, when the server says (`meta.count`)."""
        count = self.meta.get("count")
        return count if isinstance(count, int) and not isinstance(count, bool) else None


def validate_paging(page_size: int, limit: int | None, read_ahead: int, strategy: str) -> None:
    """Reject bad paging arguments before any request is sent."""
    for name, value in (("page_size", page_size), ("read_ahead", read_ahead)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE} (the API's maximum), got {page_size}")
    if read_ahead < 1:
        raise ValueError(f"read_ahead must be at least 1, got {read_ahead}")
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
    if strategy not in ("number", "offset"):
        raise ValueError(f"strategy must be 'number' or 'offset', got {strategy!r}")


@dataclass(slots=True)
class _Plan:
    """The page arithmetic and the rules that end an iteration, shared by the sync and async pagers.

    The end is what the server says first: `links` (no `next` on the last page) when it sends links,
    else `meta.count`, else a short page; and the limit, counted in items handed out.
    """

    page_size: int
    limit: int | None
    strategy: Strategy
    yielded: int = 0
    last_by_total: int | None = None  # the last page index by `meta.count`
    read_ahead_bound: int | None = None  # no page beyond this one is fetched ahead (limit or total)

    def __post_init__(self) -> None:
        if self.limit is not None:
            self.page_size = max(1, min(self.page_size, self.limit))
            self.read_ahead_bound = math.ceil(self.limit / self.page_size) - 1

    def params(self, index: int) -> PageParams:
        if self.strategy == "number":
            return {"pagesize": self.page_size, "pagenumber": index}
        return {"pagesize": self.page_size, "pageoffset": index * self.page_size}

    def learn(self, page: Page[Any]) -> None:
        """Bound the iteration by the total the first page reports."""
        total = page.total
        if total is not None:
            self.last_by_total = math.ceil(total / self.page_size) - 1
            bound = self.read_ahead_bound
            self.read_ahead_bound = self.last_by_total if bound is None else min(bound, self.last_by_total)

    def follows_arithmetic(self, page: Page[Any], index: int) -> bool:
        """Whether `links.next` (if any) names the page the arithmetic predicts, so read-ahead is safe."""
        link = next_link_params(page.links)
        if link is None:
            return True
        size = link.get("pagesize", self.page_size)
        if "pageoffset" in link:
            position = link["pageoffset"]
        elif "pagenumber" in link:
            position = link["pagenumber"] * size
        else:
            return False
        return size == self.page_size and position == (index + 1) * self.page_size

    def next_params(self, page: Page[Any], index: int) -> PageParams:
        """Where the page after `index` is: the server's `links.next` when it gives one, else the arithmetic."""
        link = next_link_params(page.links)
        return {"pagesize": self.page_size, **link} if link else self.params(index + 1)

    def is_last(self, page: Page[Any], index: int) -> bool:
        """Whether `page` (already handed out through `take`) ends the iteration."""
        if self.limit is not None and self.yielded >= self.limit:
            return True
        if page.links:
            return not page.links.get("next")
        if self.last_by_total is not None:
            return index >= self.last_by_total
        return len(page.items) < self.page_size

    def take(self, page: Page[T]) -> Page[T]:
        """The page cut to the limit, counted as handed out."""
        if self.limit is not None and len(page.items) > self.limit - self.yielded:
            page = Page(page.items[: self.limit - self.yielded], page.included, page.links, page.meta)
        self.yielded += len(page.items)
        return page

    def indices(self) -> Iterable[int]:
        if self.read_ahead_bound is not None:
            return range(1, self.read_ahead_bound + 1)
        return itertools.count(1)


def _same(page: Any) -> Any:
    return page


def next_link_params(links: dict[str, Any]) -> PageParams | None:
    """The paging parameters of `links.next` (any prefix, relative or absolute), or None without one."""
    target = links.get("next")
    if not isinstance(target, str) or not target:
        return None
    query = parse_qs(urlsplit(target).query)
    names = {"page[size]": "pagesize", "page[number]": "pagenumber", "page[offset]": "pageoffset"}
    found: PageParams = {}
    for wire, python in names.items():
        values = query.get(wire)
        if values and values[-1].isdigit():
            found[python] = int(values[-1])
    return found


class _Pager(Generic[T]):
    """What both pagers hold: where pages come from, how they are parsed, and the paging options (checked now)."""

    def __init__(
        self,
        fetch: Callable[[PageParams], Any],
        *,
        parse: Callable[[Any], Page[T]] | None = None,
        page_size: int,
        limit: int | None,
        strategy: Strategy,
        read_ahead: int,
    ) -> None:
        validate_paging(page_size, limit, read_ahead, strategy)
        # `fetch` does the I/O (in the read-ahead threads or tasks), `parse` runs where the pages are read:
        # pages fetched ahead wait as response bytes, not as parsed objects.
        self._fetch = fetch
        self._parse: Callable[[Any], Page[T]] = parse if parse is not None else _same
        self._page_size = page_size
        self._limit = limit
        self._strategy: Strategy = strategy
        self._read_ahead = read_ahead

    def _plan(self) -> _Plan:
        return _Plan(self._page_size, self._limit, self._strategy)


class SyncPager(_Pager[T]):
    """Iterate every item of a collection: `for item in pager`, or page by page with `pager.pages()`."""

    _fetch: Callable[[PageParams], Any]

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def pages(self) -> Iterator[Page[T]]:
        """The pages in server order; the next ones are already being fetched while you read one."""
        plan = self._plan()
        if plan.limit == 0:
            return
        first = self._parse(self._fetch(plan.params(0)))
        plan.learn(first)
        yield plan.take(first)
        if plan.is_last(first, 0):
            return
        if self._read_ahead == 1 or not plan.follows_arithmetic(first, 0):
            yield from self._sequential(plan, first, 0)
            return
        yield from self._concurrent(plan)

    def _sequential(self, plan: _Plan, page: Page[T], index: int) -> Iterator[Page[T]]:
        while not plan.is_last(page, index):
            params = plan.next_params(page, index)
            index += 1
            page = self._parse(self._fetch(params))
            yield plan.take(page)

    def _concurrent(self, plan: _Plan) -> Iterator[Page[T]]:
        indices = iter(plan.indices())
        pool = ThreadPoolExecutor(max_workers=self._read_ahead, thread_name_prefix="atono-read-ahead")
        in_flight: deque[tuple[int, Future[Any]]] = deque()
        try:
            for index in itertools.islice(indices, self._read_ahead):
                in_flight.append((index, pool.submit(self._fetch, plan.params(index))))
            while in_flight:
                index, future = in_flight.popleft()
                response = future.result()
                following = next(indices, None)  # before parsing, so K pages stay in flight while this one is read
                if following is not None:
                    in_flight.append((following, pool.submit(self._fetch, plan.params(following))))
                page = self._parse(response)
                yield plan.take(page)
                if plan.is_last(page, index):
                    return
        finally:
            for _, future in in_flight:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        # Short pages used up the pages fetched ahead before the limit or the server's end: go on one by one.
        yield from self._sequential(plan, page, index)


class AsyncPager(_Pager[T]):
    """Iterate every item of a collection: `async for item in pager`, or `async for page in pager.pages()`."""

    _fetch: Callable[[PageParams], Awaitable[Any]]

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def pages(self) -> AsyncIterator[Page[T]]:
        """The pages in server order; the next ones are already being fetched while you read one."""
        plan = self._plan()
        if plan.limit == 0:
            return
        first = self._parse(await self._fetch(plan.params(0)))
        plan.learn(first)
        yield plan.take(first)
        if plan.is_last(first, 0):
            return
        if self._read_ahead == 1 or not plan.follows_arithmetic(first, 0):
            async for rest in self._sequential(plan, first, 0):
                yield rest
            return
        indices = iter(plan.indices())
        in_flight: deque[tuple[int, asyncio.Task[Any]]] = deque()
        try:
            for index in itertools.islice(indices, self._read_ahead):
                in_flight.append((index, asyncio.ensure_future(self._fetch(plan.params(index)))))
            while in_flight:
                index, task = in_flight.popleft()
                response = await task
                following = next(indices, None)  # before parsing, so K pages stay in flight while this one is read
                if following is not None:
                    in_flight.append((following, asyncio.ensure_future(self._fetch(plan.params(following)))))
                page = self._parse(response)
                yield plan.take(page)
                if plan.is_last(page, index):
                    return
        finally:
            for _, task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*(task for _, task in in_flight), return_exceptions=True)
        # Short pages used up the pages fetched ahead before the limit or the server's end: go on one by one.
        async for rest in self._sequential(plan, page, index):
            yield rest

    async def _sequential(self, plan: _Plan, page: Page[T], index: int) -> AsyncIterator[Page[T]]:
        while not plan.is_last(page, index):
            params = plan.next_params(page, index)
            index += 1
            page = self._parse(await self._fetch(params))
            yield plan.take(page)
