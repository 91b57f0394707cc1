"""Render `atono_sdk.resources` and `atono_sdk.namespaces`: the namespaces users call (`client.bugs.list()`), sync
and async from one template (spec/templates/sdk/resources.py.jinja), from the spec's tags and operations.

Rules, so that a spec revision needs no code:

- One namespace per tag, named by it in snake_case (`workflow-steps` -> `client.workflow_steps`, class
  `WorkflowSteps` / `AsyncWorkflowSteps`), documented by the tag's description.
- Method names: the verb the operationId starts with (`list`, `get`, `create`, `update`, `delete`) for an
  operation on the collection (`/bugs`) or one of its items (`/bugs/{bugId}`); for a sub-collection
  (`/teams/{teamId}/members`) the sub-collection's name in snake_case (`members`). Exceptions: none; an
  operationId that starts with another verb is named by its operationId in snake_case.
- Path parameters come first, positional, named as in the spec in snake_case (`flagIdOrKey` -> `flag_id_or_key`),
  and take an id or an object of the type the name says (`flag_id_or_key` -> a `Flag`), the type written into the
  call that checks it (`resource_id(..., expected_type="flag")`).
- `include` (a parameter with `x-atono-include-paths`) becomes `include=[...]`, checked against that enum, each
  name sent in the spelling the enum's `x-atono-include-sent-as` gives it; `sort` (a parameter with
  `x-atono-sort-fields`) becomes `sort=[...]` of field names in snake_case or the API's spelling, `-` first for
  descending, checked against that enum; the page parameters become the pager's options and `start=` (the item
  offset a walk begins at); other query parameters
  become keyword arguments of their schema's type.
- A write's body becomes keyword arguments: its attributes and relationships in snake_case, required where the
  spec requires them at creation, `OMIT` by default otherwise; a relationship takes an id or an object of its
  identifier's type, a list of them when to-many, and `None` only where the linkage may be null.
- Every method also takes `extra_headers`, `extra_query`, `timeout`, `max_retries` and `retry_policy`.
- Every namespace has `with_raw_response`, the same methods returning an `atono.APIResponse` (a list's: its first
  page).
- Docstrings are the operation's `summary` and `description` (for users; evidence lives in `x-atono-evidence`).
- Each method imports its generated operation module, and the models only its body uses, when it is called: a
  script's first call loads the one operation it makes, not all of them.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from sdk_model import pascal_case, ref_name, resource_types, schema, snake_case

TEMPLATES = Path(__file__).resolve().parent / "templates" / "sdk"
VERBS = ("list", "get", "create", "update", "delete")
PAGE_PARAMETERS = {"page[size]", "page[number]", "page[offset]"}
_METHODS = ("get", "post", "patch", "put", "delete")
DOC_WIDTH = 100  # docstring text, indented by 8 in a 110-column file


@dataclass
class Argument:
    """A keyword argument of a write: its Python name, annotation, and whether the call must give it."""

    name: str
    annotation: str
    required: bool


@dataclass
class QueryArgument:
    name: str  # the Python name, also the generated operation's keyword
    annotation: str
    value: str  # the expression the generated operation is given, UNSET when the argument is None


@dataclass
class Method:
    name: str
    package: str  # the generated operation module is atono_api.api.<package>.<operation>
    operation: str
    kind: str  # "page", "identifiers", "one", "delete"
    returns: str | None  # the resource class returned (or paged)
    path_params: list[tuple[str, str]]  # (python name, annotation)
    path_types: dict[str, str]  # python name -> the resource type its object must be (where the spec has one)
    include_enum: str | None
    include_sent_as: dict[str, str]
    paging: bool
    query: list[QueryArgument]
    body: str | None  # the generated write document
    writes: list[Argument]
    doc: list[str]
    models: list[str] = field(default_factory=list)  # the models its body uses, imported when it is called


@dataclass
class Namespace:
    attribute: str
    class_name: str
    package: str
    description: str
    methods: list[Method] = field(default_factory=list)


def _id_type_name(param: str, classes: dict[str, str]) -> str | None:
    """The resource type a path parameter names by its spelling, if the spec has it: `bugId` -> bug,
    `flagIdOrKey` -> flag."""
    type_name = snake_case(re.sub(r"Id(OrKey)?$", "", param))
    return type_name if type_name in classes else None


def _parameter(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in item:
        found: dict[str, Any] = document["components"]["parameters"][item["$ref"].rsplit("/", 1)[-1]]
        return found
    return item


def _python_type(document: dict[str, Any], prop: dict[str, Any]) -> str:
    """The annotation an argument of this schema takes."""
    name = ref_name(prop)
    if name is not None:
        target = schema(document, name)
        if "enum" in target:
            return f"{name} | str"
        return name
    kind = prop.get("type")
    nullable = isinstance(kind, list) and "null" in kind
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "array":
        item = ref_name(prop.get("items"))
        annotation = "Content" if item == "ContentChunk" else f"Sequence[{_python_type(document, prop['items'])}]"
    else:
        simple = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}
        if kind not in simple:
            raise SystemExit(f"sdk_resources: no argument type for the schema {prop!r}")
        annotation = simple[kind]
    return f"{annotation} | None" if nullable else annotation


def _linkage(document: dict[str, Any], linkage: str, classes: dict[str, str]) -> tuple[str, bool]:
    """(annotation of an id or object, or a list of them; whether it may be None) of a write linkage schema."""
    data = schema(document, linkage)["properties"]["data"]
    many = data.get("type") == "array"
    options = [data["items"]] if many else data.get("oneOf", [data])
    nullable = any(o.get("type") == "null" for o in options)
    identifier = next(ref_name(o) for o in options if ref_name(o))
    assert identifier is not None
    target = schema(document, identifier)["properties"]["type"]["const"]
    ref = f"{classes[target]} | str" if target in classes else "str"
    return (f"Sequence[{ref}]" if many else ref), nullable


def _writes(document: dict[str, Any], body: str, classes: dict[str, str], creating: bool) -> list[Argument]:
    data = schema(document, body)["properties"]["data"]
    arguments: list[Argument] = []
    attributes = ref_name(data["properties"].get("attributes"))
    if attributes is not None:
        attribute_schema = schema(document, attributes)
        required = set(attribute_schema.get("required", [])) if creating else set()
        for wire, prop in attribute_schema.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            annotation = _python_type(document, prop)
            if wire not in required:
                annotation += " | Omit"
            arguments.append(Argument(snake_case(wire), annotation, wire in required))
    relationships = ref_name(data["properties"].get("relationships"))
    if relationships is not None:
        for wire, prop in schema(document, relationships).get("properties", {}).items():
            linkage = ref_name(prop)
            assert linkage is not None, f"{relationships}.{wire} must refer to a linkage schema"
            annotation, nullable = _linkage(document, linkage, classes)
            annotation += " | Omit" + (" | None" if nullable else "")
            arguments.append(Argument(snake_case(wire), annotation, False))
    # Required arguments first, as Python requires of defaults; the spec's order otherwise.
    return [a for a in arguments if a.required] + [a for a in arguments if not a.required]


def _returned(document: dict[str, Any], operation: dict[str, Any], types: dict[str, Any]) -> tuple[str, str | None]:
    """(kind, resource class) of what an operation answers."""
    for status, response in sorted(operation.get("responses", {}).items()):
        if not status.startswith("2"):
            continue
        if status == "204" and "content" not in response:
            return "delete", None
        for media in response.get("content", {}).values():
            name = ref_name(media.get("schema"))
            if name is None:
                continue
            data = schema(document, name)["properties"]["data"]
            many = data.get("type") == "array"
            item = ref_name(data["items"] if many else data)
            resource = next((t for t in types.values() if t.schema == item), None)
            if resource is None:
                if many:
                    return "identifiers", "Identifier"
                raise SystemExit(f"sdk_resources: {operation['operationId']} answers {item}, not a resource")
            return ("page" if many else "one"), resource.class_name
    raise SystemExit(f"sdk_resources: {operation['operationId']} has no success response")


def _query_argument(document: dict[str, Any], parameter: dict[str, Any]) -> QueryArgument:
    """A query parameter's keyword argument: `sort` names its fields' enum; others take their schema's type."""
    name = snake_case(parameter["name"])
    fields = parameter.get("x-atono-sort-fields")
    if fields is not None:
        return QueryArgument(name, "Iterable[str] | None", f"sort_param({name}, {fields}, name={name!r})")
    return QueryArgument(name, _python_type(document, parameter["schema"]) + " | None", name)


def _method_name(operation_id: str, path: str) -> str:
    verb = next((v for v in VERBS if re.match(rf"{v}[A-Z]", operation_id)), None)
    segments = [s for s in path.strip("/").split("/") if s]
    if verb is None:
        return snake_case(operation_id)
    if len(segments) > 2 and not segments[-1].startswith("{"):
        return snake_case(segments[-1].replace("-", "_"))
    return verb


def _doc(operation: dict[str, Any], kind: str, returns: str | None) -> list[str]:
    """The docstring's lines: the summary, then the description and what the method returns, wrapped."""
    summary = str(operation.get("summary", "")).strip().rstrip(".") + "."
    description = " ".join(str(operation.get("description", "")).split())
    answer = {
        "page": f"Returns a pager of `{returns}`: iterate it for the items, or call `pages()`; `start=` begins at that "
        "item offset, such as the `next_start` of the last page an interrupted walk read.",
        "identifiers": "Returns a pager of `Identifier` (type and id); `start=` begins at that item offset.",
        "one": f"Returns the `{returns}`.",
        "delete": "Returns None once it is deleted.",
    }[kind]
    body = textwrap.wrap(f"{description} {answer}".strip(), width=DOC_WIDTH)
    if kind in ("page", "identifiers"):
        body += ["", *textwrap.wrap(PAGING_DOC, width=DOC_WIDTH)]
    return [summary, "", *body]


PAGING_DOC = (
    "How the walk goes: `page_size` items per request (1-100); `limit` the most items to yield, and so the fewest "
    "requests (None: all); `strategy` which of `page[number]` and `page[offset]` to send; `read_ahead` the pages "
    "fetched concurrently ahead of the one being read (1-32; 1 is sequential)."
)


def namespaces(document: dict[str, Any]) -> list[Namespace]:
    types = resource_types(document)
    classes = {t.type_name: t.class_name for t in types.values()}
    result: dict[str, Namespace] = {}
    for tag in document.get("tags", []):
        attribute = snake_case(tag["name"].replace("-", "_"))
        result[tag["name"]] = Namespace(
            attribute=attribute,
            class_name=pascal_case(attribute),
            package=attribute,
            description=" ".join(str(tag.get("description", "")).split()),
        )
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            (tag,) = operation["tags"]
            namespace = result[tag]
            kind, returns = _returned(document, operation, types)
            params = [_parameter(document, p) for p in [*shared, *operation.get("parameters", [])]]
            path_params = []
            path_types = {}
            for p in params:
                if p["in"] == "path":
                    type_name = _id_type_name(p["name"], classes)
                    cls = classes[type_name] if type_name is not None else None
                    path_params.append((snake_case(p["name"]), f"str | {cls}" if cls else "str"))
                    if type_name is not None:
                        path_types[snake_case(p["name"])] = type_name
            include_enum = next((p["x-atono-include-paths"] for p in params if "x-atono-include-paths" in p), None)
            sent_as = schema(document, include_enum).get("x-atono-include-sent-as", {}) if include_enum else {}
            paging = any(p["name"] in PAGE_PARAMETERS for p in params)
            query = [
                _query_argument(document, p)
                for p in params
                if p["in"] == "query" and p["name"] not in PAGE_PARAMETERS and "x-atono-include-paths" not in p
            ]
            body = None
            writes: list[Argument] = []
            if "requestBody" in operation:
                media = next(iter(operation["requestBody"]["content"].values()))
                body = ref_name(media["schema"])
                assert body is not None
                writes = _writes(document, body, classes, creating=not path_params)
            namespace.methods.append(
                Method(
                    name=_method_name(operation["operationId"], path),
                    package=namespace.package,
                    operation=snake_case(operation["operationId"]),
                    kind=kind,
                    returns=returns,
                    path_params=path_params,
                    path_types=path_types,
                    include_enum=include_enum,
                    include_sent_as=dict(sorted(sent_as.items())),
                    paging=paging,
                    query=query,
                    body=body,
                    writes=writes,
                    doc=_doc(operation, kind, returns),
                )
            )
    return [n for n in result.values() if n.methods]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _imports(spaces: list[Namespace], resource_classes: set[str]) -> dict[str, Any]:
    """What the module imports: resource classes from `atono.types`, and the models an annotation names; the models
    only a method's body uses go into `Method.models`, imported when it is called."""
    annotated: set[str] = set()
    classes: set[str] = set()
    for space in spaces:
        for m in space.methods:
            used = {
                m.include_enum,
                m.body,
                *re.findall(r"\b[A-Z][A-Za-z]+SortField\b", " ".join(q.value for q in m.query)),
            }
            m.models = sorted(name for name in used if name)
            if m.returns and m.returns != "Identifier":
                classes.add(m.returns)
            annotations = (
                [a for _, a in m.path_params] + [w.annotation for w in m.writes] + [q.annotation for q in m.query]
            )
            for annotation in annotations:
                for word in re.findall(r"[A-Z][A-Za-z]+", annotation):
                    if word not in {"Omit", "Sequence", "Iterable", "Content", "None"}:
                        (classes if word in resource_classes else annotated).add(word)
    uses_unset = any(m.query for space in spaces for m in space.methods)
    return {"models": sorted(annotated), "classes": sorted(classes), "uses_unset": uses_unset}


def render(document: dict[str, Any]) -> str:
    spaces = namespaces(document)
    resource_classes = {t.class_name for t in resource_types(document).values()}
    return (
        _environment()
        .get_template("resources.py.jinja")
        .render(namespaces=spaces, **_imports(spaces, resource_classes))
    )


def render_namespaces(document: dict[str, Any]) -> str:
    return _environment().get_template("namespaces.py.jinja").render(namespaces=namespaces(document))
