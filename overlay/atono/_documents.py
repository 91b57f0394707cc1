"""Parse JSON:API documents into typed resource objects that share one identity map per response.

`decode_document` takes a response body: where msgspec is installed it decodes the body compactly
(`atono._structs`), and falls back to dicts (`parse_document`) for any body it does not take as it is,
so the outcome, objects or error, is the same either way; only the cost differs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from atono import _structs
from atono._json import loads
from atono._objects import (
    IdentityMap,
    InvalidAttributes,
    MalformedDocumentError,
    NotCompactError,
    ResourceObject,
    compact_linkage,
    object_member,
    to_many_by_name,
)
from atono.types import KNOWN_TYPES, Resource

T = TypeVar("T", bound=ResourceObject)


@dataclass(frozen=True, slots=True)
class Document(Generic[T]):
    """A parsed response: its primary data, the `included` resources, and top-level links and meta."""

    data: list[T]
    included: list[ResourceObject] = field(default_factory=list)
    links: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def _build(raw: Any, identity_map: IdentityMap, *, primary: bool) -> ResourceObject:
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str) or not isinstance(raw.get("id"), str):
        raise MalformedDocumentError(f"a resource object needs string `type` and `id`, got {_short(raw)}")
    cls = KNOWN_TYPES.get(raw["type"])
    attributes = raw.get("attributes", {})
    if not isinstance(attributes, dict):
        raise MalformedDocumentError(f"`attributes` of {raw['type']} {raw['id']} must be an object")
    if cls is None or issubclass(cls, Resource):
        generic = (cls or Resource).__new__(cls or Resource)
        generic._bind(raw, identity_map, primary=primary)
        generic.attributes = attributes
        return generic
    obj = cls.__new__(cls)
    obj._bind(raw, identity_map, primary=primary, attributes=attributes)  # converted when first read
    return obj


def parse_document(payload: Any, *, many: bool, invalid: InvalidAttributes | None = None) -> Document[Any]:
    """Build the typed objects of a document; raise MalformedDocumentError when it is not a JSON:API document.

    Attributes are checked and converted when first read; `invalid` makes the error raised then for a value
    that does not fit the spec (MalformedDocumentError without it).
    """
    if not isinstance(payload, Mapping):
        raise MalformedDocumentError(f"the body must be a JSON object, got {_short(payload)}")
    if "data" not in payload:
        raise MalformedDocumentError("the body has no top-level `data`")
    data = payload["data"]
    if many and not isinstance(data, list):
        raise MalformedDocumentError("`data` must be an array of resources for a collection")
    if not many and not isinstance(data, dict):
        raise MalformedDocumentError("`data` must be a single resource object")
    included_raw = payload.get("included", [])
    if not isinstance(included_raw, list):
        raise MalformedDocumentError("`included` must be an array")
    identity_map = IdentityMap(invalid)
    items = [_build(raw, identity_map, primary=True) for raw in (data if many else [data])]
    included = [_build(raw, identity_map, primary=False) for raw in included_raw]
    _index(identity_map, items, included)
    return Document(
        data=items,
        included=included,
        links=object_member(payload, "links", top_level=True),
        meta=object_member(payload, "meta", top_level=True),
    )


def decode_document(body: bytes, *, many: bool, invalid: InvalidAttributes | None = None) -> Document[Any]:
    """`parse_document` of a JSON body; raise ValueError when it is not JSON (MalformedDocumentError included)."""
    if _structs.AVAILABLE:
        try:
            return _compact_document((_structs.COLLECTION if many else _structs.SINGLE).decode(body), many, invalid)
        except (_structs.DecodeError, NotCompactError, RecursionError):
            pass  # decoded again below, as dicts
    return parse_document(loads(body), many=many, invalid=invalid)


def _compact_document(document: Any, many: bool, invalid: InvalidAttributes | None) -> Document[Any]:
    data = document.data if many else [document.data]
    identity_map = IdentityMap(invalid, primary_ids=frozenset([raw.id for raw in data]))
    items = _build_compact(data, identity_map, primary=True)
    included = _build_compact(document.included, identity_map, primary=False)
    _index(identity_map, items, included)
    links, meta = document.links, document.meta
    return Document(
        data=items, included=included, links={} if links is None else links, meta={} if meta is None else meta
    )


# What a compact page is built with for each known type: its class, whether attributes stay a dict (`Resource`),
# and which relationships are to-many. Only types of `KNOWN_TYPES`, so a server cannot grow it.
_KINDS: dict[str, tuple[type[ResourceObject], bool, dict[str, bool]]] = {}


def _kind(type_: str) -> tuple[type[ResourceObject], bool, dict[str, bool]]:
    cls = KNOWN_TYPES.get(type_)
    if cls is None:
        return (Resource, True, to_many_by_name(Resource))
    found = _KINDS[type_] = (cls, issubclass(cls, Resource), to_many_by_name(cls))
    return found


def _build_compact(raws: list[Any], identity_map: IdentityMap, *, primary: bool) -> list[ResourceObject]:
    """Typed objects from compactly decoded resources; their attributes wait as raw JSON until one is read.

    One loop for the whole list, its lookups made once: a page's objects are the hot path of every list call.
    """
    built: list[ResourceObject] = []
    primary_ids, targets, kinds = identity_map.primary_ids, identity_map.targets, _KINDS
    for raw in raws:
        attributes = raw.attributes
        if attributes and memoryview(attributes)[0] != 0x7B:  # "{"
            raise NotCompactError  # not an object: the dict decoding says so precisely
        type_ = raw.type
        cls, generic, relationship_kinds = kinds.get(type_) or _kind(type_)
        obj = cls.__new__(cls)
        relationships = raw.relationships
        if relationships:
            compact_linkage(relationships, relationship_kinds, primary_ids, targets)
        links, meta = raw.links, raw.meta
        # Straight into the instance dict: `__setattr__` would convert the attributes.
        members = obj.__dict__
        members["id"] = raw.id
        members["type"] = type_
        members["links"] = {} if links is None else links
        members["meta"] = {} if meta is None else meta
        members["_rels"] = relationships or {}
        members["_identity_map"] = identity_map
        members["_primary"] = primary
        if generic:
            members["attributes"] = loads(bytes(attributes)) if attributes else {}
        else:
            # Copied, so that it does not hold the whole page's body in memory.
            members["_pending"] = attributes.copy() if attributes else {}
        built.append(obj)
    return built


def _index(identity_map: IdentityMap, items: list[Any], included: list[ResourceObject]) -> None:
    """Put into the map the included objects and the primary ones linkage names; the first of a (type, id) wins."""
    targets = identity_map.targets
    if targets:
        for obj in items:
            key = (obj.type, obj.id)
            if key in targets:
                identity_map.setdefault(key, obj)
    for obj in included:
        identity_map.setdefault((obj.type, obj.id), obj)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
