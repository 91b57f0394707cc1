"""The public API's types as a user's type checker sees them, and as they are at run time.

`make typecheck` runs `mypy --strict` on this file: every `assert_type` states what a user's editor
and type checker infer for a common expression, so a change that loosens a return type to `Any` or
breaks a generic fails the check. pytest runs the same code over a mock transport, so the declared
types are also the ones the objects have.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, assert_type

import atono
import httpx
import pytest
from atono import AsyncAtono, Atono
from atono.pagination import AsyncPager, Page, SyncPager
from atono.resources import Identifier
from atono.types import Bug, ContentChunk, ContentChunkType, CycleTimeMode, Flag, FlagEnvironment, Story, Team, User

USER = {
    "type": "user",
    "id": "u1",
    "attributes": {
        "email": "oliver@example.com",
        "fullName": "Oliver Resonance",
        "createdAt": "2024-08-10T00:45:55Z",
        "updatedAt": "2024-08-10T00:46:58Z",
    },
}
TEAM = {
    "type": "team",
    "id": "t1",
    "attributes": {
        "name": "Synth Support Squad",
        "createdAt": "2024-07-18T22:49:52Z",
        "updatedAt": "2025-02-07T05:52:49Z",
    },
    "relationships": {"members": {"data": [{"type": "user", "id": "u1"}]}},
}
BUG = {
    "type": "bug",
    "id": "b1",
    "attributes": {
        "title": "MIDI input not detected",
        "handle": "BUG-4",
        "content": [{"type": "TEXT", "value": "Switch controllers."}],
        "cycleTimeMode": "NORMAL",
        "createdAt": "2024-09-04T22:28:31Z",
        "updatedAt": "2025-06-24T03:37:37Z",
    },
    "relationships": {
        "assignee": {"data": {"type": "user", "id": "u1"}},
        "team": {"data": {"type": "team", "id": "t1"}},
    },
}
FLAG = {
    "type": "flag",
    "id": "f1",
    "attributes": {"key": "new-checkout", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"},
}
ENVIRONMENT = {
    "type": "flag_environment",
    "id": "e1",
    "attributes": {"configuration": "on"},
    "meta": {"environmentCode": "prod"},
}


def route(request: httpx.Request) -> httpx.Response:
    """A tiny Atono: one bug (with its team and assignee included), one team, one flag; anything else is 404."""
    path = request.url.path.removeprefix("/v1")
    one = {"/bugs/b1": BUG, "/teams/t1": TEAM, "/flags/f1": FLAG, "/users/u1": USER}
    many = {
        "/bugs": [BUG],
        "/teams": [TEAM],
        "/users": [USER],
        "/flags": [FLAG],
        "/flags/f1/environments": [ENVIRONMENT],
    }
    headers = {"content-type": "application/vnd.api+json"}
    if (request.method, path) in (("POST", "/bugs"), ("PATCH", "/bugs/b1")):
        return httpx.Response(201 if request.method == "POST" else 200, json={"data": BUG}, headers=headers)
    if (request.method, path) == ("DELETE", "/bugs/b1"):
        return httpx.Response(204)
    if path in one:
        return httpx.Response(200, json={"data": one[path], "included": [TEAM, USER]}, headers=headers)
    if path in many:
        return httpx.Response(
            200, json={"data": many[path], "included": [TEAM, USER], "meta": {"count": 1}}, headers=headers
        )
    if path == "/teams/t1/relationships/members":
        return httpx.Response(200, json={"data": [{"type": "user", "id": "u1"}]}, headers=headers)
    if path == "/bugs/slow":
        return httpx.Response(429, json={"errors": [{"status": "429"}]}, headers={"retry-after": "120"})
    body = {"errors": [{"status": "404", "code": "not_found", "detail": "No such bug."}]}
    return httpx.Response(404, json=body, headers={"x-request-id": "req-1", **headers})


@pytest.fixture
def client() -> Iterator[Atono]:
    http = httpx.Client(transport=httpx.MockTransport(route))
    with Atono(api_key="k", base_url="https://api.atono.test/v1", http_client=http, max_retries=0) as c:
        yield c


@pytest.fixture
def async_client() -> AsyncAtono:
    http = httpx.AsyncClient(transport=httpx.MockTransport(route))
    return AsyncAtono(api_key="k", base_url="https://api.atono.test/v1", http_client=http, max_retries=0)


def test_get_returns_the_typed_resource(client: Atono) -> None:
    bug = client.bugs.get("b1", include=["assignee", "team"])
    assert_type(bug, Bug)
    assert_type(bug.id, str)
    assert_type(bug.title, str)
    assert_type(bug.created_at, datetime.datetime)
    assert_type(bug.done_at, datetime.datetime | None)
    assert_type(bug.cycle_time_mode, CycleTimeMode | None)
    assert_type(bug.content, list[ContentChunk] | None)
    assert_type(bug.assignee_id, str | None)
    assert_type(bug.additional_properties, dict[str, Any])
    assert isinstance(bug, Bug) and isinstance(bug.created_at, datetime.datetime)
    assert isinstance(bug.cycle_time_mode, CycleTimeMode)
    assert bug.assignee_id == "u1"


def test_relationships_are_typed(client: Atono) -> None:
    bug = client.bugs.get("b1", include=["assignee", "team"])
    assert_type(bug.assignee, User | None)
    assert_type(bug.team, Team | None)
    team = client.teams.get("t1", include=["members"])
    assert_type(team, Team)
    assert_type(team.members, list[User])
    assert_type(team.member_ids, list[str])
    assert isinstance(bug.assignee, User) and bug.assignee.full_name == "Oliver Resonance"
    assert [member.id for member in team.members] == team.member_ids == ["u1"]


def test_list_returns_a_pager_of_the_resource(client: Atono) -> None:
    pager = client.bugs.list(include=["assignee"], page_size=10)
    assert_type(pager, SyncPager[Bug])
    for page in pager.pages():
        assert_type(page, Page[Bug])
        assert_type(page.items, list[Bug])
        assert_type(page.total, int | None)
        assert [bug.id for bug in page.items] == ["b1"] and page.total == 1
    bugs = list(pager)
    assert_type(bugs, list[Bug])
    assert_type(client.stories.list(), SyncPager[Story])
    assert_type(client.users.list(), SyncPager[User])
    assert_type(client.flags.list(), SyncPager[Flag])
    environments = list(client.flags.environments("f1"))
    assert_type(environments, list[FlagEnvironment])
    members = list(client.teams.members("t1"))
    assert_type(members, list[Identifier])
    assert [(m.type, m.id) for m in members] == [("user", "u1")]
    assert environments[0].environment_code == "prod"


async def test_async_client_mirrors_the_sync_types(async_client: AsyncAtono) -> None:
    async with async_client:
        bug = await async_client.bugs.get("b1")
        assert_type(bug, Bug)
        pager = async_client.bugs.list()
        assert_type(pager, AsyncPager[Bug])
        items = [item async for item in pager]
        assert_type(items, list[Bug])
        async for page in pager.pages():
            assert_type(page, Page[Bug])
        team = await async_client.teams.get("t1", include=["members"])
        assert_type(team.members, list[User])
        assert items == [bug] and team.members[0].email == "oliver@example.com"


def test_errors_carry_typed_fields(client: Atono) -> None:
    with pytest.raises(atono.NotFoundError) as not_found:
        client.bugs.get("missing")
    exc = not_found.value
    assert_type(exc.status_code, int)
    assert_type(exc.errors, list[atono.ErrorObject])
    assert_type(exc.request_id, str | None)
    assert_type(exc.response, httpx.Response)
    assert_type(exc.request, httpx.Request)
    assert_type(exc.errors[0].detail, str | None)
    assert (exc.status_code, exc.request_id, exc.errors[0].code) == (404, "req-1", "not_found")

    with pytest.raises(atono.RateLimitError) as limited:
        client.bugs.get("slow")
    assert_type(limited.value.retry_after, float | None)
    assert limited.value.retry_after == 120

    bug = client.bugs.get("b1")
    with pytest.raises(atono.NotIncludedError) as not_included:
        _ = bug.workflow_step
    assert_type(not_included.value.relationship, str | None)
    assert not_included.value.relationship == "workflow_step"


def test_writes_and_delete_are_typed(client: Atono) -> None:
    created = client.bugs.create(title="Crash on save", team="t1")
    assert_type(created, Bug)
    updated = client.bugs.update(created, assignee=None)
    assert_type(updated, Bug)
    assert_type(client.bugs.delete(updated), None)
    assert isinstance(created, Bug) and isinstance(updated, Bug)


def summarize(bug: Bug) -> list[str]:
    """What users write first: narrow the optional members with `is not None`, read enums by `.value`."""
    lines = [f"{bug.handle} {bug.title}"]
    if bug.content is not None:
        lines += [f"{chunk.type.value}: {chunk.value}" for chunk in bug.content]
    if bug.cycle_time_mode is not None:
        lines.append(bug.cycle_time_mode.value)
    if bug.done_at is not None:
        lines.append(f"done {bug.done_at.date().isoformat()}")
    return lines


def test_a_users_first_script_type_checks_and_runs(client: Atono) -> None:
    bug = client.bugs.get("b1")
    assert summarize(bug) == ["BUG-4 MIDI input not detected", "TEXT: Switch controllers.", "NORMAL"]
    assert_type(bug.fields_set, frozenset[str])
    assert "done_at" not in bug.fields_set and bug.done_at is None  # absent, not null
    chunk = ContentChunk(type=ContentChunkType.TEXT, value="made by hand")
    assert_type(chunk.type, ContentChunkType)
    assert chunk.to_dict() == {"type": "TEXT", "value": "made by hand"}
    assert ContentChunk.from_dict(chunk.to_dict()) == chunk
    assert {bug} == {client.bugs.get("b1")}  # hashable, equal by (type, id)


def test_raw_responses_and_request_are_typed(client: Atono) -> None:
    raw = client.bugs.with_raw_response.get("b1", include=["assignee"])
    assert_type(raw, atono.APIResponse[Bug])
    assert_type(raw.parse(), Bug)
    assert_type(raw.request_id, str | None)
    assert_type(raw.retries_taken, int)
    assert_type(raw.http_response, httpx.Response)
    assert_type(raw.elapsed, datetime.timedelta)
    first = client.bugs.with_raw_response.list(page_size=10, start=0)
    assert_type(first, atono.APIResponse[Page[Bug]])
    page = first.parse()
    assert_type(page.next_start, int | None)
    assert_type(page.start, int | None)
    assert_type(page.has_next_page(), bool)
    assert_type(client.bugs.with_raw_response.delete("b1"), atono.APIResponse[None])
    assert_type(client.teams.with_raw_response.members("t1").parse(), Page[Identifier])
    response = client.request("GET", "/bugs", params={"page[size]": 1})
    assert_type(response, httpx.Response)
    assert_type(client.retry_policy, atono.RetryPolicy)
    assert raw.parse().id == "b1" and page.start == 0 and response.status_code == 200


async def test_async_raw_responses_and_request_are_typed(async_client: AsyncAtono) -> None:
    async with async_client:
        raw = await async_client.bugs.with_raw_response.get("b1")
        assert_type(raw, atono.APIResponse[Bug])
        first = await async_client.bugs.with_raw_response.list()
        assert_type(first, atono.APIResponse[Page[Bug]])
        response = await async_client.request("GET", "/bugs")
        assert_type(response, httpx.Response)
        assert raw.parse().id == "b1" and first.parse().items[0].id == "b1" and response.status_code == 200
