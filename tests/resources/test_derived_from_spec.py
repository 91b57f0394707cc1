"""The typed objects and methods follow the spec: a change to it shows up here, naming what is missing."""

from __future__ import annotations

import inspect
from typing import Any

import attrs
import pytest
import yaml
from atono import resources
from atono._arguments import writable_fields
from atono._naming import snake_case
from atono._objects import ToMany, ToManyIds, ToOne, ToOneId, relationship_descriptors
from atono.types import KNOWN_TYPES, Resource

from tests.spec.conftest import SPEC_PATH

SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
TYPED = {kind: cls for kind, cls in KNOWN_TYPES.items() if not issubclass(cls, Resource)}


def _resource_schema(kind: str) -> dict[str, Any]:
    (schema,) = [
        s
        for s in SCHEMAS.values()
        if s.get("properties", {}).get("type", {}).get("const") == kind and "attributes" in s.get("required", [])
    ]
    return schema


def _ref(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref") or schema["allOf"][0]["$ref"]
    return SCHEMAS[ref.rsplit("/", 1)[-1]]


def test_every_resource_type_of_the_spec_has_a_typed_class() -> None:
    kinds = {
        schema["properties"]["type"]["const"]
        for schema in SCHEMAS.values()
        if "const" in schema.get("properties", {}).get("type", {})
        and "attributes" in schema["properties"]
        and "id" in schema.get("required", [])
    }
    assert kinds == set(KNOWN_TYPES), f"typed classes missing for {kinds - set(KNOWN_TYPES)}"


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_every_attribute_of_the_spec_is_an_attribute_of_the_typed_class(kind: str) -> None:
    cls = TYPED[kind]
    attributes = _ref(_resource_schema(kind)["properties"]["attributes"])
    fields = {field.name for field in attrs.fields(cls)}
    missing = [name for name in attributes["properties"] if snake_case(name) not in fields]
    assert not missing, f"{cls.__name__} lacks {missing}: regenerate (make generate)"


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_every_relationship_of_the_spec_has_typed_accessors(kind: str) -> None:
    cls = TYPED[kind]
    schema = _resource_schema(kind)
    wire_names = (
        set(_ref(schema["properties"]["relationships"])["properties"])
        if "relationships" in schema["properties"]
        else set()
    )
    declared = relationship_descriptors(cls)
    resolved = {d.name for d in declared.values() if isinstance(d, ToOne | ToMany)}
    ids = {d.name for d in declared.values() if isinstance(d, ToOneId | ToManyIds)}
    assert wire_names - resolved == set(), f"{cls.__name__} needs a ToOne/ToMany accessor for {wire_names - resolved}"
    assert wire_names - ids == set(), f"{cls.__name__} needs an id accessor for {wire_names - ids}"
    assert resolved | ids <= wire_names, f"{cls.__name__} declares relationships the spec does not have"


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_python_names_do_not_collide(kind: str) -> None:
    cls = TYPED[kind]
    attribute_names = {f.name for f in attrs.fields(cls)}
    clash = attribute_names & (set(relationship_descriptors(cls)) | {"id", "type", "links", "meta", "relationships"})
    assert not clash, f"{cls.__name__}: {clash} is both an attribute and an accessor"


WRITE_METHODS = [
    (resources.Bugs, "create", "BugCreateDocument"),
    (resources.Bugs, "update", "BugUpdateDocument"),
    (resources.Stories, "create", "StoryCreateDocument"),
    (resources.Stories, "update", "StoryUpdateDocument"),
    (resources.Teams, "create", "TeamCreateDocument"),
    (resources.Teams, "update", "TeamUpdateDocument"),
    (resources.Users, "create", "UserCreateDocument"),
    (resources.Users, "update", "UserUpdateDocument"),
]


@pytest.mark.parametrize(("namespace", "method", "document"), WRITE_METHODS)
def test_write_methods_take_every_writable_field(namespace: type, method: str, document: str) -> None:
    from atono_api import models

    accepted = {
        name
        for name, p in inspect.signature(getattr(namespace, method)).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    writable = writable_fields(getattr(models, document))
    assert writable - accepted == set(), f"{namespace.__name__}.{method} should accept {writable - accepted}"
    assert accepted - writable == set(), (
        f"{namespace.__name__}.{method} accepts {accepted - writable} unknown to the spec"
    )


@pytest.mark.parametrize("name", [n for n in resources.__all__ if n.startswith("Async")])
def test_async_namespaces_mirror_the_sync_ones(name: str) -> None:
    async_cls = getattr(resources, name)
    sync_cls = getattr(resources, name.removeprefix("Async"))
    public = {n for n in dir(sync_cls) if not n.startswith("_")}
    assert public == {n for n in dir(async_cls) if not n.startswith("_")}
    for method in public:
        assert (
            inspect.signature(getattr(sync_cls, method)).parameters.keys()
            == inspect.signature(getattr(async_cls, method)).parameters.keys()
        ), method


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_wire_names_of_generated_fields_are_the_spec_attributes(kind: str) -> None:
    """The converters read `wire_name(field)`: it must give back every attribute name of the spec."""
    from atono._converters import wire_name

    attributes = set(_ref(_resource_schema(kind)["properties"]["attributes"])["properties"])
    fields = {field.name for field in attrs.fields(TYPED[kind]) if field.name != "additional_properties"}
    assert {wire_name(name) for name in fields} == attributes


def test_converters_agree_with_the_generated_parser() -> None:
    """The fast path gives what the generated `from_dict` gives, on the documented example."""
    from atono._converters import model_converter
    from atono_api import models

    example = SPEC["components"]["examples"]["GetBugResponse"]["value"]
    documents = [example["data"], *example["included"]]
    for resource in documents:
        model = {"bug": models.BugAttributes, "team": models.TeamAttributes, "user": models.UserAttributes}[
            resource["type"]
        ]
        fast = model_converter(model)(resource["attributes"])
        assert fast == model.from_dict(resource["attributes"])
        assert fast.to_dict() == resource["attributes"]
