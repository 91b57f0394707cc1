"""Check and convert what users pass to resource methods, before any request is sent.

Write bodies are built from the generated request models of the spec: an argument is an attribute when
the generated attributes model has a field of that name, a relationship when the generated
relationships model has one, so a writable field added to the spec needs no table here.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import unquote

from atono_api.models import ContentChunk, ContentChunkType
from atono_api.types import UNSET, Unset
from atono_sdk.types import ContentChunk as PublicChunk

from atono._constants import OMIT
from atono._converters import ConversionError, check_request, model_hints
from atono._naming import snake_case, spelling_key
from atono._objects import ResourceObject

D = TypeVar("D")


# ---- ids ------------------------------------------------------------------------------------------------
# Far longer than any id or flag key; an id beyond it cannot fit in a URL (httpx refuses 64 KiB components).
MAX_ID_LENGTH = 1024


def resource_id(value: object, *, name: str, expected_type: str | None) -> str:
    """A path id from a string or a resource object, checked to name one resource under its endpoint.

    No empty ids, no whitespace around them, no URL delimiters or control characters, and no `.` or `..` (also
    percent-encoded): those are dot segments, which URL normalisation removes, so `bugs.delete("..")` would send
    `DELETE /v1`. An object's id comes from a server and is checked the same way.

    An object must be of `expected_type` (the resource type the path names; None takes any), so
    `client.bugs.get(user)` is refused instead of asking for a bug with a user's id. `name` is the argument's, for
    the messages.
    """
    source = "the id of the object given as "
    if isinstance(value, ResourceObject):
        if expected_type is not None and value.type != expected_type:
            raise TypeError(f"{name} must be a {expected_type} or its id, got a {value.type}")
        value = value.id
    elif isinstance(value, str):
        source = ""
    else:
        raise TypeError(f"{name} must be a string id or a resource object, got {type(value).__name__}")
    assert isinstance(value, str)
    problem = _id_problem(value)
    if problem:
        shown = repr(value) if len(value) <= 80 else f"{value[:40]!r}... ({len(value):,} characters)"
        raise ValueError(f"{source}{name} must be a single resource's id, got {shown}: {problem}")
    return value


def _id_problem(value: str) -> str | None:
    if not value or value.strip() != value:
        return "ids are non-empty and have no surrounding whitespace"
    if len(value) > MAX_ID_LENGTH:
        return f"ids are at most {MAX_ID_LENGTH} characters"
    if any(ch in "/?#\\" or ch < " " or ch == "\x7f" for ch in value):
        return "it contains a URL delimiter or a control character"
    decoded, previous = value, None
    while decoded != previous and "%" in decoded:  # each pass shortens it, so this ends
        previous, decoded = decoded, unquote(decoded)
    if decoded in (".", "..") or value in (".", ".."):
        return "it is a dot segment, which would name the endpoint above instead"
    return None


# ---- include --------------------------------------------------------------------------------------------
def include_param(
    value: Iterable[str] | None, paths: type[Enum], *, sent_as: Mapping[str, str] | None = None
) -> str | Unset:
    """`include=["assignee", "workflow_step"]` -> "assignee,WORKFLOW_STEP", checked against the spec's paths.

    `sent_as` maps a path to the spelling sent for it where the API names one relationship two ways (the spec's
    `x-atono-include-sent-as`: `reporter` is sent as `creator`), so either spelling asks for it once.
    """
    if value is None:
        return UNSET
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise TypeError(
            f"include must be a list of relationship names such as {_examples(paths)}, got {type(value).__name__}"
        )
    known = _spellings(paths)
    chosen: list[str] = []
    for name in value:
        if not isinstance(name, str):
            raise TypeError(f"include names must be strings, got {type(name).__name__}")
        wire = known.get(spelling_key(name))
        if wire is None:
            raise ValueError(f"cannot include {name!r} here; the documented names are {_examples(paths)}")
        wire = (sent_as or {}).get(wire, wire)
        if wire not in chosen:
            chosen.append(wire)
    return ",".join(chosen) if chosen else UNSET


@functools.cache
def _spellings(names: type[Enum]) -> dict[str, str]:
    """The wire name of each member of `names` by `spelling_key` (include paths, sort fields), built once per enum."""
    return {spelling_key(member.value): member.value for member in names}


def _examples(paths: type[Enum]) -> str:
    return "[" + ", ".join(repr(snake_case(member.value)) for member in paths) + "]"


# ---- sort -----------------------------------------------------------------------------------------------
def sort_param(value: Iterable[str], fields: type[Enum], *, name: str = "sort") -> list[str] | Unset:
    """`sort=["-created_at", "full_name"]` -> ["-createdAt", "fullName"] (sent repeated), checked against the
    spec's fields: each in snake_case or the API's spelling, `-` first for descending order."""
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a list of field names such as ['-{snake_case(next(iter(fields)).value)}'] "
            f"(a leading '-' sorts descending), got {type(value).__name__}; the fields are {_examples(fields)}"
        )
    known = _spellings(fields)
    sent: list[str] = []
    seen: set[str] = set()
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} field names must be strings, got {type(item).__name__}")
        descending = item.startswith("-")
        wire = known.get(spelling_key(item.removeprefix("-"))) if item.strip() == item else None
        if wire is None:
            raise ValueError(
                f"cannot sort by {item!r} here; the fields are {_examples(fields)}, each optionally after a '-' "
                "for descending order"
            )
        if wire in seen:
            raise ValueError(f"{name} names {snake_case(wire)!r} more than once; give each field once")
        seen.add(wire)
        sent.append(f"-{wire}" if descending else wire)
    return sent if sent else UNSET


# ---- write documents -------------------------------------------------------------------------------------
def _model_in(annotation: Any) -> type | None:
    """The generated model inside an annotation such as `BugCreateAttributes | Unset`."""
    for arg in typing.get_args(annotation) or (annotation,):
        if isinstance(arg, type) and arg.__module__.startswith("atono_api.models"):
            return arg
    return None


def _const(model: type, field: str = "type_") -> str:
    (value,) = typing.get_args(model_hints(model)[field])
    return typing.cast(str, value)


@functools.cache
def _write_shape(document: Any) -> tuple[type, type | None, type | None]:
    """(data model, attributes model, relationships model) of a generated write document."""
    data = _model_in(model_hints(document)["data"])
    assert data is not None
    hints = model_hints(data)
    return data, _model_in(hints.get("attributes")), _model_in(hints.get("relationships"))


def writable_fields(document: type) -> set[str]:
    """The snake_case names a write document accepts (attributes and relationships)."""
    _, attributes, relationships = _write_shape(document)
    names: set[str] = set()
    for model in (attributes, relationships):
        if model is not None:
            names |= {n for n in model_hints(model) if n != "additional_properties"}
    return names


def write_body(document: type[D], fields: Mapping[str, Any], *, resource: str | None = None) -> D:
    """A generated write document from keyword arguments, skipping OMIT, checking every value's type."""
    data_model, attributes_model, relationships_model = _write_shape(typing.cast(Any, document))
    attribute_hints = model_hints(attributes_model) if attributes_model else {}
    relationship_hints = model_hints(relationships_model) if relationships_model else {}
    attributes: dict[str, Any] = {}
    relationships: dict[str, Any] = {}
    for name, value in fields.items():
        if value is OMIT:
            continue
        if name in relationship_hints:
            relationships[name] = _linkage(_model_in(relationship_hints[name]), value, name)
        elif name in attribute_hints:
            attributes[name] = _attribute(name, value)
        else:
            raise TypeError(f"unexpected argument {name!r}")
    kwargs: dict[str, Any] = {"type_": _const(data_model)}
    if resource is not None:
        kwargs["id"] = resource
    if attributes_model is not None and (attributes or "attributes" not in _optional(data_model)):
        kwargs["attributes"] = _checked(attributes_model(**attributes))
    if relationships_model is not None and relationships:
        kwargs["relationships"] = relationships_model(**relationships)
    return typing.cast(D, typing.cast(Any, document)(data=data_model(**kwargs)))


def _checked(attributes: Any) -> Any:
    """The attributes, after checking their JSON form with the converter responses use: one set of type rules."""
    try:
        check_request(type(attributes), attributes.to_dict())
    except ConversionError as exc:
        name = snake_case(exc.member) if exc.member else "an attribute"
        raise TypeError(f"{name} has the wrong type: {str(exc).removeprefix(f'{exc.member}: ')}") from None
    return attributes


def _optional(model: type) -> set[str]:
    return {name for name, hint in model_hints(model).items() if Unset in typing.get_args(hint)}


def _attribute(name: str, value: Any) -> Any:
    if name in ("content", "additional_content"):
        return content_chunks(value, name=name)
    return value


def content_chunks(value: Any, *, name: str = "content") -> list[ContentChunk]:
    """Content as the request models' chunks, from `atono.types.ContentChunk` objects (a chunk read from a
    response goes back as it came), {"type", "value"} dicts, or plain strings (TEXT chunks)."""
    # A dict is iterable too, but iterating it would send its keys as the content.
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of content chunks or strings, got {type(value).__name__}")
    chunks: list[ContentChunk] = []
    for index, item in enumerate(value):
        where = f"{name}[{index}]"
        if isinstance(item, PublicChunk):
            chunks.append(ContentChunk(type_=item.type, value=item.value))
        elif isinstance(item, ContentChunk):
            chunks.append(item)
        elif isinstance(item, str):
            chunks.append(ContentChunk(type_=ContentChunkType.TEXT, value=item))
        elif isinstance(item, Mapping):
            if not isinstance(item.get("type"), str) or not isinstance(item.get("value"), str):
                raise ValueError(f"{where} needs a string 'type' (TEXT, DISPLAY_HTML, PERSONA) and a string 'value'")
            chunk_type = ContentChunkType(item["type"])
            if not chunk_type.is_known:
                raise ValueError(f"{where} has an unknown type {item['type']!r}; use TEXT, DISPLAY_HTML or PERSONA")
            chunks.append(ContentChunk(type_=chunk_type, value=item["value"]))
        else:
            raise TypeError(f"{where} must be a ContentChunk, a dict or a string, got {type(item).__name__}")
    return chunks


def _linkage(linkage_model: type | None, value: Any, name: str) -> Any:
    """`assignee=user_or_id` -> UserLinkage(data=UserIdentifier(...)); None clears; lists for to-many."""
    assert linkage_model is not None
    data_hint = model_hints(linkage_model)["data"]
    if typing.get_origin(data_hint) is list:
        (identifier_model,) = typing.get_args(data_hint)
        if isinstance(value, str | bytes | Mapping | ResourceObject) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be a list of ids or objects, got {type(value).__name__}")
        return linkage_model(data=[_identifier(identifier_model, v, name) for v in value])
    identifier_model = _model_in(data_hint)
    assert identifier_model is not None
    if value is None:
        if type(None) not in typing.get_args(data_hint):
            raise ValueError(f"{name} cannot be cleared; pass the id of a {_const(identifier_model)}")
        return linkage_model(data=None)
    return linkage_model(data=_identifier(identifier_model, value, name))


def _identifier(identifier_model: type, value: Any, name: str) -> Any:
    kind = _const(identifier_model)
    return identifier_model(type_=kind, id=resource_id(value, name=name, expected_type=kind))
