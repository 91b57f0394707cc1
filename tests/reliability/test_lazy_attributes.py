"""The items of a page convert their attributes when first read: one odd item does not stop a bulk read.

What this must keep: a value that does not fit the spec still raises the typed APIResponseValidationError
(naming the resource and the member, with the attributes as received), only later; single-resource calls
still raise at the call; and a page nothing links to is freed as soon as it is dropped.
"""

from __future__ import annotations

import asyncio
import gc
import json
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from atono import APIResponseValidationError
from atono.types import Bug

from tests.helpers import KEY, mock_client


def bug(number: int, **attributes: Any) -> dict[str, Any]:
    return {
        "type": "bug",
        "id": f"b{number}",
        "attributes": {
            "title": f"Bug {number}",
            "handle": f"BUG-{number}",
            "createdAt": "2024-09-04T22:28:31Z",
            "updatedAt": "2024-09-04T22:28:31Z",
            **attributes,
        },
        "relationships": {"assignee": {"data": {"type": "user", "id": "u1"}}},
    }


def serve(document: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(document), headers={"content-type": "application/vnd.api+json"})

    return handler


def user(full_name: object) -> dict[str, Any]:
    stamp = "2024-09-04T22:28:31Z"
    attributes = {"fullName": full_name, "email": "ada@example.com", "createdAt": stamp, "updatedAt": stamp}
    return {"type": "user", "id": "u1", "attributes": attributes}


PAGE = {"data": [bug(1), bug(2, position="third"), bug(3)], "meta": {"count": 3}}


def read_all(flavor: str, document: dict[str, Any]) -> list[Bug]:
    client = mock_client(flavor, serve(document))
    if flavor == "sync":
        return list(client.bugs.list())

    async def run() -> list[Bug]:
        return [item async for item in client.bugs.list()]

    return asyncio.run(run())


def test_one_odd_item_does_not_stop_the_read(flavor: str) -> None:
    first, odd, third = read_all(flavor, PAGE)
    assert [first.handle, third.handle] == ["BUG-1", "BUG-3"]
    assert (odd.id, odd.assignee_id) == ("b2", "u1")  # identity and linkage need no attributes
    with pytest.raises(APIResponseValidationError) as caught:
        _ = odd.title
    error = caught.value
    assert "bug b2" in str(error) and "position: expected int" in str(error)
    assert json.loads(error.body) == PAGE["data"][1]["attributes"]  # type: ignore[index]
    assert error.status_code == 200 and error.response.status_code == 200
    assert error.request.method == "GET" and error.request.url.path.endswith("/bugs")
    assert KEY not in repr(error.request.headers) and KEY not in str(error)
    with pytest.raises(APIResponseValidationError, match="position"):  # every read, not only the first
        _ = odd.handle


def test_a_single_resource_is_checked_at_the_call(flavor: str) -> None:
    client = mock_client(flavor, serve({"data": bug(2, position="third")}))
    with pytest.raises(APIResponseValidationError, match="position: expected int"):
        if flavor == "sync":
            client.bugs.get("b2")
        else:
            asyncio.run(client.bugs.get("b2"))


def test_an_included_resource_of_a_single_resource_is_checked_at_the_call(flavor: str) -> None:
    client = mock_client(flavor, serve({"data": bug(1), "included": [user(7)]}))
    with pytest.raises(APIResponseValidationError, match=r"user u1 .*fullName"):
        if flavor == "sync":
            client.bugs.get("b1", include=["assignee"])
        else:
            asyncio.run(client.bugs.get("b1", include=["assignee"]))


@contextmanager
def no_garbage_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_page_nothing_links_to_is_freed_without_the_garbage_collector() -> None:
    client = mock_client("sync", serve({"data": [bug(n) for n in range(5)]}))
    with no_garbage_collector():
        page = next(iter(client.bugs.list().pages()))
        refs = [weakref.ref(item) for item in page.items]
        page.items[0].title  # noqa: B018 (a converted item is freed as well)
        del page
        assert [ref() for ref in refs] == [None] * 5


def test_resolved_relationships_keep_what_they_need_alive() -> None:
    client = mock_client("sync", serve({"data": [bug(1), bug(2)], "included": [user("Ada")]}))
    with no_garbage_collector():
        page = next(iter(client.bugs.list(include=["assignee"]).pages()))
        kept, dropped = page.items
        dropped_ref = weakref.ref(dropped)
        del page, dropped
        assert dropped_ref() is None  # a primary item nothing links to
        assert kept.assignee is not None and kept.assignee.full_name == "Ada"  # the included user lives on
