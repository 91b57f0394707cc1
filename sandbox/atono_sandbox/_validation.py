"""Request validation driven by the spec: query parameters from `openapi.json`, bodies by the wire models.

Nothing here restates a rule of the API. Parameter names, bounds, defaults and allowed `include`
values are read from the generated `atono_wire/openapi.json`, and request bodies are validated by the
generated `atono_wire` models, so a spec revision changes the sandbox by regeneration alone.

The models accept an explicit null for every optional member (the generator cannot tell "optional"
from "nullable"), so bodies the models accept are also checked against the spec's own schema, which
rejects `{"title": null}` while allowing `{"description": null}`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, get_args

import pydantic
from atono_wire import models
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from atono_sandbox._documents import PageRequest
from atono_sandbox._errors import ApiError, error_object

_HTTP_METHODS = ("get", "post", "patch", "put", "delete")
_INTEGER = re.compile(r"-?[0-9]+")
_JSON_MEDIA_TYPES = ("application/vnd.api+json", "application/json")
_SPEC_URI = "urn:atono:openapi"


@dataclass(frozen=True, slots=True)
class QueryRule:
    """What the spec allows for one query parameter."""

    name: str
    integer: bool
    minimum: int | None
    maximum: int | None
    clamp_above_maximum: bool
    default: int | None
    choices: frozenset[str] | None  # for `include`: the members of the enum it names
    repeated: bool = False  # an exploded array (`sort=a&sort=b`): given once per value
    sort_fields: frozenset[str] | None = None  # for `sort`: the members of the enum it names


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    method: str
    path: str
    query: dict[str, QueryRule]
    body_model: type[pydantic.BaseModel] | None
    body_schema: Any = None  # a jsonschema validator of the spec's request body schema

    @property
    def body_type(self) -> str | None:
        """The resource type a request body must declare (`data.type`), read from the body model."""
        if self.body_model is None:
            return None
        data_model = self.body_model.model_fields["data"].annotation
        type_field = data_model.model_fields["type"]  # type: ignore[union-attr]
        return str(get_args(type_field.annotation)[0])

    @property
    def creates(self) -> bool:
        return self.method == "POST"


@cache
def spec() -> dict[str, Any]:
    """The spec as JSON, as generated next to the wire models."""
    text = resources.files("atono_wire").joinpath("openapi.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def _registry() -> Registry[Any]:
    """The spec as one JSON Schema (2020-12, OpenAPI 3.1's dialect) resource, for `$ref`s into it."""
    resource: Resource[Any] = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
    return registry


def _rule(parameter: dict[str, Any]) -> QueryRule:
    schema = _resolve(parameter.get("schema", {}))
    choices = None
    enum_name = parameter.get("x-atono-include-paths")
    if enum_name is not None:
        choices = frozenset(spec()["components"]["schemas"][enum_name]["enum"])
    sort_enum = parameter.get("x-atono-sort-fields")
    return QueryRule(
        name=parameter["name"],
        integer=schema.get("type") == "integer",
        minimum=schema.get("minimum"),
        maximum=schema.get("maximum"),
        clamp_above_maximum=bool(parameter.get("x-atono-clamped-above-maximum")),
        default=schema.get("default"),
        choices=choices,
        repeated=schema.get("type") == "array" and parameter.get("explode", True),
        sort_fields=frozenset(spec()["components"]["schemas"][sort_enum]["enum"]) if sort_enum else None,
    )


@cache
def include_relationships() -> dict[str, str]:
    """The relationship each include path names where the two differ (`creator` -> `reporter`), from the
    `x-atono-include-relationships` of the spec's include enums."""
    found: dict[str, str] = {}
    for schema in spec()["components"]["schemas"].values():
        found.update(schema.get("x-atono-include-relationships", {}))
    return found


def _request_schema_ref(body: dict[str, Any]) -> str:
    """The schema of a request body: the spec declares one media type for it (application/json)."""
    (media,) = body["content"].values()
    ref: str = media["schema"]["$ref"]
    return ref


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, with its query rules and body model."""
    out: list[Operation] = []
    for path, item in spec()["paths"].items():
        shared = [_resolve(p) for p in item.get("parameters", [])]
        for method in _HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            parameters = shared + [_resolve(p) for p in op.get("parameters", [])]
            query = {p["name"]: _rule(p) for p in parameters if p["in"] == "query"}
            body_model = body_schema = None
            if "requestBody" in op:
                body = _resolve(op["requestBody"])
                ref = _request_schema_ref(body)
                body_model = getattr(models, ref.rsplit("/", 1)[-1])
                body_schema = Draft202012Validator({"$ref": f"{_SPEC_URI}{ref}"}, registry=_registry())
            out.append(Operation(op["operationId"], method.upper(), path, query, body_model, body_schema))
    return tuple(out)


# ---- query parameters ----------------------------------------------------------------------------


def _bad_parameter(name: str, detail: str, code: str = "invalid_parameter") -> dict[str, Any]:
    return error_object(400, code, "Invalid query parameter", detail, parameter=name)


def parse_query(operation: Operation, items: list[tuple[str, str]]) -> dict[str, Any]:
    """Check the query string against the operation's parameters; values come back typed.

    Unknown and repeated parameters are rejected, integers are checked against the spec's bounds
    (a `page[size]` above its maximum is clamped, as the spec's extension says), and `include` must
    name only the paths of the enum the parameter points to. All problems are reported at once.
    """
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for name, raw in items:
        rule = operation.query.get(name)
        if rule is None:
            allowed = ", ".join(sorted(operation.query)) or "none"
            detail = f"Unknown query parameter {name!r}; this operation accepts: {allowed}."
            errors.append(_bad_parameter(name, detail, "unknown_parameter"))
            continue
        if name in values and not rule.repeated:
            errors.append(_bad_parameter(name, f"{name} is given more than once."))
            continue
        if rule.sort_fields is not None:
            problem = _sort_problem(rule, raw, values.get(name, []))
            if problem:
                errors.append(_bad_parameter(name, problem))
                continue
            values.setdefault(name, []).append(raw)
        elif rule.integer:
            if not _INTEGER.fullmatch(raw):
                errors.append(_bad_parameter(name, f"{name} must be an integer, not {raw!r}."))
                continue
            number = int(raw)
            if rule.minimum is not None and number < rule.minimum:
                errors.append(_bad_parameter(name, f"{name} must be at least {rule.minimum}, not {number}."))
                continue
            if rule.maximum is not None and number > rule.maximum:
                if not rule.clamp_above_maximum:
                    errors.append(_bad_parameter(name, f"{name} must be at most {rule.maximum}, not {number}."))
                    continue
                number = rule.maximum
            values[name] = number
        elif rule.choices is not None:
            paths = raw.split(",")
            unknown = [p for p in paths if p not in rule.choices]
            if unknown:
                allowed = ", ".join(sorted(rule.choices))
                detail = f"Cannot include {', '.join(map(repr, unknown))}; includable paths: {allowed}."
                errors.append(_bad_parameter(name, detail))
                continue
            values[name] = list(dict.fromkeys(paths))
        else:
            values[name] = raw
    if "page[number]" in values and "page[offset]" in values:
        detail = "Use either page[number] or page[offset], not both."
        errors.append(_bad_parameter("page[offset]", detail))
    if errors:
        raise ApiError(400, errors)
    return values


def _sort_problem(rule: QueryRule, raw: str, earlier: list[str]) -> str | None:
    assert rule.sort_fields is not None
    field = raw.removeprefix("-")
    if field not in rule.sort_fields:
        allowed = ", ".join(sorted(rule.sort_fields))
        return f"Cannot sort by {raw!r}; sortable fields: {allowed}, each optionally after '-' for descending order."
    if field in {e.removeprefix("-") for e in earlier}:
        return f"{rule.name} names {field!r} more than once."
    return None


def requested_page(operation: Operation, query: dict[str, Any]) -> PageRequest:
    """The page a list request asks for, with the spec's defaults for what it leaves out."""
    default = operation.query["page[size]"].default
    size: int = query.get("page[size]", default if default is not None else 100)
    return PageRequest(size=size, number=query.get("page[number]", 0), offset=query.get("page[offset]"))


# ---- request bodies ------------------------------------------------------------------------------


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "".join(f"/{part}" for part in loc)


def _body_error(status: int, code: str, title: str, detail: str, pointer: str) -> ApiError:
    return ApiError.one(status, code, title, detail, pointer=pointer)


def check_media_type(content_type: str | None, strict: str | None = None) -> None:
    """Request bodies are JSON:API documents, sent as `application/json` or `application/vnd.api+json`; a strict
    sandbox takes only `strict`. Any other type is 415 Unsupported Media Type, answered before anything is applied,
    as the spec's UnsupportedMediaType response says."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    accepted = (strict,) if strict is not None else _JSON_MEDIA_TYPES
    if media_type not in accepted:
        wanted = " or ".join(accepted)
        detail = f"Send the body as {wanted}, not {content_type or 'nothing'!r}."
        raise ApiError.one(415, "unsupported_media_type", "Unsupported media type", detail, header="Content-Type")


def parse_body(operation: Operation, body: bytes, path_id: str | None) -> tuple[Any, pydantic.BaseModel]:
    """Parse and validate a write's body; returns the raw JSON and the validated model.

    Order and statuses follow JSON:API: a `data.type` other than the endpoint's is 409 Conflict, a
    client-generated id on a create is 403, and a `data.id` that differs from the path's is 409.
    Everything else the model rejects is 400, one error per problem, each with a JSON pointer.
    """
    assert operation.body_model is not None
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _body_error(400, "invalid_json", "Malformed JSON", f"The body is not valid JSON: {exc}.", "") from exc
    data = raw.get("data") if isinstance(raw, dict) else None
    if isinstance(data, dict):
        declared = data.get("type")
        expected = operation.body_type
        if isinstance(declared, str) and declared != expected:
            detail = f"This endpoint takes {expected!r} resources, not {declared!r}."
            raise _body_error(409, "type_mismatch", "Resource type mismatch", detail, "/data/type")
        if operation.creates and "id" in data:
            detail = "Ids are assigned by the server; leave data.id out of a create."
            raise _body_error(403, "client_id_unsupported", "Client-generated id", detail, "/data/id")
    try:
        model = operation.body_model.model_validate_json(body, strict=True, by_alias=True, by_name=False)
    except pydantic.ValidationError as exc:
        errors = [
            error_object(400, "invalid_body", "Invalid request body", f"{e['msg']}.", pointer=_pointer(e["loc"]))
            for e in exc.errors(include_url=False)
        ]
        raise ApiError(400, errors) from exc
    schema_errors = sorted(operation.body_schema.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if schema_errors:
        errors = [
            error_object(
                400, "invalid_body", "Invalid request body", f"{e.message}.", pointer=_pointer(tuple(e.absolute_path))
            )
            for e in schema_errors
        ]
        raise ApiError(400, errors)
    if path_id is not None and raw["data"]["id"] != path_id:
        detail = f"data.id {raw['data']['id']!r} does not match the id in the path, {path_id!r}."
        raise _body_error(409, "id_mismatch", "Resource id mismatch", detail, "/data/id")
    return raw, model
