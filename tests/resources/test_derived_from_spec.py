"""The typed objects and methods follow the spec: a change to it shows up here, naming what is missing.

The resource classes are generated (`atono_sdk.types`, by spec/sdk_types.py): the tests of them check that the
generated module is the one the current spec gives, and the generator's rules on specs made up for the purpose.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import types
from typing import Any

import atono.types
import atono_sdk.types
import pytest
import yaml
from atono import resources
from atono._arguments import writable_fields
from atono._converters import members_of
from atono._naming import snake_case
from atono._objects import Resource, ResourceObject, ToMany, ToManyIds, ToOne, ToOneId, relationship_descriptors
from atono.types import KNOWN_TYPES

from tests.helpers import SPEC_PATH

SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
TYPED = {kind: cls for kind, cls in KNOWN_TYPES.items() if not issubclass(cls, Resource)}
RELATIONSHIP_KINDS = {"ToOneRelationship": False, "ToManyRelationship": True}


def _generator() -> types.ModuleType:
    """spec/sdk_types.py, which imports its siblings as top-level modules (it runs from spec/)."""
    sys.path.insert(0, str(SPEC_PATH.parent))
    try:
        return importlib.import_module("sdk_types")
    finally:
        sys.path.remove(str(SPEC_PATH.parent))


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
    assert kinds == set(KNOWN_TYPES), f"typed classes missing for {kinds - set(KNOWN_TYPES)}: make generate"
    for kind, cls in KNOWN_TYPES.items():
        assert cls.type_name == kind


def test_the_public_classes_are_the_generated_ones() -> None:
    """`atono.types.Bug is atono_sdk.types.Bug`, and decoding builds the generated classes."""
    from atono import _documents

    assert _documents.KNOWN_TYPES is KNOWN_TYPES is atono_sdk.types.KNOWN_TYPES
    for cls in KNOWN_TYPES.values():
        assert getattr(atono.types, cls.__name__) is cls and cls.__name__ in atono.types.__all__
        assert cls.__module__ == "atono_sdk.types"


@pytest.mark.parametrize("first", ["atono_sdk.types", "atono.types", "atono._documents"])
def test_the_generated_and_public_modules_import_in_any_order(first: str) -> None:
    """`atono_sdk.types` imports `atono._objects`, and `atono.types` imports it: no cycle, whichever comes first."""
    import subprocess

    code = f"import {first}; import atono.types, atono_sdk.types; assert atono.types.Bug is atono_sdk.types.Bug"
    result = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_every_attribute_of_the_spec_is_an_attribute_of_the_typed_class(kind: str) -> None:
    cls = TYPED[kind]
    attributes = _ref(_resource_schema(kind)["properties"]["attributes"])
    fields = {member.name for member in members_of(cls)}
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
def test_relationship_accessors_have_the_kind_and_target_the_spec_gives(kind: str) -> None:
    """To-one or to-many from the $ref, the class from `x-atono-target`: the generated module is not stale."""
    cls = TYPED[kind]
    relationships = _resource_schema(kind)["properties"].get("relationships", {})
    wire = _ref(relationships)["properties"] if "$ref" in relationships else {}
    resolvers = {d.name: d for d in relationship_descriptors(cls).values() if isinstance(d, ToOne | ToMany)}
    for name, prop in wire.items():
        many = RELATIONSHIP_KINDS[(prop.get("$ref") or prop["allOf"][0]["$ref"]).rsplit("/", 1)[-1]]
        assert isinstance(resolvers[name], ToMany) is many, f"{cls.__name__}.{name}: make generate"
        assert resolvers[name].target is KNOWN_TYPES.get(prop["x-atono-target"], ResourceObject), name


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_python_names_do_not_collide(kind: str) -> None:
    cls = TYPED[kind]
    attribute_names = {member.name for member in members_of(cls)}
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


CALL_OPTIONS = {"extra_headers", "extra_query", "timeout", "max_retries", "retry_policy"}


@pytest.mark.parametrize(("namespace", "method", "document"), WRITE_METHODS)
def test_write_methods_take_every_writable_field(namespace: type, method: str, document: str) -> None:
    from atono_api import models

    keywords = {
        name
        for name, p in inspect.signature(getattr(namespace, method)).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
    # Every method also takes the per-call options, which are the SDK's, not fields of the spec.
    assert keywords >= CALL_OPTIONS
    accepted = keywords - CALL_OPTIONS
    writable = writable_fields(getattr(models, document))
    assert writable - accepted == set(), f"{namespace.__name__}.{method} should accept {writable - accepted}"
    assert accepted - writable == set(), (
        f"{namespace.__name__}.{method} accepts {accepted - writable} unknown to the spec"
    )


@pytest.mark.parametrize("name", sorted(n for n in vars(resources) if n.startswith("Async")))
def test_async_namespaces_mirror_the_sync_ones(name: str) -> None:
    async_cls = getattr(resources, name)
    sync_cls = getattr(resources, name.removeprefix("Async"))
    public = {n for n in dir(sync_cls) if not n.startswith("_")}
    assert public == {n for n in dir(async_cls) if not n.startswith("_")}
    for method in public:
        if isinstance(getattr(sync_cls, method), functools.cached_property):  # `with_raw_response`
            assert isinstance(getattr(async_cls, method), functools.cached_property), method
            continue
        assert (
            inspect.signature(getattr(sync_cls, method)).parameters.keys()
            == inspect.signature(getattr(async_cls, method)).parameters.keys()
        ), method


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_wire_names_of_generated_fields_are_the_spec_attributes(kind: str) -> None:
    """The converters read `wire_name(field)`: it must give back every attribute name of the spec."""
    from atono._converters import wire_name

    attributes = set(_ref(_resource_schema(kind)["properties"]["attributes"])["properties"])
    members = members_of(TYPED[kind])
    assert {member.wire_name for member in members} == attributes
    assert all(wire_name(member.name) == member.wire_name for member in members)


def test_converters_agree_with_the_generated_parser() -> None:
    """The typed classes read what the low-level client's `from_dict` reads (None where it has UNSET), on the
    documented example, and write the attributes back as they came."""
    from atono_api import models
    from atono_api.types import Unset

    example = SPEC["components"]["examples"]["GetBugResponse"]["value"]
    documents = [example["data"], *example["included"]]
    for resource in documents:
        model = {"bug": models.BugAttributes, "team": models.TeamAttributes, "user": models.UserAttributes}[
            resource["type"]
        ]
        generated = model.from_dict(resource["attributes"])
        typed = KNOWN_TYPES[resource["type"]].from_dict(resource)
        for member in members_of(type(typed)):
            expected = getattr(generated, member.name)
            expected = None if isinstance(expected, Unset) else expected
            if member.name == "content" and expected is not None:
                expected = [(chunk.type_, chunk.value) for chunk in expected]
                assert [(chunk.type, chunk.value) for chunk in getattr(typed, member.name)] == expected
            else:
                assert getattr(typed, member.name) == expected, member.name
        assert typed.to_dict()["attributes"] == resource["attributes"]


# ---- the generator's rules, on specs made up for them -------------------------------------------------------
KEPT_NAMES = {  # the accessor names users already rely on: a change to the naming rule must keep them
    "team": {"members", "member_ids", "admins", "admin_ids", "backlog_owners", "backlog_owner_ids"}
    | {"channel", "channel_id"},
    "story": {"assignee", "assignee_id", "team", "team_id", "reporter", "reporter_id", "workflow_step"}
    | {"workflow_step_id", "acceptance_criteria", "acceptance_criterion_ids"},
    "bug": {"assignee", "assignee_id", "team", "team_id", "reporter", "reporter_id", "workflow_step"}
    | {"workflow_step_id"},
    "flag": {"slices", "slice_ids"},
}


@pytest.mark.parametrize("kind", sorted(KEPT_NAMES))
def test_the_accessor_names_users_rely_on_are_kept(kind: str) -> None:
    assert KEPT_NAMES[kind] <= set(relationship_descriptors(KNOWN_TYPES[kind]))


def _made_up_spec(relationships: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Resource types with open attributes (no attributes model needed) and the given relationships."""
    schemas: dict[str, Any] = {}
    for kind, props in relationships.items():
        name = kind.title().replace("_", "")
        schemas[name] = {
            "type": "object",
            "description": f"A made-up {kind}.",
            "properties": {
                "type": {"type": "string", "const": kind},
                "id": {"type": "string"},
                "attributes": {"type": "object", "additionalProperties": True},
                **({"relationships": {"$ref": f"#/components/schemas/{name}Relationships"}} if props else {}),
            },
        }
        if props:
            schemas[f"{name}Relationships"] = {"type": "object", "properties": props}
    return {"components": {"schemas": schemas}}


def _rel(kind: str, target: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{kind}Relationship", "x-atono-target": target}


def _run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "made_up_types"}
    exec(compile(source, "made_up_types.py", "exec"), namespace)  # our own generator's output
    return namespace


def test_generated_classes_resolve_cycles_and_follow_the_naming_rule() -> None:
    spec = _made_up_spec(
        {
            "node": {
                "parent": _rel("ToOne", "node"),
                "children": _rel("ToMany", "node"),
                "tree": _rel("ToOne", "tree"),
            },
            "tree": {"nodes": _rel("ToMany", "node"), "owner": _rel("ToOne", "person")},
        }
    )
    generator = _generator()
    source = generator.render(spec)
    assert source == generator.render(spec), "the output must be deterministic"
    made = _run(source)
    node, tree = made["Node"], made["Tree"]
    assert made["KNOWN_TYPES"] == {"node": node, "tree": tree}
    assert issubclass(node, Resource) and node.type_name == "node"
    declared = relationship_descriptors(node)
    assert set(declared) == {"parent", "parent_id", "children", "node_ids", "tree", "tree_id"}
    assert declared["parent"].target is node and declared["children"].target is node  # type: ignore[union-attr]
    assert declared["tree"].target is tree  # type: ignore[union-attr]
    tree_declared = relationship_descriptors(tree)
    assert set(tree_declared) == {"nodes", "node_ids", "owner", "owner_id"}
    assert tree_declared["owner"].target is ResourceObject  # type: ignore[union-attr]  # no schema for `person`


def test_the_ids_accessor_is_named_by_the_singular() -> None:
    ids_name = _generator().ids_name
    assert ids_name("assignee", False, "user") == "assignee_id"
    assert ids_name("backlog_owners", True, "user") == "backlog_owner_ids"
    assert ids_name("acceptance_criteria", True, "acceptance_criterion") == "acceptance_criterion_ids"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"owner": {"$ref": "#/components/schemas/ToOneRelationship"}}, "no x-atono-target"),
        ({"owner": {"$ref": "#/components/schemas/Links", "x-atono-target": "user"}}, "must be a \\$ref"),
        ({"owner": _rel("ToOne", "user"), "ownerId": _rel("ToOne", "user")}, "already"),
        ({"links": _rel("ToMany", "link")}, "already a member"),
    ],
)
def test_the_generator_refuses_what_it_cannot_name_or_type(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _generator().render(_made_up_spec({"thing": props}))
