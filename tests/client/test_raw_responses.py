"""Response metadata (`with_raw_response`) and the escape hatch (`client.request`) against the sandbox over loopback
HTTP, sync and async: real request ids, real retries, real rate-limit headers, typed errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atono import (
    APIResponse,
    APIResponseValidationError,
    AsyncAtono,
    Atono,
    InternalServerError,
    NotFoundError,
    RateLimitError,
)
from atono.pagination import Page
from atono.testing import Sandbox
from atono.types import Bug

from tests.helpers import call

AnyClient = Atono | AsyncAtono
Connect = Callable[..., AnyClient]


async def first_bug_id(client: AnyClient) -> str:
    page = (await call(client.bugs.with_raw_response.list, page_size=1)).parse()
    return str(page.items[0].id)


# with_raw_response


async def test_a_raw_get_has_the_answers_metadata_and_the_typed_result(connect: Connect, sandbox: Sandbox) -> None:
    client = connect()
    bug_id = await first_bug_id(client)
    sandbox.inject("503", path="/bugs/{bugId}")
    response = await call(client.bugs.with_raw_response.get, bug_id, include=["team"])
    assert isinstance(response, APIResponse)
    assert response.status_code == 200 and response.retries_taken == 1
    assert response.request_id is not None and response.request_id.startswith("req_")
    assert response.request_id == response.headers["x-request-id"]
    assert isinstance(response.http_response, httpx.Response) and response.http_response.request.method == "GET"
    assert response.elapsed.total_seconds() > 0
    bug = response.parse()
    assert isinstance(bug, Bug) and bug.id == bug_id and bug.team is not None


async def test_request_ids_differ_per_answer(connect: Connect) -> None:
    client = connect()
    bug_id = await first_bug_id(client)
    ids = {(await call(client.bugs.with_raw_response.get, bug_id)).request_id for _ in range(3)}
    assert len(ids) == 3


async def test_a_raw_list_is_its_first_page_and_says_where_the_next_starts(connect: Connect) -> None:
    client = connect()
    response = await call(client.bugs.with_raw_response.list, page_size=4)
    page = response.parse()
    assert isinstance(page, Page) and response.http_response.url.params["page[size]"] == "4"
    assert (page.start, page.next_start, page.has_next_page()) == (0, 4, True)
    everything = [bug.id for bug in client.bugs.list()] if isinstance(client, Atono) else None
    rest = (await call(client.bugs.with_raw_response.list, page_size=4, start=page.next_start)).parse()
    assert rest.start == 4
    if everything is not None:
        assert [b.id for b in page.items + rest.items] == everything[:8]


async def test_raw_writes_answer_with_their_statuses(connect: Connect, sandbox: Sandbox) -> None:
    client = connect()
    created = await call(client.bugs.with_raw_response.create, title="Raw create")
    assert created.status_code == 201 and created.parse().title == "Raw create"
    deleted = await call(client.bugs.with_raw_response.delete, created.parse().id)
    assert deleted.status_code == 204 and deleted.parse() is None
    assert [(w.method, w.resource_id) for w in sandbox.applied_writes] == [
        ("POST", created.parse().id),
        ("DELETE", created.parse().id),
    ]


@pytest.mark.atono_sandbox(rate_limit=(50, 60.0), rate_limit_headers=True)
async def test_rate_limit_headers_are_readable_on_answers_and_on_errors(connect: Connect, sandbox: Sandbox) -> None:
    client = connect(rate_limit=None)
    first = await call(client.bugs.with_raw_response.list, page_size=1)
    second = await call(client.bugs.with_raw_response.list, page_size=1)
    assert first.headers["x-ratelimit-limit"] == "50"
    assert int(first.headers["x-ratelimit-remaining"]) == int(second.headers["x-ratelimit-remaining"]) + 1
    assert 0 < int(second.headers["x-ratelimit-reset"]) <= 60
    with pytest.raises(NotFoundError) as caught:
        await call(client.bugs.get, "no-such-bug")
    assert caught.value.response.headers["x-ratelimit-limit"] == "50"
    assert caught.value.request_id == caught.value.response.headers["x-request-id"]


async def test_a_body_that_does_not_fit_raises_from_parse_with_the_answer_still_readable(
    connect: Connect, sandbox: Sandbox
) -> None:
    client = connect()
    bug_id = await first_bug_id(client)
    sandbox.inject("wrong_content_type", path="/bugs/{bugId}")
    response = await call(client.bugs.with_raw_response.get, bug_id)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.request_id is not None
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        response.parse()


async def test_a_raw_list_of_no_items_sends_nothing_and_says_so(connect: Connect) -> None:
    client = connect()
    with pytest.raises(ValueError, match="limit=0 sends no request"):
        await call(client.bugs.with_raw_response.list, limit=0)


# client.request


async def test_request_reaches_a_path_with_the_key_and_returns_the_httpx_response(
    connect: Connect, sandbox: Sandbox
) -> None:
    client = connect()
    response = await call(client.request, "GET", "/bugs", params={"page[size]": 3})
    assert isinstance(response, httpx.Response) and response.status_code == 200
    assert len(response.json()["data"]) == 3 and response.headers["x-request-id"].startswith("req_")
    assert response.request.headers["x-api-key"] != sandbox.api_key  # the key is scrubbed once sent
    again = await call(client.request, "get", "bugs", params={"page[size]": 3})
    assert again.json()["data"] == response.json()["data"]


async def test_request_follows_the_apis_own_links_and_absolute_urls_under_the_base_url(
    connect: Connect, sandbox: Sandbox
) -> None:
    client = connect()
    first = await call(client.request, "GET", "/bugs", params={"page[size]": 2})
    link = first.json()["links"]["next"]
    assert link.startswith("/api/v1/bugs?")
    following = await call(client.request, "GET", link)
    absolute = await call(client.request, "GET", f"{sandbox.url}/bugs?page[size]=2&page[number]=1")
    assert absolute.json()["data"] == following.json()["data"]
    assert following.status_code == 200
    assert [b["id"] for b in following.json()["data"]] != [b["id"] for b in first.json()["data"]]


async def test_request_raises_typed_errors(connect: Connect, sandbox: Sandbox) -> None:
    client = connect()
    with pytest.raises(NotFoundError) as caught:
        await call(client.request, "GET", "/bugs/no-such-bug")
    assert caught.value.request_id is not None
    sandbox.inject("429", path="/bugs", count=3, retry_after=0)
    with pytest.raises(RateLimitError):
        await call(client.request, "GET", "/bugs", max_retries=1)
    sandbox.clear_faults()


async def test_request_retries_reads_and_never_resends_a_write_that_may_have_been_applied(
    connect: Connect, sandbox: Sandbox
) -> None:
    client = connect()
    sandbox.inject("503", path="/bugs", method="GET")
    assert (await call(client.request, "GET", "/bugs")).status_code == 200
    sandbox.inject("500", path="/bugs", method="POST")
    body = {"data": {"type": "bug", "attributes": {"title": "Through request()"}}}
    with pytest.raises(InternalServerError):
        await call(client.request, "POST", "/bugs", json=body)
    assert [w.method for w in sandbox.applied_writes] == ["POST"]  # applied once, not resent
    sandbox.inject("429", path="/bugs", method="POST", retry_after=0)
    created = await call(client.request, "POST", "/bugs", json=body)
    assert created.status_code == 201 and created.json()["data"]["attributes"]["title"] == "Through request()"
    assert [w.method for w in sandbox.applied_writes] == ["POST", "POST"]


@pytest.mark.parametrize(
    "case",
    [
        ("GET", "/../admin", ValueError, "'..' segments"),
        ("GET", "bugs/%2e%2e/%2E%2E/admin", ValueError, "'..' segments"),
        ("GET", "//evil.example/v1/bugs", ValueError, "names another host"),
        ("GET", "https://evil.example/v1/bugs", ValueError, "not under the base URL"),
        ("GET", "{base_origin}/v2/bugs", ValueError, "not under the base URL"),
        ("GET", "/bugs#top", ValueError, "fragment"),
        ("BREW", "/bugs", ValueError, "method must be one of"),
        ("GET", b"/bugs", TypeError, "path must be a str"),
    ],
)
async def test_request_refuses_paths_that_leave_the_base_url(
    connect: Connect, sandbox: Sandbox, case: tuple[str, Any, type[Exception], str]
) -> None:
    method, path, error, words = case
    client = connect()
    if isinstance(path, str):
        path = path.replace("{base_origin}", sandbox.origin)
    with pytest.raises(error, match=words):
        await call(client.request, method, path)


async def test_request_refuses_a_body_that_is_not_json(connect: Connect, sandbox: Sandbox) -> None:
    client = connect()
    with pytest.raises(TypeError, match="json must be JSON-serialisable"):
        await call(client.request, "POST", "/bugs", json={"when": object()})
    with pytest.raises(TypeError, match="json must be JSON-serialisable"):
        await call(client.request, "POST", "/bugs", json={"n": float("nan")})
    assert sandbox.applied_writes == []
