"""Responses from a newer server (new enum values, attributes, included types) still parse."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from atono_api import models

from tests.helpers import SPEC_PATH

GET_BUG: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"]["examples"][
    "GetBugResponse"
]["value"]


def _newer_server_bug() -> dict[str, Any]:
    doc = copy.deepcopy(GET_BUG)
    attributes = doc["data"]["attributes"]
    attributes["cycleTimeMode"] = "PAUSED"  # an enum value this client does not know
    attributes["severity"] = {"level": 3}  # an attribute this client does not know
    attributes["content"].append({"type": "MARKDOWN", "value": "**new**"})
    doc["data"]["relationships"]["epic"] = {"data": {"type": "epic", "id": "e-1"}}
    doc["included"].append({"type": "epic", "id": "e-1", "attributes": {"name": "Audio engine"}})
    doc["meta"] = {"requestId": "r-1"}
    return doc


def test_unknown_enum_value_is_kept() -> None:
    doc = models.BugDocument.from_dict(_newer_server_bug())
    mode = doc.data.attributes.cycle_time_mode
    assert mode == "PAUSED"
    assert isinstance(mode, models.CycleTimeMode)
    assert not mode.is_known
    assert models.CycleTimeMode("NORMAL").is_known
    assert doc.data.attributes.content[-1].type_ == "MARKDOWN"


def test_unknown_attributes_and_relationships_are_kept() -> None:
    doc = models.BugDocument.from_dict(_newer_server_bug())
    assert doc.data.attributes.additional_properties["severity"] == {"level": 3}
    assert doc.data.relationships.additional_properties["epic"]["data"]["id"] == "e-1"


def test_unknown_included_type_parses_as_a_generic_resource() -> None:
    doc = models.BugDocument.from_dict(_newer_server_bug())
    epic = doc.included[-1]
    assert isinstance(epic, models.Resource)
    assert (epic.type_, epic.id) == ("epic", "e-1")
    assert epic.attributes["name"] == "Audio engine"
    # The known types keep their typed models.
    assert [type(i).__name__ for i in doc.included[:3]] == ["Team", "User", "User"]


def test_newer_document_round_trips() -> None:
    value = _newer_server_bug()
    assert models.BugDocument.from_dict(value).to_dict() == value


def test_unknown_flag_configuration_and_workflow_category() -> None:
    env = models.FlagEnvironment.from_dict(
        {"type": "flag_environment", "id": "x", "attributes": {"configuration": "SCHEDULED"}, "meta": {}}
    )
    assert env.attributes.configuration == "SCHEDULED"
    step = models.WorkflowStep.from_dict(
        {
            "type": "workflow_step",
            "id": "s",
            "attributes": {"name": "QA", "category": "BLOCKED", "allNewItems": True},
        }
    )
    assert step.attributes.category == "BLOCKED"
    assert step.attributes.additional_properties == {"allNewItems": True}
