"""Every error status becomes its typed exception with its fields; every malformed success body becomes
`APIResponseValidationError` with the raw body, never a bare KeyError/TypeError/ValueError."""

from __future__ import annotations

import json
from typing import Any

import atono
import httpx
import pytest
from atono import (
    APIResponseValidationError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorObject,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from atono.types import Bug
from atono_api.api.bugs import get_bug
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import BUG, Server, Step, call, respond

STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, InternalServerError),
    (504, InternalServerError),
    (505, InternalServerError),
    (418, APIStatusError),
    (405, APIStatusError),
    (304, APIStatusError),
]


def error_body(*errors: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(errors)}


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
async def test_each_status_raises_its_class_with_its_fields(make_client: Any, status: int, cls: type) -> None:
    body = error_body(
        {
            "status": str(status),
            "code": "E1",
            "title": "Short",
            "detail": "What went wrong",
            "source": {"pointer": "/data"},
        }
    )
    server = Server(respond(status, body, headers={"x-request-id": "req-42"}))
    client = make_client(server, max_retries=0)

    with pytest.raises(APIStatusError) as caught:
        await call(client.bugs.get, "b1")

    error = caught.value
    assert type(error) is cls
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.request_id == "req-42"
    assert error.body == body
    assert error.errors == [
        ErrorObject(status=str(status), code="E1", title="Short", detail="What went wrong", source={"pointer": "/data"})
    ]
    assert error.errors[0].raw == body["errors"][0]
    assert str(error).startswith(f"{status} ")
    assert "What went wrong" in str(error)
    assert error.request.url.path == "/v1/bugs/b1"


async def test_message_joins_details_and_falls_back_to_title_and_code(make_client: Any) -> None:
    body = error_body(
        {"detail": "Title is required."}, {"title": "Bad team"}, {"code": "E77"}, {"detail": "Title is required."}
    )
    client = make_client(Server(respond(422, body)), max_retries=0)
    with pytest.raises(
        UnprocessableEntityError, match=r"^422 Unprocessable Entity: Title is required\.; Bad team; E77$"
    ):
        await call(client.bugs.get, "b1")


async def test_html_error_page_gives_readable_truncated_text(make_client: Any) -> None:
    page = (
        "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
        "<body><h1>Bad   Gateway</h1><p>" + "upstream failed " * 60 + "</p></body></html>"
    )
    server = Server(respond(502, content=page.encode(), headers={"content-type": "text/html"}))
    client = make_client(server, max_retries=0)
    with pytest.raises(InternalServerError) as caught:
        await call(client.bugs.get, "b1")
    message = str(caught.value)
    assert message.startswith("502 Bad Gateway: 502 Bad Gateway Bad Gateway upstream failed")
    assert "<" not in message and "color:red" not in message
    assert message.endswith("…")
    assert len(message) < 400
    assert caught.value.body == page
    assert caught.value.errors == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "no details in the response"),
        (b"upstream timed out", "upstream timed out"),
        (b'{"message": "gateway says no"}', '{"message": "gateway says no"}'),
        (b'{"errors": "not a list"}', '{"errors": "not a list"}'),
    ],
)
async def test_bodies_without_jsonapi_errors_still_explain(make_client: Any, content: bytes, expected: str) -> None:
    client = make_client(Server(respond(400, content=content)), max_retries=0)
    with pytest.raises(BadRequestError) as caught:
        await call(client.bugs.get, "b1")
    assert str(caught.value) == f"400 Bad Request: {expected}"
    assert caught.value.errors == []


async def test_errors_with_odd_member_types_are_read_leniently(make_client: Any) -> None:
    body = {"errors": [{"status": 404, "detail": ["x"], "source": "here", "meta": {"k": 1}}, "not an object"]}
    client = make_client(Server(respond(404, body)), max_retries=0)
    with pytest.raises(NotFoundError) as caught:
        await call(client.bugs.get, "b1")
    assert caught.value.errors == [ErrorObject(status="404", meta={"k": 1})]


async def test_authentication_error_says_where_the_key_comes_from(make_client: Any) -> None:
    client = make_client(Server(respond(401, error_body({"title": "Unauthorized"}))), max_retries=0)
    with pytest.raises(AuthenticationError, match="ATONO_API_KEY"):
        await call(client.bugs.get, "b1")


async def test_rate_limit_error_carries_retry_after(make_client: Any) -> None:
    server = Server(respond(429, error_body({"title": "Too many requests"}), headers={"retry-after": "7"}))
    client = make_client(server, max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        await call(client.bugs.get, "b1")
    assert caught.value.retry_after == 7.0
    assert "wait 7 s" in str(caught.value)


async def test_other_errors_have_no_retry_after_and_no_request_id(make_client: Any) -> None:
    client = make_client(Server(respond(429)), max_retries=0)
    with pytest.raises(RateLimitError) as caught:
        await call(client.bugs.get, "b1")
    assert caught.value.retry_after is None
    assert caught.value.request_id is None


def test_every_exception_is_an_atono_error() -> None:
    for name in atono.__all__:
        value = getattr(atono, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, atono.AtonoError), name
    assert issubclass(atono.APITimeoutError, atono.APIConnectionError)
    assert issubclass(atono.NotIncludedError, atono.AtonoError)
    assert not issubclass(atono.NotIncludedError, atono.APIError)
    assert atono.NotIncludedError("not included", relationship="assignee").relationship == "assignee"


# Success bodies that do not fit the description.

MALFORMED_BUG_DOCUMENTS = [
    pytest.param(b"", id="empty"),
    pytest.param(b"<html><body>Welcome to the captive portal</body></html>", id="html"),
    pytest.param(b'{"data": {"type": "bug", "id": "b1", "attributes": {"title": "T"', id="truncated-json"),
    pytest.param(b"[1, 2, 3]", id="json-array"),
    pytest.param(b"null", id="json-null"),
    pytest.param(b"{}", id="missing-data"),
    pytest.param(b'{"data": "b1"}', id="data-is-a-string"),
    pytest.param(b'{"data": {"type": "story", "id": "b1", "attributes": {}}}', id="wrong-type"),
    pytest.param(json.dumps({"data": {**BUG["data"], "attributes": "x"}}).encode(), id="attributes-is-a-string"),
]

# Documents whose attributes do not fit: the error carries the resource's attributes as received, not the whole body.
MALFORMED_BUG_ATTRIBUTES = [
    pytest.param({}, id="missing-attributes"),
    pytest.param({**BUG["data"]["attributes"], "createdAt": 1725488911}, id="date-is-a-number"),  # type: ignore[dict-item]
    pytest.param({**BUG["data"]["attributes"], "createdAt": "yesterday"}, id="date-is-not-a-date"),  # type: ignore[dict-item]
]


def jsonapi(content: bytes) -> Step:
    return respond(200, content=content, headers={"content-type": "application/vnd.api+json"})


@pytest.mark.parametrize("content", MALFORMED_BUG_DOCUMENTS)
async def test_malformed_success_body_raises_validation_error_with_raw_body(make_client: Any, content: bytes) -> None:
    server = Server(jsonapi(content))
    client = make_client(server)
    with pytest.raises(APIResponseValidationError) as caught:
        await call(client.bugs.get, "b1")
    error = caught.value
    assert error.body == content.decode()
    assert error.status_code == 200
    assert error.response.content == content
    assert "GET /v1/bugs/b1" in str(error)
    assert server.calls == 1  # a body that does not fit is not a transient failure


@pytest.mark.parametrize("attributes", MALFORMED_BUG_ATTRIBUTES)
async def test_attributes_that_do_not_fit_raise_validation_error_with_the_attributes(
    make_client: Any, attributes: dict[str, Any]
) -> None:
    data: dict[str, Any] = {"type": "bug", "id": "b1"} | ({"attributes": attributes} if attributes else {})
    server = Server(jsonapi(json.dumps({"data": data}).encode()))
    client = make_client(server)
    with pytest.raises(APIResponseValidationError) as caught:
        await call(client.bugs.get, "b1")
    error = caught.value
    assert json.loads(error.body) == attributes
    assert error.status_code == 200
    assert "GET /v1/bugs/b1" in str(error)
    assert server.calls == 1


async def test_a_delete_answered_with_an_undocumented_success_status_is_a_validation_error(make_client: Any) -> None:
    # A delete's answer is the one whose status carries the outcome: only the documented 204 says it is done.
    client = make_client(Server(respond(200, BUG)))
    with pytest.raises(APIResponseValidationError, match=r"status 200 .* is not the 204 No Content") as caught:
        await call(client.bugs.delete, "b1")
    assert json.loads(caught.value.body) == BUG


async def test_a_success_that_is_not_the_operations_resource_is_a_validation_error(make_client: Any) -> None:
    client = make_client(Server(respond(200, BUG)))
    with pytest.raises(APIResponseValidationError, match=r"POST /v1/teams .* expected a team, got a bug"):
        await call(client.teams.create, name="Synth")


async def test_valid_body_is_parsed_into_the_typed_resource(make_client: Any) -> None:
    client = make_client(Server(respond(200, BUG)))
    bug = await call(client.bugs.get, "b1")
    assert isinstance(bug, Bug)
    assert bug.handle == "BUG-1"


async def test_no_content_returns_none(make_client: Any) -> None:
    server = Server(respond(204))
    client = make_client(server)
    assert await call(client.bugs.delete, "b1") is None
    assert server.requests[0].method == "DELETE"


async def test_request_raw_returns_the_read_response(make_client: Any) -> None:
    client = make_client(Server(respond(200, BUG)))
    response = await call(client._request_raw, get_bug, "b1")
    assert isinstance(response, httpx.Response)
    assert response.json() == BUG


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["data", "type", "id", "attributes", "title", "handle", "createdAt", "updatedAt", "included", "x"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)


def attributes_received(body: Any) -> list[Any]:
    """The attributes of the primary and included resources of `body`, as sent ({} where there are none)."""
    data = body.get("data") if isinstance(body, dict) else None
    included = body.get("included") if isinstance(body, dict) else None
    resources = [data] + (included if isinstance(included, list) else [])
    return [resource.get("attributes", {}) for resource in resources if isinstance(resource, dict)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=json_values)
def test_any_json_body_either_parses_or_raises_validation_error(body: Any) -> None:
    raw = json.dumps(body)
    answer = httpx.Response(200, content=raw.encode(), headers={"content-type": "application/vnd.api+json"})
    client = atono.Atono(
        api_key="k" * 12,
        base_url="https://api.atono.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(lambda r: answer)),
    )
    try:
        bug = client.bugs.get("b1")
    except APIResponseValidationError as error:
        # The whole body, or (for attributes that do not fit) the attributes of a resource as received.
        assert error.body == raw or json.loads(error.body) in attributes_received(body)
    else:
        assert isinstance(bug, Bug)
