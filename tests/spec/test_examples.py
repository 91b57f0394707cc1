"""The documented example payloads in the spec parse into the generated models and round-trip exactly."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from atono_api import models

from tests.helpers import SPEC_PATH

_SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
_METHODS = ("get", "put", "post", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _examples_with_schemas() -> list[tuple[str, str]]:
    """(example name, schema name) for every example an operation attaches to a media type."""
    found: set[tuple[str, str]] = set()
    for item in _SPEC["paths"].values():
        for method in _METHODS:
            op = item.get(method)
            if not op:
                continue
            bodies = [op.get("requestBody", {}), *op["responses"].values()]
            for body in bodies:
                for media in body.get("content", {}).values():
                    for example in media.get("examples", {}).values():
                        found.add((_ref_name(example["$ref"]), _ref_name(media["schema"]["$ref"])))
    return sorted(found)


EXAMPLES = _examples_with_schemas()


def test_every_component_example_is_attached_to_an_operation() -> None:
    attached = {name for name, _ in EXAMPLES}
    assert attached == set(_SPEC["components"]["examples"])


def test_the_documented_examples_are_present() -> None:
    assert {"GetBugResponse", "CreateBugRequest", "GetUserResponse", "AddUserRequest"} <= {n for n, _ in EXAMPLES}


@pytest.mark.parametrize(("example", "schema"), EXAMPLES)
def test_example_round_trips_through_generated_model(example: str, schema: str) -> None:
    value: dict[str, Any] = _SPEC["components"]["examples"][example]["value"]
    model = getattr(models, schema)
    parsed = model.from_dict(value)
    assert parsed.to_dict() == value


def test_get_bug_example_parses_into_typed_objects() -> None:
    value = _SPEC["components"]["examples"]["GetBugResponse"]["value"]
    doc = models.BugDocument.from_dict(value)
    assert doc.data.attributes.handle == "BUG-4"
    assert doc.data.attributes.cycle_time_mode is models.CycleTimeMode.NORMAL
    assert doc.data.attributes.created_at.utcoffset() is not None
    assert doc.data.relationships.assignee.data.id == "fe4641d7-c72a-4165-904d-89b2ded40916"
    kinds = [type(item).__name__ for item in doc.included]
    assert kinds == ["Team", "User", "User"]
    team = doc.included[0]
    assert isinstance(team, models.Team)
    assert [m.id for m in team.relationships.members.data][:1] == ["2edaca9f-b07e-4af1-b425-1f0b6bf69c0a"]
    assert team.relationships.members.meta["count"] == 4


def test_examples_validate_against_the_strict_wire_models() -> None:
    import atono_wire.models as wire

    for example, schema in EXAMPLES:
        value = _SPEC["components"]["examples"][example]["value"]
        assert (
            getattr(wire, schema).model_validate(value).model_dump(mode="json", by_alias=True, exclude_unset=True)
            == value
        )
