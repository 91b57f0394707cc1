"""`include`: complete related resources in `included`, each once, never the primary data, nested paths too."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import check_included, error_of, linked


def test_list_bugs_includes_their_assignees_and_teams(api: httpx.Client) -> None:
    doc = api.get("/bugs", params={"page[size]": 20, "include": "assignee,team"}).json()
    included = check_included(doc)
    assert set(included) == linked(doc, "assignee", "team")
    assert {t for t, _ in included} == {"user", "team"}
    # Included resources are complete: the same as fetching each one.
    for resource in doc["included"]:
        path = {"user": "users", "team": "teams"}[resource["type"]]
        assert api.get(f"/{path}/{resource['id']}").json()["data"] == resource


def test_get_bug_includes_its_reporter(api: httpx.Client) -> None:
    bug = api.get("/bugs", params={"page[size]": 1}).json()["data"][0]
    doc = api.get(f"/bugs/{bug['id']}", params={"include": "reporter"}).json()
    assert check_included(doc) == [("user", bug["relationships"]["reporter"]["data"]["id"])]


def test_to_many_relationships_are_included(api: httpx.Client) -> None:
    doc = api.get("/teams", params={"include": "members,admins,backlogOwners"}).json()
    included = check_included(doc)
    assert set(included) == linked(doc, "members", "admins", "backlogOwners")
    assert {t for t, _ in included} == {"user"}


def test_nested_paths_walk_from_their_parent(api: httpx.Client) -> None:
    doc = api.get("/bugs", params={"page[size]": 30, "include": "team.members"}).json()
    included = check_included(doc)
    teams = {key for key in included if key[0] == "team"}
    assert teams == linked(doc, "team")
    members = set()
    for team in doc["included"]:
        if team["type"] == "team":
            members |= {("user", m["id"]) for m in team["relationships"]["members"]["data"]}
    assert {key for key in included if key[0] == "user"} == members


def test_overlapping_paths_include_each_resource_once(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"include": "assignee,reporter,team,team.members"}).json()
    included = check_included(doc)
    assert set(included) >= linked(doc, "assignee", "reporter", "team")


def test_workflow_step_is_included_with_the_documented_upper_case_name(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"page[size]": 25, "include": "WORKFLOW_STEP"}).json()
    included = check_included(doc)
    assert included and set(included) == linked(doc, "workflowStep")
    step = doc["included"][0]
    assert step["type"] == "workflow_step"
    assert step["attributes"]["category"] in {"TODO", "IN_PROGRESS", "DONE", "WONT_DO"}
    assert api.get(f"/workflow-steps/{step['id']}").json()["data"] == step


def test_acceptance_criteria_are_included(api: httpx.Client) -> None:
    doc = api.get("/stories", params={"page[size]": 10, "include": "acceptanceCriteria"}).json()
    included = check_included(doc)
    assert included and set(included) == linked(doc, "acceptanceCriteria")
    assert all(r["type"] == "acceptance_criterion" and r["attributes"]["text"] for r in doc["included"])


def test_a_flag_includes_its_environments(api: httpx.Client) -> None:
    flag = api.get("/flags").json()["data"][0]
    doc = api.get(f"/flags/{flag['attributes']['key']}", params={"include": "slices"}).json()
    assert doc["data"] == flag
    check_included(doc)
    assert [r["meta"]["environmentCode"] for r in doc["included"]] == ["dev", "test", "stage", "prod"]
    assert all(r["attributes"]["configuration"] in {"on", "off", "MIXED"} for r in doc["included"])


def test_without_include_there_is_no_included(api: httpx.Client) -> None:
    assert "included" not in api.get("/bugs", params={"page[size]": 3}).json()


@pytest.mark.parametrize("include", ["assignees", "workflow_step", "workflowStep", "team.admins", "", "team,"])
def test_an_unknown_include_path_is_400(api: httpx.Client, include: str) -> None:
    error_of(api.get("/bugs", params={"include": include}), 400, parameter="include")


def test_include_where_the_operation_has_none_is_an_unknown_parameter(api: httpx.Client) -> None:
    error = error_of(api.get("/users", params={"include": "teams"}), 400, parameter="include")
    assert error["code"] == "unknown_parameter"
