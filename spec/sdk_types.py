"""Render `atono_sdk.types`: the typed resource classes (`Bug`, `Team`, ...) from the spec's resource schemas.

Rules, so that a spec revision needs no code (the template repeats them in the module it writes):

- One class per resource type of `sdk_model.resource_types`, named by its schema (`WorkflowStep`), documented by the
  schema's `description` (evidence lives in `x-atono-evidence`, not read here), with `type_name` its JSON:API type.
- Its base is `ResourceObject` when the attributes schema has properties, each of which becomes an attribute of the
  class, documented by its `description`; `Resource` (attributes kept as a dict) when they are an open object.
- An attribute is named by the snake_case of its wire name (a Python keyword gains a trailing `_`) and typed by its
  schema: `str`, `int`, `float`, `bool`, `datetime.datetime` (`format: date-time`), `dict[str, Any]` (an open
  object), `list[...]`, the enum of a `$ref` to an enum schema (from `atono_api.models`, which keeps unknown values)
  or the class generated here for a `$ref` to an object schema (`ContentChunk`). A member that is not required or
  may be null is `... | None`: None is what an absent member reads as (`obj.fields_set` tells absent from null).
  `_attribute_members` records each one's wire name and whether it is required and nullable, for the converters.
- Every property of its `<Type>Relationships` schema is a relationship: to-one or to-many by its `$ref`
  (`ToOneRelationship`, `ToManyRelationship`, directly or as the one member of an `allOf`), pointing to the class of
  its `x-atono-target` type, or to `ResourceObject` when no schema has that type. It gets two accessors: the
  snake_case of the wire name (`ToOne` / `ToMany`) and the ids (`ToOneId` / `ToManyIds`), named `<name>_id` for a
  to-one and `<singular>_ids` for a to-many, the singular being the name minus a trailing "s" or, for a name that
  does not end in "s", the target type (`acceptanceCriteria` -> `acceptance_criterion_ids`).
- A class comes after the classes it points to; a relationship that closes a cycle is declared in its class
  (`x: ClassVar[ToOne[T]]`) and assigned once every class exists.
- `KNOWN_TYPES` maps every type to its class, in the spec's order.
"""

from __future__ import annotations

import json
import keyword
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
from sdk_model import ResourceType, ref_name, resource_types, schema, snake_case

TEMPLATES = Path(__file__).resolve().parent / "templates" / "sdk"
DOC_WIDTH = 100  # docstring text, indented by 4 in a 110-column file
GENERIC = "ResourceObject"  # the class of a target type the spec has no schema for
OPEN = "Resource"  # the base of a type whose attributes are an open object
KINDS = {"ToOneRelationship": False, "ToManyRelationship": True}  # the $ref of a relationship -> to-many?
# What every resource object has already: an accessor of one of these names would hide it.
RESERVED = {
    "id",
    "type",
    "type_name",
    "links",
    "meta",
    "relationships",
    "attributes",
    "additional_properties",
    "related",
    "related_id",
    "related_ids",
    "to_dict",
    "to_json",
    "from_dict",
    "fields_set",
}
PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class Attribute:
    """One member of an attributes (or nested object) schema, as a typed attribute of the class."""

    name: str  # `done_at`
    wire_name: str  # `doneAt`
    annotation: str  # `datetime.datetime | None`
    required: bool
    nullable: bool
    description: str


@dataclass(frozen=True)
class ObjectModel:
    """A nested object schema (a `$ref` from an attribute), generated as a plain attrs class: `ContentChunk`."""

    name: str
    docstring: str
    attributes: tuple[Attribute, ...]


@dataclass(frozen=True)
class Accessor:
    """The two accessors of one relationship."""

    wire_name: str  # `backlogOwners`
    name: str  # `backlog_owners`
    ids_name: str  # `backlog_owner_ids`
    many: bool
    target: str  # the class it resolves to: `User`
    description: str  # the relationship's own description, if the spec gives one
    deferred: bool = False  # assigned after the classes (it closes a cycle)

    @property
    def resolver(self) -> str:
        return "ToMany" if self.many else "ToOne"

    @property
    def ids(self) -> str:
        return "ToManyIds" if self.many else "ToOneId"


@dataclass(frozen=True)
class ResourceClass:
    name: str
    type_name: str
    bases: tuple[str, ...]
    docstring: str  # the whole literal, quotes included, indented for a class body
    accessors: tuple[Accessor, ...]
    attributes: tuple[Attribute, ...] = ()


def ids_name(name: str, many: bool, target_type: str) -> str:
    """The Python name of a relationship's ids accessor, from its snake_case name (the module's naming rule)."""
    if not many:
        return f"{name}_id"
    singular = name.removesuffix("s") if name.endswith("s") else target_type
    return f"{singular}_ids"


def _docstring(paragraphs: list[str], indent: str) -> str:
    """A docstring literal of `paragraphs`, each wrapped to DOC_WIDTH, for a body indented by `indent`."""
    texts = [" ".join(p.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"') for p in paragraphs if p.strip()]
    if len(texts) == 1 and len(texts[0]) <= DOC_WIDTH - 3:
        return f'"""{texts[0]}"""'
    lines: list[str] = []
    for i, text in enumerate(texts):
        if i:
            lines.append("")
        lines.extend(textwrap.wrap(text, DOC_WIDTH, break_long_words=False, break_on_hyphens=False))
    body = "".join(f"{indent}{line}\n" if line else "\n" for line in lines[1:])
    return f'"""{lines[0]}\n{body}{indent}"""'


def _relationships(document: dict[str, Any], resource: ResourceType, classes: dict[str, str]) -> list[Accessor]:
    if resource.relationships is None:
        return []
    found: list[Accessor] = []
    for wire_name, prop in (schema(document, resource.relationships).get("properties") or {}).items():
        where = f"{resource.relationships}.{wire_name}"
        kind = ref_name(prop)
        if kind not in KINDS:
            raise ValueError(f"{where}: a relationship must be a $ref to one of {sorted(KINDS)}, got {kind!r}")
        target_type = prop.get("x-atono-target")
        if not isinstance(target_type, str) or not target_type:
            raise ValueError(f"{where}: no x-atono-target (the JSON:API type it points to)")
        name = snake_case(wire_name)
        found.append(
            Accessor(
                wire_name=wire_name,
                name=name,
                ids_name=ids_name(name, KINDS[kind], target_type),
                many=KINDS[kind],
                target=classes.get(target_type, GENERIC),
                description=" ".join(str(prop.get("description", "")).split()),
            )
        )
    return found


def _attribute_names(document: dict[str, Any], resource: ResourceType) -> list[str]:
    if resource.attributes is None:
        return []
    return list(schema(document, resource.attributes).get("properties") or {})


def python_name(wire_name: str) -> str:
    name = snake_case(wire_name)
    return f"{name}_" if keyword.iskeyword(name) else name


class Types:
    """The Python types of schemas, collecting the enums and nested object models they use on the way."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.enums: set[str] = set()
        self.models: dict[str, ObjectModel | None] = {}  # None while one is being built (a cycle)

    def attributes(self, name: str) -> tuple[Attribute, ...]:
        """The typed members of the object schema `name`, in the spec's order."""
        found = schema(self.document, name)
        required = set(found.get("required") or ())
        members = []
        for wire_name, prop in (found.get("properties") or {}).items():
            where = f"{name}.{wire_name}"
            base, nullable = self.annotation(prop, where)
            referenced = ref_name(prop)
            description = prop.get("description") or (
                schema(self.document, referenced).get("description", "") if referenced else ""
            )
            optional = nullable or wire_name not in required
            members.append(
                Attribute(
                    name=python_name(wire_name),
                    wire_name=wire_name,
                    annotation=f"{base} | None" if optional else base,
                    required=wire_name in required,
                    nullable=nullable,
                    description=" ".join(str(description).split()),
                )
            )
        return tuple(members)

    def annotation(self, prop: dict[str, Any], where: str) -> tuple[str, bool]:
        """(the Python type of a property schema, whether it may be null)."""
        referenced = ref_name(prop)
        if referenced is not None:
            target = schema(self.document, referenced)
            if "enum" in target:
                self.enums.add(referenced)
            elif "properties" in target:
                self._model(referenced)
            else:
                raise ValueError(
                    f"{where}: $ref to {referenced}, which is neither an enum nor an object with properties"
                )
            return referenced, False
        kinds = prop.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        nullable = "null" in kinds
        kinds = [k for k in kinds if k != "null"]
        if len(kinds) != 1:
            raise ValueError(
                f"{where}: one type (besides null) is needed to type the attribute, got {prop.get('type')}"
            )
        (kind,) = kinds
        if kind == "string" and prop.get("format") == "date-time":
            return "datetime.datetime", nullable
        if kind in PRIMITIVES:
            return PRIMITIVES[kind], nullable
        if kind == "array":
            item, _ = self.annotation(prop.get("items") or {}, f"{where}[]")
            return f"list[{item}]", nullable
        if kind == "object" and "properties" not in prop:
            return "dict[str, Any]", nullable
        raise ValueError(f"{where}: an inline {kind} schema; give it a component schema to type it")

    def _model(self, name: str) -> None:
        if name in self.models:
            return
        self.models[name] = None
        found = schema(self.document, name)
        self.models[name] = ObjectModel(
            name=name,
            docstring=_docstring([str(found.get("description", "")) or f"A `{name}` object."], "    "),
            attributes=self.attributes(name),
        )


def _check_names(resource: ResourceType, attributes: list[str], accessors: list[Accessor]) -> None:
    taken = {snake_case(name): f"attribute {name!r}" for name in attributes}
    taken.update(dict.fromkeys(RESERVED, "a member every resource object has"))
    for accessor in accessors:
        for python_name in (accessor.name, accessor.ids_name):
            if python_name in taken:
                raise ValueError(
                    f"{resource.schema}: relationship {accessor.wire_name!r} would be named {python_name!r}, "
                    f"which is already {taken[python_name]}"
                )
            taken[python_name] = f"the accessor of relationship {accessor.wire_name!r}"


def _order(accessors: dict[str, list[Accessor]], classes: dict[str, str]) -> tuple[list[str], set[tuple[str, str]]]:
    """The types with every one after the types it points to (spec order otherwise), and the edges that close cycles."""
    by_class = {name: kind for kind, name in classes.items()}
    order: list[str] = []
    state: dict[str, str] = {}
    deferred: set[tuple[str, str]] = set()

    def visit(kind: str) -> None:
        state[kind] = "open"
        for accessor in accessors[kind]:
            target = by_class.get(accessor.target)
            if target is None:
                continue
            if state.get(target) == "open":
                deferred.add((kind, accessor.wire_name))
            elif target not in state:
                visit(target)
        state[kind] = "done"
        order.append(kind)

    for kind in accessors:
        if kind not in state:
            visit(kind)
    return order, deferred


def build(document: dict[str, Any]) -> dict[str, Any]:
    """What the template needs: the classes in definition order, the deferred accessors, the imports."""
    resources = resource_types(document)
    classes = {kind: resource.class_name for kind, resource in resources.items()}
    accessors: dict[str, list[Accessor]] = {}
    types = Types(document)
    attributes: dict[str, tuple[Attribute, ...] | None] = {}
    for kind, resource in resources.items():
        names = _attribute_names(document, resource)
        accessors[kind] = _relationships(document, resource, classes)
        _check_names(resource, names, accessors[kind])
        attributes[kind] = types.attributes(resource.attributes) if names and resource.attributes else None
    order, deferred = _order(accessors, classes)

    built: list[ResourceClass] = []
    later: list[tuple[str, Accessor]] = []
    for kind in order:
        resource = resources[kind]
        typed = attributes[kind]
        own = []
        for accessor in accessors[kind]:
            if (kind, accessor.wire_name) in deferred:
                accessor = replace(accessor, deferred=True)  # noqa: PLW2901 - the deferred version of it
                later.append((resource.class_name, accessor))
            own.append(accessor)
        paragraphs = [resource.description or f"A `{kind}` resource."]
        if typed is None:
            paragraphs.append('Its attributes stay a dict: `obj.attributes`, `obj["name"]`.')
        built.append(
            ResourceClass(
                name=resource.class_name,
                type_name=kind,
                bases=("ResourceObject",) if typed is not None else (OPEN,),
                docstring=_docstring(paragraphs, "    "),
                accessors=tuple(own),
                attributes=typed or (),
            )
        )

    by_type = {c.type_name: c for c in built}
    used = {GENERIC} | {OPEN for c in built if c.bases == (OPEN,)}
    used |= {name for c in built for a in c.accessors for name in (a.resolver, a.ids)}
    models = [m for m in types.models.values() if m is not None]
    return {
        "classes": built,
        "deferred": later,
        "known": [by_type[kind] for kind in resources],
        "enums": sorted(types.enums),
        "object_models": models,
        "objects": sorted(used),
        "docstring": _docstring,
    }


def render(document: dict[str, Any]) -> str:
    """The source of `atono_sdk.types` (formatted by ruff afterwards, in `spec/generate.py`)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Python source, not HTML
    )
    environment.filters["literal"] = json.dumps  # a string as a Python literal
    return environment.get_template("types.py.jinja").render(build(document))
