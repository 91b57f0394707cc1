"""Every resource namespace against the sandbox over loopback HTTP, sync and async."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from atono import AsyncAtono, Atono, NotFoundError, NotIncludedError
from atono.resources import Identifier
from atono.testing import Sandbox
from atono.types import Bug, ContentChunkType, Flag, FlagEnvironment, Story, Team, User, WorkflowStep


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=120, bugs=150, users=40, teams=6, flags=5, seed=11) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Atono]:
    with Atono(api_key=sandbox.api_key, base_url=sandbox.url) as atono:
        yield atono


@pytest.fixture
async def aclient(sandbox: Sandbox) -> AsyncIterator[AsyncAtono]:
    async with AsyncAtono(api_key=sandbox.api_key, base_url=sandbox.url) as atono:
        yield atono


# ---- bugs -------------------------------------------------------------------------------------------------
def test_list_bugs_with_include_resolves_to_typed_objects(client: Atono) -> None:
    bugs = list(client.bugs.list(include=["assignee", "team"]))
    assert len(bugs) == 150 and len({b.id for b in bugs}) == 150
    assigned = [b for b in bugs if b.assignee_id is not None]
    assert assigned, "the seeded data should assign some bugs"
    for bug in bugs:
        assert isinstance(bug, Bug)
        if bug.assignee_id is None:
            assert bug.assignee is None
        else:
            assert isinstance(bug.assignee, User) and bug.assignee.id == bug.assignee_id
        if bug.team_id is not None:
            assert isinstance(bug.team, Team) and bug.team.id == bug.team_id


def test_a_relationship_not_included_raises_and_keeps_its_id(client: Atono) -> None:
    some = next(b for b in client.bugs.list() if b.reporter_id and b.reporter_id != b.assignee_id)
    bug = client.bugs.get(some.id, include=["assignee"])
    assert bug.reporter_id == some.reporter_id
    with pytest.raises(NotIncludedError, match=r"include=\['reporter'\]"):
        _ = bug.reporter


def test_get_bug_with_workflow_step_and_nested_team_members(client: Atono) -> None:
    some = next(b for b in client.bugs.list(limit=50) if b.team_id and b.workflow_step_id)
    bug = client.bugs.get(some.id, include=["workflow_step", "team.members", "reporter"])
    assert isinstance(bug.workflow_step, WorkflowStep) and bug.workflow_step.id == some.workflow_step_id
    assert bug.team is not None and bug.team.member_ids
    assert [m.id for m in bug.team.members] == bug.team.member_ids
    assert all(isinstance(m, User) for m in bug.team.members)
    step = client.workflow_steps.get(bug.workflow_step.id)
    assert step.name == bug.workflow_step.name and step.category == bug.workflow_step.category


def test_bug_lifecycle(client: Atono) -> None:
    users = list(client.users.list(limit=3))
    team = next(iter(client.teams.list(limit=1)))
    created = client.bugs.create(
        title="Dropdown menus open off-screen",
        content=["Steps: open the editor", {"type": "DISPLAY_HTML", "value": "<p>Expected: on screen</p>"}],
        assignee=users[0],
        team=team.id,
    )
    assert created.title == "Dropdown menus open off-screen" and created.handle.startswith("BUG-")
    assert created.assignee_id == users[0].id and created.team_id == team.id
    assert [c.type for c in created.content] == [ContentChunkType.TEXT, ContentChunkType.DISPLAY_HTML]
    assert created.created_at.tzinfo is not None

    renamed = client.bugs.update(created.id, title="Dropdown menus clip on small screens")
    assert renamed.title == "Dropdown menus clip on small screens"
    assert renamed.assignee_id == users[0].id and renamed.team_id == team.id  # omitted: unchanged
    assert [c.value for c in renamed.content] == [c.value for c in created.content]

    unassigned = client.bugs.update(created, assignee=None, reporter=users[1].id)
    assert unassigned.assignee_id is None and unassigned.reporter_id == users[1].id
    assert unassigned.team_id == team.id
    assert client.bugs.get(created.id).assignee_id is None

    client.bugs.delete(created.id)
    with pytest.raises(NotFoundError):
        client.bugs.get(created.id)
    assert created.id not in {b.id for b in client.bugs.list()}


# ---- stories, teams, users, flags ---------------------------------------------------------------------------
def test_story_lifecycle(client: Atono) -> None:
    team = next(iter(client.teams.list(limit=1)))
    story = client.stories.create(
        title="As a player I want presets", content=[{"type": "PERSONA", "value": "Player"}], team=team
    )
    assert isinstance(story, Story) and story.handle.startswith("STORY-") and story.team_id == team.id
    updated = client.stories.update(story.id, additional_content=["Background"], team=None)
    assert updated.team_id is None and updated.title == story.title
    assert [c.value for c in updated.additional_content] == ["Background"]
    client.stories.delete(updated)
    with pytest.raises(NotFoundError):
        client.stories.get(story.id)


def test_stories_list_with_include(client: Atono) -> None:
    stories = list(client.stories.list(include=["assignee", "workflow_step"], page_size=25))
    assert len(stories) == 120
    for story in stories:
        if story.workflow_step_id:
            assert isinstance(story.workflow_step, WorkflowStep)


def test_team_lifecycle_and_members(client: Atono) -> None:
    users = list(client.users.list(limit=4))
    team = client.teams.create(name="Patch loaders", description="Fast patches", is_public=True, members=users[:3])
    assert team.name == "Patch loaders" and team.is_public is True
    assert team.member_ids == [u.id for u in users[:3]]
    members = list(client.teams.members(team.id, page_size=2))
    assert members == [Identifier("user", u.id) for u in users[:3]]
    updated = client.teams.update(team, description=None, members=[users[3]])
    assert updated.description is None and updated.member_ids == [users[3].id]
    full = client.teams.get(team.id, include=["members"])
    assert [m.full_name for m in full.members] == [users[3].full_name]


def test_user_lifecycle(client: Atono) -> None:
    user = client.users.create(email="carla.clave@example.com", full_name="Carla Clave")
    assert isinstance(user, User) and user.email == "carla.clave@example.com"
    renamed = client.users.update(user.id, full_name="Carla C. Clave")
    assert renamed.full_name == "Carla C. Clave" and renamed.email == user.email
    assert client.users.get(user.id).full_name == "Carla C. Clave"


def test_flags_by_id_and_key_and_their_environments(client: Atono) -> None:
    flags = list(client.flags.list(include=["slices"]))
    assert len(flags) == 5 and all(isinstance(f, Flag) for f in flags)
    flag = flags[0]
    assert all(isinstance(env, FlagEnvironment) for env in flag.slices)
    by_key = client.flags.get(flag.key)
    assert by_key.id == flag.id
    environments = list(client.flags.environments(flag.key))
    assert [e.id for e in environments] == flag.slice_ids
    assert all(isinstance(e.environment_code, str) for e in environments)


def test_unknown_ids_raise_not_found(client: Atono) -> None:
    with pytest.raises(NotFoundError):
        client.bugs.get("00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFoundError):
        client.flags.get("no_such_flag")


# ---- async twins ---------------------------------------------------------------------------------------------
async def test_async_list_and_lifecycle(aclient: AsyncAtono) -> None:
    bugs = [bug async for bug in aclient.bugs.list(include=["assignee"], page_size=30)]
    assert len(bugs) == 150 and len({b.id for b in bugs}) == 150
    for bug in bugs:
        assert bug.assignee is None or bug.assignee.id == bug.assignee_id
    created = await aclient.bugs.create(title="Async bug", assignee=bugs[0].assignee_id)
    updated = await aclient.bugs.update(created.id, assignee=None)
    assert updated.assignee_id is None and updated.title == "Async bug"
    await aclient.bugs.delete(created.id)
    with pytest.raises(NotFoundError):
        await aclient.bugs.get(created.id)


async def test_async_other_namespaces(aclient: AsyncAtono) -> None:
    teams = [t async for t in aclient.teams.list(include=["members"])]
    assert teams and all(len(t.members) == len(t.member_ids) for t in teams)
    member_ids = [m.id async for m in aclient.teams.members(teams[0].id)]
    assert member_ids == teams[0].member_ids
    user = await aclient.users.create(email="async@example.com", full_name="Async User")
    assert (await aclient.users.update(user, full_name="Async U.")).full_name == "Async U."
    first = [f async for f in aclient.flags.list(limit=1)]
    flag = await aclient.flags.get(first[0].key)
    assert [e.id async for e in aclient.flags.environments(flag)] == flag.slice_ids
    story = await aclient.stories.create(title="Async story")
    assert (await aclient.stories.get(story.id)).title == "Async story"
    await aclient.stories.delete(story.id)
