"""Writes: create (201, server-assigned fields), PATCH semantics, unassigning, delete, and the write record."""

from __future__ import annotations

from typing import Any

import httpx
from atono.testing import AppliedWrite, Sandbox

from tests.sandbox.helpers import JSONAPI, TIMESTAMP, error_of


def identifier(type_: str, id_: str | None) -> dict[str, Any]:
    return {"data": {"type": type_, "id": id_} if id_ is not None else None}


def public_team(client: httpx.Client) -> dict[str, Any]:
    return next(t for t in client.get("/teams").json()["data"] if t["attributes"]["isPublic"])


def test_creating_a_bug_assigns_id_handle_timestamps_and_reporter(client: httpx.Client, sandbox: Sandbox) -> None:
    team = public_team(client)
    assignee = team["relationships"]["members"]["data"][-1]["id"]
    document = {
        "data": {
            "type": "bug",
            "attributes": {"title": "Export freezes", "content": [{"type": "TEXT", "value": "Steps..."}]},
            "relationships": {"assignee": identifier("user", assignee), "team": identifier("team", team["id"])},
        }
    }
    response = client.post("/bugs", json=document, headers={"Content-Type": JSONAPI})
    assert response.status_code == 201
    assert response.headers["content-type"] == JSONAPI
    bug = response.json()["data"]
    assert bug["type"] == "bug" and len(bug["id"]) == 36
    attributes = bug["attributes"]
    assert attributes["handle"] == "BUG-21"  # the sandbox has 20 bugs
    assert attributes["title"] == "Export freezes"
    assert attributes["content"] == [{"type": "TEXT", "value": "Steps..."}]
    assert TIMESTAMP.fullmatch(attributes["createdAt"]) and attributes["createdAt"] == attributes["updatedAt"]
    assert attributes["deleted"] is False
    relationships = bug["relationships"]
    assert relationships["reporter"]["data"] == {"type": "user", "id": sandbox.user_id}
    assert relationships["assignee"]["data"]["id"] == assignee
    assert relationships["team"] == {
        "links": {"related": f"/api/v1/teams/{team['id']}"},
        "data": {"type": "team", "id": team["id"]},
    }
    step = client.get(f"/workflow-steps/{relationships['workflowStep']['data']['id']}").json()["data"]
    assert step["attributes"]["allowNewItems"] is True  # a new item starts where the team takes new items
    assert response.json()["links"]["self"] == f"/api/v1/bugs/{bug['id']}"

    assert client.get(f"/bugs/{bug['id']}").json()["data"] == bug
    listed = client.get("/bugs").json()
    assert listed["meta"]["count"] == 21 and listed["data"][-1] == bug


def test_creating_a_story_in_a_chosen_workflow_step(client: httpx.Client) -> None:
    team = public_team(client)
    stories = client.get("/stories").json()["data"]
    step_id = next(
        s["relationships"]["workflowStep"]["data"]["id"]
        for s in stories
        if s["relationships"]["team"]["data"] and s["relationships"]["team"]["data"]["id"] == team["id"]
    )
    document = {
        "data": {
            "type": "story",
            "attributes": {"title": "Dark mode", "additionalContent": [{"type": "TEXT", "value": "Notes"}]},
            "relationships": {
                "team": identifier("team", team["id"]),
                "workflowStep": identifier("workflow_step", step_id),
            },
        }
    }
    story = client.post("/stories", json=document).json()["data"]
    assert story["attributes"]["handle"] == "STORY-21"
    assert story["attributes"]["additionalContent"] == [{"type": "TEXT", "value": "Notes"}]
    assert story["relationships"]["workflowStep"]["data"]["id"] == step_id
    assert story["relationships"]["assignee"] == {"data": None}


def test_patch_changes_only_the_members_it_names(client: httpx.Client) -> None:
    bug = next(b for b in client.get("/bugs").json()["data"] if b["relationships"]["assignee"]["data"])
    patch = {"data": {"type": "bug", "id": bug["id"], "attributes": {"title": "Renamed"}}}
    response = client.patch(f"/bugs/{bug['id']}", json=patch)
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["attributes"]["title"] == "Renamed"
    assert updated["attributes"]["content"] == bug["attributes"]["content"]
    assert updated["attributes"]["handle"] == bug["attributes"]["handle"]
    assert updated["attributes"]["createdAt"] == bug["attributes"]["createdAt"]
    assert updated["relationships"] == bug["relationships"]
    assert client.get(f"/bugs/{bug['id']}").json()["data"] == updated


def test_a_null_relationship_unassigns(client: httpx.Client) -> None:
    bug = next(b for b in client.get("/bugs").json()["data"] if b["relationships"]["assignee"]["data"])
    patch = {"data": {"type": "bug", "id": bug["id"], "relationships": {"assignee": {"data": None}}}}
    updated = client.patch(f"/bugs/{bug['id']}", json=patch).json()["data"]
    assert updated["relationships"]["assignee"] == {"data": None}
    assert updated["relationships"]["team"] == bug["relationships"]["team"]
    assert updated["attributes"]["title"] == bug["attributes"]["title"]

    patch = {"data": {"type": "bug", "id": bug["id"], "relationships": {"team": {"data": None}}}}
    updated = client.patch(f"/bugs/{bug['id']}", json=patch).json()["data"]
    assert updated["relationships"]["team"] == {"data": None}
    assert updated["relationships"]["workflowStep"] == {"data": None}  # steps belong to a team's workflow


def test_moving_an_item_to_another_team_moves_it_to_that_teams_first_step(client: httpx.Client) -> None:
    teams = client.get("/teams").json()["data"]
    story = next(s for s in client.get("/stories").json()["data"] if s["relationships"]["team"]["data"])
    target = next(t for t in teams if t["id"] != story["relationships"]["team"]["data"]["id"])
    to_target = {"team": identifier("team", target["id"])}
    patch = {"data": {"type": "story", "id": story["id"], "relationships": to_target}}
    moved = client.patch(f"/stories/{story['id']}", json=patch).json()["data"]
    fresh = {"data": {"type": "story", "attributes": {"title": "New"}, "relationships": to_target}}
    new = client.post("/stories", json=fresh).json()["data"]
    assert moved["relationships"]["team"]["data"]["id"] == target["id"]
    assert moved["relationships"]["workflowStep"] == new["relationships"]["workflowStep"]
    assert moved["relationships"]["workflowStep"] != story["relationships"]["workflowStep"]


def test_the_bug_reporter_can_be_changed(client: httpx.Client, sandbox: Sandbox) -> None:
    bug = client.get("/bugs").json()["data"][0]
    patch = {
        "data": {
            "type": "bug",
            "id": bug["id"],
            "relationships": {"reporter": identifier("user", sandbox.other_user_id)},
        }
    }
    updated = client.patch(f"/bugs/{bug['id']}", json=patch).json()["data"]
    assert updated["relationships"]["reporter"]["data"]["id"] == sandbox.other_user_id


def test_delete_removes_the_item(client: httpx.Client) -> None:
    before = client.get("/stories").json()
    story = before["data"][3]
    response = client.delete(f"/stories/{story['id']}")
    assert response.status_code == 204
    assert response.content == b""
    error_of(client.get(f"/stories/{story['id']}"), 404)
    after = client.get("/stories").json()
    assert after["meta"]["count"] == before["meta"]["count"] - 1
    assert story["id"] not in {s["id"] for s in after["data"]}
    error_of(client.delete(f"/stories/{story['id']}"), 404)


def test_users_are_added_and_renamed(client: httpx.Client) -> None:
    document = {"data": {"type": "user", "attributes": {"email": "carla.clave@example.com", "fullName": "Carla Clave"}}}
    user = client.post("/users", json=document).json()["data"]
    assert user["attributes"]["email"] == "carla.clave@example.com"
    assert TIMESTAMP.fullmatch(user["attributes"]["invitedAt"])
    patch = {"data": {"type": "user", "id": user["id"], "attributes": {"fullName": "Carla C."}}}
    renamed = client.patch(f"/users/{user['id']}", json=patch).json()["data"]
    assert renamed["attributes"]["fullName"] == "Carla C."
    assert renamed["attributes"]["email"] == "carla.clave@example.com"
    error_of(client.post("/users", json=document), 409, pointer="/data/attributes/email")


def test_teams_are_created_with_a_workflow_and_members_replaced(client: httpx.Client, sandbox: Sandbox) -> None:
    users = [u["id"] for u in client.get("/users").json()["data"]]
    document = {
        "data": {
            "type": "team",
            "attributes": {"name": "Firmware", "isPublic": False},
            "relationships": {"members": {"data": [{"type": "user", "id": u} for u in (sandbox.user_id, users[5])]}},
        }
    }
    team = client.post("/teams", json=document).json()["data"]
    assert team["attributes"]["name"] == "Firmware" and team["attributes"]["isPublic"] is False
    assert team["attributes"]["description"] is None
    assert [m["id"] for m in team["relationships"]["members"]["data"]] == [sandbox.user_id, users[5]]
    # New items of the team land in its first step.
    bug = {
        "data": {"type": "bug", "attributes": {"title": "x"}, "relationships": {"team": identifier("team", team["id"])}}
    }
    created = client.post("/bugs", json=bug).json()["data"]
    assert created["relationships"]["workflowStep"]["data"] is not None
    # The outsider cannot see the new private team.
    outsider = httpx.get(f"{sandbox.url}/teams/{team['id']}", headers={"X-API-KEY": sandbox.other_api_key})
    error_of(outsider, 404)

    patch = {
        "data": {
            "type": "team",
            "id": team["id"],
            "attributes": {"description": None, "isPublic": True},
            "relationships": {"members": {"data": [{"type": "user", "id": users[7]}]}},
        }
    }
    updated = client.patch(f"/teams/{team['id']}", json=patch).json()["data"]
    assert updated["relationships"]["members"]["data"] == [{"type": "user", "id": users[7]}]
    assert updated["relationships"]["members"]["meta"] == {"count": 1}
    assert updated["attributes"]["name"] == "Firmware"
    outsider = httpx.get(f"{sandbox.url}/teams/{team['id']}", headers={"X-API-KEY": sandbox.other_api_key})
    assert outsider.status_code == 200


def test_applied_writes_record_each_write_once(client: httpx.Client, sandbox: Sandbox) -> None:
    create = {"data": {"type": "bug", "attributes": {"title": "Recorded"}}}
    bug = client.post("/bugs", json=create).json()["data"]
    patch = {"data": {"type": "bug", "id": bug["id"], "attributes": {"title": "Recorded twice?"}}}
    client.patch(f"/api/v1/bugs/{bug['id']}".removeprefix("/api/v1"), json=patch)
    client.delete(f"/bugs/{bug['id']}")
    client.delete(f"/bugs/{bug['id']}")  # 404: not applied
    client.post("/bugs", json={"data": {"type": "bug", "attributes": {}}})  # 400: not applied
    client.get("/bugs")  # reads are not writes
    assert sandbox.applied_writes == [
        AppliedWrite("POST", "/v1/bugs", "bug", bug["id"], create),
        AppliedWrite("PATCH", f"/v1/bugs/{bug['id']}", "bug", bug["id"], patch),
        AppliedWrite("DELETE", f"/v1/bugs/{bug['id']}", "bug", bug["id"], None),
    ]


def test_the_write_record_keeps_the_path_as_requested(sandbox: Sandbox) -> None:
    response = httpx.post(
        f"{sandbox.origin}/api/v1/users",
        json={"data": {"type": "user", "attributes": {"email": "ana@example.com", "fullName": "Ana"}}},
        headers={"X-API-KEY": sandbox.api_key},
    )
    assert response.status_code == 201
    (write,) = sandbox.applied_writes
    assert (write.method, write.path, write.resource_type) == ("POST", "/api/v1/users", "user")
    assert write.resource_id == response.json()["data"]["id"]
