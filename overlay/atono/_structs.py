"""The JSON:API document shape as msgspec structs, decoded in one pass without a dict per JSON object.

Attributes stay raw JSON (a typed object converts them when one is first read); linkage is typed, so its shape
is checked while decoding; relationship links and meta are small dicts of strings, which the collector does not
track either. The structs are not tracked by the garbage collector (`gc=False`): a page of them
costs it nothing, where a page of dicts made it run several passes. Without msgspec (other interpreters)
`AVAILABLE` is False and documents are decoded as dicts.
"""

from __future__ import annotations

from typing import Any

try:
    import msgspec
except ImportError:  # other interpreters
    msgspec = None  # type: ignore[assignment]

AVAILABLE = msgspec is not None
UNSET: Any = msgspec.UNSET if msgspec is not None else object()

if msgspec is not None:
    _ABSENT = msgspec.Raw()  # an empty Raw: the member was not in the document (`attributes` only)

    # Identifiers and relationships are shown to users as the JSON they came as (`obj.relationships`), so one
    # with a member these structs do not hold is not decoded compactly, rather than shown without it.

    class Identifier(msgspec.Struct, gc=False, forbid_unknown_fields=True):
        """A resource identifier in linkage."""

        type: str
        id: str
        meta: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET

    class Relationship(msgspec.Struct, gc=False, forbid_unknown_fields=True):
        """A relationship object; `data` is UNSET when it has no linkage."""

        data: Identifier | list[Identifier] | msgspec.UnsetType | None = msgspec.UNSET
        links: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
        meta: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET

    class RawResource(msgspec.Struct, gc=False):
        """A resource object, its attributes still JSON."""

        type: str
        id: str
        attributes: msgspec.Raw = _ABSENT
        relationships: dict[str, Relationship] | None = None
        links: dict[str, Any] | None = None
        meta: dict[str, Any] | None = None

    class CollectionDocument(msgspec.Struct, gc=False):
        data: list[RawResource]
        included: list[RawResource] = msgspec.field(default_factory=list)
        links: dict[str, Any] | None = None
        meta: dict[str, Any] | None = None

    class SingleDocument(msgspec.Struct, gc=False):
        data: RawResource
        included: list[RawResource] = msgspec.field(default_factory=list)
        links: dict[str, Any] | None = None
        meta: dict[str, Any] | None = None

    COLLECTION = msgspec.json.Decoder(CollectionDocument)
    SINGLE = msgspec.json.Decoder(SingleDocument)
    DecodeError = msgspec.DecodeError
