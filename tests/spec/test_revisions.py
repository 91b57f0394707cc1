"""A spec revision reaches users by `make generate` alone: scripted revisions of a copy of the spec, regenerated into
a temporary tree beside an untouched copy of the overlay, each used by a probe that `mypy --strict` checks and that
runs over a mock transport, asserting what goes on the wire and what comes back typed.

The revisions: (1) a new read attribute, (2) a new writable attribute, (3) a new to-one relationship to an existing
type, writable and includable, (4) a new to-many relationship, (5) a new enum value, (6) a new resource type with a
list and a get operation, (7) a new sort field, and `sort` on another list, (8) a second spelling of an include
path, sent as the first. They are applied together and generated once, which keeps the test to one generator run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "atono.openapi.yaml"
Document = dict[str, Any]


def _schemas(doc: Document) -> dict[str, Any]:
    schemas: dict[str, Any] = doc["components"]["schemas"]
    return schemas


def read_attribute(doc: Document) -> None:
    _schemas(doc)["BugAttributes"]["properties"]["triagedAt"] = {
        "type": ["string", "null"],
        "format": "date-time",
        "readOnly": True,
        "description": "When the bug was triaged.",
    }


def writable_attribute(doc: Document) -> None:
    schemas = _schemas(doc)
    schemas["BugAttributes"]["properties"]["severity"] = {"type": "integer", "description": "1 (worst) to 4."}
    for name in ("BugCreateAttributes", "BugUpdateAttributes"):
        schemas[name]["properties"]["severity"] = {"type": "integer", "minimum": 1, "maximum": 4}


def to_one_relationship(doc: Document) -> None:
    schemas = _schemas(doc)
    schemas["BugRelationships"]["properties"]["verifier"] = {
        "$ref": "#/components/schemas/ToOneRelationship",
        "x-atono-target": "user",
    }
    for name in ("BugCreateRelationships", "BugUpdateRelationships"):
        schemas[name]["properties"]["verifier"] = {"$ref": "#/components/schemas/UserLinkage"}
    schemas["BugIncludePath"]["enum"].append("verifier")


def to_many_relationship(doc: Document) -> None:
    schemas = _schemas(doc)
    schemas["BugRelationships"]["properties"]["watchers"] = {
        "$ref": "#/components/schemas/ToManyRelationship",
        "x-atono-target": "user",
    }
    schemas["BugUpdateRelationships"]["properties"]["watchers"] = {"$ref": "#/components/schemas/UsersLinkage"}


def enum_value(doc: Document) -> None:
    _schemas(doc)["CycleTimeMode"]["enum"].append("PINNED")


def new_resource_type(doc: Document) -> None:
    schemas = _schemas(doc)
    schemas["Epic"] = {
        "type": "object",
        "description": "A large body of work that groups stories.",
        "required": ["type", "id", "attributes"],
        "properties": {
            "type": {"type": "string", "const": "epic"},
            "id": {"type": "string"},
            "attributes": {"$ref": "#/components/schemas/EpicAttributes"},
            "links": {"$ref": "#/components/schemas/Links"},
            "meta": {"$ref": "#/components/schemas/Meta"},
        },
    }
    schemas["EpicAttributes"] = {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "createdAt": {"type": "string", "format": "date-time"}},
    }
    schemas["EpicDocument"] = {
        "type": "object",
        "required": ["data"],
        "properties": {"data": {"$ref": "#/components/schemas/Epic"}},
    }
    schemas["EpicCollectionDocument"] = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Epic"}},
            "links": {"$ref": "#/components/schemas/Links"},
            "meta": {"$ref": "#/components/schemas/CollectionMeta"},
        },
    }
    doc["components"]["parameters"]["EpicId"] = {
        "name": "epicId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    doc["tags"].append({"name": "epics", "description": "Large bodies of work that group stories."})
    errors = doc["paths"]["/workflow-steps/{workflowStepId}"]["get"]["responses"]

    def operation(operation_id: str, summary: str, data: str, parameters: list[str]) -> dict[str, Any]:
        return {
            "operationId": operation_id,
            "tags": ["epics"],
            "summary": summary,
            "description": f"{summary}, for the revision test.",
            "x-atono-evidence": "Scripted by tests/spec/test_revisions.py.",
            "x-atono-provenance": "inferred",
            "externalDocs": {"url": "https://docs.atono.io/reference"},
            "security": [{"ApiKeyAuth": []}],
            "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in parameters],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {"application/vnd.api+json": {"schema": {"$ref": f"#/components/schemas/{data}"}}},
                },
                **{status: answer for status, answer in errors.items() if status != "200"},
            },
        }

    doc["paths"]["/epics"] = {
        "get": operation("listEpics", "List epics", "EpicCollectionDocument", ["PageSize", "PageNumber", "PageOffset"])
    }
    doc["paths"]["/epics/{epicId}"] = {
        "parameters": [{"$ref": "#/components/parameters/EpicId"}],
        "get": operation("getEpic", "Get an epic", "EpicDocument", []),
    }


def sort_fields(doc: Document) -> None:
    schemas = _schemas(doc)
    schemas["UserSortField"]["enum"].append("lastSeenAt")
    schemas["BugSortField"] = {"type": "string", "enum": ["title", "createdAt"]}
    doc["components"]["parameters"]["BugSort"] = {
        "name": "sort",
        "in": "query",
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string"}},
        "x-atono-sort-fields": "BugSortField",
    }
    doc["paths"]["/bugs"]["get"]["parameters"].append({"$ref": "#/components/parameters/BugSort"})


def include_spelling(doc: Document) -> None:
    paths = _schemas(doc)["BugIncludePath"]
    paths["enum"].append("inspector")
    paths["x-atono-include-sent-as"]["inspector"] = "verifier"


REVISIONS: list[Callable[[Document], None]] = [
    read_attribute,
    writable_attribute,
    to_one_relationship,
    to_many_relationship,
    enum_value,
    new_resource_type,
    sort_fields,
    include_spelling,
]

PROBE = '''
"""Uses every revision as a user would; run under mypy --strict and over a mock transport."""

import json
from datetime import UTC, datetime
from typing import assert_type

import httpx
from atono import Atono
from atono.pagination import SyncPager
from atono.types import Bug, CycleTimeMode, Epic, User

STAMP = "2024-09-04T22:28:31Z"
USER = {"type": "user", "id": "u1", "attributes": {"email": "a@b.c", "fullName": "Vera Verifier",
        "createdAt": STAMP, "updatedAt": STAMP}}
BUG = {
    "type": "bug",
    "id": "b1",
    "attributes": {"title": "t", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP, "severity": 3,
                   "triagedAt": "2025-01-02T03:04:05Z", "cycleTimeMode": "PINNED"},
    "relationships": {"verifier": {"data": {"type": "user", "id": "u1"}},
                      "watchers": {"data": [{"type": "user", "id": "u1"}, {"type": "user", "id": "u2"}]}},
}
EPIC = {"type": "epic", "id": "e1", "attributes": {"name": "Checkout", "createdAt": STAMP}}
sent: list[httpx.Request] = []


def answer(request: httpx.Request) -> httpx.Response:
    sent.append(request)
    path = request.url.path
    if path in ("/v1/bugs", "/v1/users") and request.method == "GET":
        return httpx.Response(200, json={"data": [BUG if path == "/v1/bugs" else USER], "links": {}})
    if path.startswith("/v1/bugs"):
        return httpx.Response(201 if request.method == "POST" else 200, json={"data": BUG, "included": [USER]})
    if path == "/v1/epics":
        return httpx.Response(200, json={"data": [EPIC], "links": {}})
    if path == "/v1/epics/e1":
        return httpx.Response(200, json={"data": EPIC})
    return httpx.Response(404)


client = Atono(api_key="revision-key", base_url="https://api.atono.test/v1",
               http_client=httpx.Client(transport=httpx.MockTransport(answer)), rate_limit=None)

# (1) a new read attribute, (2) read side of the new writable one, (5) the new enum value
bug = client.bugs.get("b1", include=["verifier"])
assert_type(bug, Bug)
assert bug.triaged_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), bug.triaged_at
assert bug.severity == 3
assert bug.cycle_time_mode == CycleTimeMode.PINNED and CycleTimeMode.PINNED.is_known
# (3) the new to-one relationship: sent as include, read as id and object
assert sent[-1].url.params["include"] == "verifier"
assert bug.verifier_id == "u1"
verifier = bug.verifier
assert_type(verifier, User | None)
assert verifier is not None and verifier.full_name == "Vera Verifier"
# (4) the new to-many relationship
assert bug.watcher_ids == ["u1", "u2"]

# (2) and (3) written
client.bugs.create(title="New", severity=2, verifier="u1")
created = json.loads(sent[-1].content)["data"]
assert created["attributes"] == {"title": "New", "severity": 2}, created
assert created["relationships"] == {"verifier": {"data": {"type": "user", "id": "u1"}}}, created
# (4) written, by id and by object; (3) cleared
client.bugs.update("b1", severity=1, watchers=["u2", verifier], verifier=None)
updated = json.loads(sent[-1].content)["data"]
assert updated["attributes"] == {"severity": 1}, updated
assert updated["relationships"] == {
    "watchers": {"data": [{"type": "user", "id": "u2"}, {"type": "user", "id": "u1"}]},
    "verifier": {"data": None},
}, updated

# (6) the new resource type, as a namespace, typed
pager = client.epics.list(page_size=10)
assert_type(pager, SyncPager[Epic])
epics = list(pager)
assert [e.name for e in epics] == ["Checkout"] and isinstance(epics[0], Epic)
assert sent[-1].url.params["page[size]"] == "10"
epic = client.epics.get("e1")
assert_type(epic, Epic)
assert epic.id == "e1" and epic.created_at == datetime(2024, 9, 4, 22, 28, 31, tzinfo=UTC)
# (7) a new sort field, and sort on a list that had none
assert [u.id for u in client.users.list(sort=["-last_seen_at", "full_name"])] == ["u1"]
assert sent[-1].url.params.get_list("sort") == ["-lastSeenAt", "fullName"]
assert [b.id for b in client.bugs.list(sort=["title", "-created_at"])] == ["b1"]
assert sent[-1].url.params.get_list("sort") == ["title", "-createdAt"]
try:
    client.bugs.list(sort=["severity"])
except ValueError as exc:
    assert "'created_at', 'title'" in str(exc), exc
else:
    raise AssertionError("an unknown sort field was accepted")
# (8) a second spelling of an include path is sent as the first
client.bugs.get("b1", include=["inspector", "verifier"])
assert sent[-1].url.params["include"] == "verifier"
print("every revision reached the user")
'''


@pytest.fixture(scope="module")
def revised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree holding the revised spec, what `make generate` makes of it, the overlay as it is, and the probe."""
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    for revise in REVISIONS:
        revise(document)
    root = tmp_path_factory.mktemp("revised")
    spec = root / "atono.openapi.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    subprocess.run(
        [sys.executable, str(ROOT / "spec" / "generate.py"), "--spec", str(spec), "--out", str(root / "generated")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.copytree(ROOT / "overlay", root / "overlay", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "probe.py").write_text(PROBE, encoding="utf-8")
    return root


def _environment(root: Path, variable: str) -> dict[str, str]:
    paths = f"{root / 'overlay'}{os.pathsep}{root / 'generated'}"
    return {**os.environ, variable: paths}


def test_the_revisions_reach_users_typed(revised: Path) -> None:
    mypy = Path(sys.executable).parent / "mypy"
    result = subprocess.run(
        [
            str(mypy),
            "--strict",
            "--config-file",
            os.devnull,
            "--python-version",
            "3.11",
            "--no-incremental",
            "probe.py",
        ],
        cwd=revised,
        env=_environment(revised, "MYPYPATH"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_revisions_are_sent_and_read_as_the_spec_says(revised: Path) -> None:
    result = subprocess.run(
        [sys.executable, "probe.py"],
        cwd=revised,
        env=_environment(revised, "PYTHONPATH"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every revision reached the user" in result.stdout


def test_the_probe_runs_against_the_revised_code_not_the_installed_one(revised: Path) -> None:
    code = "import atono, atono_sdk; print(atono.__file__); print(atono_sdk.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_environment(revised, "PYTHONPATH"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert all(line.startswith(str(revised)) for line in result.stdout.split()), result.stdout
