"""Compact decoding (msgspec structs, attributes kept as raw JSON) gives exactly what decoding into dicts gives.

Every body, valid or mutated, is decoded both ways, and everything a user can read is compared: ids, links, meta,
relationships, ids of related resources, resolved objects, attributes, and the error raised, message included.
Bodies the compact decoding does not take as they are fall back to dicts, so this also checks the fallback.
"""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest
from atono import NotIncludedError, _structs
from atono._documents import decode_document, parse_document
from atono._objects import MalformedDocumentError, ResourceObject
from atono.types import Resource
from hypothesis import given

from .fuzzing import JSON_VALUES, documents, mutated, success_schema
from .test_fuzz_responses import fuzz_settings

pytestmark = pytest.mark.skipif(not _structs.AVAILABLE, reason="msgspec is not installed on this interpreter")

OPERATIONS = {"getStory": False, "listStories": True, "getBug": False, "listBugs": True, "listTeams": True}


def snapshot(decode: Callable[[], Any]) -> Any:
    """Everything readable on a decoded document, as plain values, or the error decoding or reading raised."""
    try:
        document = decode()
        return {
            "links": document.links,
            "meta": document.meta,
            "data": [read(obj) for obj in document.data],
            "included": [read(obj) for obj in document.included],
        }
    except (MalformedDocumentError, ValueError) as error:
        return ("error", type(error).__name__, str(error))


def read(obj: ResourceObject) -> Any:
    out: dict[str, Any] = {
        "class": type(obj).__name__,
        "key": (obj.type, obj.id),
        "links": obj.links,
        "meta": obj.meta,
        "relationships": obj.relationships,
    }
    for name in obj.relationships:
        out[f"ids {name}"] = (obj.related_id(name), obj.related_ids(name))
        try:
            related = obj.related(name)
        except NotIncludedError as error:
            out[f"related {name}"] = str(error)
        else:
            items = related if isinstance(related, list) else [related]
            out[f"related {name}"] = [None if r is None else (type(r).__name__, r.type, r.id) for r in items]
    if isinstance(obj, Resource):
        out["attributes"] = obj.attributes
    else:
        try:
            out["attributes"] = obj.to_dict()  # type: ignore[attr-defined]
        except MalformedDocumentError as error:
            out["attributes"] = str(error)
    return out


def both_ways(body: bytes, many: bool) -> tuple[Any, Any]:
    compact = snapshot(lambda: decode_document(body, many=many))
    dicts = snapshot(lambda: parse_document(json.loads(body), many=many))
    return compact, dicts


@pytest.mark.parametrize("operation", OPERATIONS)
def test_valid_documents_read_the_same_both_ways(operation: str) -> None:
    _, schema = success_schema(operation)

    @fuzz_settings(40)
    @given(document=documents(schema))
    def check(document: Any) -> None:
        compact, dicts = both_ways(json.dumps(document).encode(), OPERATIONS[operation])
        assert compact == dicts

    check()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_mutated_documents_read_or_fail_the_same_both_ways(operation: str) -> None:
    _, schema = success_schema(operation)

    @fuzz_settings(60)
    @given(document=mutated(schema))
    def check(document: Any) -> None:
        compact, dicts = both_ways(json.dumps(document).encode(), OPERATIONS[operation])
        assert compact == dicts

    check()


@given(value=JSON_VALUES)
@fuzz_settings(60)
def test_any_json_reads_or_fails_the_same_both_ways(value: Any) -> None:
    body = json.dumps(value).encode()
    for many in (True, False):
        compact, dicts = both_ways(body, many)
        assert compact == dicts


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"type": "story", "id": "s1", "attributes": {"title": NaN}}]}',
        b'{"data": [{"type": "story", "id": "s1", "attributes": []}]}',
        b'{"data": [{"type": "story", "id": "s1", "relationships": {"team": {"data": [{"type": "team", "id": "t"}]}}}]}',
        b'{"data": [{"type": "team", "id": "t1", "relationships": {"members": {"data": {"type": "user", "id": "u"}}}}]}',
        b'{"data": [{"type": "story", "id": "s1", "relationships": {"team": "t1"}}]}',
        b'{"data": [{"type": "story", "id": "s1", "attributes": {"position": 123456789012345678901234567890}}]}',
        b'{"data": [{"type": "epic", "id": "e1", "attributes": {"name": "\\ud800"}}], "included": null}',
    ],
)
def test_unusual_bodies_read_or_fail_the_same_both_ways(body: bytes) -> None:
    compact, dicts = both_ways(body, many=True)
    assert compact == dicts


def test_a_kept_item_does_not_keep_the_page_body() -> None:
    body = json.dumps(
        {
            "data": [
                {
                    "type": "team",
                    "id": f"t{n}",
                    "attributes": {
                        "name": "Team",
                        "createdAt": "2024-01-01T00:00:00Z",
                        "updatedAt": "2024-01-01T00:00:00Z",
                    },
                    "relationships": {"members": {"data": [{"type": "user", "id": "u1", "meta": {"role": "admin"}}]}},
                    "links": {"self": f"/teams/t{n}"},
                }
                for n in range(3)
            ]
        }
    ).encode()
    baseline = sys.getrefcount(body)
    document = decode_document(body, many=True)
    kept = document.data[1]
    assert "_rels" in vars(kept) and "_pending" in vars(kept)  # compactly decoded, attributes not converted yet
    del document
    gc.collect()
    assert sys.getrefcount(body) == baseline  # nothing kept points into the body's buffer
    assert kept.relationships["members"] == {"data": [{"type": "user", "id": "u1", "meta": {"role": "admin"}}]}
    assert kept.name == "Team"  # type: ignore[attr-defined]


def test_without_msgspec_documents_are_decoded_as_dicts(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps({"data": [{"type": "user", "id": "u1", "attributes": {"fullName": "Ada"}}]}).encode()
    monkeypatch.setattr(_structs, "AVAILABLE", False)  # what other interpreters have
    (user,) = decode_document(body, many=True).data
    assert "_rels" not in vars(user) and user.relationships == {}
    assert snapshot(lambda: decode_document(body, many=True)) == snapshot(
        lambda: parse_document(json.loads(body), many=True)
    )
