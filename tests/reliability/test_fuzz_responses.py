"""Fuzzed responses: every document the spec allows parses; anything else raises a typed error, never a crash.

Documents are served to a real client over `httpx.MockTransport` (the parsing is what is under test here), one
operation of each kind of response the API has. A call may succeed or raise an `atono.AtonoError`; any other
exception (KeyError, TypeError, AttributeError, RecursionError, ...) fails the test. After a success, every
attribute and relationship accessor of the returned objects is read, as a user would; they may raise only
`NotIncludedError`.

Examples are derandomized so CI sees the same cases every run; `ATONO_FUZZ_SCALE=10` runs ten times as many, with
fresh randomness, to explore further.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atono import (
    APIResponseValidationError,
    APIStatusError,
    Atono,
    AtonoError,
    NotIncludedError,
    RateLimitError,
)
from atono._converters import members_of
from atono._objects import ResourceObject, relationship_descriptors
from atono._pagination import Page
from atono.resources import Identifier
from atono.types import Resource
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.helpers import BASE_URL, KEY

from .figures import record_figure
from .fuzzing import (
    CONTENT_TYPES,
    JSON_VALUES,
    JSONAPI,
    documents,
    mutated,
    raw_bodies,
    success_schema,
    validator,
)

SCALE = int(os.environ.get("ATONO_FUZZ_SCALE", "1"))
CASES: Counter[str] = Counter()


def fuzz_settings(examples: int) -> settings:
    # Shrinking a large document can take minutes: CI reports the failing example as found; a scaled run shrinks.
    phases = list(Phase) if SCALE > 1 else [Phase.explicit, Phase.generate]
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=SCALE == 1,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def first_page(pager: Any) -> Page[Any]:
    return next(iter(pager.pages()))


# One call per kind of success response: each resource's document, each collection, and a 201.
TARGETS: dict[str, Callable[[Atono], Any]] = {
    "getStory": lambda c: c.stories.get("s1"),
    "listStories": lambda c: first_page(c.stories.list()),
    "getBug": lambda c: c.bugs.get("b1", include=["assignee", "team", "workflow_step"]),
    "listBugs": lambda c: first_page(c.bugs.list()),
    "createBug": lambda c: c.bugs.create(title="Fuzzed"),
    "updateBug": lambda c: c.bugs.update("b1", title="Fuzzed"),
    "getTeam": lambda c: c.teams.get("t1", include=["members"]),
    "listTeams": lambda c: first_page(c.teams.list()),
    "listTeamMembers": lambda c: first_page(c.teams.members("t1")),
    "getUser": lambda c: c.users.get("u1"),
    "listUsers": lambda c: first_page(c.users.list()),
    "getFlag": lambda c: c.flags.get("f1"),
    "listFlags": lambda c: first_page(c.flags.list()),
    "listFlagEnvironments": lambda c: first_page(c.flags.environments("f1")),
    "getWorkflowStep": lambda c: c.workflow_steps.get("w1"),
}


class Served:
    """The one answer the mock API gives, replaced by each example."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.headers: dict[str, str] = {}

    def set(self, status: int, body: bytes, content_type: str | None = JSONAPI, **headers: str) -> None:
        self.status, self.body = status, body
        self.headers = {**headers, **({"content-type": content_type} if content_type else {})}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, content=self.body, headers=self.headers)


@pytest.fixture
def served() -> Served:
    return Served()


@pytest.fixture
def client(served: Served) -> Atono:
    # No retries and no pacing: each example is one request, answered at once.
    http = httpx.Client(transport=httpx.MockTransport(served))
    return Atono(api_key=KEY, base_url=BASE_URL, max_retries=0, rate_limit=None, http_client=http)


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def touch(result: Any) -> None:
    """Read everything a user could read on what a call returned."""
    items = result.items + result.included if isinstance(result, Page) else [result]
    if isinstance(result, Page):
        assert isinstance(result.links, dict) and isinstance(result.meta, dict)
        assert result.total is None or isinstance(result.total, int)
    for item in items:
        if isinstance(item, Identifier):
            assert isinstance(item.type, str) and isinstance(item.id, str)
            continue
        touch_object(item)


def touch_object(obj: ResourceObject) -> None:
    repr(obj)
    assert isinstance(obj.id, str) and isinstance(obj.type, str)
    assert isinstance(obj.links, dict) and isinstance(obj.meta, dict) and isinstance(obj.relationships, dict)
    if isinstance(obj, Resource):
        assert isinstance(obj.attributes, dict)
    else:
        for member in members_of(type(obj)):
            getattr(obj, member.name)
        obj.to_dict()  # type: ignore[attr-defined]
    for name in relationship_descriptors(type(obj)):
        with contextlib.suppress(NotIncludedError):
            getattr(obj, name)
    for wire_name in obj.relationships:
        obj.related_id(wire_name)
        obj.related_ids(wire_name)
        with contextlib.suppress(NotIncludedError):
            obj.related(wire_name)


# Where the SDK takes what the spec does not allow, on purpose: links (opaque), meta and jsonapi (free-form), enum
# values (kept, for a newer server's), a null member read as empty, and a relationship that is not an object (read
# as one without linkage: its accessors raise NotIncludedError).
_LENIENT_MEMBERS = {"links", "meta", "jsonapi"}


def lenient(error: Any) -> bool:
    if error.context:  # anyOf/oneOf: lenient if some branch failed only leniently
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        return any(all(lenient(sub) for sub in subs) for subs in branches.values())
    path = [p for p in error.absolute_path if isinstance(p, str)]
    if _LENIENT_MEMBERS & set(path) or error.validator == "enum":
        return True
    if len(path) >= 2 and path[-2] == "relationships" and not isinstance(error.instance, dict):
        return True
    return error.instance is None and bool(path) and path[-1] in ("relationships", "included", "attributes")


def outcome_of(client: Atono, operation: str) -> str:
    """'ok' after touching the result, else the name of the typed error raised; anything else propagates.

    The error may come from the call or, for the items of a page (whose attributes are converted when first
    read), from reading the result.
    """
    try:
        touch(TARGETS[operation](client))
    except AtonoError as error:
        str(error), repr(error)
        return type(error).__name__
    return "ok"


@pytest.mark.parametrize("operation", TARGETS)
def test_every_valid_document_parses(client: Atono, served: Served, operation: str) -> None:
    status, schema = success_schema(operation)

    @fuzz_settings(70)
    @given(document=documents(schema))
    def check(document: Any) -> None:
        CASES["valid documents"] += 1
        served.set(status, encode(document))
        result = TARGETS[operation](client)
        touch(result)
        parsed = [item.id for item in result.items] if isinstance(result, Page) else [result.id]
        data = document["data"]
        assert parsed == [item["id"] for item in (data if isinstance(data, list) else [data])]

    check()
    record_figure("fuzz: valid documents parsed", CASES["valid documents"])


@pytest.mark.parametrize("operation", TARGETS)
def test_mutated_documents_parse_or_raise_a_typed_error(client: Atono, served: Served, operation: str) -> None:
    status, schema = success_schema(operation)
    spec = validator(schema)

    @fuzz_settings(70)
    @given(document=mutated(schema))
    def check(document: Any) -> None:
        CASES["mutated documents"] += 1
        served.set(status, encode(document))
        outcome = outcome_of(client, operation)
        valid = spec.is_valid(document)
        CASES[f"mutated: {'valid' if valid else 'invalid'} -> {outcome}"] += 1
        if valid:
            assert outcome == "ok"
        else:
            assert outcome in ("ok", "APIResponseValidationError")
        if not valid and outcome == "ok":
            # Accepted although the spec does not allow it: only where the SDK is lenient on purpose.
            for error in spec.iter_errors(document):
                assert lenient(error), (error.json_path, error.message)

    check()
    record_figure("fuzz: mutated documents", CASES["mutated documents"])
    for key in sorted(k for k in CASES if k.startswith("mutated: ")):
        record_figure(f"fuzz: {key}", CASES[key])


@pytest.mark.parametrize("operation", ["getBug", "listStories", "listTeamMembers", "createBug"])
def test_bodies_that_are_not_documents_are_validation_errors(client: Atono, served: Served, operation: str) -> None:
    status, schema = success_schema(operation)
    spec = validator(schema)

    @fuzz_settings(150)
    @given(body=raw_bodies(), content_type=CONTENT_TYPES)
    def check(body: bytes, content_type: str | None) -> None:
        CASES["bodies that are not documents"] += 1
        served.set(status, body, content_type)
        try:
            TARGETS[operation](client)
        except APIResponseValidationError as error:
            assert error.status_code == status
            assert isinstance(error.body, str)
            return
        # Only a document the spec allows, served as JSON, may be taken.
        assert content_type is not None and "json" in content_type
        assert spec.is_valid(json.loads(body))

    check()
    record_figure("fuzz: bodies that are not documents", CASES["bodies that are not documents"])


ERROR_MEMBERS = st.sampled_from(["status", "code", "title", "detail", "source", "meta", "id", "links"])
ERROR_BODIES = st.one_of(
    documents("ErrorDocument").map(encode),
    st.dictionaries(st.just("errors"), st.lists(st.dictionaries(ERROR_MEMBERS, JSON_VALUES))).map(encode),
    st.dictionaries(st.just("errors"), JSON_VALUES).map(encode),
    raw_bodies(),
)
HEADER_VALUES = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


@pytest.mark.parametrize("operation", ["getBug", "createBug", "listBugs"])
def test_error_responses_with_any_body_raise_the_status_error(client: Atono, served: Served, operation: str) -> None:
    @fuzz_settings(150)
    @given(
        status=st.sampled_from([400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504, 599]),
        body=ERROR_BODIES,
        content_type=CONTENT_TYPES,
        retry_after=st.none() | HEADER_VALUES | st.sampled_from(["0", "-5", "1e400", "nan", "Wed, 21 Oct 2015"]),
        request_id=st.none() | HEADER_VALUES,
    )
    def check(
        status: int, body: bytes, content_type: str | None, retry_after: str | None, request_id: str | None
    ) -> None:
        CASES["error responses"] += 1
        headers = {k: v for k, v in {"retry-after": retry_after, "x-request-id": request_id}.items() if v is not None}
        served.set(status, body, content_type, **headers)
        with pytest.raises(APIStatusError) as caught:
            TARGETS[operation](client)
        error = caught.value
        assert error.status_code == status
        assert str(error).startswith(str(status))
        assert all(isinstance(e.detail, str | None) for e in error.errors)
        if isinstance(error, RateLimitError):
            assert error.retry_after is None or error.retry_after >= 0

    check()
    record_figure("fuzz: error responses", CASES["error responses"])


def test_fuzz_case_count() -> None:
    """Runs after the fuzz tests of this module: the total, for the figures."""
    total = sum(
        CASES[k] for k in ("valid documents", "mutated documents", "bodies that are not documents", "error responses")
    )
    record_figure("fuzz: cases in all", total)
