"""Parse JSON:API documents into typed resource objects that share one identity map per response."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from atono._converters import ConversionError, model_converter
from atono._objects import IdentityMap, MalformedDocumentError, ResourceObject
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
    obj: ResourceObject
    if cls is None or issubclass(cls, Resource):
        generic = (cls or Resource).__new__(cls or Resource)
        generic.attributes = attributes
        obj = generic
    else:
        try:
            obj = model_converter(cls)(attributes)
        except ConversionError as exc:
            raise MalformedDocumentError(
                f"attributes of {raw['type']} {raw['id']} do not match the spec: {exc}"
            ) from exc
    obj._bind(raw, identity_map, primary=primary)
    identity_map.setdefault((obj.type, obj.id), obj)
    return obj


def parse_document(payload: Any, *, many: bool) -> Document[Any]:
    """Build the typed objects of a document; raise MalformedDocumentError when it is not a JSON:API document."""
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
    identity_map: IdentityMap = {}
    items = [_build(raw, identity_map, primary=True) for raw in (data if many else [data])]
    included = [_build(raw, identity_map, primary=False) for raw in included_raw]
    return Document(
        data=items,
        included=included,
        links=_object(payload, "links"),
        meta=_object(payload, "meta"),
    )


def _object(payload: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = payload.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedDocumentError(f"top-level `{name}` must be an object")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
