"""Any page plan a server may send comes out of the pager as its items or as a typed error, never a crash.

A plan is a collection laid out in pages (some items hidden, as a server filtering private items hides them, so a
page may be short yet carry `links.next`), the hints the server sends (`links`, `meta.count`, true or not) and the
caller's paging options. The pager must yield exactly the server's visible items, cut to the limit, in order and
once each, or raise `APIResponseValidationError` for a server that contradicts itself. Examples are derandomized,
so every run sees the same plans.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from atono import APIResponseValidationError
from atono._pagination import LANDED_AHEAD, MAX_READ_AHEAD, AsyncPager, Page, PageParams, SyncPager, next_link_params
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers import mock_client

HUGE = 10**400  # far beyond a float: `limit / page_size` overflows


class EndlessWalkError(Exception):
    """Raised by the fake server once a walk has sent more requests than the plan has pages to give."""


@dataclass(frozen=True)
class PagePlan:
    positions: int  # items in the collection, hidden ones included
    hidden: frozenset[int]  # positions the server leaves out of its pages (only with links: the documented case)
    page_size: int
    limit: int | None
    links: bool
    count: int | str | None  # meta.count: None (absent), "visible", "positions", or a number sent as is
    read_ahead: int
    strategy: str
    quirk: str | None = None  # "ignores-page" (serves page 0 to any request), "next-to-self", "next-to-start"

    @property
    def visible(self) -> list[int]:
        return [p for p in range(self.positions) if p not in self.hidden]

    @property
    def expected(self) -> list[int]:
        return self.visible if self.limit is None else self.visible[: self.limit]

    @property
    def request_budget(self) -> int:
        """The most requests an honest walk needs: every page, one empty page past them, and the pages fetched
        ahead: those in flight and, with a count (which may overstate the collection), `LANDED_AHEAD` landed ones."""
        size = self.page_size if self.limit is None else max(1, min(self.page_size, self.limit))
        return -(-self.positions // size) + 2 + self.read_ahead + (0 if self.count is None else LANDED_AHEAD)


class Server:
    """Serves a `PagePlan` as `Page`s, as a JSON:API server would, counting the requests."""

    def __init__(self, plan: PagePlan) -> None:
        self.plan = plan
        self.requests: list[PageParams] = []
        self.lock = threading.Lock()

    def page(self, params: PageParams) -> Page[int]:
        plan = self.plan
        with self.lock:
            self.requests.append(params)
            if len(self.requests) > plan.request_budget:
                raise EndlessWalkError(f"{len(self.requests)} requests for a plan of {plan.request_budget} at most")
        size = params["page[size]"]
        start = params["page[offset]"] if "page[offset]" in params else params.get("page[number]", 0) * size
        if plan.quirk == "ignores-page":
            start = 0
        items = [p for p in range(start, min(start + size, plan.positions)) if p not in plan.hidden]
        links: dict[str, Any] = {}
        if plan.links:

            def at(position: int) -> str:
                if "page[offset]" in params:
                    return f"/api/v1/things?page[offset]={position}&page[size]={size}"
                return f"/api/v1/things?page[number]={position // size}&page[size]={size}"

            links["self"] = at(start)
            if start + size < plan.positions:
                target = {"next-to-self": start, "next-to-start": 0}.get(plan.quirk or "", start + size)
                links["next"] = at(target)
        count = plan.count
        if count == "visible":
            count = len(plan.visible)
        elif count == "positions":
            count = plan.positions
        return Page(items, [], links, {} if count is None else {"count": count})

    def fetch(self, params: PageParams) -> Page[int]:
        return self.page(params)

    async def afetch(self, params: PageParams) -> Page[int]:
        await asyncio.sleep(0)
        return self.page(params)


@st.composite
def page_plans(draw: st.DrawFn, *, quirks: bool = False) -> PagePlan:
    page_size = draw(st.integers(1, 6))
    positions = draw(st.integers(0, 4 * page_size + 3))
    limit = draw(
        st.one_of(
            st.none(),
            st.sampled_from([0, 1, max(0, page_size - 1), page_size, page_size + 1, 2 * page_size + 1, HUGE]),
            st.integers(0, positions + 2),
        )
    )
    links = draw(st.booleans())
    hidden: frozenset[int] = frozenset()
    if links:
        # The documented case first: a short first page (of the size actually asked for) that still links on.
        size = page_size if limit is None else max(1, min(page_size, limit))
        first_length = draw(st.integers(0, size))
        later = draw(st.sets(st.integers(size, max(size, positions - 1)), max_size=positions))
        hidden = frozenset(range(first_length, size)) | frozenset(later)
    count = draw(st.sampled_from([None, "visible", "positions", 0, -1, -HUGE, HUGE]))
    read_ahead = draw(st.sampled_from([1, 2, 3, 4, MAX_READ_AHEAD]))
    strategy = draw(st.sampled_from(["number", "offset"]))
    quirk = draw(st.sampled_from([None, "ignores-page", "next-to-self", "next-to-start"])) if quirks else None
    return PagePlan(positions, hidden, page_size, limit, links, count, read_ahead, strategy, quirk)


def walk(plan: PagePlan, flavor: str) -> tuple[list[int], BaseException | None, Server]:
    """What the pager yields for `plan`, and the exception that ended it, if any."""
    server = Server(plan)
    options: dict[str, Any] = {
        "page_size": plan.page_size,
        "limit": plan.limit,
        "strategy": plan.strategy,
        "read_ahead": plan.read_ahead,
    }
    items: list[int] = []
    try:
        if flavor == "sync":
            for item in SyncPager(server.fetch, **options):
                items.append(item)
        else:

            async def collect() -> None:
                async for item in AsyncPager(server.afetch, **options):
                    items.append(item)

            asyncio.run(collect())
    except Exception as exc:  # judged by the caller: only APIResponseValidationError may end a walk early
        return items, exc, server
    return items, None, server


# The documented case that crashed: a short first page with links.next, the limit at or below the page size
# (no page to fetch ahead), or a count of zero or less; and counts and limits beyond a float.
SHORT_FIRST_PAGE = PagePlan(12, frozenset({3, 4}), 5, 5, True, None, 4, "number")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("flavor", ["sync", "async"])
@settings(
    max_examples=400, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(plan=page_plans())
@example(plan=SHORT_FIRST_PAGE)
@example(plan=PagePlan(12, frozenset({3, 4}), 5, 4, True, None, 2, "offset"))
@example(plan=PagePlan(12, frozenset({1}), 5, None, True, 0, 4, "number"))
@example(plan=PagePlan(12, frozenset({1}), 5, None, True, -1, 4, "number"))
@example(plan=PagePlan(12, frozenset(), 5, None, False, 0, 1, "number"))  # a count the first page belies
@example(plan=PagePlan(12, frozenset(), 5, None, False, -1, 4, "offset"))
@example(plan=PagePlan(12, frozenset(), 5, HUGE, False, None, 4, "number"))
@example(plan=PagePlan(12, frozenset(), 5, None, False, HUGE, 4, "number"))
@example(plan=PagePlan(12, frozenset(), 5, None, True, -HUGE, 3, "offset"))
def test_every_page_plan_yields_the_servers_items_in_order(flavor: str, plan: PagePlan) -> None:
    items, error, server = walk(plan, flavor)
    assert error is None, f"{type(error).__name__}: {error}"
    assert items == plan.expected
    assert len(server.requests) <= plan.request_budget


@pytest.mark.timeout(60)
@pytest.mark.parametrize("flavor", ["sync", "async"])
@settings(
    max_examples=300, derandomize=True, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(plan=page_plans(quirks=True))
@example(plan=PagePlan(12, frozenset(), 5, None, True, None, 4, "number", "next-to-self"))
@example(plan=PagePlan(12, frozenset(), 5, None, False, HUGE, 4, "number", "ignores-page"))
@example(plan=PagePlan(12, frozenset(range(5)), 5, None, True, None, 3, "offset", "ignores-page"))
def test_a_server_that_contradicts_itself_gets_a_typed_error_never_a_crash(flavor: str, plan: PagePlan) -> None:
    items, error, server = walk(plan, flavor)
    assert error is None or isinstance(error, APIResponseValidationError), f"{type(error).__name__}: {error}"
    if error is None:
        assert items == plan.expected
    else:
        assert items == plan.expected[: len(items)]  # what came before the error: in order, each item once
        assert "the walk stops here" in str(error)
    assert len(server.requests) <= plan.request_budget


def identifiers_page(
    request: httpx.Request, layout: dict[int, list[int]], *, count: int | None = None
) -> httpx.Response:
    """A page of team member identifiers with links in the request's style; `layout` maps page numbers to ids."""
    size = int(request.url.params["page[size]"])
    number = int(request.url.params["page[number]"])
    ids = layout.get(number, [])
    links = {"self": f"/api/v1/teams/t1/relationships/members?page[number]={number}&page[size]={size}"}
    if number + 1 in layout:
        links["next"] = f"/api/v1/teams/t1/relationships/members?page[number]={number + 1}&page[size]={size}"
    body: dict[str, Any] = {"data": [{"type": "user", "id": f"u{i}"} for i in ids], "links": links}
    if count is not None:
        body["meta"] = {"count": count}
    return httpx.Response(200, json=body, headers={"content-type": "application/vnd.api+json"})


async def collected(pager: Any) -> list[str]:
    if hasattr(pager, "__aiter__"):
        return [member.id async for member in pager]
    return [member.id for member in pager]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    ("paging", "count"),
    [({"page_size": 5, "limit": 5}, None), ({"page_size": 5, "limit": 4}, None), ({"page_size": 5}, 0)],
    ids=["limit-at-page-size", "limit-below-page-size", "count-zero"],
)
async def test_a_short_first_page_with_links_next_is_read_on(
    flavor: str, paging: dict[str, Any], count: int | None
) -> None:
    """A server hiding items sends a short first page that links on; no page is left to fetch ahead."""
    layout = {0: [1, 2, 3], 1: [4, 5, 6, 7, 8], 2: [9]}
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        size = int(request.url.params["page[size]"])
        by_size = {n: ids[:size] for n, ids in layout.items()}
        return identifiers_page(request, by_size, count=count)

    client = mock_client(flavor, handler, rate_limit=None, max_retries=0)
    items = await collected(client.teams.members("t1", read_ahead=4, **paging))
    expected = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"][: paging.get("limit")]
    assert items == expected
    assert len(requests) <= 3 + 4


@pytest.mark.timeout(10)
@pytest.mark.parametrize("limit", [HUGE, 2**64], ids=["10**400", "2**64"])
async def test_a_limit_or_count_beyond_a_float_is_counted_exactly(flavor: str, limit: int) -> None:
    layout = {0: [1, 2], 1: [3, 4], 2: [5]}
    client = mock_client(flavor, lambda request: identifiers_page(request, layout, count=HUGE), rate_limit=None)
    assert await collected(client.teams.members("t1", page_size=2, limit=limit)) == ["u1", "u2", "u3", "u4", "u5"]


@pytest.mark.timeout(5)
@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("7", 7),
        ("007", 7),
        (str(2**31 - 1), 2**31 - 1),
        ("0" * 20 + "12", 12),  # leading zeros do not make a value too big
        (str(2**31), None),  # beyond the spec's int32
        ("9" * 5000, None),  # int() refuses more than 4300 digits with a ValueError
        ("\u0663", None),  # ARABIC-INDIC DIGIT THREE: str.isdigit() says yes
        ("\u00b3", None),  # SUPERSCRIPT THREE: isdigit() says yes, int() says no
        ("\uff17", None),  # FULLWIDTH DIGIT SEVEN
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1.0", None),
        ("", None),
    ],
)
def test_links_next_page_parameters_are_ascii_digits_within_int32(value: str, read: int | None) -> None:
    from urllib.parse import quote

    link = f"/api/v1/bugs?page[number]={quote(value)}&page[size]=5"
    expected = {"page[size]": 5} if read is None else {"page[number]": read, "page[size]": 5}
    assert next_link_params({"next": link}) == expected


@pytest.mark.timeout(10)
async def test_a_links_next_with_a_number_too_long_for_int_ends_in_a_typed_error(flavor: str) -> None:
    """Ignored as if absent, the page number leaves a request for the first page again, which the walk refuses."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "data": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u2"}],
            "links": {"next": "/api/v1/teams/t1/relationships/members?page[number]=" + "9" * 5000 + "&page[size]=2"},
        }
        return httpx.Response(200, json=body, headers={"content-type": "application/vnd.api+json"})

    client = mock_client(flavor, handler, rate_limit=None, max_retries=0)
    with pytest.raises(APIResponseValidationError, match="the walk stops here"):
        await collected(client.teams.members("t1", page_size=2))
