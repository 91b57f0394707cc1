"""Documents into typed objects: include resolution, forward compatibility and malformed bodies."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import pytest
import yaml
from atono._documents import decode_document, parse_document
from atono._exceptions import NotIncludedError
from atono._objects import MalformedDocumentError
from atono.types import Bug, ContentChunkType, CycleTimeMode, FlagEnvironment, Resource, Team, User, WorkflowStep

from tests.helpers import SPEC_PATH

EXAMPLES = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"]["examples"]


def get_bug() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES["GetBugResponse"]["value"])


def test_documented_bug_into_typed_objects() -> None:
    bug = parse_document(get_bug(), many=False).data[0]
    assert isinstance(bug, Bug)
    assert (bug.type, bug.id, bug.handle) == ("bug", "f239bdd6-9016-4922-a229-b4120aadba15", "BUG-4")
    assert bug.created_at == datetime.datetime(2024, 9, 4, 22, 28, 31, tzinfo=datetime.UTC)
    assert bug.cycle_time_mode is CycleTimeMode.NORMAL
    assert bug.content[0].type is ContentChunkType.DISPLAY_HTML
    assert bug.content[0].value.startswith("<h3>Summary</h3>")


def test_to_one_relationships_resolve_from_included() -> None:
    bug = parse_document(get_bug(), many=False).data[0]
    assert isinstance(bug.assignee, User) and bug.assignee.full_name == "Oliver Resonance"
    assert isinstance(bug.reporter, User) and bug.reporter.full_name == "Ella Rhythm"
    assert isinstance(bug.team, Team) and bug.team.name == "Synth Support Squad"
    assert bug.assignee_id == bug.assignee.id
    assert bug.team_id == "0cd0c8b8-734f-4c17-a07c-e993b04af480"


def test_one_object_per_resource_across_the_document() -> None:
    doc = get_bug()
    doc["data"]["relationships"]["reporter"]["data"]["id"] = doc["data"]["relationships"]["assignee"]["data"]["id"]
    bug = parse_document(doc, many=False).data[0]
    assert bug.assignee is bug.reporter


def test_null_relationship_is_none_and_not_included_names_the_include() -> None:
    doc = get_bug()
    doc["data"]["relationships"]["assignee"] = {"data": None}
    doc["included"] = []
    bug = parse_document(doc, many=False).data[0]
    assert bug.assignee is None and bug.assignee_id is None
    with pytest.raises(NotIncludedError) as raised:
        _ = bug.team
    assert "include=['team']" in str(raised.value)
    assert raised.value.relationship == "team"
    assert bug.team_id == "0cd0c8b8-734f-4c17-a07c-e993b04af480"
    with pytest.raises(NotIncludedError, match=r"include=\['workflow_step'\]"):
        _ = bug.workflow_step
    assert bug.workflow_step_id is None


def test_to_many_and_nested_resolution() -> None:
    doc = get_bug()
    team = doc["included"][0]
    team["relationships"]["members"]["data"] = team["relationships"]["members"]["data"][2:3]
    bug = parse_document(doc, many=False).data[0]
    assert bug.team is not None
    assert bug.team.member_ids == ["fe4641d7-c72a-4165-904d-89b2ded40916"]
    assert [m.full_name for m in bug.team.members] == ["Oliver Resonance"]
    assert bug.team.members[0] is bug.assignee


def test_to_many_partially_included_raises() -> None:
    bug = parse_document(get_bug(), many=False).data[0]
    assert bug.team is not None
    assert len(bug.team.member_ids) == 4
    with pytest.raises(NotIncludedError, match=r"members"):
        _ = bug.team.members


def test_unknown_included_type_attribute_and_enum_are_kept() -> None:
    doc = get_bug()
    doc["data"]["attributes"]["cycleTimeMode"] = "PAUSED"
    doc["data"]["attributes"]["severity"] = 3
    doc["data"]["relationships"]["epic"] = {"data": {"type": "epic", "id": "e1"}}
    doc["included"].append({"type": "epic", "id": "e1", "attributes": {"name": "Audio"}})
    parsed = parse_document(doc, many=False)
    bug = parsed.data[0]
    assert bug.cycle_time_mode == "PAUSED" and not bug.cycle_time_mode.is_known
    assert bug["severity"] == 3 and bug.additional_properties == {"severity": 3}
    epic = bug.related("epic")
    assert isinstance(epic, Resource) and epic["name"] == "Audio" and epic.type == "epic"
    assert bug.related_id("epic") == "e1"
    assert parsed.included[-1] is epic


def test_flag_environment_code_from_meta_and_workflow_step_alias() -> None:
    env = parse_document(
        {
            "data": {
                "type": "flag_environment",
                "id": "e",
                "attributes": {"configuration": "on"},
                "meta": {"environmentCode": "prod"},
            }
        },
        many=False,
    ).data[0]
    assert isinstance(env, FlagEnvironment) and env.environment_code == "prod" and env.configuration == "on"
    step = parse_document(
        {
            "data": {
                "type": "workflow_step",
                "id": "s",
                "attributes": {"name": "QA", "category": "DONE", "allNewItems": False},
            }
        },
        many=False,
    ).data[0]
    assert isinstance(step, WorkflowStep) and step.allow_new_items is False


def test_equality_is_by_type_and_id() -> None:
    first = parse_document(get_bug(), many=False).data[0]
    second = parse_document(get_bug(), many=False).data[0]
    assert first == second and first is not second
    assert first != first.assignee
    assert "BUG-4" in repr(first)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("data"), "no top-level `data`"),
        (lambda d: d.update(data=[d["data"]]), "single resource"),
        (lambda d: d["data"].pop("id"), "string `type` and `id`"),
        (lambda d: d["data"].update(attributes=[]), "must be an object"),
        (lambda d: d.update(included={}), "`included` must be an array"),
        (lambda d: d["included"].append("user"), "string `type` and `id`"),
        (lambda d: d.update(links=[]), "`links` must be an object"),
        (lambda d: d["data"].update(relationships="none"), "must be an object"),
    ],
)
def test_malformed_documents_raise_one_error_type(mutate: Any, message: str) -> None:
    doc = get_bug()
    mutate(doc)
    with pytest.raises(MalformedDocumentError, match=message):
        parse_document(doc, many=False)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda a: a.update(title=5), "title: expected str"),
        (lambda a: a.update(position="3"), "position: expected int"),
        (lambda a: a.update(deleted="no"), "deleted: expected bool"),
        (lambda a: a.update(createdAt="yesterday"), "createdAt: Invalid isoformat"),
        (lambda a: a.update(doneAt=17), "doneAt: expected a date-time"),
        (lambda a: a.pop("handle"), "the member 'handle' is required"),
        (lambda a: a["content"].append({"type": "TEXT"}), "content: the member 'value' is required"),
    ],
)
def test_attributes_that_do_not_fit_raise_when_first_read(mutate: Any, message: str) -> None:
    doc = get_bug()
    mutate(doc["data"]["attributes"])
    bug = parse_document(doc, many=False).data[0]
    assert (bug.id, bug.assignee_id) == (doc["data"]["id"], doc["data"]["relationships"]["assignee"]["data"]["id"])
    assert repr(bug) == f"<Bug {bug.id}>"  # type and id, even though the attributes cannot be read
    pattern = rf"attributes of bug {bug.id} do not match the API description: {message}"
    with pytest.raises(MalformedDocumentError, match=pattern):
        _ = bug.handle
    with pytest.raises(MalformedDocumentError, match=pattern):  # every read, not just the first
        _ = bug.cycle_time_mode
    with pytest.raises(MalformedDocumentError, match=pattern):  # a write too: it would be lost otherwise
        bug.title = "renamed"


def test_attributes_are_converted_once_and_writes_are_kept() -> None:
    bug = parse_document(get_bug(), many=False).data[0]
    assert "_pending" in vars(bug)
    bug.title = "renamed"  # before any read: converts first, so the write is not overwritten
    assert "_pending" not in vars(bug)
    assert (bug.title, bug.handle) == ("renamed", "BUG-4")
    content = bug.content
    assert bug.content is content


def test_the_first_read_of_any_attribute_converts_them_all_into_the_instance() -> None:
    bug = parse_document(get_bug(), many=False).data[0]
    assert "handle" not in vars(bug)
    assert bug.handle == "BUG-4"
    assert "_pending" not in vars(bug)
    assert vars(bug)["title"] == bug.title and "created_at" in vars(bug)  # later reads are plain instance lookups
    # No `__getattr__`: a class with one leaves the interpreter's fast path for every attribute read.
    assert not any("__getattr__" in vars(klass) for klass in Bug.__mro__)
    with pytest.raises(AttributeError, match="'Bug' object has no attribute 'no_such_member'"):
        bug.no_such_member  # noqa: B018


def test_a_subclass_may_replace_an_attribute_and_still_read_the_others() -> None:
    class ShoutingBug(Bug):
        @property
        def title(self) -> str:  # type: ignore[override]
            return self.handle.upper() + "!"

    bug = parse_document(get_bug(), many=False).data[0]
    shouting = ShoutingBug.__new__(ShoutingBug)
    vars(shouting).update(vars(bug))  # the state a parse into the subclass leaves: attributes not yet converted
    assert "_pending" in vars(shouting)
    assert shouting.title == "BUG-4!"
    assert shouting.created_at == datetime.datetime(2024, 9, 4, 22, 28, 31, tzinfo=datetime.UTC)


def test_a_collection_needs_an_array() -> None:
    with pytest.raises(MalformedDocumentError, match="array"):
        parse_document(get_bug(), many=True)
    with pytest.raises(MalformedDocumentError, match="JSON object"):
        parse_document([], many=True)


@pytest.mark.parametrize("compact", [False, True], ids=["dicts", "compact"])
def test_to_one_accessors_resolve_alike_from_either_decoding(compact: bool) -> None:
    doc = get_bug()
    doc["data"]["relationships"]["assignee"] = {"data": None}
    doc["included"] = [item for item in doc["included"] if item["type"] == "team"]
    if compact:
        bug = decode_document(json.dumps(doc).encode(), many=False).data[0]
        assert "_rels" in bug.__dict__  # the linkage as msgspec decoded it, which the accessors read directly
    else:
        bug = parse_document(doc, many=False).data[0]
    assert bug.assignee is None
    assert isinstance(bug.team, Team) and bug.team is bug.related("team") and bug.team.name == "Synth Support Squad"
    with pytest.raises(NotIncludedError, match="include=\\['reporter'\\]"):
        _ = bug.reporter
