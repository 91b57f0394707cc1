"""Pagination as the Atono docs describe it: page[size] (clamped to 100), zero-based page[number], page[offset]."""

from __future__ import annotations

import httpx
import pytest
from atono.testing import Sandbox

from tests.sandbox.helpers import JSONAPI, error_of, handles

STORIES = 250  # in the shared sandbox


def story_handles(numbers: range) -> list[str]:
    return [f"STORY-{n}" for n in numbers]


def test_a_list_defaults_to_pages_of_100_with_count_and_links(api: httpx.Client) -> None:
    response = api.get("/stories")
    assert response.status_code == 200
    assert response.headers["content-type"] == JSONAPI
    doc = response.json()
    assert handles(doc) == story_handles(range(1, 101))
    assert doc["meta"] == {"count": STORIES}
    assert doc["links"] == {
        "self": "/api/v1/stories?page[number]=0&page[size]=100",
        "next": "/api/v1/stories?page[number]=1&page[size]=100",
    }


def test_page_number_is_zero_based(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"page[size]": 20, "page[number]": 2}).json()
    assert handles(doc) == story_handles(range(41, 61))  # items 41-60, as documented
    assert doc["links"]["prev"] == "/api/v1/stories?page[number]=1&page[size]=20"
    assert doc["links"]["next"] == "/api/v1/stories?page[number]=3&page[size]=20"


def test_page_offset_skips_items(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"page[offset]": 30, "page[size]": 10}).json()
    assert handles(doc) == story_handles(range(31, 41))  # items 31-40, as documented
    assert doc["links"] == {
        "self": "/api/v1/stories?page[offset]=30&page[size]=10",
        "next": "/api/v1/stories?page[offset]=40&page[size]=10",
        "prev": "/api/v1/stories?page[offset]=20&page[size]=10",
    }


@pytest.mark.parametrize("size", [101, 1000, 10**12])
def test_a_page_size_above_100_is_clamped_not_rejected(api: httpx.Client, size: int) -> None:
    doc = api.get("/stories", params={"page[size]": size, "page[number]": 1}).json()
    assert handles(doc) == story_handles(range(101, 201))
    assert doc["links"]["self"] == "/api/v1/stories?page[number]=1&page[size]=100"


def test_the_last_page_has_no_next_and_the_first_no_prev(api: httpx.Client) -> None:
    first = api.get("/stories", params={"page[size]": 100}).json()
    last = api.get("/stories", params={"page[size]": 100, "page[number]": 2}).json()
    assert "prev" not in first["links"]
    assert "next" not in last["links"]
    assert handles(last) == story_handles(range(201, 251))
    assert last["links"]["prev"] == "/api/v1/stories?page[number]=1&page[size]=100"


def test_a_page_beyond_the_end_is_empty(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"page[size]": 50, "page[number]": 9}).json()
    assert doc["data"] == []
    assert doc["meta"]["count"] == STORIES
    assert "next" not in doc["links"]
    assert doc["links"]["prev"] == "/api/v1/stories?page[number]=4&page[size]=50"  # the last page with items


@pytest.mark.parametrize("style", ["page[number]", "page[offset]"])
def test_following_next_links_visits_every_item_once_in_order(
    api: httpx.Client, shared_sandbox: Sandbox, style: str
) -> None:
    seen: list[str] = []
    doc = api.get("/stories", params={"page[size]": 30, style: 0}).json()
    pages = 1
    while True:
        seen += handles(doc)
        if "next" not in doc["links"]:
            break
        assert style in doc["links"]["next"]
        doc = api.get(shared_sandbox.origin + doc["links"]["next"]).json()
        pages += 1
    assert seen == story_handles(range(1, STORIES + 1))
    assert pages == 9


def test_prev_links_lead_back(api: httpx.Client, shared_sandbox: Sandbox) -> None:
    third = api.get("/bugs", params={"page[size]": 7, "page[number]": 2}).json()
    second = api.get(shared_sandbox.origin + third["links"]["prev"]).json()
    assert handles(second) == [f"BUG-{n}" for n in range(8, 15)]


def test_links_keep_the_include(api: httpx.Client) -> None:
    doc = api.get("/bugs", params={"page[size]": 5, "include": "assignee,team"}).json()
    assert doc["links"]["next"] == "/api/v1/bugs?page[number]=1&page[size]=5&include=assignee,team"


def test_the_order_is_stable(api: httpx.Client) -> None:
    params = {"page[size]": 40, "page[offset]": 17}
    assert api.get("/stories", params=params).content == api.get("/stories", params=params).content


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("page[size]", "-3"),
        ("page[size]", "ten"),
        ("page[size]", "2.5"),
        ("page[size]", ""),
        ("page[number]", "-1"),
        ("page[number]", "1e3"),
        ("page[offset]", "-30"),
        ("page[offset]", " 3"),
    ],
)
def test_invalid_paging_values_are_400(api: httpx.Client, parameter: str, value: str) -> None:
    error_of(api.get("/stories", params={parameter: value}), 400, parameter=parameter)


def test_a_page_of_size_zero_is_empty_and_links_no_next_page(api: httpx.Client) -> None:
    """The "Get users" page documents page[size] >= 0; a page of none has nothing to walk on to."""
    doc = api.get("/users", params={"page[size]": 0}).json()
    assert doc["data"] == []
    assert doc["meta"]["count"] > 0
    assert "next" not in doc["links"]


def test_page_number_and_page_offset_together_are_400(api: httpx.Client) -> None:
    response = api.get("/stories", params={"page[number]": 1, "page[offset]": 10})
    assert "either" in error_of(response, 400, parameter="page[offset]")["detail"]


def test_a_repeated_parameter_is_400(api: httpx.Client) -> None:
    error_of(api.get("/stories?page[size]=5&page[size]=6"), 400, parameter="page[size]")


@pytest.mark.parametrize(
    ("path", "count"),
    [("/bugs", 100), ("/users", 25), ("/teams", 4), ("/flags", 10)],
)
def test_every_list_is_paginated_and_counted(api: httpx.Client, path: str, count: int) -> None:
    doc = api.get(path, params={"page[size]": 2, "page[number]": 1}).json()
    assert doc["meta"]["count"] == count
    ids = [r["id"] for r in api.get(path).json()["data"]]
    assert len(ids) == count
    assert [r["id"] for r in doc["data"]] == ids[2:4]


def test_sub_collections_are_paginated(api: httpx.Client) -> None:
    team = api.get("/teams").json()["data"][0]
    members = [m["id"] for m in team["relationships"]["members"]["data"]]
    doc = api.get(f"/teams/{team['id']}/relationships/members", params={"page[size]": 2}).json()
    assert doc["data"] == [{"type": "user", "id": i} for i in members[:2]]
    assert doc["meta"]["count"] == len(members)
    flag = api.get("/flags").json()["data"][0]
    environments = api.get(f"/flags/{flag['id']}/environments", params={"page[offset]": 1, "page[size]": 2}).json()
    assert [e["meta"]["environmentCode"] for e in environments["data"]] == ["test", "stage"]
    assert environments["meta"]["count"] == 4


def test_every_route_is_served_under_api_v1_too(api: httpx.Client, shared_sandbox: Sandbox) -> None:
    params = {"page[size]": 2, "include": "team"}
    under_v1 = api.get("/bugs", params=params)
    under_api_v1 = api.get(f"{shared_sandbox.origin}/api/v1/bugs", params=params)
    assert under_api_v1.status_code == 200
    assert under_api_v1.content == under_v1.content
