"""Runs every case of spec/conformance/ against the Python SDK, with the sync and the async client.

The case files are the contract SDKs in other languages follow as well; adapter.py binds their
vocabulary to this SDK. Besides the cases themselves, the tests check that the files match their
JSON Schema, that verbatim copies of documented examples still equal the spec's, and that every
operation of the spec has at least one request case.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import atono
import httpx
import jsonschema
import pytest
import yaml
from atono._naming import snake_case

from tests.conformance.adapter import (
    ABSENT,
    CONFORMANCE,
    KINDS,
    OPERATIONS,
    FakeServer,
    Flavor,
    Outcome,
    as_json,
    execute,
    item_id,
    load,
    make_client,
    parse_instant,
    pause_matches,
    resolve,
    respond,
    same_json,
)
from tests.helpers import SPEC_PATH

FILES = {kind: load(kind) for kind in KINDS}
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))

ERROR_KINDS: dict[str, type[atono.AtonoError]] = {
    "BadRequest": atono.BadRequestError,
    "Authentication": atono.AuthenticationError,
    "PermissionDenied": atono.PermissionDeniedError,
    "NotFound": atono.NotFoundError,
    "Conflict": atono.ConflictError,
    "UnprocessableEntity": atono.UnprocessableEntityError,
    "RateLimit": atono.RateLimitError,
    "InternalServer": atono.InternalServerError,
    "APIStatus": atono.APIStatusError,
    "ResponseValidation": atono.APIResponseValidationError,
    "Connection": atono.APIConnectionError,
    "Timeout": atono.APITimeoutError,
}


def cases(kind: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in FILES[kind]["cases"]]


@pytest.fixture(params=["sync", "async"])
def flavor(request: pytest.FixtureRequest) -> Flavor:
    value: Flavor = request.param
    return value


async def run(
    flavor: Flavor,
    kind: str,
    answer: Any,
    call: Mapping[str, Any],
    *,
    max_retries: int = 0,
    read_ahead: int | None = None,
    now: float | None = None,
) -> tuple[Outcome, FakeServer, list[dict[str, Any]]]:
    """Make `call` against a fake server that answers with `answer(request)`; close the client after."""
    server = FakeServer(answer)
    pauses: list[dict[str, Any]] = []
    client = make_client(flavor, server, FILES[kind]["client"], max_retries=max_retries, pauses=pauses, now=now)
    try:
        outcome = await execute(client, call, read_ahead=read_ahead)
    finally:
        if isinstance(client, atono.AsyncAtono):
            await client.close()
            await client._http.aclose()
        else:
            client.close()
            client._http.close()
    configured_host = FILES[kind]["client"]["baseUrl"].split("/")[2]
    assert all(sent.host == configured_host for sent in server.sent), "a request left the configured host"
    assert all(sent.headers.get("x-api-key") == FILES[kind]["client"]["apiKey"] for sent in server.sent)
    return outcome, server, pauses


def assert_error(outcome: Outcome, kind: str | None) -> None:
    if kind is None:
        assert outcome.error is None, f"unexpected {outcome.error!r}"
    else:
        assert type(outcome.error) is ERROR_KINDS[kind], f"expected {kind}, got {outcome.error!r}"


def check(roots: Mapping[str, Any], expectation: Mapping[str, Any]) -> None:
    path = expectation["path"]
    if "notIncluded" in expectation:
        with pytest.raises(atono.NotIncludedError) as raised:
            resolve(roots, path)
        assert raised.value.relationship == snake_case(expectation["notIncluded"])
        return
    value = resolve(roots, path)
    if "equals" in expectation:
        assert same_json(as_json(value), expectation["equals"]), f"{path}: {value!r} != {expectation['equals']!r}"
    elif "instant" in expectation:
        assert value.tzinfo is not None and value == parse_instant(expectation["instant"]), f"{path}: {value!r}"
    elif "enum" in expectation:
        assert type(value).__name__ == expectation["enum"]["schema"], f"{path}: {value!r}"
        assert (value.value, value.is_known) == (expectation["enum"]["value"], expectation["enum"]["known"]), path
    elif "absent" in expectation:
        assert value is ABSENT, f"{path}: expected absent, got {value!r}"
    elif "length" in expectation:
        assert len(value) == expectation["length"], f"{path}: {value!r}"
    else:
        raise AssertionError(f"unknown check {expectation}")


# ---- the case files themselves ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_case_file_matches_its_schema(kind: str) -> None:
    schema = json.loads((CONFORMANCE / "schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(FILES[kind])]
    assert not errors, "\n".join(errors)
    assert FILES[kind]["kind"] == kind


def test_schema_rejects_a_malformed_case() -> None:
    schema = json.loads((CONFORMANCE / "schema.json").read_text(encoding="utf-8"))
    broken = {**FILES["errors"], "cases": [{**FILES["errors"]["cases"][0], "expect": {"error": "Teapot"}}]}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


@pytest.mark.parametrize("kind", KINDS)
def test_case_ids_are_unique(kind: str) -> None:
    ids = [case["id"] for case in FILES[kind]["cases"]]
    assert len(ids) == len(set(ids))


def _pointer(document: Any, pointer: str) -> Any:
    for part in pointer.removeprefix("#/").split("/"):
        document = document[part.replace("~1", "/").replace("~0", "~")]
    return document


@pytest.mark.parametrize(
    "case", [c for kind in ("documents", "requests") for c in cases(kind) if "source" in c.values[0]]
)
def test_documented_examples_are_copied_verbatim(case: dict[str, Any]) -> None:
    """A case citing a spec example must carry it unchanged, so the vectors follow the spec's revisions."""
    documented = _pointer(SPEC, case["source"])
    carried = case["response"]["body"] if "response" in case else case["expect"]["request"]["body"]
    assert carried == documented


def test_every_operation_has_a_request_case_and_an_adapter_entry() -> None:
    in_spec = {op["operationId"] for item in SPEC["paths"].values() for op in item.values() if isinstance(op, dict)}
    covered = {case["call"]["operation"] for case in FILES["requests"]["cases"] if "request" in case["expect"]}
    assert set(OPERATIONS) == in_spec
    assert in_spec - covered == set()


def test_readme_counts_the_cases() -> None:
    """The table in spec/conformance/README.md states how many cases each file has."""
    readme = (CONFORMANCE / "README.md").read_text(encoding="utf-8")
    for kind in KINDS:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{kind}.json` |"))
        assert row.split("|")[3].strip() == str(len(FILES[kind]["cases"])), row


def test_every_error_kind_has_a_case() -> None:
    seen = {case["expect"]["error"] for case in FILES["errors"]["cases"]}
    assert set(ERROR_KINDS) <= seen


# ---- (a) documents ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", cases("documents"))
async def test_document(case: dict[str, Any], flavor: Flavor) -> None:
    outcome, server, _ = await run(flavor, "documents", lambda _: case["response"], case["call"])
    assert_error(outcome, None)
    assert len(server.sent) == 1
    if outcome.pages:
        page = outcome.pages[0]
        roots = {"data": page.items, "meta": page.meta, "links": page.links}
    else:
        roots = {"data": outcome.value}
    for expectation in case["expect"]:
        check(roots, expectation)


# ---- (b) requests ----------------------------------------------------------------------------------------
NOT_FOUND = {"status": 404, "body": {"errors": [{"status": "404", "code": "not_found"}]}}


@pytest.mark.parametrize("case", cases("requests"))
async def test_request(case: dict[str, Any], flavor: Flavor) -> None:
    answer = case.get("response", NOT_FOUND)
    outcome, server, _ = await run(flavor, "requests", lambda _: answer, case["call"])
    if case["expect"].get("invalidArgument"):
        assert isinstance(outcome.error, ValueError | TypeError), f"expected an argument error, got {outcome.error!r}"
        assert server.sent == []
        return
    expected = case["expect"]["request"]
    (sent,) = server.sent[:1]
    base_path = FILES["requests"]["client"]["baseUrl"].split("/", 3)[3]
    assert sent.method == expected["method"]
    assert sent.raw_path == f"/{base_path}{expected['path']}"
    assert sent.query == {
        name: value if isinstance(value, list) else [value] for name, value in expected["query"].items()
    }
    for name, value in expected["headers"].items():
        assert sent.headers.get(name.lower()) == value, name
    for name in expected.get("absentHeaders", []):
        assert name.lower() not in sent.headers, name
    if expected["body"] is None:
        assert sent.body == b""
    else:
        assert same_json(json.loads(sent.body), expected["body"]), sent.body.decode()


# ---- (c) errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", cases("errors"))
async def test_error(case: dict[str, Any], flavor: Flavor) -> None:
    responses = case["responses"]
    answers = itertools.chain(responses, itertools.repeat(responses[-1]))
    outcome, server, pauses = await run(
        flavor,
        "errors",
        lambda _: next(answers),
        case["call"],
        max_retries=case.get("maxRetries", 0),
        now=parse_instant(case["now"]).timestamp() if "now" in case else None,
    )
    expect = case["expect"]
    assert_error(outcome, expect["error"])
    assert len(server.sent) == expect["attempts"]
    if "contentTypes" in expect:
        assert [sent.headers.get("content-type") for sent in server.sent] == expect["contentTypes"]
    if "pauses" in expect:
        assert len(pauses) == len(expect["pauses"]), pauses
        assert all(pause_matches(a, e) for a, e in zip(pauses, expect["pauses"], strict=True)), pauses
    exc: Any = outcome.error
    if "status" in expect:
        assert exc.status_code == expect["status"]
    if "requestId" in expect:
        assert exc.request_id == expect["requestId"]
    if "retryAfter" in expect:
        assert exc.retry_after == expect["retryAfter"]
    if "errors" in expect:
        fields = ("status", "code", "title", "detail", "source")
        actual = [{name: getattr(e, name) for name in fields} for e in exc.errors]
        assert actual == [{name: e.get(name) for name in fields} for e in expect["errors"]]
    for text in expect.get("messageIncludes", []):
        assert text in str(exc), str(exc)
    for text in expect.get("messageExcludes", []):
        assert text not in str(exc), str(exc)


# ---- (d) pagination --------------------------------------------------------------------------------------
def _serve(case: dict[str, Any]) -> Any:
    pages = {frozenset(page["query"].items()): page["response"] for page in case["pages"]}
    empty = {"status": 200, "body": {"data": []}}

    def answer(request: Any) -> Any:
        return pages.get(frozenset(request.url.params.items()), empty)

    return answer


def _position(query: Mapping[str, str]) -> int:
    if "page[offset]" in query:
        return int(query["page[offset]"])
    return int(query.get("page[number]", "0")) * int(query.get("page[size]", "100"))


@pytest.mark.parametrize("case", cases("pagination"))
async def test_pagination_one_page_at_a_time(case: dict[str, Any], flavor: Flavor) -> None:
    """Fetching one page at a time, the requests are exactly the case's, in order."""
    outcome, server, _ = await run(flavor, "pagination", _serve(case), case["call"], read_ahead=1)
    expect = case["expect"]
    assert [{k: v[0] for k, v in sent.query.items()} for sent in server.sent] == expect["requests"]
    assert [item_id(item) for item in outcome.items] == expect["items"]
    assert_error(outcome, expect.get("error"))
    if "nextStarts" in expect:
        assert [page.next_start for page in outcome.pages] == expect["nextStarts"]
    for expectation in expect.get("checks", []):
        check({"items": outcome.items}, expectation)


@pytest.mark.parametrize("case", cases("pagination"))
async def test_pagination_reading_ahead(case: dict[str, Any], flavor: Flavor) -> None:
    """With the default read-ahead: the same items and error; extra requests only for pages past the last."""
    outcome, server, _ = await run(flavor, "pagination", _serve(case), case["call"])
    expect = case["expect"]
    assert [item_id(item) for item in outcome.items] == expect["items"]
    assert_error(outcome, expect.get("error"))
    if "nextStarts" in expect:
        assert [page.next_start for page in outcome.pages] == expect["nextStarts"]
    sent = [{k: v[0] for k, v in s.query.items()} for s in server.sent]
    assert all(query in sent for query in expect["requests"])
    assert len({frozenset(q.items()) for q in sent}) == len(sent), "a page was requested twice"
    last = max((_position(q) for q in expect["requests"]), default=-1)
    assert all(_position(q) > last for q in sent if q not in expect["requests"])


def test_fake_server_serves_raw_text() -> None:
    """The runner's own plumbing: a `text` body is sent byte for byte, with the headers given."""
    response = respond(
        {"status": 502, "headers": {"content-type": "text/html"}, "text": "<b>x</b>"},
        httpx.Request("GET", "https://h/"),
    )
    assert (response.status_code, response.text, response.headers["content-type"]) == (502, "<b>x</b>", "text/html")
