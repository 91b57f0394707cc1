"""The second key belongs to a user outside the private team: its items are 404 to read and 403 to write."""

from __future__ import annotations

from typing import Any

import httpx
from atono.testing import Sandbox

from tests.sandbox.helpers import error_of


def private_team_ids(api: httpx.Client) -> set[str]:
    teams = api.get("/teams").json()["data"]
    private = {t["id"] for t in teams if not t["attributes"]["isPublic"]}
    assert private, "the sandbox has a private team"
    return private


def team_of(item: dict[str, Any]) -> str | None:
    data = item["relationships"]["team"]["data"]
    return data["id"] if data else None


def everything(api: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    number = 0
    while True:
        doc = api.get(path, params={"page[number]": number}).json()
        items += doc["data"]
        if "next" not in doc["links"]:
            return items
        number += 1


def test_the_main_key_is_a_member_of_every_team(api: httpx.Client, shared_sandbox: Sandbox) -> None:
    teams = api.get("/teams").json()["data"]
    assert len(teams) == 4
    for team in teams:
        assert {"type": "user", "id": shared_sandbox.user_id} in team["relationships"]["members"]["data"]
    assert api.get("/stories").json()["meta"]["count"] == 250


def test_the_outsider_does_not_see_the_private_team(
    api: httpx.Client, outsider_api: httpx.Client, shared_sandbox: Sandbox
) -> None:
    private = private_team_ids(api)
    visible = {t["id"] for t in outsider_api.get("/teams").json()["data"]}
    assert visible and not visible & private
    assert outsider_api.get("/teams").json()["meta"]["count"] == 4 - len(private)
    for team_id in private:
        members = api.get(f"/teams/{team_id}").json()["data"]["relationships"]["members"]["data"]
        assert {"type": "user", "id": shared_sandbox.other_user_id} not in members
        error_of(outsider_api.get(f"/teams/{team_id}"), 404)
        error_of(outsider_api.get(f"/teams/{team_id}/relationships/members"), 404)


def test_private_items_are_missing_from_the_outsiders_lists(api: httpx.Client, outsider_api: httpx.Client) -> None:
    private = private_team_ids(api)
    for path in ("/stories", "/bugs"):
        everyone = everything(api, path)
        expected = [i["id"] for i in everyone if team_of(i) not in private]
        assert len(expected) < len(everyone), "some items are in the private team"
        seen = everything(outsider_api, path)
        assert [i["id"] for i in seen] == expected
        assert outsider_api.get(path).json()["meta"]["count"] == len(expected)


def test_reading_a_private_item_is_404_for_the_outsider(api: httpx.Client, outsider_api: httpx.Client) -> None:
    private = private_team_ids(api)
    stories = api.get("/stories", params={"include": "WORKFLOW_STEP"}).json()
    story = next(s for s in stories["data"] if team_of(s) in private)
    error_of(outsider_api.get(f"/stories/{story['id']}"), 404)
    step_id = story["relationships"]["workflowStep"]["data"]["id"]
    assert api.get(f"/workflow-steps/{step_id}").status_code == 200
    error_of(outsider_api.get(f"/workflow-steps/{step_id}"), 404)
    public = next(s for s in stories["data"] if team_of(s) not in private)
    assert outsider_api.get(f"/stories/{public['id']}").json() == api.get(f"/stories/{public['id']}").json()


def test_writing_a_private_item_is_403_for_the_outsider(sandbox: Sandbox) -> None:
    headers = {"X-API-KEY": sandbox.api_key}
    with httpx.Client(base_url=sandbox.url, headers=headers) as api:
        outsider = httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.other_api_key})
        private = private_team_ids(api)
        bugs = everything(api, "/bugs")
        bug = next(b for b in bugs if team_of(b) in private)
        public = next(b for b in bugs if team_of(b) is not None and team_of(b) not in private)
        private_team = next(iter(private))

        patch = {"data": {"type": "bug", "id": bug["id"], "attributes": {"title": "Hijacked"}}}
        error_of(outsider.patch(f"/bugs/{bug['id']}", json=patch), 403)
        error_of(outsider.delete(f"/bugs/{bug['id']}"), 403)
        to_private = {"data": {"type": "team", "id": private_team}}
        create = {"data": {"type": "bug", "attributes": {"title": "x"}, "relationships": {"team": to_private}}}
        error_of(outsider.post("/bugs", json=create), 403, pointer="/data/relationships/team/data/id")
        move = {"data": {"type": "bug", "id": public["id"], "relationships": {"team": to_private}}}
        error_of(outsider.patch(f"/bugs/{public['id']}", json=move), 403)
        team_patch = {"data": {"type": "team", "id": private_team, "attributes": {"isPublic": True}}}
        error_of(outsider.patch(f"/teams/{private_team}", json=team_patch), 403)
        outsider.close()

        assert api.get(f"/bugs/{bug['id']}").json()["data"] == bug
        assert sandbox.applied_writes == []
        # The member key may write the same item.
        assert api.patch(f"/bugs/{bug['id']}", json=patch).status_code == 200
