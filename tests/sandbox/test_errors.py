"""Every failure is a JSON:API error document with its status, a code, a title, a detail and a source."""

from __future__ import annotations

import httpx
import pytest
from atono.testing import Sandbox

from tests.sandbox.helpers import error_of

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def bug_document(**attributes: object) -> dict[str, object]:
    return {"data": {"type": "bug", "attributes": {"title": "Crash on start", **attributes}}}


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong"}, {"X-API-KEY": ""}])
def test_a_missing_or_wrong_key_is_401(shared_sandbox: Sandbox, headers: dict[str, str]) -> None:
    response = httpx.get(f"{shared_sandbox.url}/bugs", headers=headers)
    error_of(response, 401, header="X-API-KEY")


def test_a_write_without_a_key_is_401_and_not_applied(sandbox: Sandbox) -> None:
    error_of(httpx.post(f"{sandbox.url}/bugs", json=bug_document()), 401, header="X-API-KEY")
    assert sandbox.applied_writes == []


@pytest.mark.parametrize("path", ["stories", "bugs", "teams", "users", "flags", "workflow-steps"])
def test_an_unknown_id_is_404(api: httpx.Client, path: str) -> None:
    error = error_of(api.get(f"/{path}/{UNKNOWN}"), 404)
    assert UNKNOWN in error["detail"]


@pytest.mark.parametrize("path", ["/teams/{id}/relationships/members", "/flags/{id}/environments"])
def test_a_sub_collection_of_an_unknown_parent_is_404(api: httpx.Client, path: str) -> None:
    error_of(api.get(path.format(id=UNKNOWN)), 404)


def test_an_unknown_route_is_404(api: httpx.Client, shared_sandbox: Sandbox) -> None:
    error_of(api.get("/epics"), 404)
    error_of(api.get("/bugs/"), 404)
    error_of(httpx.get(f"{shared_sandbox.origin}/v2/bugs", headers=api.headers), 404)


def test_an_unsupported_method_is_405_with_allow(api: httpx.Client) -> None:
    response = api.put("/bugs", json={})
    error_of(response, 405)
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}


def test_an_unknown_query_parameter_is_400(api: httpx.Client) -> None:
    error = error_of(api.get("/bugs", params={"sort": "-createdAt"}), 400, parameter="sort")
    assert error["code"] == "unknown_parameter"


def test_a_body_that_is_not_json_is_415_and_not_applied(client: httpx.Client, sandbox: Sandbox) -> None:
    before = len(sandbox.applied_writes)
    response = client.post("/bugs", content=b"title=Crash", headers={"Content-Type": "text/plain"})
    assert error_of(response, 415, header="Content-Type")["code"] == "unsupported_media_type"
    assert len(sandbox.applied_writes) == before


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post("/bugs", content=b'{"data": ', headers={"Content-Type": "application/vnd.api+json"})
    assert error_of(response, 400, pointer="")["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({"data": {"type": "bug", "attributes": {}}}, "/data/attributes/title"),
        (bug_document(title=""), "/data/attributes/title"),
        (bug_document(severity="high"), "/data/attributes/severity"),
        (bug_document(content=[{"type": "MARKDOWN", "value": "x"}]), "/data/attributes/content/0/type"),
        ({"data": {"type": "bug", "attributes": {"title": "x"}, "relationships": {"reporter": None}}}, None),
        ({"data": {"type": "bug"}}, "/data/attributes"),
        ({"bug": {}}, "/data"),
        ([], ""),
    ],
)
def test_an_invalid_body_is_400_pointing_at_the_problem(
    client: httpx.Client, sandbox: Sandbox, document: object, pointer: str | None
) -> None:
    response = client.post("/bugs", json=document)
    error = error_of(response, 400, pointer=pointer)
    assert error["code"] == "invalid_body"
    assert sandbox.applied_writes == []


def test_a_null_the_spec_does_not_allow_is_400(client: httpx.Client) -> None:
    story = client.get("/stories").json()["data"][0]
    update = {"data": {"type": "story", "id": story["id"], "attributes": {"title": None}}}
    error_of(client.patch(f"/stories/{story['id']}", json=update), 400, pointer="/data/attributes/title")
    update = {"data": {"type": "story", "id": story["id"], "relationships": {"workflowStep": None}}}
    error_of(client.patch(f"/stories/{story['id']}", json=update), 400, pointer="/data/relationships/workflowStep")


def test_both_json_media_types_are_accepted(client: httpx.Client) -> None:
    for media_type in ("application/json", "application/vnd.api+json"):
        response = client.post("/bugs", json=bug_document(), headers={"Content-Type": media_type})
        assert response.status_code == 201


def test_a_resource_of_another_type_is_409(client: httpx.Client) -> None:
    document = {"data": {"type": "story", "attributes": {"title": "x"}}}
    assert error_of(client.post("/bugs", json=document), 409, pointer="/data/type")["code"] == "type_mismatch"


def test_an_id_that_differs_from_the_path_is_409(client: httpx.Client) -> None:
    bug_id, other_id = (b["id"] for b in client.get("/bugs", params={"page[size]": 2}).json()["data"])
    document = {"data": {"type": "bug", "id": other_id, "attributes": {"title": "x"}}}
    assert error_of(client.patch(f"/bugs/{bug_id}", json=document), 409, pointer="/data/id")["code"] == "id_mismatch"


def test_a_client_generated_id_is_403(client: httpx.Client) -> None:
    document = {"data": {"type": "bug", "id": UNKNOWN, "attributes": {"title": "x"}}}
    error_of(client.post("/bugs", json=document), 403, pointer="/data/id")


def test_a_duplicate_email_is_409(client: httpx.Client) -> None:
    existing = client.get("/users").json()["data"][0]["attributes"]["email"]
    document = {"data": {"type": "user", "attributes": {"email": existing.upper(), "fullName": "Copy Cat"}}}
    error = error_of(client.post("/users", json=document), 409, pointer="/data/attributes/email")
    assert error["code"] == "duplicate_email"


def test_linking_a_resource_that_does_not_exist_is_404(client: httpx.Client) -> None:
    document = {
        "data": {
            "type": "bug",
            "attributes": {"title": "x"},
            "relationships": {"assignee": {"data": {"type": "user", "id": UNKNOWN}}},
        }
    }
    error_of(client.post("/bugs", json=document), 404, pointer="/data/relationships/assignee/data/id")


def test_a_workflow_step_of_another_team_is_422(client: httpx.Client) -> None:
    teams = client.get("/teams", params={"include": "members"}).json()["data"]
    first, second = teams[0], teams[1]
    stories = client.get("/stories", params={"include": "WORKFLOW_STEP"}).json()
    foreign_step = next(
        s["relationships"]["workflowStep"]["data"]["id"]
        for s in stories["data"]
        if s["relationships"]["team"]["data"] and s["relationships"]["team"]["data"]["id"] == second["id"]
    )
    document = {
        "data": {
            "type": "story",
            "attributes": {"title": "Cross-team"},
            "relationships": {
                "team": {"data": {"type": "team", "id": first["id"]}},
                "workflowStep": {"data": {"type": "workflow_step", "id": foreign_step}},
            },
        }
    }
    response = client.post("/stories", json=document)
    error_of(response, 422, pointer="/data/relationships/workflowStep/data/id")
