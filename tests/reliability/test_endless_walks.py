"""A walk over a collection always ends: a server that sends it round in circles gets a typed error, not a spin.

The servers here are wrong in the ways that used to make `list()` loop for ever: a `links.next` that names the page
just read or one read earlier, and a server that ignores the page parameters and sends the same page to every
request, full or empty. Each walk must stop with `APIResponseValidationError` after the items it could trust, and
within a few requests; the sequential walk (`read_ahead=1`) and the concurrent one run the same cases. Every
handler refuses to answer past a small budget, so a walk that loops fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from atono import APIResponseValidationError
from atono._pagination import LANDED_AHEAD, MAX_READ_AHEAD, AsyncPager, Page, PageParams, SyncPager

from tests.helpers import mock_client

BUDGET = 40  # requests: several times what any walk below needs
MEMBERS = "/api/v1/teams/t1/relationships/members"
USERS = "/api/v1/users"


class Loop:
    """A MockTransport handler serving `answer(number, size, offset)` as a page, up to `BUDGET` requests."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) > BUDGET:
            return httpx.Response(418, json={"errors": [{"title": "the walk did not stop"}]})
        params = request.url.params
        size = int(params.get("page[size]", "100"))
        offset = (
            int(params["page[offset]"]) if "page[offset]" in params else int(params.get("page[number]", "0")) * size
        )
        body = self.answer(offset // size, size, offset)
        return httpx.Response(200, json=body, headers={"content-type": "application/vnd.api+json"})


def members(ids: range | list[int], **links: str | None) -> dict[str, Any]:
    return {"data": [{"type": "user", "id": f"u{i}"} for i in ids], "links": {k: v for k, v in links.items() if v}}


def at(number: int, size: int) -> str:
    return f"{MEMBERS}?page[number]={number}&page[size]={size}"


async def read(pager: Any, ids: list[str]) -> None:
    """Append the id of every item a sync or async walk yields to `ids`, as they come."""
    if hasattr(pager, "__aiter__"):
        async for item in pager:
            ids.append(item.id)
    else:
        ids.extend(item.id for item in pager)


async def walk(pager: Any) -> tuple[list[str], APIResponseValidationError]:
    """The ids a walk yields before it raises APIResponseValidationError (which it must)."""
    ids: list[str] = []
    with pytest.raises(APIResponseValidationError) as raised:
        await read(pager, ids)
    return ids, raised.value


read_aheads = pytest.mark.parametrize("read_ahead", [1, 4], ids=["sequential", "read-ahead"])


@pytest.mark.timeout(10)
@read_aheads
async def test_a_links_next_to_the_page_just_read_stops_the_walk(flavor: str, read_ahead: int) -> None:
    loop = Loop(lambda number, size, offset: members(range(number * size, number * size + size), next=at(number, size)))
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.teams.members("t1", page_size=3, read_ahead=read_ahead))
    assert ids == ["u0", "u1", "u2"]
    assert len(loop.requests) <= 1 + read_ahead
    message = str(error)
    assert "links.next points at a page this walk already read (page[size]=3&page[number]=0)" in message
    assert "after 3 items" in message and "Report it to Atono" in message and "strategy='offset'" in message
    assert error.response.request.url.path.endswith("/members") and '"next"' in error.body


@pytest.mark.timeout(10)
@read_aheads
@pytest.mark.parametrize("back_to", [0, 1, 2])
async def test_a_links_next_back_to_an_earlier_page_stops_the_walk(flavor: str, read_ahead: int, back_to: int) -> None:
    def answer(number: int, size: int, offset: int) -> dict[str, Any]:
        return members(range(offset, offset + size), next=at(back_to if number == 2 else number + 1, size))

    loop = Loop(answer)
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.teams.members("t1", page_size=2, read_ahead=read_ahead))
    assert ids == [f"u{i}" for i in range(6)]  # pages 0, 1 and 2, each once
    assert len(loop.requests) <= 3 + read_ahead
    assert f"(page[size]=2&page[number]={back_to})" in str(error) and "after 6 items" in str(error)


@pytest.mark.timeout(10)
async def test_a_links_next_in_the_other_paging_style_is_the_same_page(flavor: str) -> None:
    """page[offset]=0 names the page page[number]=0 already read."""
    loop = Loop(lambda number, size, offset: members(range(size), next=f"{MEMBERS}?page[offset]=0&page[size]={size}"))
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.teams.members("t1", page_size=2))
    assert ids == ["u0", "u1"] and len(loop.requests) == 1
    assert "page[offset]=0" in str(error)


@pytest.mark.timeout(10)
@read_aheads
@pytest.mark.parametrize("links", ["fixed next", "next from the request", "no links", "no links, huge count"])
async def test_a_server_ignoring_the_page_parameters_stops_the_walk(flavor: str, read_ahead: int, links: str) -> None:
    """The same full page to every request: after the first one, nothing new can come."""

    def answer(number: int, size: int, offset: int) -> dict[str, Any]:
        page = members(range(size))
        if links == "fixed next":
            page["links"] = {"next": at(1, size)}
        elif links == "next from the request":
            page["links"] = {"next": at(number + 1, size)}
        elif links == "no links, huge count":
            page["meta"] = {"count": 10**400}
        return page

    loop = Loop(answer)
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.teams.members("t1", page_size=4, read_ahead=read_ahead))
    assert ids == ["u0", "u1", "u2", "u3"]
    # With a count, `LANDED_AHEAD` more pages may wait landed for the reader (`_Window`).
    assert len(loop.requests) <= 2 + read_ahead + (LANDED_AHEAD if links == "no links, huge count" else 0)
    assert "the same 4 items as a page it sent before" in str(error) and "after 4 items" in str(error)


@pytest.mark.timeout(10)
@read_aheads
async def test_resources_served_again_are_recognised_by_type_and_id(flavor: str, read_ahead: int) -> None:
    """Resource objects are not hashable; the page is compared by the (type, id) of its items."""
    stamp = "2024-08-10T00:45:55Z"

    def user(i: int) -> dict[str, Any]:
        attributes = {"email": f"u{i}@example.com", "fullName": f"U{i}", "createdAt": stamp, "updatedAt": stamp}
        return {"type": "user", "id": f"u{i}", "attributes": attributes}

    def answer(number: int, size: int, offset: int) -> dict[str, Any]:
        return {"data": [user(i) for i in range(size)], "links": {"next": f"{USERS}?page[number]={number + 1}"}}

    loop = Loop(answer)
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.users.list(page_size=3, read_ahead=read_ahead))
    assert ids == ["u0", "u1", "u2"]
    assert len(loop.requests) <= 2 + read_ahead
    assert error.response.request.url.path.endswith("/users")


@pytest.mark.timeout(10)
@read_aheads
@pytest.mark.parametrize("next_page", ["fixed", "itself"])
async def test_repeated_empty_pages_with_links_next_stop_the_walk(flavor: str, read_ahead: int, next_page: str) -> None:
    """A first page with items, then the same empty page (hidden items, say) that always links to one page."""

    def answer(number: int, size: int, offset: int) -> dict[str, Any]:
        if number == 0:
            return members(range(size), next=at(1, size))
        return members([], next=at(1 if next_page == "fixed" else number, size))

    loop = Loop(answer)
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    ids, error = await walk(client.teams.members("t1", page_size=2, read_ahead=read_ahead))
    assert ids == ["u0", "u1"]
    assert len(loop.requests) <= 2 + read_ahead
    assert "(page[size]=2&page[number]=1)" in str(error)


@pytest.mark.timeout(10)
@read_aheads
async def test_empty_pages_with_links_next_to_new_pages_do_not_end_the_walk(flavor: str, read_ahead: int) -> None:
    """A server hiding whole pages of items sends empty pages that link on: the walk reads past them."""
    layout = {0: [0, 1], 1: [], 2: [], 3: [6, 7], 4: [8]}

    def answer(number: int, size: int, offset: int) -> dict[str, Any]:
        return members(layout.get(number, []), next=at(number + 1, size) if number < 4 else None)

    loop = Loop(answer)
    client = mock_client(flavor, loop, rate_limit=None, max_retries=0)
    pager = client.teams.members("t1", page_size=2, read_ahead=read_ahead)
    ids: list[str] = []
    await read(pager, ids)
    assert ids == ["u0", "u1", "u6", "u7", "u8"]
    assert len(loop.requests) <= 5 + read_ahead


class Pages:
    """A fake `fetch` for the pagers: page `number` of `layout` (numbers), each with a links.next to the next."""

    def __init__(self, layout: list[list[int]]) -> None:
        self.layout = layout
        self.requests: list[PageParams] = []

    def page(self, params: PageParams) -> Page[int]:
        self.requests.append(params)
        if len(self.requests) > BUDGET:
            raise RuntimeError("the walk did not stop")
        number = params["page[number]"]
        items = self.layout[number] if number < len(self.layout) else []
        more = number + 1 < len(self.layout)
        return Page(items, links={"next": f"?page[number]={number + 1}" if more else None, "self": "x"})

    async def apage(self, params: PageParams) -> Page[int]:
        await asyncio.sleep(0)
        return self.page(params)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("read_ahead", [1, 2, 8])
def test_a_page_repeated_mid_walk_stops_it_where_the_sequential_walk_would(flavor: str, read_ahead: int) -> None:
    """Pages fetched ahead are checked as they are handed out, in order: page 3 repeats page 1."""
    pages = Pages([[0, 1], [2, 3], [4, 5], [2, 3], [6, 7], [8]])
    seen: list[int] = []
    options: dict[str, Any] = {"page_size": 2, "limit": None, "strategy": "number", "read_ahead": read_ahead}
    with pytest.raises(APIResponseValidationError, match=r"page\[size\]=2&page\[number\]=3.*after 6 items"):
        if flavor == "sync":
            seen.extend(SyncPager(pages.page, **options))
        else:

            async def collect() -> None:
                async for item in AsyncPager(pages.apage, **options):
                    seen.append(item)

            asyncio.run(collect())
    assert seen == [0, 1, 2, 3, 4, 5]
    assert len(pages.requests) <= 4 + read_ahead


@pytest.mark.timeout(10)
def test_read_ahead_has_a_documented_upper_bound(flavor: str) -> None:
    sent: list[httpx.Request] = []
    client = mock_client(flavor, lambda request: sent.append(request) or httpx.Response(500))
    client.teams.members("t1", read_ahead=MAX_READ_AHEAD)  # builds a pager, sends nothing
    with pytest.raises(ValueError, match=r"read_ahead must be between 1 and 32, got 33: .*each holds a connection"):
        client.teams.members("t1", read_ahead=MAX_READ_AHEAD + 1)
    with pytest.raises(ValueError, match="read_ahead"):
        SyncPager(lambda params: Page([]), page_size=5, limit=None, strategy="number", read_ahead=10**6)
    assert sent == []
    assert MAX_READ_AHEAD == 32
