"""Resource objects users can rely on: dicts and JSON, `from_dict`, pickling and copying, hashing and repr.

Objects come from every document of the conformance vectors (decoded as dicts and compactly, before any attribute
is read) and from sync and async client calls over a mock transport: a `get` (attributes converted), and the items
of a list page (attributes still pending, linkage still compact). Everything a user can read is compared before
and after each round trip: type, id, links, meta, relationships, attributes, relationship ids and the objects they
resolve to, including which of them are the same object.
"""

from __future__ import annotations

import copy
import datetime
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from atono import APIResponseValidationError, AsyncAtono, Atono, NotIncludedError, _structs
from atono._converters import members_of
from atono._documents import Document, decode_document, parse_document
from atono._naming import snake_case
from atono._objects import MalformedDocumentError, ResourceObject, relationship_descriptors
from atono.pagination import Page
from atono.types import KNOWN_TYPES, Bug, FlagEnvironment, Resource, Team, User, WorkflowStep

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "spec" / "conformance" / "documents.json").read_text(encoding="utf-8"))["cases"]
KEY = "atono-test-key-round-trips-5d1e"
BASE_URL = "https://api.atono.test/v1"
PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)
STAMP = "2024-09-04T22:28:31Z"


def case(case_id: str) -> dict[str, Any]:
    (found,) = [c for c in CASES if c["id"] == case_id]
    return copy.deepcopy(found)


def is_many(vector: dict[str, Any]) -> bool:
    return bool(vector["call"]["operation"].startswith("list"))


def body_of(vector: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(vector["response"]["body"])
    return body


def decoded(vector: dict[str, Any], way: str) -> Document[Any]:
    """The document of a vector, decoded as dicts or compactly (msgspec structs, attributes left as raw JSON)."""
    body = body_of(vector)
    if way == "dicts":
        return parse_document(body, many=is_many(vector))
    return decode_document(json.dumps(body).encode(), many=is_many(vector))


WAYS = ["dicts", pytest.param("compact", marks=pytest.mark.skipif(not _structs.AVAILABLE, reason="no msgspec"))]
VECTORS = pytest.mark.parametrize("vector", CASES, ids=[c["id"] for c in CASES])


def everything(document: Document[Any] | Page[Any]) -> list[ResourceObject]:
    items = document.data if isinstance(document, Document) else document.items
    return [*items, *document.included]


# ---- what a user can read ---------------------------------------------------------------------------------
def attributes_of(obj: ResourceObject) -> Any:
    if isinstance(obj, Resource):
        return obj.attributes
    values = {member.name: getattr(obj, member.name) for member in members_of(type(obj))}
    return values | {"additional_properties": obj.additional_properties, "fields_set": obj.fields_set}


def not_included(error: NotIncludedError, messages: bool) -> Any:
    return ("not included", str(error) if messages else error.relationship)


def resolved(obj: ResourceObject, name: str, messages: bool) -> Any:
    try:
        related = obj.related(name)
    except NotIncludedError as error:
        return not_included(error, messages)
    items = related if isinstance(related, list) else [related]
    return [None if r is None else (type(r).__name__, r.type, r.id, attributes_of(r)) for r in items]


def readable(obj: ResourceObject, *, messages: bool = True) -> dict[str, Any]:
    """Everything readable on an object, as plain values; the related objects' attributes included.

    The messages of NotIncludedError differ for an object built by `from_dict` from one that came included (whose
    include path it cannot know): `messages=False` compares which relationship, not the text.
    """
    out: dict[str, Any] = {
        "class": type(obj),
        "key": (obj.type, obj.id),
        "links": obj.links,
        "meta": obj.meta,
        "relationships": obj.relationships,
        "attributes": attributes_of(obj),
    }
    for wire in obj.relationships:
        out[f"ids {wire}"] = (obj.related_id(wire), obj.related_ids(wire))
        out[f"related {wire}"] = resolved(obj, wire, messages)
    for python_name in relationship_descriptors(type(obj)):
        try:
            value = getattr(obj, python_name)
        except NotIncludedError as error:
            out[python_name] = not_included(error, messages)
        else:
            out[python_name] = (
                [v.id if isinstance(v, ResourceObject) else v for v in value]
                if isinstance(value, list)
                else (value.id if isinstance(value, ResourceObject) else value)
            )
    return out


def sharing(objects: list[ResourceObject]) -> list[Any]:
    """Which of `objects` each relationship resolves to, by position and identity: what a shared map keeps."""
    out: list[Any] = []
    for obj in objects:
        for wire in obj.relationships:
            try:
                related = obj.related(wire)
            except NotIncludedError:
                continue
            for item in related if isinstance(related, list) else [related]:
                out.append((wire, None if item is None else [i for i, o in enumerate(objects) if o is item]))
    return out


def assert_same_objects(restored: list[ResourceObject], original: list[ResourceObject]) -> None:
    assert len(restored) == len(original)
    for after, before in zip(restored, original, strict=True):
        assert after is not before
        assert type(after) is type(before)
        assert after == before and hash(after) == hash(before)
        assert readable(after) == readable(before)
        assert after.to_dict() == before.to_dict()
    assert sharing(restored) == sharing(original)


# ---- to_dict and to_json -------------------------------------------------------------------------------------
def test_to_dict_is_the_resource_object_as_received() -> None:
    vector = case("get-bug-documented")
    body = body_of(vector)
    document = parse_document(body_of(vector), many=False)
    bug = document.data[0]
    assert bug.to_dict() == body["data"]
    assert [obj.to_dict() for obj in document.included] == body["included"]
    assert list(bug.to_dict()) == ["type", "id", "attributes", "relationships"]  # no empty links or meta
    assert bug.to_dict()["relationships"]["assignee"]["links"] == {
        "related": "/api/v1/users/fe4641d7-c72a-4165-904d-89b2ded40916"
    }
    team = document.included[0]
    assert team.to_dict()["relationships"]["members"]["meta"] == {"count": 4}


@VECTORS
@pytest.mark.parametrize("way", WAYS)
def test_to_dict_keeps_every_member_of_every_vector(vector: dict[str, Any], way: str) -> None:
    body = body_of(vector)
    raws = [*(body["data"] if is_many(vector) else [body["data"]]), *body.get("included", [])]
    for obj, raw in zip(everything(decoded(vector, way)), raws, strict=True):
        out = obj.to_dict()
        assert (out["type"], out["id"]) == (raw["type"], raw["id"])
        for member in ("relationships", "links", "meta"):
            assert out.get(member) == (raw.get(member) or None), member
        # Every attribute received is written under its wire name; date-times as the same instant.
        for name, value in raw.get("attributes", {}).items():
            written = out["attributes"][name]
            if isinstance(value, str) and name.endswith("At"):
                assert datetime.datetime.fromisoformat(written) == datetime.datetime.fromisoformat(value)
            else:
                assert written == value, name


def test_to_dict_keeps_unknown_attributes_and_writes_the_fixed_up_ones() -> None:
    bug = parse_document(body_of(case("unknown-attribute-and-meta-kept")), many=False).data[0]
    assert bug.additional_properties and set(bug.additional_properties) <= set(bug.to_dict()["attributes"])
    step = parse_document(body_of(case("workflow-step-newer-spelling")), many=False).data[0]
    assert isinstance(step, WorkflowStep) and step.allow_new_items is True
    attributes = step.to_dict()["attributes"]
    assert attributes["allNewItems"] is True and attributes["allowNewItems"] is True
    environment = parse_document(body_of(case("flag-with-environments")), many=False).included[0]
    assert isinstance(environment, FlagEnvironment)
    assert environment.to_dict()["attributes"]["environmentCode"] == environment.meta["environmentCode"]


def test_to_dict_is_a_copy() -> None:
    bug = parse_document(body_of(case("get-bug-documented")), many=False).data[0]
    out = bug.to_dict()
    out["relationships"]["assignee"]["data"]["id"] = "someone else"
    out["attributes"]["title"] = "changed"
    assert bug.assignee_id == "fe4641d7-c72a-4165-904d-89b2ded40916"
    assert bug.to_dict()["attributes"]["title"] != "changed"


def test_to_json_is_compact_with_api_date_times() -> None:
    bug = Bug.from_dict(
        {
            "type": "bug",
            "id": "b1",
            "attributes": {"title": "Ünïcode → kept", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP},
            "meta": {"note": "é"},
        }
    )
    text = bug.to_json()
    assert text == json.dumps(bug.to_dict(), separators=(",", ":"), ensure_ascii=False)
    assert '"title":"Ünïcode → kept"' in text and f'"createdAt":"{STAMP}"' in text and ", " not in text
    assert Bug.from_dict(json.loads(text)).to_dict() == bug.to_dict()
    bug.done_at = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert '"doneAt":"2025-01-02T03:04:05Z"' in bug.to_json()


@pytest.mark.skipif(not _structs.AVAILABLE, reason="no msgspec")
def test_to_dict_of_a_pending_item_converts_or_raises_what_reading_raises(flavor: str) -> None:
    good = resource("bug", "b1")
    bad = resource("bug", "b2", position="third")
    page = first_page(flavor, {"data": [good, bad]})
    first, second = page.items
    assert "_pending" in vars(first) and "_pending" in vars(second)
    assert first.to_dict() == good
    with pytest.raises(APIResponseValidationError, match="position: expected int") as raised:
        second.to_dict()
    with pytest.raises(APIResponseValidationError) as read:
        _ = second.title
    assert str(raised.value) == str(read.value)


# ---- from_dict ----------------------------------------------------------------------------------------------
@VECTORS
@pytest.mark.parametrize("way", WAYS)
def test_from_dict_of_to_dict_is_the_same_object(vector: dict[str, Any], way: str) -> None:
    document = decoded(vector, way)
    objects = everything(document)
    included = [obj.to_dict() for obj in document.included]
    for obj in objects:
        rebuilt = type(obj).from_dict(obj.to_dict(), included=included)
        assert type(rebuilt) is type(obj) and rebuilt is not obj
        assert rebuilt == obj and hash(rebuilt) == hash(obj)
        assert readable(rebuilt, messages=False) == readable(obj, messages=False)
        anyhow = ResourceObject.from_dict(json.loads(obj.to_json()), included=included)
        assert type(anyhow) is type(obj) and readable(anyhow, messages=False) == readable(obj, messages=False)


@VECTORS
def test_from_dict_of_a_response_resource_object(vector: dict[str, Any]) -> None:
    body = body_of(vector)
    document = parse_document(body_of(vector), many=is_many(vector))
    raw = body["data"][0] if is_many(vector) else body["data"]
    rebuilt = ResourceObject.from_dict(raw, included=body.get("included", []))
    assert readable(rebuilt) == readable(document.data[0])


def fixture_bug(**attributes: Any) -> dict[str, Any]:
    return {
        "type": "bug",
        "id": "b1",
        "attributes": {"title": "MIDI lost", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP, **attributes},
        "relationships": {
            "assignee": {"data": {"type": "user", "id": "u1"}},
            "team": {"data": {"type": "team", "id": "t1"}},
        },
    }


USER: dict[str, Any] = {
    "type": "user",
    "id": "u1",
    "attributes": {"email": "ada@example.com", "fullName": "Ada", "createdAt": STAMP, "updatedAt": STAMP},
}


def test_from_dict_resolves_through_included_only() -> None:
    alone = Bug.from_dict(fixture_bug())
    assert (alone.id, alone.assignee_id, alone.team_id, alone.handle) == ("b1", "u1", "t1", "BUG-1")
    assert alone.created_at == datetime.datetime(2024, 9, 4, 22, 28, 31, tzinfo=datetime.UTC)
    with pytest.raises(NotIncludedError) as raised:
        _ = alone.assignee
    assert raised.value.relationship == "assignee"
    faked = Bug.from_dict(fixture_bug(), included=[USER])
    assert isinstance(faked.assignee, User) and faked.assignee.full_name == "Ada"
    assert faked.assignee == User.from_dict(USER)
    with pytest.raises(NotIncludedError):
        _ = faked.team
    assert "_pending" not in vars(faked) and "_pending" not in vars(faked.assignee)  # converted, checked now


def test_from_dict_does_not_keep_what_it_was_given() -> None:
    source = fixture_bug()
    bug = Bug.from_dict(source)
    source["relationships"]["assignee"]["data"]["id"] = "u2"
    source["attributes"]["title"] = "changed"
    assert (bug.assignee_id, bug.title) == ("u1", "MIDI lost")


@pytest.mark.parametrize(
    ("cls", "value", "error", "message"),
    [
        (Bug, [fixture_bug()], TypeError, "Bug.from_dict takes a resource object"),
        (Bug, {**fixture_bug(), "id": None}, ValueError, "string `type` and `id`"),
        (Bug, {k: v for k, v in fixture_bug().items() if k != "type"}, ValueError, "string `type` and `id`"),
        (Bug, {**fixture_bug(), "id": 7}, ValueError, "string `type` and `id`"),
        (Bug, {**fixture_bug(), "type": "user"}, ValueError, "Bug.from_dict takes a 'bug' resource"),
        (Team, fixture_bug(), ValueError, "takes a 'team' resource, got one of type 'bug'"),
        (Resource, fixture_bug(), ValueError, "a 'bug' resource is a Bug, not a Resource"),
        (Bug, {**fixture_bug(), "attributes": []}, ValueError, "`attributes` of bug b1 must be an object"),
        (Bug, fixture_bug(position="third"), ValueError, "position: expected int"),
        (Bug, fixture_bug(createdAt="2024-09-04T22:28:31"), ValueError, "createdAt: date-time without a UTC offset"),
        (Bug, {**fixture_bug(), "attributes": {"title": "t"}}, ValueError, "the member 'handle' is required"),
        (Bug, {**fixture_bug(), "relationships": []}, ValueError, "`relationships` of bug b1 must be an object"),
        (Bug, {**fixture_bug(), "relationships": {"assignee": {"data": [USER]}}}, ValueError, "null or one"),
        (Bug, {**fixture_bug(), "links": "self"}, ValueError, "`links` of bug b1 must be an object"),
    ],
)
def test_from_dict_says_what_is_wrong(
    cls: type[ResourceObject], value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as raised:
        cls.from_dict(value)
    assert type(raised.value) is error  # not the response errors: there is no response


@pytest.mark.parametrize(
    ("included", "error", "message"),
    [
        (USER, TypeError, "included must be an iterable of resource objects, got a dict"),
        (["user"], TypeError, r"included\[0\] must be a resource object"),
        ([USER, {"type": "user"}], ValueError, r"included\[1\]: a resource object needs string `type` and `id`"),
        ([{**USER, "attributes": {**USER["attributes"], "fullName": 3}}], ValueError, "fullName: expected str"),
    ],
)
def test_from_dict_checks_included(included: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        Bug.from_dict(fixture_bug(), included=included)
    assert type(raised.value) is error


def test_from_dict_builds_generic_and_open_resources() -> None:
    epic = ResourceObject.from_dict({"type": "epic", "id": "e1", "attributes": {"name": "Audio"}})
    assert type(epic) is Resource and epic["name"] == "Audio"
    assert epic.to_dict()["attributes"] == {"name": "Audio"}
    assert Resource.from_dict(epic.to_dict()) == epic
    criterion = ResourceObject.from_dict({"type": "acceptance_criterion", "id": "a1", "attributes": {"x": 1}})
    assert type(criterion) is KNOWN_TYPES["acceptance_criterion"] and isinstance(criterion, Resource)
    assert criterion["x"] == 1
    assert type(Resource.from_dict(criterion.to_dict())) is KNOWN_TYPES["acceptance_criterion"]
    user = ResourceObject.from_dict(USER)
    assert type(user) is User and user.to_dict() == USER


# ---- pickle and copy -----------------------------------------------------------------------------------------
def pickled(protocol: int) -> Callable[[Any], Any]:
    def trip(value: Any) -> Any:
        return pickle.loads(pickle.dumps(value, protocol=protocol))

    return trip


def round_trips() -> list[tuple[str, Callable[[Any], Any]]]:
    return [*((f"pickle{p}", pickled(p)) for p in PROTOCOLS), ("deepcopy", copy.deepcopy)]


ROUND_TRIPS = pytest.mark.parametrize(("trip", "how"), round_trips(), ids=[name for name, _ in round_trips()])


@VECTORS
@pytest.mark.parametrize("way", WAYS)
@ROUND_TRIPS
def test_every_vector_survives_pickle_and_deepcopy(vector: dict[str, Any], way: str, trip: str, how: Any) -> None:
    """Before any attribute is read: pending attributes and compact linkage are what is pickled."""
    document = decoded(vector, way)
    page = Page(document.data, document.included, document.links, document.meta)
    pending = ["_pending" in vars(obj) for obj in everything(page)]
    assert any(pending) or all(isinstance(obj, Resource) for obj in everything(page))
    restored = how(page)  # first, so that nothing was converted yet
    assert ["_pending" in vars(obj) for obj in everything(restored)] == pending
    assert type(restored) is Page and (restored.links, restored.meta) == (page.links, page.meta)
    assert_same_objects(everything(restored), everything(page))
    for obj in everything(document):  # one object alone still brings what it resolves to
        alone = how(obj)
        assert readable(alone) == readable(obj)


@VECTORS
def test_every_vector_survives_a_shallow_copy(vector: dict[str, Any]) -> None:
    for obj in everything(decoded(vector, "compact" if _structs.AVAILABLE else "dicts")):
        copied = copy.copy(obj)
        assert copied is not obj and readable(copied) == readable(obj)
        for wire in obj.relationships:  # the same response: the same related objects
            try:
                related = obj.related(wire)
            except NotIncludedError:
                continue
            assert copied.related(wire) == related


@pytest.mark.skipif(not _structs.AVAILABLE, reason="no msgspec")
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_pending_compact_item_pickles_as_plain_data(protocol: int) -> None:
    document = decoded(case("collection-shares-included-resources"), "compact")
    item = document.data[0]
    assert vars(item)["_pending"].__class__ is not dict and "_rels" in vars(item)
    text = pickle.dumps(document.data, protocol=protocol)
    assert b"msgspec" not in text and b"atono._structs" not in text  # loads without msgspec
    restored = pickle.loads(text)
    assert isinstance(vars(restored[0])["_pending"], bytes) and "_rels" not in vars(restored[0])
    assert readable(restored[0]) == readable(item)
    assert "_pending" not in vars(restored[0])  # converted on first read, as before


def test_a_pending_item_that_does_not_fit_still_raises_after_unpickling() -> None:
    body = {"data": [resource("bug", "b1"), resource("bug", "b2", position="third")]}
    items = decode_document(json.dumps(body).encode(), many=True).data
    restored = pickle.loads(pickle.dumps(items))
    assert restored[0].title == "Bug b1"
    with pytest.raises(MalformedDocumentError, match=r"attributes of bug b2 do not match.*position: expected int"):
        _ = restored[1].title
    assert repr(restored[1]) == "<Bug b2>"


def test_an_object_pickles_after_writes_and_with_user_attributes() -> None:
    bug = Bug.from_dict(fixture_bug(), included=[USER])
    bug.title = "renamed"
    bug.additional_properties["severity"] = 3
    restored = pickle.loads(pickle.dumps(bug))
    assert (restored.title, restored["severity"], restored.assignee.full_name) == ("renamed", 3, "Ada")
    bare = Bug.from_dict(
        {
            "type": "bug",
            "id": "b9",
            "attributes": {"title": "t", "handle": "BUG-9", "createdAt": STAMP, "updatedAt": STAMP},
        }
    )
    again = pickle.loads(pickle.dumps(bare))
    assert (again.title, again.handle, again.to_dict()) == ("t", "BUG-9", bare.to_dict())
    assert again.fields_set == bare.fields_set == {"title", "handle", "created_at", "updated_at"}
    assert again.content is None and "content" not in again.to_dict()["attributes"]


@pytest.mark.parametrize("way", WAYS)
def test_one_pickle_shares_one_identity_map(way: str) -> None:
    document = decoded(case("collection-shares-included-resources"), way)
    first, second = document.data[:2]
    assert first.assignee is second.assignee  # the vector: two bugs, one assignee
    one, two = pickle.loads(pickle.dumps([first, second]))
    assert vars(one)["_identity_map"] is vars(two)["_identity_map"]
    assert one.assignee is two.assignee and one.assignee == first.assignee
    apart = [pickle.loads(pickle.dumps(bug)) for bug in (first, second)]  # two pickles: two maps
    assert apart[0].assignee is not apart[1].assignee and apart[0].assignee == apart[1].assignee


# ---- through the clients ---------------------------------------------------------------------------------------
def resource(kind: str, ident: str, **attributes: Any) -> dict[str, Any]:
    base = {"title": f"Bug {ident}", "handle": f"BUG-{ident}", "createdAt": STAMP, "updatedAt": STAMP}
    return {"type": kind, "id": ident, "attributes": {**base, **attributes}}


def documented_bug() -> dict[str, Any]:
    return body_of(case("get-bug-documented"))


def documented_list() -> dict[str, Any]:
    one = documented_bug()
    second = copy.deepcopy(one["data"])
    second["id"] = "second-bug"
    second["attributes"]["handle"] = "BUG-5"
    del second["relationships"]["assignee"]
    return {
        "data": [one["data"], second],
        "included": one["included"],
        "links": {"self": "/bugs"},
        "meta": {"count": 2},
    }


def serve(document: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(document), headers={"content-type": "application/vnd.api+json"})

    return handler


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(flavor: str, handler: Callable[[httpx.Request], httpx.Response], sync: Any, asynchronous: Any) -> Any:
    """`sync(client)` with the sync client, or `await asynchronous(client)` with the async one."""
    import asyncio

    transport = httpx.MockTransport(handler)
    if flavor == "sync":
        with Atono(api_key=KEY, base_url=BASE_URL, http_client=httpx.Client(transport=transport)) as client:
            return sync(client)

    async def main() -> Any:
        async with AsyncAtono(
            api_key=KEY, base_url=BASE_URL, http_client=httpx.AsyncClient(transport=transport)
        ) as client:
            return await asynchronous(client)

    return asyncio.run(main())


def got_bug(flavor: str) -> Bug:
    async def get(client: AsyncAtono) -> Bug:
        return await client.bugs.get("b1", include=["assignee", "team", "reporter"])

    bug: Bug = run(
        flavor, serve(documented_bug()), lambda c: c.bugs.get("b1", include=["assignee", "team", "reporter"]), get
    )
    return bug


def first_page(flavor: str, document: dict[str, Any]) -> Page[Bug]:
    async def pages(client: AsyncAtono) -> Page[Bug]:
        async for page in client.bugs.list(include=["assignee", "team"]).pages():
            return page
        raise AssertionError("no page")

    page: Page[Bug] = run(
        flavor, serve(document), lambda c: next(iter(c.bugs.list(include=["assignee", "team"]).pages())), pages
    )
    return page


@ROUND_TRIPS
def test_an_object_from_get_round_trips(flavor: str, trip: str, how: Any) -> None:
    bug = got_bug(flavor)
    assert "_pending" not in vars(bug)  # `get` converts
    restored = how(bug)
    assert readable(restored) == readable(bug)
    assert isinstance(restored.assignee, User) and restored.assignee.full_name == "Oliver Resonance"
    assert restored.team is not None and restored.team.name == "Synth Support Squad"
    assert restored.team_id == "0cd0c8b8-734f-4c17-a07c-e993b04af480" and restored.links == bug.links
    assert vars(restored)["_identity_map"].invalid is None  # the hook holding the request is not kept
    assert KEY.encode() not in pickle.dumps(bug)


@ROUND_TRIPS
def test_a_page_of_pending_items_round_trips(flavor: str, trip: str, how: Any) -> None:
    page = first_page(flavor, documented_list())
    assert all("_pending" in vars(item) for item in page.items)
    restored = how(page)
    assert restored.total == page.total == 2 and restored.links == page.links
    assert all("_pending" in vars(item) for item in restored.items)  # still converted only when read
    assert_same_objects(everything(restored), everything(page))
    first, second = restored.items
    assert first.team is second.team is restored.included[0]
    assert first.assignee is restored.included[1] and second.assignee_id is None


def test_objects_from_calls_round_trip_through_dicts(flavor: str) -> None:
    bug = got_bug(flavor)
    included = [obj.to_dict() for obj in vars(bug)["_identity_map"].values()]
    rebuilt = Bug.from_dict(bug.to_dict(), included=included)
    assert readable(rebuilt) == readable(bug)
    page = first_page(flavor, documented_list())
    for item in page.items:
        again = Bug.from_dict(item.to_dict(), included=[obj.to_dict() for obj in page.included])
        assert readable(again) == readable(item)


# ---- equality and hashing --------------------------------------------------------------------------------------
def test_equal_objects_hash_alike_and_deduplicate(flavor: str) -> None:
    from_get = got_bug(flavor)
    from_list = first_page(flavor, documented_list()).items[0]
    assert from_get == from_list and from_get is not from_list and hash(from_get) == hash(from_list)
    assert hash(from_get) == hash(("bug", from_get.id))
    assert len({from_get, from_list, Bug.from_dict(from_get.to_dict())}) == 1
    assert {from_get: "seen"}[from_list] == "seen"
    assert from_list in {from_get} and from_get.assignee in {from_list.assignee}
    assert from_get != from_get.assignee


def test_same_id_other_type_is_another_resource() -> None:
    user = User.from_dict({**USER, "id": "x"})
    epic = ResourceObject.from_dict({"type": "epic", "id": "x"})
    assert user != epic and len({user, epic}) == 2
    generic_bug = Resource.__new__(Resource)
    generic_bug.__dict__.update(type="bug", id="b1", attributes={})
    assert generic_bug == Bug.from_dict(fixture_bug()) and hash(generic_bug) == hash(Bug.from_dict(fixture_bug()))


def test_objects_without_an_id_are_equal_only_to_themselves() -> None:
    first, second = Bug.__new__(Bug), Bug.__new__(Bug)
    same = first
    assert first == same and first != second and len({first, second, same}) == 2
    assert first != copy.copy(first)  # a copy has no id either: another object
    first.__dict__.update(type="bug", id="b1")
    assert first == Bug.from_dict(fixture_bug())


# ---- repr ------------------------------------------------------------------------------------------------------
@VECTORS
def test_repr_is_bounded_and_shows_identity(vector: dict[str, Any]) -> None:
    for obj in everything(parse_document(body_of(vector), many=is_many(vector))):
        text = repr(obj)
        assert len(text) <= 120 and text.startswith(f"<{type(obj).__name__} ") and text.endswith(">")
        assert obj.id[:37] in text
        labels = ("handle", "title", "name", "full_name", "key")
        source = (
            {snake_case(k): v for k, v in obj.attributes.items()} if isinstance(obj, Resource) else attributes_of(obj)
        )
        found = [name for name in labels if isinstance(source.get(name), str)]
        if found:  # the first identifying attribute always fits
            assert f" {found[0]}=" in text


def test_repr_shows_the_identifying_attributes() -> None:
    document = parse_document(documented_bug(), many=False)
    bug, team, user = document.data[0], document.included[0], document.included[1]
    assert repr(bug) == (
        "<Bug f239bdd6-9016-4922-a229-b4120aadba15 handle='BUG-4' title='MIDI input not detected after changin...'>"
    )
    assert repr(team) == "<Team 0cd0c8b8-734f-4c17-a07c-e993b04af480 name='Synth Support Squad'>"
    assert repr(user) == "<User fe4641d7-c72a-4165-904d-89b2ded40916 full_name='Oliver Resonance'>"
    flag = parse_document(body_of(case("flag-with-environments")), many=False).data[0]
    assert f"key={flag.key!r}" in repr(flag)
    epic = ResourceObject.from_dict({"type": "epic", "id": "e1", "attributes": {"name": "Audio", "key": "AU"}})
    assert repr(epic) == "<Resource epic e1 name='Audio' key='AU'>"


@pytest.mark.parametrize(
    "hostile",
    ["x" * 500, "a b\nc", "<Bug b2>", "'; drop", "\x00\x1b[31m", "é" * 80],
)
def test_repr_of_hostile_values_is_bounded_and_escaped(hostile: str) -> None:
    raw = resource("bug", hostile, title=hostile * 3, handle=hostile)
    bug = Bug.from_dict(raw)
    text = repr(bug)
    assert len(text) <= 120 and "\n" not in text and "\x1b" not in text and "\x00" not in text
    assert text.startswith("<Bug ") and text.endswith(">")
    generic = ResourceObject.from_dict({"type": hostile, "id": hostile, "attributes": {"name": hostile}})
    assert len(repr(generic)) <= 120 and "\n" not in repr(generic)


def test_repr_never_raises() -> None:
    assert repr(Bug.__new__(Bug)) == "<Bug (no id)>"
    assert repr(Resource.__new__(Resource)) == "<Resource (no id)>"
    unfit = parse_document({"data": resource("bug", "b1", title=5)}, many=False).data[0]
    assert repr(unfit) == "<Bug b1>"
    odd = Bug.from_dict(fixture_bug())
    odd.title = None  # type: ignore[assignment]  # not what the spec allows
    assert repr(odd) == "<Bug b1 handle='BUG-1'>"


def test_repr_changes_nothing(flavor: str) -> None:
    """Debuggers, logs and asyncio's own messages repr objects: that must not convert a pending item."""
    page = first_page(flavor, documented_list())
    shown = [repr(item) for item in page.items]
    assert all("_pending" in vars(item) for item in page.items)
    assert shown[0].endswith("handle='BUG-4' title='MIDI input not detected after changin...'>")
    assert page.items[0].handle == "BUG-4" and repr(page.items[0]) == shown[0]
    second = page.items[1]
    for probe in ("__deepcopy__", "__getstate__x", "_repr_html_", "_ipython_display_"):
        getattr(second, probe, None)  # what copy, pickle and notebooks look for
    assert "_pending" in vars(second)


def test_repr_holds_no_request_data(flavor: str) -> None:
    bug = got_bug(flavor)
    page = first_page(flavor, documented_list())
    for obj in [bug, *everything(page), *vars(bug)["_identity_map"].values()]:
        assert KEY not in repr(obj) and "atono.test" not in repr(obj)
