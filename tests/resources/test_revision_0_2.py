"""What spec revision 0.2 brought to the resource layer, against the sandbox over loopback HTTP, sync and async:
sorted user lists, `creator` as the reporter's include, reads by handle, and team admins and backlog owners."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from atono import AsyncAtono, Atono, NotFoundError, UnprocessableEntityError
from atono.testing import Sandbox
from atono.types import Story, User


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=30, bugs=30, users=23, teams=3, flags=1, seed=5) as sb:
        yield sb


class Recorder:
    """The URLs of the requests a client sends (an httpx event hook, so they still reach the sandbox)."""

    def __init__(self) -> None:
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> None:
        self.urls.append(request.url)

    async def hook(self, request: httpx.Request) -> None:
        self(request)


@pytest.fixture
def sent() -> Recorder:
    return Recorder()


@pytest.fixture
def client(sandbox: Sandbox, sent: Recorder) -> Iterator[Atono]:
    with (
        httpx.Client(event_hooks={"request": [sent]}) as http,
        Atono(api_key=sandbox.api_key, base_url=sandbox.url, http_client=http) as atono,
    ):
        yield atono


@pytest.fixture
async def aclient(sandbox: Sandbox, sent: Recorder) -> AsyncIterator[AsyncAtono]:
    async with (
        httpx.AsyncClient(event_hooks={"request": [sent.hook]}) as http,
        AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url, http_client=http) as atono,
    ):
        yield atono


def _expected_order(users: list[User]) -> list[str]:
    """Users by created_at descending, then full_name ascending: what `sort=["-created_at", "full_name"]` asks."""
    by_name = sorted(users, key=lambda u: u.full_name)
    return [u.id for u in sorted(by_name, key=lambda u: u.created_at, reverse=True)]


# ---- sort ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", [["-created_at", "full_name"], ["-createdAt", "fullName"]])
def test_users_sorted_across_pages_in_either_spelling(client: Atono, sent: Recorder, spelling: list[str]) -> None:
    users = list(client.users.list())
    assert len(users) == 23
    sent.urls.clear()
    ordered = [u.id for u in client.users.list(sort=spelling, page_size=5)]
    assert ordered == _expected_order(users)
    assert ordered != [u.id for u in users], "the seeded order should differ from the sorted one"
    assert len(sent.urls) == 5
    assert all(url.params.get_list("sort") == ["-createdAt", "fullName"] for url in sent.urls)


async def test_users_sorted_async(aclient: AsyncAtono) -> None:
    users = [u async for u in aclient.users.list()]
    ordered = [u.id async for u in aclient.users.list(sort=["-created_at", "full_name"], page_size=10)]
    assert ordered == _expected_order(users)


def test_users_sorted_by_one_field_ascending_and_descending(client: Atono) -> None:
    emails = [u.email for u in client.users.list(sort=["email"])]
    assert emails == sorted(emails)
    assert [u.email for u in client.users.list(sort=["-email"])] == sorted(emails, reverse=True)


@pytest.mark.parametrize(
    ("sort", "error", "words"),
    [
        (["nickname"], ValueError, "cannot sort by 'nickname'"),
        (["full_name", "-full_name"], ValueError, "more than once"),
        (["--email"], ValueError, "cannot sort by '--email'"),
        ([" email"], ValueError, "cannot sort by ' email'"),
        ("full_name", TypeError, "a list of field names"),
        ([3], TypeError, "must be strings"),
    ],
)
def test_a_bad_sort_is_refused_before_any_request(
    client: Atono, sent: Recorder, sort: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        client.users.list(sort=sort)
    if error is ValueError and "more than once" not in words:
        assert "['created_at', 'email', 'full_name', 'invited_at', 'updated_at']" in str(raised.value)
    assert sent.urls == []


def test_the_sandbox_refuses_a_field_it_cannot_sort_by(sandbox: Sandbox) -> None:
    response = httpx.get(f"{sandbox.url}/users", params={"sort": "nickname"}, headers={"X-API-KEY": sandbox.api_key})
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "sort"}


# ---- creator and reporter -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["creator", "reporter"])
def test_either_spelling_includes_the_reporter_and_sends_creator(client: Atono, sent: Recorder, name: str) -> None:
    some = next(b for b in client.bugs.list() if b.reporter_id and b.reporter_id != b.assignee_id)
    sent.urls.clear()
    bug = client.bugs.get(some.id, include=[name])
    assert isinstance(bug.reporter, User) and bug.reporter.id == some.reporter_id
    assert [url.params["include"] for url in sent.urls] == ["creator"]


async def test_both_spellings_ask_for_the_reporter_once_async(aclient: AsyncAtono, sent: Recorder) -> None:
    page = await anext(aclient.stories.list(include=["reporter", "creator", "team"], page_size=10).pages())
    assert sent.urls[-1].params["include"] == "creator,team"
    for story in page.items:
        assert isinstance(story, Story)
        if story.reporter_id is not None:
            assert isinstance(story.reporter, User) and story.reporter.id == story.reporter_id


# ---- reads by handle --------------------------------------------------------------------------------------------
def test_a_bug_and_a_story_read_by_handle(client: Atono) -> None:
    bug = client.bugs.get("BUG-4")
    assert bug.handle == "BUG-4"
    assert client.bugs.get(bug.id).id == bug.id
    assert client.stories.get("STORY-7").handle == "STORY-7"
    with pytest.raises(NotFoundError):
        client.bugs.get("BUG-9999")


async def test_a_bug_read_by_handle_async(aclient: AsyncAtono) -> None:
    bug = await aclient.bugs.get("BUG-4", include=["creator"])
    assert bug.handle == "BUG-4" and bug.reporter is not None


# ---- team admins and backlog owners ---------------------------------------------------------------------------
def test_team_admins_and_backlog_owners_on_create_and_update(client: Atono, sandbox: Sandbox) -> None:
    a, b, c = (u.id for u in client.users.list(limit=3))
    team = client.teams.create(name="Release crew", members=[a, b, c], admins=[b], backlog_owners=[a, c])
    assert (team.member_ids, team.admin_ids, team.backlog_owner_ids) == ([a, b, c], [b], [a, c])
    updated = client.teams.update(team, admins=[a, c], backlog_owners=[])
    assert (updated.admin_ids, updated.backlog_owner_ids) == ([a, c], [])
    read = client.teams.get(team.id, include=["admins", "backlog_owners"])
    assert [u.id for u in read.admins] == [a, c] and read.backlog_owners == []
    assert read.member_ids == [a, b, c]
    assert client.teams.update(team, name="Release crew 2").admin_ids == [a, c], "omitted lists stay"


async def test_an_admin_who_is_not_a_member_is_refused_and_not_applied_async(
    aclient: AsyncAtono, sandbox: Sandbox
) -> None:
    users = [u.id async for u in aclient.users.list(limit=3)]
    team = await aclient.teams.create(name="Two of three", members=users[:2])
    writes = len(sandbox.applied_writes)
    with pytest.raises(UnprocessableEntityError, match="not a member"):
        await aclient.teams.update(team, admins=[users[2]])
    assert len(sandbox.applied_writes) == writes
    assert (await aclient.teams.get(team.id)).admin_ids == team.admin_ids
