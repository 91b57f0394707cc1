"""Typed resource objects built from JSON:API resource objects, with relationships resolved lazily.

A typed resource class subclasses the generated attributes model of its type (e.g. ``BugAttributes``),
so every attribute in the spec reaches it by regeneration alone, typed and in snake_case, and the
generated parser does the conversion (aware datetimes, lenient enums, content chunks as objects).
Relationships resolve through the identity map of the response they came in: no hidden requests.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

from atono._exceptions import NotIncludedError
from atono._naming import snake_case

Key = tuple[str, str]
IdentityMap = dict[Key, "ResourceObject"]
T = TypeVar("T", bound="ResourceObject")


class MalformedDocumentError(ValueError):
    """A response body that does not have the shape the spec gives it (turned into APIResponseValidationError)."""


class ResourceObject:
    """Behaviour shared by every resource: identity, relationship linkage and resolution.

    Two objects are equal when they are the same resource (type and id), whichever response they came from.
    Objects are mutable, so they are not hashable: key dicts and sets by `obj.id`.
    """

    type_name: ClassVar[str] = ""
    id: str
    type: str
    links: dict[str, Any]
    meta: dict[str, Any]
    relationships: dict[str, Any]
    _identity_map: IdentityMap
    _primary: bool

    def _bind(
        self,
        raw: Mapping[str, Any],
        identity_map: IdentityMap,
        *,
        primary: bool,
    ) -> None:
        self.id = raw["id"]
        self.type = raw["type"]
        self.links = _object_member(raw, "links")
        self.meta = _object_member(raw, "meta")
        self.relationships = _relationships(raw, _to_many(type(self)))
        self._identity_map = identity_map
        self._primary = primary

    # ---- linkage (always available) -------------------------------------------------------------
    def _linkage(self, name: str) -> Any:
        relationship = self.relationships.get(name)
        if not isinstance(relationship, dict) or "data" not in relationship:
            return _MISSING
        return relationship["data"]

    def related_id(self, name: str) -> str | None:
        """The id of a to-one relationship by its wire name (None when empty or absent)."""
        data = self._linkage(name)
        return data["id"] if isinstance(data, dict) else None

    def related_ids(self, name: str) -> list[str]:
        """The ids of a to-many relationship by its wire name (empty when absent)."""
        data = self._linkage(name)
        return [item["id"] for item in data] if isinstance(data, list) else []

    # ---- resolution through the identity map ---------------------------------------------------------
    def related(self, name: str) -> ResourceObject | list[ResourceObject] | None:
        """The related resource(s) of any relationship by its wire name, from the response's `included`."""
        data = self._linkage(name)
        if data is _MISSING:
            raise self._not_included(name, "the response has no linkage for it")
        if data is None:
            return None
        if isinstance(data, list):
            return [self._lookup(name, item) for item in data]
        return self._lookup(name, data)

    def _lookup(self, name: str, identifier: Mapping[str, Any]) -> ResourceObject:
        found = self._identity_map.get((identifier["type"], identifier["id"]))
        if found is None:
            raise self._not_included(name, f"{identifier['type']} {identifier['id']} is not in `included`")
        return found

    def _not_included(self, name: str, why: str) -> NotIncludedError:
        python_name = snake_case(name)
        path = repr(python_name) if self._primary else f"'<path to this {self.type}>.{python_name}'"
        return NotIncludedError(
            f"{self.type} {self.id}: relationship {python_name!r} was not included ({why}). "
            f"Request it with include=[{path}]; its ids are available without it.",
            relationship=python_name,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceObject):
            return NotImplemented
        return (self.type, self.id) == (other.type, other.id)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        label = getattr(self, "handle", None) or getattr(self, "name", None) or getattr(self, "key", None)
        shown = f", {label!r}" if isinstance(label, str) else ""
        return f"<{type(self).__name__} {self.id}{shown}>"


class _Missing:
    """Marks a relationship the response did not describe at all (as opposed to data: null)."""


_MISSING: Any = _Missing()


def _object_member(raw: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedDocumentError(f"`{name}` of {raw.get('type')} {raw.get('id')} must be an object")
    return value


def _is_identifier(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("type"), str) and isinstance(value.get("id"), str)


def _relationships(raw: Mapping[str, Any], to_many: Mapping[str, bool]) -> dict[str, Any]:
    """The `relationships` member, with the linkage of each checked, so reading it later cannot fail on its shape.

    `data` must be null, a resource identifier or an array of them; for a relationship the class declares, one that
    fits it (an identifier or null for to-one, an array for to-many, where null reads as empty).
    """
    relationships = _object_member(raw, "relationships")
    for name, relationship in relationships.items():
        if not isinstance(relationship, dict) or "data" not in relationship:
            continue  # no linkage: reading it raises NotIncludedError
        data = relationship["data"]
        many = to_many.get(name)
        if data is None or (many is not True and _is_identifier(data)):
            continue
        if many is not False and isinstance(data, list) and all(_is_identifier(item) for item in data):
            continue
        expected = {True: "an array of", False: "null or one", None: "null, one or an array of"}[many]
        raise MalformedDocumentError(
            f"relationship `{name}` of {raw.get('type')} {raw.get('id')}: `data` must be {expected} resource "
            f"identifier(s) with string `type` and `id`, got {type(data).__name__}"
        )
    return relationships


_TO_MANY: dict[type, dict[str, bool]] = {}


def _to_many(cls: type) -> dict[str, bool]:
    """Whether each relationship a typed class declares (by wire name) is to-many."""
    found = _TO_MANY.get(cls)
    if found is None:
        found = {d.name: isinstance(d, ToMany | ToManyIds) for d in relationship_descriptors(cls).values()}
        _TO_MANY[cls] = found
    return found


# ---- relationship descriptors -------------------------------------------------------------------------
class ToOne(Generic[T]):
    """`bug.assignee`: the related object from `included`, None when the relationship is empty."""

    def __init__(self, name: str, target: type[T]) -> None:
        self.name = name
        self.target = target

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> T | None: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | T | None:
        if obj is None:
            return self
        found = obj.related(self.name)
        return typing.cast("T | None", found)


class ToMany(Generic[T]):
    """`team.members`: the related objects from `included`, in linkage order."""

    def __init__(self, name: str, target: type[T]) -> None:
        self.name = name
        self.target = target

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> list[T]: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | list[T]:
        if obj is None:
            return self
        found = obj.related(self.name)
        return typing.cast("list[T]", found or [])


class ToOneId:
    """`bug.assignee_id`: the related id, always available (None when empty)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> str | None: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | str | None:
        return self if obj is None else obj.related_id(self.name)


class ToManyIds:
    """`team.member_ids`: the related ids, always available."""

    def __init__(self, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> list[str]: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | list[str]:
        return self if obj is None else obj.related_ids(self.name)


def relationship_descriptors(cls: type) -> dict[str, ToOne[Any] | ToMany[Any] | ToOneId | ToManyIds]:
    """Every relationship accessor a typed class declares, by Python name."""
    found: dict[str, ToOne[Any] | ToMany[Any] | ToOneId | ToManyIds] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if isinstance(value, ToOne | ToMany | ToOneId | ToManyIds):
                found[attr] = value
    return found
