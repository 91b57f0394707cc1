"""Auto-pagination over `page[number]` or `page[offset]`, with ordered concurrent read-ahead.

The first page is fetched alone: it tells whether there is more (`meta.count`, `links.next`, a short
page), so an empty or one-page collection costs one request. The following pages are fetched up to
`read_ahead` at a time (threads for the sync client, tasks for the async one) and always handed out in
server order. Every request goes through the client, so its retries and rate limiter apply to each page;
a page that still fails raises at its place in the sequence, after every earlier item was yielded.

A walk may begin at an item offset (`start`, a `Page.next_start` saved by an interrupted walk): page[offset] takes
any, page[number] one on a page boundary. The arithmetic, the bounds by limit and `meta.count`, and the read-ahead
all count from there, so a resumed walk reads ahead as a fresh one does and asks for no earlier page.

A walk does not go round in circles: a `links.next` naming a page this walk already read, or a page holding
exactly the items of one already read (a server ignoring the page parameters), raises
`APIResponseValidationError` after the items before it.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import aclosing, closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from atono._exceptions import APIResponseValidationError
from atono._objects import ResourceObject

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")
Strategy = Literal["number", "offset"]

# The API's page parameters: the keys of `PageParams`, and what `links.next` is read for.
PAGE_SIZE = "page[size]"
PAGE_NUMBER = "page[number]"
PAGE_OFFSET = "page[offset]"
PAGE_PARAMETERS = (PAGE_SIZE, PAGE_NUMBER, PAGE_OFFSET)

PageParams = dict[str, int]
"""The page parameters of one request by the API's names, `{"page[size]": 100, "page[number]": 2}`."""

MAX_PAGE_SIZE = 100
# Ten requests in flight, the common default of bulk transfer tools: a bulk read then waits about one round trip
# per ten pages. The API limits requests per five minutes (3,000), not concurrency; the client's pacing keeps to it.
DEFAULT_READ_AHEAD = 10
# Pages that may wait landed for the reader beyond `read_ahead` when the total is known (`_Window`), as many as are in
# flight by default. A bulk read of 5,000 stories at 20 ms latency measured 4.91x and 5.18x the sequential loop with
# 10 against 4.58x and 4.77x with 2, alternating on a slow machine; from 1,000 to 100,000 stories peak memory grew
# 3.8 MB with 10 and 2.8 MB with 2 (a read page is freed when dropped, see `atono._reading`).
LANDED_AHEAD = 10
# At the API's pacing (3,000 requests per five minutes, ten a second) more pages in flight do not make a walk
# faster, and each holds a connection (and, for the sync client, a thread).
MAX_READ_AHEAD = 32
# The spec's type of the page parameters: a `links.next` value beyond it is not a page this SDK can ask for.
MAX_PAGE_PARAMETER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a collection: its items in server order, the `included` resources, links and meta.

    `start` is the offset of its first item in the collection and `next_start` that of the page after it (None
    after the last one); saved, `next_start` lets `list(start=...)` go on where an interrupted walk stopped.
    """

    items: list[T]
    included: list[ResourceObject] = field(default_factory=list)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    start: int | None = None
    next_start: int | None = None

    def has_next_page(self) -> bool:
        """Whether the collection goes on after this page (`next_start` is where)."""
        return self.next_start is not None

    @property
    def total(self) -> int | None:
        """The number of items in the whole collection, when the server says (`meta.count`)."""
        count = self.meta.get("count")
        return count if isinstance(count, int) and not isinstance(count, bool) else None


def validate_paging(page_size: int, limit: int | None, read_ahead: int, strategy: str, start: int = 0) -> None:
    """Reject bad paging arguments before any request is sent."""
    for name, value in (("page_size", page_size), ("read_ahead", read_ahead), ("start", start)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE} (the API's maximum), got {page_size}")
    if not 1 <= read_ahead <= MAX_READ_AHEAD:
        raise ValueError(
            f"read_ahead must be between 1 and {MAX_READ_AHEAD}, got {read_ahead}: at the API's pacing more pages "
            "in flight do not make a walk faster, and each holds a connection"
        )
    if limit is not None:
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise TypeError(f"limit must be an int or None, got {type(limit).__name__}")
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
    if strategy not in ("number", "offset"):
        raise ValueError(f"strategy must be 'number' or 'offset', got {strategy!r}")
    if not 0 <= start <= MAX_PAGE_PARAMETER:
        raise ValueError(f"start must be an item offset from 0 to {MAX_PAGE_PARAMETER}, got {start}")
    if strategy == "number" and start % page_size:
        raise ValueError(
            f"start={start} is not a multiple of page_size={page_size}, and strategy='number' (page[number]) can "
            "only begin at a page boundary; pass strategy='offset' to begin at any item, or a page_size that "
            f"divides {start}"
        )


def _pages_for(items: int, page_size: int) -> int:
    """How many pages `items` fill: integer ceil division, exact for counts far beyond a float's range."""
    return -(-items // page_size)


def _position(params: PageParams) -> tuple[int, int | None]:
    """Which page `params` ask for, as (size, first item), so that page[number] and page[offset] compare alike."""
    size = params[PAGE_SIZE]
    if PAGE_OFFSET in params:
        return size, params[PAGE_OFFSET]
    if PAGE_NUMBER in params:
        return size, params[PAGE_NUMBER] * size
    return size, None


def _fingerprint(items: list[Any]) -> int:
    """One int for which items a page holds, in order, by (type, id): enough to know a page served again."""
    return hash(tuple((getattr(item, "type", None), getattr(item, "id", item)) for item in items))


def _query(params: PageParams) -> str:
    """`params` as the query they are sent as, for messages."""
    return "&".join(f"{name}={value}" for name, value in params.items())


@dataclass(slots=True)
class _Plan:
    """The page arithmetic and the rules that end an iteration, shared by the sync and async pagers.

    The end is what the server says first: `links` (no `next` on the last page) when it sends links,
    else `meta.count`, else a short page; and the limit, counted in items handed out. A page met twice
    in one walk ends it with an error (`note`, `next_params`), so that a server cannot send it round in circles.
    """

    page_size: int
    limit: int | None
    strategy: Strategy
    start: int = 0  # the item offset of page index 0
    yielded: int = 0
    last_by_total: int | None = None  # the last page index by `meta.count`
    read_ahead_bound: int | None = None  # no page beyond this one is fetched ahead (limit or total)
    read: set[tuple[int, int | None]] = field(default_factory=set)  # `_position` of every page read
    fingerprints: set[int] = field(default_factory=set)  # `_fingerprint` of every page read that had items

    def __post_init__(self) -> None:
        if self.limit is not None:
            smaller = max(1, min(self.page_size, self.limit))
            # page[number] needs `start` on a page boundary: a smaller page keeps it there, or the size stays.
            if self.strategy == "offset" or self.start % smaller == 0:
                self.page_size = smaller
            self.read_ahead_bound = _pages_for(self.limit, self.page_size) - 1

    def params(self, index: int) -> PageParams:
        if self.strategy == "number":
            return {PAGE_SIZE: self.page_size, PAGE_NUMBER: self.start // self.page_size + index}
        return {PAGE_SIZE: self.page_size, PAGE_OFFSET: self.start + index * self.page_size}

    def bound_by_total(self, page: Page[Any]) -> None:
        """Bound the iteration by the total the first page reports, unless that page already belies it."""
        total = page.total
        remaining = None if total is None else total - self.start
        if remaining is not None and remaining >= len(page.items):
            self.last_by_total = _pages_for(remaining, self.page_size) - 1
            bound = self.read_ahead_bound
            self.read_ahead_bound = self.last_by_total if bound is None else min(bound, self.last_by_total)

    def note(self, page: Page[Any], params: PageParams, response: Any) -> None:
        """Count `page` (asked for with `params`) as read; one with exactly the items of a page already read
        means the server ignores the page parameters, and raises rather than hand the same items out again.

        Empty pages are not compared: a server hiding items may send several, with distinct `links.next`.
        """
        if page.items:
            fingerprint = _fingerprint(page.items)
            if fingerprint in self.fingerprints:
                raise self._looping(
                    response,
                    f"the server sent for {_query(params)} the same {len(page.items)} items as a page it sent "
                    "before, as if it ignored the page parameters",
                )
            self.fingerprints.add(fingerprint)
        self.read.add(_position(params))

    def follows_arithmetic(self, page: Page[Any], index: int) -> bool:
        """Whether `links.next` (if any) names the page the arithmetic predicts, so read-ahead is safe."""
        link = next_link_params(page.links)
        if link is None:
            return True
        size = link.get(PAGE_SIZE, self.page_size)
        if PAGE_OFFSET in link:
            position = link[PAGE_OFFSET]
        elif PAGE_NUMBER in link:
            position = link[PAGE_NUMBER] * size
        else:
            return False
        return size == self.page_size and position == self.start + (index + 1) * self.page_size

    def next_params(self, page: Page[Any], index: int, response: Any) -> PageParams:
        """Where the page after `index` is: the server's `links.next` when it gives one, else the arithmetic.

        A `links.next` naming a page this walk already read raises: following it would go round for ever.
        """
        link = next_link_params(page.links)
        params = {PAGE_SIZE: self.page_size, **link} if link else self.params(index + 1)
        if _position(params) in self.read:
            raise self._looping(
                response, f"the server's links.next points at a page this walk already read ({_query(params)})"
            )
        return params

    def is_last(self, page: Page[Any], index: int) -> bool:
        """Whether `page` (already handed out through `hand_out`) ends the iteration."""
        if self.limit is not None and self.yielded >= self.limit:
            return True
        return self.ends(page, index)

    def ends(self, page: Page[Any], index: int) -> bool:
        """Whether `page` is the last of the collection, by what the server says (the limit aside)."""
        if page.links:
            return not page.links.get("next")
        if self.last_by_total is not None:
            # With no links to say there is more, an empty page is past the end whatever the count says (a count
            # gone stale as items were deleted, or a wrong one): going on would only fetch more empty pages.
            return index >= self.last_by_total or not page.items
        return len(page.items) < self.page_size

    def hand_out(self, page: Page[T], index: int, params: PageParams) -> Page[T]:
        """The page (page `index`, asked for with `params`) cut to the limit, counted as handed out, with the item
        offsets where it starts and where the walk would go on (None when the collection ends with it)."""
        start = _position(params)[1]
        items = page.items
        remaining = None if self.limit is None else self.limit - self.yielded
        cut = remaining is not None and len(items) > remaining
        if remaining is not None and cut:
            items = items[:remaining]
        next_start: int | None
        if start is None:
            next_start = None
        elif cut:
            next_start = start + len(items)
        elif self.ends(page, index):
            next_start = None
        else:
            link = next_link_params(page.links)
            following = _position({PAGE_SIZE: self.page_size, **link} if link else self.params(index + 1))[1]
            next_start = following if following is not None else start + len(items)
        self.yielded += len(items)
        return Page(items, page.included, page.links, page.meta, start=start, next_start=next_start)

    def indices(self) -> Iterable[int]:
        """The pages to fetch ahead after the first: up to the bound by limit or total, else until the end."""
        if self.read_ahead_bound is not None:
            return range(1, self.read_ahead_bound + 1)
        return itertools.count(1)

    def _looping(self, response: Any, what: str) -> APIResponseValidationError:
        other = "offset" if self.strategy == "number" else "number"
        if not isinstance(response, httpx.Response):  # a `fetch` that hands over parsed pages has none to show
            response = httpx.Response(200, request=httpx.Request("GET", "http://pager.invalid/"))
        return APIResponseValidationError(
            f"the response to {response.request.method} {response.request.url.path}: {what}; the walk stops here, "
            f"after {self.yielded} items, so that it does not loop. Report it to Atono; listing with "
            f"strategy={other!r} or another page_size may walk the collection meanwhile.",
            response=response,
            body=response.text,
        )


class _Window:
    """Which page to fetch ahead next, and whether now: at most `read_ahead` requests in flight and, when
    `meta.count` says where the collection ends, `LANDED_AHEAD` more pages waiting for the reader. Without a count
    (a limit does not say where the collection ends), pages in flight and waiting count alike, so no more than
    `read_ahead` can be fetched past the end.

    A page that lands frees its place in flight at once, not when the reader reaches it, so one slow page, or the
    reader's own parsing, holds up fewer others. One that fails stops the fetching: the walk ends at its place.
    The callers serialise access (a lock for threads; tasks share one loop).
    """

    def __init__(self, plan: _Plan, read_ahead: int) -> None:
        self._indices = iter(plan.indices())
        self._in_flight_limit = read_ahead
        self._held_limit = read_ahead if plan.last_by_total is None else read_ahead + LANDED_AHEAD
        self._in_flight = 0
        self._waiting = 0
        self._stopped = False

    def next(self) -> int | None:
        """The page to fetch now (counted in flight), or None: no place free, no page left, or stopped."""
        if (
            self._stopped
            or self._in_flight >= self._in_flight_limit
            or self._in_flight + self._waiting >= self._held_limit
        ):
            return None
        ahead = next(self._indices, None)
        if ahead is None:
            self._stopped = True
        else:
            self._in_flight += 1
        return ahead

    def landed(self, *, failed: bool = False) -> None:
        self._in_flight -= 1
        self._waiting += 1
        if failed:
            self._stopped = True

    def taken(self) -> None:
        """The reader took a landed page."""
        self._waiting -= 1

    def stop(self) -> None:
        self._stopped = True


def _same(page: Any) -> Any:
    """The default `parse` of a pager: for a `fetch` that already returns `Page` objects, nothing to do."""
    return page


def _page_parameter(text: str) -> int | None:
    """`text` as a page parameter: ASCII digits of a value the spec's int32 holds, else None (taken as absent).

    `str.isdigit` alone would let through other scripts' digits and numbers too long for `int()` to read.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_PAGE_PARAMETER)):
        return None
    value = int(digits)
    return value if value <= MAX_PAGE_PARAMETER else None


def next_link_params(links: dict[str, Any]) -> PageParams | None:
    """The paging parameters of `links.next` (any prefix, relative or absolute), or None without one."""
    target = links.get("next")
    if not isinstance(target, str) or not target:
        return None
    query = parse_qs(urlsplit(target).query)
    found: PageParams = {}
    for name in PAGE_PARAMETERS:
        values = query.get(name)
        value = _page_parameter(values[-1]) if values else None
        if value is not None:
            found[name] = value
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
        start: int = 0,
    ) -> None:
        validate_paging(page_size, limit, read_ahead, strategy, start)
        # `fetch` does the I/O (in the read-ahead threads or tasks), `parse` runs where the pages are read:
        # pages fetched ahead wait as response bytes, not as parsed objects.
        self._fetch = fetch
        self._parse: Callable[[Any], Page[T]] = parse if parse is not None else _same
        self._page_size = page_size
        self._limit = limit
        self._strategy: Strategy = strategy
        self._read_ahead = read_ahead
        self._start = start

    def _plan(self) -> _Plan:
        return _Plan(self._page_size, self._limit, self._strategy, self._start)

    def _read(self, plan: _Plan, response: Any, params: PageParams) -> Page[T]:
        """The page in `response`, noted as read in this walk (which raises for a page served again)."""
        page = self._parse(response)
        plan.note(page, params, response)
        return page


class SyncPager(_Pager[T]):
    """Iterate every item of a collection: `for item in pager`, or page by page with `pager.pages()`."""

    _fetch: Callable[[PageParams], Any]

    def __iter__(self) -> Iterator[T]:
        with closing(self.pages()) as pages:  # a walk closed early stops its read-ahead now, on any interpreter
            for page in pages:
                yield from page.items

    def pages(self) -> Generator[Page[T], None, None]:
        """The pages in server order; the next ones are already being fetched while you read one."""
        plan = self._plan()
        if plan.limit == 0:
            return
        params = plan.params(0)
        response = self._fetch(params)
        first = self._read(plan, response, params)
        plan.bound_by_total(first)
        yield plan.hand_out(first, 0, params)
        if plan.is_last(first, 0):
            return
        if self._read_ahead == 1 or not plan.follows_arithmetic(first, 0):
            yield from self._sequential(plan, first, 0, response)
        else:
            yield from self._concurrent(plan, first, 0, response)

    def _sequential(self, plan: _Plan, page: Page[T], index: int, response: Any) -> Iterator[Page[T]]:
        """The pages after `page` (page `index`, read from `response`), one request at a time."""
        while not plan.is_last(page, index):
            params = plan.next_params(page, index, response)
            index += 1
            response = self._fetch(params)
            page = self._read(plan, response, params)
            yield plan.hand_out(page, index, params)

    def _concurrent(self, plan: _Plan, page: Page[T], index: int, response: Any) -> Iterator[Page[T]]:
        """The pages after `page`, fetched ahead while the server's links keep to the arithmetic, then one by one.

        Pages fetched ahead are noted as read only when handed out, in order, so the checks that end a looping
        walk see what the sequential walk would. A thread whose page lands starts the next one itself (`_Window`
        says when), so a slot does not wait for the reader to reach its page.
        """
        window = _Window(plan, self._read_ahead)
        pool = ThreadPoolExecutor(max_workers=self._read_ahead, thread_name_prefix="atono-read-ahead")
        lock = threading.Lock()
        in_flight: deque[tuple[int, Future[Any]]] = deque()

        def fetch(ahead: int) -> Any:
            try:
                fetched = self._fetch(plan.params(ahead))
            except BaseException:
                with lock:
                    window.landed(failed=True)
                raise
            with lock:
                window.landed()
                fill()
            return fetched

        def fill() -> None:  # with the lock held
            while (ahead := window.next()) is not None:
                in_flight.append((ahead, pool.submit(fetch, ahead)))

        try:
            with lock:
                fill()
            while in_flight:
                with lock:
                    ahead, future = in_flight.popleft()
                fetched = future.result()
                with lock:
                    window.taken()
                    fill()
                page, index, response = self._read(plan, fetched, plan.params(ahead)), ahead, fetched
                yield plan.hand_out(page, index, plan.params(ahead))
                if plan.is_last(page, index):
                    return
                if not plan.follows_arithmetic(page, index):
                    break  # the pages fetched ahead are not the ones the server names next
        finally:
            with lock:
                window.stop()
                for _, future in in_flight:
                    future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
        # The pages fetched ahead ran out before the end (short pages, or a bound of none at all), or the server's
        # links left the arithmetic: go on one by one from the last page handed out.
        yield from self._sequential(plan, page, index, response)


class AsyncPager(_Pager[T]):
    """Iterate every item of a collection: `async for item in pager`, or `async for page in pager.pages()`."""

    _fetch: Callable[[PageParams], Awaitable[Any]]

    async def __aiter__(self) -> AsyncIterator[T]:
        async with aclosing(self.pages()) as pages:  # a walk closed early cancels its read-ahead now
            async for page in pages:
                for item in page.items:
                    yield item

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """The pages in server order; the next ones are already being fetched while you read one."""
        plan = self._plan()
        if plan.limit == 0:
            return
        params = plan.params(0)
        response = await self._fetch(params)
        first = self._read(plan, response, params)
        plan.bound_by_total(first)
        yield plan.hand_out(first, 0, params)
        if plan.is_last(first, 0):
            return
        rest = (
            self._sequential(plan, first, 0, response)
            if self._read_ahead == 1 or not plan.follows_arithmetic(first, 0)
            else self._concurrent(plan, first, 0, response)
        )
        async with aclosing(rest):  # closing this walk cancels the pages in flight now, not when collected
            async for page in rest:
                yield page

    async def _sequential(self, plan: _Plan, page: Page[T], index: int, response: Any) -> AsyncGenerator[Page[T], None]:
        """The pages after `page` (page `index`, read from `response`), one request at a time."""
        while not plan.is_last(page, index):
            params = plan.next_params(page, index, response)
            index += 1
            response = await self._fetch(params)
            page = self._read(plan, response, params)
            yield plan.hand_out(page, index, params)

    async def _concurrent(self, plan: _Plan, page: Page[T], index: int, response: Any) -> AsyncGenerator[Page[T], None]:
        """As `SyncPager._concurrent`, with tasks."""
        import asyncio  # noqa: PLC0415 - not at import: see `asyncio_sleep`

        window = _Window(plan, self._read_ahead)
        in_flight: deque[tuple[int, asyncio.Task[Any]]] = deque()

        async def fetch(ahead: int) -> Any:
            try:
                fetched = await self._fetch(plan.params(ahead))
            except BaseException:
                window.landed(failed=True)
                raise
            window.landed()
            fill()
            return fetched

        def fill() -> None:
            while (ahead := window.next()) is not None:
                in_flight.append((ahead, asyncio.ensure_future(fetch(ahead))))

        try:
            fill()
            while in_flight:
                ahead, task = in_flight.popleft()
                fetched = await task
                window.taken()
                fill()
                await asyncio.sleep(0)  # the requests just started go out before this page is parsed
                page, index, response = self._read(plan, fetched, plan.params(ahead)), ahead, fetched
                yield plan.hand_out(page, index, plan.params(ahead))
                if plan.is_last(page, index):
                    return
                if not plan.follows_arithmetic(page, index):
                    break  # the pages fetched ahead are not the ones the server names next
        finally:
            window.stop()
            for _, task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.gather(*(task for _, task in in_flight), return_exceptions=True)
        async for rest in self._sequential(plan, page, index, response):
            yield rest
