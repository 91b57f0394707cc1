"""Typed resource objects built from JSON:API resource objects, with attributes and relationships resolved lazily.

A typed resource class is generated from the spec with an attribute per member of its attributes schema,
so every attribute in the spec reaches it by regeneration alone, typed and in snake_case, converted by
code compiled from those annotations (aware datetimes, lenient enums, content chunks as objects).
The conversion runs when an attribute is first read or written, not when the page arrives: a bulk read
that looks at a few fields of some items does not pay for all of them. An attribute value that does not
fit the spec raises `APIResponseValidationError` at that point, naming the resource and the member.
Relationships resolve through the identity map of the response they came in: no hidden requests.

An object is also plain data users can keep: `obj.to_dict()` is its JSON:API resource object, `Bug.from_dict(d,
included=[...])` builds it back without a response, and `pickle`, `copy.copy` and `copy.deepcopy` keep what it
holds, the objects its relationships resolve to included (see `ResourceObject.__getstate__`).
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar, overload

from atono._attribute_structs import struct_filler
from atono._converters import ConversionError, attributes_json, members_of, model_filler, wire_name
from atono._exceptions import NotIncludedError
from atono._json import loads
from atono._naming import snake_case
from atono._structs import UNSET

Key = tuple[str, str]
T = TypeVar("T", bound="ResourceObject")
InvalidAttributes = Callable[[str, Any], Exception]
"""Builds the error for attributes that do not fit the spec, from the reason and the attributes as received: read
lazily, they fail after the response is gone, so the call that made the page supplies this (`atono._resource`)."""
ResourceClass = type["ResourceObject"]  # named here: in the class body, `type` is the attribute


class MalformedDocumentError(ValueError):
    """A response body that does not have the shape the spec gives it (turned into APIResponseValidationError)."""


class NotCompactError(Exception):
    """A document the compact decoding does not take as it is.

    It is decoded again as dicts, which either says precisely what is wrong or takes what is merely unusual.
    """


class _LazyRelationships:
    """`obj.relationships` of an object decoded compactly: built as plain JSON the first time it is read."""

    def __get__(self, obj: ResourceObject | None, owner: type) -> Any:
        if obj is None:
            return self
        view = {name: _relationship_json(rel) for name, rel in obj.__dict__.get("_rels", {}).items()}
        obj.__dict__["relationships"] = view
        return view


class _Unconverted:
    """An attribute of a typed class, read before the object's attributes are converted: the first read converts
    them all into the instance dict, where later reads find them first (a non-data descriptor, as
    `_LazyRelationships`). A `__getattr__` would do it too, but every first read would then build an AttributeError
    first, and a class with one loses the interpreter's fast path for every attribute read.

    Other names (what copy, pickle or a notebook probe for: `__deepcopy__`, `_repr_html_`) convert nothing.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: ResourceObject | None, owner: type) -> Any:
        if obj is None:
            return self
        obj._convert_attributes()
        try:
            return obj.__dict__[self.name]
        except KeyError:  # a subclass's own converter left it out: the lookup fails as it would without this
            raise AttributeError(f"{type(obj).__name__!r} object has no attribute {self.name!r}") from None


class IdentityMap(dict[Key, "ResourceObject"]):
    """The resources of one response that relationships can resolve to, by (type, id).

    Every object of the response holds it, so it holds the included resources and only the primary ones some
    linkage names (`targets`, filled while the linkage is checked; in compact decoding, only with the identifiers
    whose id is one of `primary_ids`). A primary resource nothing links to stays out of it, so a
    page of them is freed as soon as it is dropped rather than left in a reference cycle for the garbage
    collector. `invalid` makes the error for attributes that turn out not to fit the spec when they are
    converted, with what is known of the response.

    A pickled or copied map keeps its resources but not `invalid`, which holds the request of the response: an
    object unpickled with its attributes still unread raises MalformedDocumentError (a ValueError) when they turn
    out not to fit, instead of APIResponseValidationError. Every object pickled with the map shares the copy.
    """

    __slots__ = ("invalid", "primary_ids", "targets")

    def __init__(self, invalid: InvalidAttributes | None = None, primary_ids: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.targets: set[Key] = set()
        self.invalid = invalid
        self.primary_ids = primary_ids

    def __reduce__(self) -> tuple[Any, ...]:
        # The resources go as dict items, after the map is memoized, so the objects that hold it find it again.
        return (IdentityMap, (None, self.primary_ids), self.targets, None, iter(self.items()))

    def __setstate__(self, targets: set[Key]) -> None:
        self.targets = targets


_FIELDS: dict[type, frozenset[str]] = {}


def _attribute_fields(cls: type) -> frozenset[str]:
    """The Python names of the attributes a class declares, `additional_properties` included (none for `Resource`)."""
    found = _FIELDS.get(cls)
    if found is None:
        names = [m.name for m in members_of(cls)]
        found = _FIELDS[cls] = frozenset([*names, "additional_properties"]) if names else frozenset()
    return found


class ResourceObject:
    """Behaviour shared by every resource: identity, relationship linkage and resolution, and plain data.

    Two objects are equal when they are the same resource (type and id), whichever response they came from, and
    hash alike, so they can be set members and dict keys (one whose `id` is changed after that is not found
    again: do not change it).

    An attribute the server did not send reads as None, like one it sent as null; `fields_set` tells them apart.

    `to_dict()` / `to_json()` give the JSON:API resource object, `from_dict()` builds one back, and pickling and
    copying keep everything an object holds; see each.
    """

    type_name: ClassVar[str] = ""
    id: str
    type: str
    links: dict[str, Any]
    meta: dict[str, Any]
    if TYPE_CHECKING:
        relationships: dict[str, Any]
    else:
        relationships = _LazyRelationships()
    _identity_map: IdentityMap
    _primary: bool

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _attribute_fields(cls):
            if not any(name in vars(klass) for klass in cls.__mro__):
                setattr(cls, name, _Unconverted(name))

    def _bind(
        self,
        raw: Mapping[str, Any],
        identity_map: IdentityMap,
        *,
        primary: bool,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Set what every resource has; `attributes` are kept as they came until one is read."""
        members = self.__dict__  # straight into the instance dict: `__setattr__` would convert the attributes
        members["id"] = raw["id"]
        members["type"] = raw["type"]
        members["links"] = object_member(raw, "links")
        members["meta"] = object_member(raw, "meta")
        members["relationships"] = _relationships(raw, to_many_by_name(type(self)), identity_map.targets)
        members["_identity_map"] = identity_map
        members["_primary"] = primary
        if attributes is not None:
            members["_pending"] = attributes

    # ---- attributes, converted on first use (see `_Unconverted`) -------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        members = self.__dict__
        if "_pending" in members:  # convert first, or the conversion would overwrite this write
            self._convert_attributes()
        absent = members.get("_absent")
        if absent and name in absent:  # set now: `to_dict` writes it
            members["_absent"] = tuple(n for n in absent if n != name)
        object.__setattr__(self, name, value)

    @property
    def fields_set(self) -> frozenset[str]:
        """The attributes (Python names) the server sent, null ones included.

        An attribute that reads None and is not here was absent from the response: the API did not send it, which
        can differ from a value it sent as null (`done_at` null means not done; absent means not told).
        """
        self._convert_attributes()
        return _attribute_fields(type(self)).difference(self.__dict__.get("_absent", ()), ("additional_properties",))

    def _convert_attributes(self) -> None:
        """Fill the attribute fields from the attributes kept at parse time (idempotent, so threads may race)."""
        pending = self.__dict__.get("_pending")
        if pending is None:
            return
        # Raw JSON from a compactly decoded page (so msgspec is there) goes through a struct first; what the struct
        # refuses, the converter keeps or explains.
        if pending.__class__ is dict or not struct_filler(type(self))(self, pending):
            if pending.__class__ is not dict:
                pending = loads(bytes(pending))
            try:
                model_filler(type(self))(self, pending)
            except ConversionError as exc:
                reason = f"the attributes of {self.type} {self.id} do not match the API description: {exc}"
                invalid = self._identity_map.invalid
                raise (invalid(reason, pending) if invalid is not None else MalformedDocumentError(reason)) from None
        self.__dict__.pop("_pending", None)
        self._attributes_converted()

    def _attributes_converted(self) -> None:
        """Run the fix-up registered for this type in `ATTRIBUTE_FIXUPS`, if any."""
        fixup = ATTRIBUTE_FIXUPS.get(self.type_name)
        if fixup is not None:
            fixup(self)

    # ---- linkage (always available) -------------------------------------------------------------
    def _linkage(self, name: str) -> Any:
        """`data` of a relationship: identifier(s) as dicts or compact structs, None, or _MISSING (no linkage)."""
        compact = self.__dict__.get("_rels")
        if compact is not None:
            relationship = compact.get(name)
            data = _MISSING if relationship is None else relationship.data
            return _MISSING if data is UNSET else data
        relationship = self.relationships.get(name)
        if not isinstance(relationship, dict) or "data" not in relationship:
            return _MISSING
        return relationship["data"]

    def related_id(self, name: str) -> str | None:
        """The id of a to-one relationship by its wire name (None when empty or absent)."""
        data = self._linkage(name)
        return None if data is None or data is _MISSING or isinstance(data, list) else _key(data)[1]

    def related_ids(self, name: str) -> list[str]:
        """The ids of a to-many relationship by its wire name (empty when absent)."""
        data = self._linkage(name)
        return [_key(item)[1] for item in data] if isinstance(data, list) else []

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

    def _lookup(self, name: str, identifier: Any) -> ResourceObject:
        key = _key(identifier)
        found = self._identity_map.get(key)
        if found is None:
            raise self._not_included(name, f"{key[0]} {key[1]} is not in `included`")
        return found

    def _not_included(self, name: str, why: str) -> NotIncludedError:
        python_name = snake_case(name)
        path = repr(python_name) if self._primary else f"'<path to this {self.type}>.{python_name}'"
        return NotIncludedError(
            f"{self.type} {self.id}: relationship {python_name!r} was not included ({why}). "
            f"Request it with include=[{path}]; its ids are available without it.",
            relationship=python_name,
        )

    # ---- identity ---------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Any:
        """An attribute the spec does not name, by its wire name (`obj["severity"]`); KeyError when it was not sent."""
        extra: dict[str, Any] = getattr(self, "additional_properties", {})
        return extra[name]

    def __contains__(self, name: object) -> bool:
        return name in getattr(self, "additional_properties", {})

    def _identity(self) -> Key | None:
        """(type, id), or None for an object without an id (one made with `__new__` alone)."""
        members = self.__dict__
        ident = members.get("id")
        return None if ident is None else (members.get("type", self.type_name), ident)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceObject):
            return NotImplemented
        mine, theirs = self._identity(), other._identity()
        if mine is None or theirs is None:
            return self is other
        return mine == theirs

    def __hash__(self) -> int:
        key = self._identity()
        return object.__hash__(self) if key is None else hash(key)

    def __repr__(self) -> str:
        """`<Bug b1 handle='BUG-4' title='MIDI input lost'>`: at most `_REPR_LIMIT` characters, never raising.

        Only what the server sent (type, id and the identifying attributes), each cut to `_REPR_VALUE` characters;
        attributes that do not fit the spec leave type and id.
        """
        try:
            members = self.__dict__
            parts = [f"<{type(self).__name__}"]
            kind = members.get("type")
            if isinstance(kind, str) and kind != self.type_name:  # a generic `Resource`: its type is not the class
                parts.append(_repr_word(kind))
            ident = members.get("id")
            parts.append(_repr_word(ident) if isinstance(ident, str) else "(no id)")
            try:
                labels = self._labels()
            except Exception:  # attributes that do not fit the spec: the repr still shows type and id
                labels = []
            for name, value in labels:
                label = f"{name}={_repr_cut(value)!r}"
                if len(" ".join([*parts, label])) + 1 > _REPR_LIMIT:
                    break
                parts.append(label)
            text = " ".join(parts) + ">"
            return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 4] + "...>"
        except Exception:
            return f"<{type(self).__name__}>"

    def _labels(self) -> list[tuple[str, str]]:
        """The identifying attributes this class has, as (Python name, value).

        Attributes not converted yet are converted apart and left pending, so that a repr (which debuggers, logs
        and asyncio's own messages make) changes nothing; ones that do not fit the spec raise.
        """
        fields = _attribute_fields(type(self))
        source: Any = self
        pending = self.__dict__.get("_pending")
        if pending is not None:
            source = type(self).__new__(type(self))
            model_filler(type(self))(source, pending if pending.__class__ is dict else loads(bytes(pending)))
        found = []
        for name in _LABELS:
            if name in fields:
                value = getattr(source, name)
                if isinstance(value, str):
                    found.append((name, value))
        return found

    # ---- plain data ----------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON:API resource object: `type`, `id`, `attributes` as the API names them, and `relationships`
        (linkage as received, with each relationship's links and meta), `links` and `meta` when not empty.

        Attributes the spec does not know are included as received; date-times are written as the API writes them.
        Attributes not read yet are converted first: ones that do not fit the spec raise the error reading them
        raises. The result is a new dict, which can be changed without changing the object.
        """
        members = self.__dict__
        out: dict[str, Any] = {"type": members.get("type", self.type_name)}
        if "id" in members:
            out["id"] = members["id"]
        out["attributes"] = self._attributes_json()
        for name, value in (
            ("relationships", self.relationships),
            ("links", members.get("links")),
            ("meta", members.get("meta")),
        ):
            if value:
                out[name] = value
        return copy.deepcopy(out)

    def to_json(self) -> str:
        """`to_dict()` as compact JSON text."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    def _attributes_json(self) -> dict[str, Any]:
        self._convert_attributes()
        return attributes_json(self, self.__dict__.get("_absent", ()))

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any], *, included: Iterable[Mapping[str, Any]] = ()) -> Self:
        """The object of a JSON:API resource object (a `to_dict()` output, or one of a response), without a response.

        Relationships resolve to the objects of `included` (resource objects too); without them, resolving raises
        NotIncludedError and the ids are there. The resource is checked as one of a response is, its attributes
        (and those of `included`) converted now: what does not fit raises ValueError naming it, as does a `type`
        other than this class's (`ResourceObject.from_dict` builds the class of any type, `Resource` for types the
        SDK does not know). The given dicts are copied, not kept.
        """
        from atono import _documents  # noqa: PLC0415 - they import this module
        from atono.types import KNOWN_TYPES  # noqa: PLC0415

        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"{cls.__name__}.from_dict takes a resource object (a mapping), got {type(src_dict).__name__}"
            )
        if isinstance(included, Mapping | str | bytes):
            raise TypeError(f"included must be an iterable of resource objects, got a {type(included).__name__}")
        raw = copy.deepcopy(dict(src_dict))
        kind, ident = raw.get("type"), raw.get("id")
        if not isinstance(kind, str) or not isinstance(ident, str):
            raise ValueError(
                f"a resource object needs string `type` and `id`, got type {_repr_cut(repr(kind))} "
                f"and id {_repr_cut(repr(ident))}"
            )
        target = cls._class_for(kind, KNOWN_TYPES)
        identity_map = IdentityMap()
        try:
            obj = target.__new__(target)
            attributes = raw.get("attributes", {})
            if not isinstance(attributes, dict):
                raise MalformedDocumentError(f"`attributes` of {kind} {ident} must be an object")
            if isinstance(obj, Resource):
                obj._bind(raw, identity_map, primary=True)
                obj.attributes = attributes
            else:
                obj._bind(raw, identity_map, primary=True, attributes=attributes)
            others = []
            for index, item in enumerate(included):
                if not isinstance(item, Mapping):
                    raise TypeError(
                        f"included[{index}] must be a resource object (a mapping), got {type(item).__name__}"
                    )
                try:
                    others.append(_documents._build(copy.deepcopy(dict(item)), identity_map, primary=False))
                except MalformedDocumentError as exc:
                    raise ValueError(f"included[{index}]: {exc}") from None
            _documents._index(identity_map, [obj], others)
            for each in (obj, *others):
                each._convert_attributes()
        except MalformedDocumentError as exc:
            raise ValueError(str(exc)) from None
        return typing.cast("Self", obj)

    @classmethod
    def _class_for(cls, kind: str, known_types: Mapping[str, ResourceClass]) -> ResourceClass:
        if cls.type_name:
            if kind != cls.type_name:
                raise ValueError(
                    f"{cls.__name__}.from_dict takes a {cls.type_name!r} resource, got one of type {kind!r}"
                )
            return cls
        known = known_types.get(kind, Resource)
        if not issubclass(known, cls):
            raise ValueError(f"a {kind!r} resource is a {known.__name__}, not a {cls.__name__}")
        return known

    # ---- pickling and copying ------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """The instance dict, in plain data: what pickle and copy keep.

        Everything is kept: id, type, links, meta, relationships, attributes (or the attributes as received,
        when none was read yet: they are converted on first read after unpickling too), and the identity map, so
        the related objects resolve as before (pickled once with every object of the response that holds it).
        Compact linkage and raw JSON become dicts and bytes, so a pickle needs no msgspec to load. The map's
        hook for invalid attributes is not kept (it holds the request; see `IdentityMap`).
        """
        members = dict(self.__dict__)
        compact = members.pop("_rels", None)
        if compact is not None and "relationships" not in members:
            members["relationships"] = {name: _relationship_json(rel) for name, rel in compact.items()}
        pending = members.get("_pending")
        if pending is not None and pending.__class__ is not dict:
            members["_pending"] = bytes(pending)
        return members

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # not through `__setattr__`, which would convert pending attributes


class Resource(ResourceObject):
    """A resource of a type this SDK does not know (from a newer server), kept as it came."""

    attributes: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.attributes[name]

    def _attributes_json(self) -> dict[str, Any]:
        attributes: dict[str, Any] = self.__dict__.get("attributes", {})
        return attributes

    def _labels(self) -> list[tuple[str, str]]:
        attributes = self.__dict__.get("attributes", {})
        found = []
        for name in _LABELS:
            value = attributes.get(wire_name(name))
            if isinstance(value, str):
                found.append((name, value))
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.attributes


AttributeFixup = Callable[[Any], None]

ATTRIBUTE_FIXUPS: dict[str, AttributeFixup] = {}
"""What to do after the attributes of a resource are converted, by its type (`type_name`): judgement calls.

A fix-up takes the object, its attribute fields filled, and may change them: for example read an attribute the
server sends under another name than the spec's. It runs once per object (twice at worst, when two threads read
its first attribute at once, so it must be idempotent). `atono.types` registers them.
"""


_LABELS = ("handle", "title", "name", "full_name", "key")
"""The attributes that say which resource an object is, shown by `repr` in this order when a class has them."""
_REPR_VALUE = 40
_REPR_LIMIT = 120


def _repr_cut(text: str) -> str:
    return text if len(text) <= _REPR_VALUE else text[: _REPR_VALUE - 3] + "..."


def _repr_word(text: str) -> str:
    """An id or type as it is when it reads as one word, else quoted (escaped), cut to `_REPR_VALUE`."""
    cut = _repr_cut(text)
    plain = cut and cut.isprintable() and not any(c.isspace() or c in "<>'\"" for c in cut)
    return cut if plain else repr(cut)


class _Missing:
    """Marks a relationship the response did not describe at all (as opposed to data: null)."""


_MISSING: Any = _Missing()


def object_member(holder: Mapping[str, Any], name: str, *, top_level: bool = False) -> dict[str, Any]:
    """A member that must be an object when present (`links`, `meta`, `relationships`); absent or null reads as {}."""
    value = holder.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        where = f"top-level `{name}`" if top_level else f"`{name}` of {holder.get('type')} {holder.get('id')}"
        raise MalformedDocumentError(f"{where} must be an object")
    return value


def _key(identifier: Any) -> Key:
    """(type, id) of a checked resource identifier: a dict, or a compact struct."""
    if identifier.__class__ is dict:
        return (identifier["type"], identifier["id"])
    return (identifier.type, identifier.id)


def compact_linkage(
    relationships: dict[str, Any], to_many: Mapping[str, bool], primary_ids: frozenset[str], targets: set[Key]
) -> None:
    """Check the compactly decoded `relationships` as `_relationships` checks them: each one a class declares (in
    `to_many`) fits it. The (type, id) of every identifier whose id is one of `primary_ids` is added to `targets`."""
    for name, relationship in relationships.items():
        data = relationship.data
        if data.__class__ is list:
            if to_many.get(name) is False:
                raise NotCompactError
            for item in data:
                if item.id in primary_ids:
                    targets.add((item.type, item.id))
        elif data is not None and data is not UNSET:
            if to_many.get(name) is True:
                raise NotCompactError
            if data.id in primary_ids:
                targets.add((data.type, data.id))


def _relationship_json(relationship: Any) -> dict[str, Any]:
    """A compact relationship as the JSON it came as."""
    out: dict[str, Any] = {}
    data = relationship.data
    if data is not UNSET:
        out["data"] = [_identifier_json(i) for i in data] if data.__class__ is list else _identifier_json(data)
    if relationship.links is not UNSET:
        out["links"] = relationship.links
    if relationship.meta is not UNSET:
        out["meta"] = relationship.meta
    return out


def _identifier_json(identifier: Any) -> Any:
    if identifier is None:
        return None
    out = {"type": identifier.type, "id": identifier.id}
    if identifier.meta is not UNSET:
        out["meta"] = identifier.meta
    return out


def _is_identifier(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("type"), str) and isinstance(value.get("id"), str)


def _relationships(raw: Mapping[str, Any], to_many: Mapping[str, bool], targets: set[Key]) -> dict[str, Any]:
    """The `relationships` member, with the linkage of each checked, so reading it later cannot fail on its shape.

    `data` must be null, a resource identifier or an array of them; for a relationship the class declares, one that
    fits it (an identifier or null for to-one, an array for to-many, where null reads as empty). The (type, id) of
    every identifier is added to `targets`.
    """
    relationships = object_member(raw, "relationships")
    for name, relationship in relationships.items():
        if not isinstance(relationship, dict) or "data" not in relationship:
            continue  # no linkage: reading it raises NotIncludedError
        data = relationship["data"]
        many = to_many.get(name)
        if data is None:
            continue
        if many is not True and _is_identifier(data):
            targets.add((data["type"], data["id"]))
            continue
        if many is not False and isinstance(data, list) and all(_is_identifier(item) for item in data):
            targets.update((item["type"], item["id"]) for item in data)
            continue
        expected = {True: "an array of", False: "null or one", None: "null, one or an array of"}[many]
        raise MalformedDocumentError(
            f"relationship `{name}` of {raw.get('type')} {raw.get('id')}: `data` must be {expected} resource "
            f"identifier(s) with string `type` and `id`, got {type(data).__name__}"
        )
    return relationships


_TO_MANY: dict[type, dict[str, bool]] = {}


def to_many_by_name(cls: type) -> dict[str, bool]:
    """Whether each relationship a typed class declares (by wire name) is to-many."""
    found = _TO_MANY.get(cls)
    if found is None:
        found = {d.name: isinstance(d, ToMany | ToManyIds) for d in relationship_descriptors(cls).values()}
        _TO_MANY[cls] = found
    return found


# ---- relationship descriptors -------------------------------------------------------------------------
class _Accessor:
    """A relationship accessor of a typed class, by the relationship's wire name: read-only, as a property is."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __set__(self, obj: ResourceObject, value: object) -> typing.NoReturn:
        where = getattr(self, "attribute", self.name)
        raise AttributeError(
            f"{where!r} is read-only: it is what the response says. Change the relationship through the API, "
            f"with the update() of the resource's namespace ({snake_case(self.name)}=...)"
        )


class _Resolver(_Accessor, Generic[T]):
    """An accessor that resolves the related object(s), of the class `target`, through the identity map."""

    def __init__(self, name: str, target: type[T]) -> None:
        super().__init__(name)
        self.target = target


class ToOne(_Resolver[T]):
    """`bug.assignee`: the related object from `included`, None when the relationship is empty."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> T | None: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | T | None:
        if obj is None:
            return self
        # The common case in a few lookups: compact linkage whose target is in the map (`related` does the rest).
        members = obj.__dict__
        relationships = members.get("_rels")
        if relationships is not None:
            relationship = relationships.get(self.name)
            if relationship is not None:
                data = relationship.data
                if data is None:
                    return None
                if data is not UNSET and data.__class__ is not list:
                    target = members["_identity_map"].get((data.type, data.id))
                    if target is not None:
                        return typing.cast("T", target)
        return typing.cast("T | None", obj.related(self.name))


class ToMany(_Resolver[T]):
    """`team.members`: the related objects from `included`, in linkage order."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> list[T]: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | list[T]:
        if obj is None:
            return self
        found = obj.related(self.name)
        return typing.cast("list[T]", found or [])


class ToOneId(_Accessor):
    """`bug.assignee_id`: the related id, always available (None when empty)."""

    @overload
    def __get__(self, obj: None, owner: type) -> Self: ...
    @overload
    def __get__(self, obj: ResourceObject, owner: type) -> str | None: ...
    def __get__(self, obj: ResourceObject | None, owner: type) -> Self | str | None:
        return self if obj is None else obj.related_id(self.name)


class ToManyIds(_Accessor):
    """`team.member_ids`: the related ids, always available."""

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
