"""Per-call options: `extra_headers` and `extra_query` reach the wire on every attempt and same-origin redirect
hop, cannot touch the key or forge a header line, and are checked before anything is sent; per-call `timeout` and
`max_retries` are checked and honoured."""

from __future__ import annotations

import logging
import math
from typing import Any

import httpx
import pytest
from atono import NOT_GIVEN, OMIT, InternalServerError
from atono._config import USER_AGENT
from atono_api.api.bugs import create_bug, get_bug, list_bugs

from tests.helpers import BUG, KEY, Server, bug_create, call, respond

BUGS = {"data": [BUG["data"]]}


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return request.url.params.multi_items()


# Extra headers on the wire


async def test_extra_headers_are_sent_with_the_sdks_own(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", extra_headers={"X-Trace-Id": "trace-1", "X-Empty": ""})
    sent = server.requests[0].headers
    assert sent["x-trace-id"] == "trace-1"
    assert sent["x-empty"] == ""
    assert sent["user-agent"] == USER_AGENT
    assert sent["accept"] == "application/vnd.api+json"
    assert server.sent_headers[0]["x-api-key"] == KEY


async def test_an_extra_header_replaces_the_sdks_whatever_its_case(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    await call(
        client._request_raw,
        get_bug,
        "b1",
        extra_headers={"user-agent": "my-app/1.0 (+ops@example.com)", "ACCEPT": "application/json"},
    )
    sent = server.requests[0].headers
    assert sent.get_list("user-agent") == ["my-app/1.0 (+ops@example.com)"]
    assert sent.get_list("accept") == ["application/json"]


async def test_an_extra_header_replaces_one_the_operation_sets(make_client: Any) -> None:
    server = Server(respond(201, BUG))
    client = make_client(server)
    await call(
        client._request_raw,
        create_bug,
        body=bug_create(),
        extra_headers={"content-type": "application/vnd.api+json; x=1"},
    )
    assert server.requests[0].headers.get_list("content-type") == ["application/vnd.api+json; x=1"]


async def test_a_resource_method_passes_the_options_on(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    bug = await call(client.bugs.get, "b1", extra_headers={"X-Trace-Id": "t"}, extra_query={"q": "1"})
    assert bug.id == "b1"
    assert server.requests[0].headers["x-trace-id"] == "t"
    assert query(server.requests[0]) == [("q", "1")]


async def test_omit_removes_a_header_even_the_httpx_default(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    await call(
        client._request_raw,
        get_bug,
        "b1",
        extra_headers={"User-Agent": OMIT, "accept-encoding": OMIT, "X-Never-Sent": OMIT},
    )
    sent = server.requests[0].headers
    # httpx would otherwise fill in its own `python-httpx/...` and `gzip, deflate, br, zstd`.
    assert "user-agent" not in sent
    assert "accept-encoding" not in sent
    assert "x-never-sent" not in sent
    assert sent["accept"] == "application/vnd.api+json"
    assert server.sent_headers[0]["x-api-key"] == KEY


# Extra headers refused before anything is sent


@pytest.mark.parametrize("name", ["X-API-KEY", "x-api-key", "X-Api-Key", "x-API-key"])
@pytest.mark.parametrize("value", ["another-key-0123456789", OMIT])
async def test_the_api_key_header_cannot_be_set_or_removed(make_client: Any, name: str, value: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="X-API-KEY"):
        await call(client._request_raw, get_bug, "b1", extra_headers={name: value})
    assert server.calls == 0


@pytest.mark.parametrize("name", ["Host", "content-length", "Transfer-Encoding"])
async def test_host_and_framing_headers_cannot_be_changed(make_client: Any, name: str) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match=f"(?i)cannot set or remove {name}"):
        await call(client._request_raw, get_bug, "b1", extra_headers={name: "evil.example"})
    with pytest.raises(ValueError, match=f"(?i)cannot set or remove {name}"):
        await call(client._request_raw, get_bug, "b1", extra_headers={name: OMIT})
    assert server.calls == 0


@pytest.mark.parametrize(
    "value",
    [
        "v\r\nX-Injected: 1",
        "v\nX-Injected: 1",
        "v\rX-Injected: 1",
        "v\x00w",
        "v\x7fw",
        "caf\u00e9",
        " leading",
        "trailing\t",
    ],
)
async def test_a_header_value_that_could_forge_a_line_is_refused_unrepeated(make_client: Any, value: str) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="visible ASCII") as caught:
        await call(client._request_raw, get_bug, "b1", extra_headers={"X-Note": value})
    assert value not in str(caught.value)
    assert server.calls == 0


async def test_inner_spaces_and_tabs_are_allowed(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", extra_headers={"X-Note": "a b\tc"})
    assert server.requests[0].headers["x-note"] == "a b\tc"


@pytest.mark.parametrize("name", ["", "X Note", "X-Note:", "X-Note\r\nX-Injected", "X\x00", "(x)", "caf\u00e9"])
async def test_a_header_name_that_is_not_a_token_is_refused(make_client: Any, name: str) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="not a valid header name"):
        await call(client._request_raw, get_bug, "b1", extra_headers={name: "v"})
    assert server.calls == 0


async def test_a_header_named_twice_in_different_cases_is_refused(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="twice"):
        await call(client._request_raw, get_bug, "b1", extra_headers={"X-Note": "a", "x-note": OMIT})
    assert server.calls == 0


@pytest.mark.parametrize(
    "extra_headers",
    [
        [("X-Note", "v")],
        "X-Note: v",
        {b"X-Note": "v"},
        {"X-Note": 1},
        {"X-Note": None},
        {"X-Note": b"v"},
        {"X-Note": NOT_GIVEN},
    ],
)
async def test_extra_headers_of_the_wrong_type_are_refused(make_client: Any, extra_headers: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(TypeError, match="extra_headers"):
        await call(client._request_raw, get_bug, "b1", extra_headers=extra_headers)
    assert server.calls == 0


# Extra query parameters


async def test_extra_query_merges_with_overrides_and_removes_the_operations_parameters(make_client: Any) -> None:
    server = Server(respond(200, BUGS))
    client = make_client(server)
    await call(client._request_raw, list_bugs, include="project")
    assert query(server.requests[0]) == [("page[size]", "100"), ("include", "project")]

    await call(
        client._request_raw,
        list_bugs,
        include="project",
        pagenumber=2,
        extra_query={"filter[status]": "open", "include": "assignee", "page[size]": None, "absent": None},
    )
    assert query(server.requests[1]) == [("page[number]", "2"), ("filter[status]", "open"), ("include", "assignee")]


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("open", ["open"]),
        ("", [""]),
        ("a&b=c d", ["a&b=c d"]),
        (3, ["3"]),
        (2.5, ["2.5"]),
        (True, ["true"]),
        (False, ["false"]),
        (["a", 2, True], ["a", "2", "true"]),
        (("x", "y"), ["x", "y"]),
        ([], []),
    ],
)
async def test_extra_query_values_are_sent_as_documented(make_client: Any, value: Any, sent: list[str]) -> None:
    server = Server()
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", extra_query={"v": value})
    assert query(server.requests[0]) == [("v", item) for item in sent]


async def test_query_names_are_sent_as_given(make_client: Any) -> None:
    server = Server(respond(200, BUGS))
    client = make_client(server)
    await call(client._request_raw, list_bugs, extra_query={"filter[status]": "open", "page[size]": 5})
    assert query(server.requests[0]) == [("filter[status]", "open"), ("page[size]", "5")]


@pytest.mark.parametrize(
    "extra_query",
    [
        ["v", "1"],
        "v=1",
        {1: "v"},
        {"v": object()},
        {"v": b"1"},
        {"v": {"nested": 1}},
        {"v": [None]},
        {"v": [["nested"]]},
        {"v": {"a", "b"}},
        {"v": NOT_GIVEN},
        {"v": OMIT},
    ],
)
async def test_extra_query_of_the_wrong_type_is_refused(make_client: Any, extra_query: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(TypeError, match="extra_query"):
        await call(client._request_raw, get_bug, "b1", extra_query=extra_query)
    assert server.calls == 0


@pytest.mark.parametrize("extra_query", [{"v": math.nan}, {"v": math.inf}, {"v": [1.0, -math.inf]}, {"": "v"}])
async def test_non_finite_numbers_and_empty_names_are_refused(make_client: Any, extra_query: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="extra_query"):
        await call(client._request_raw, get_bug, "b1", extra_query=extra_query)
    assert server.calls == 0


# Every attempt and every hop


OPTIONS: dict[str, Any] = {
    "extra_headers": {"X-Trace-Id": "trace-1", "Cookie": "session=s1", "User-Agent": OMIT},
    "extra_query": {"flag": True, "include": "project"},
}


def assert_carries_the_options(server: Server) -> None:
    for request, headers in zip(server.requests, server.sent_headers, strict=True):
        assert request.headers["x-trace-id"] == "trace-1"
        assert request.headers.get_list("cookie") == ["session=s1"]
        assert "user-agent" not in request.headers
        assert headers["x-api-key"] == KEY
        assert dict(query(request)) == {"flag": "true", "include": "project"}
        assert len(query(request)) == 2


async def test_the_options_go_with_every_retry(make_client: Any, sleeps: list[float]) -> None:
    server = Server(respond(503), respond(200, BUG))
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", **OPTIONS)
    assert server.calls == 2
    assert len(sleeps) == 1
    assert_carries_the_options(server)


@pytest.mark.parametrize(
    "location", ["/v1/bugs/b1-moved", "/v1/bugs/b1-moved?flag=false", "/v1/bugs/b1-moved?flag=true&include=project"]
)
async def test_the_options_go_with_every_same_origin_redirect_hop(make_client: Any, location: str) -> None:
    # httpx drops Cookie on a redirect, and the Location's query replaces the one sent: the executor puts them back.
    server = Server(respond(307, headers={"location": location}), respond(200, BUG))
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", **OPTIONS)
    assert [r.url.path for r in server.requests] == ["/v1/bugs/b1", "/v1/bugs/b1-moved"]
    assert_carries_the_options(server)


async def test_a_hop_keeps_the_locations_other_parameters(make_client: Any) -> None:
    server = Server(respond(308, headers={"location": "/v1/bugs/b1-moved?token=t1&flag=0"}), respond(200, BUG))
    client = make_client(server)
    await call(client._request_raw, get_bug, "b1", extra_query={"flag": True, "gone": None})
    assert query(server.requests[1]) == [("token", "t1"), ("flag", "true")]


async def test_the_options_are_not_logged(make_client: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="atono")
    server = Server(respond(503), respond(307, headers={"location": "/v1/bugs/b2"}), respond(200, BUG))
    client = make_client(server)
    await call(
        client._request_raw,
        get_bug,
        "b1",
        extra_headers={"X-Trace-Id": "header-value-4d1e"},
        extra_query={"query-name-8b2c": "query-value-93af"},
    )
    atono_records = [r.getMessage() for r in caplog.records if r.name.startswith("atono")]
    assert any("/bugs/b1" in message for message in atono_records)
    for marker in ("header-value-4d1e", "query-name-8b2c", "query-value-93af", "X-Trace-Id"):
        assert not any(marker in message for message in atono_records)


# Per-call timeout and max_retries


async def test_a_per_call_max_retries_of_zero_raises_after_one_request(make_client: Any) -> None:
    server = Server(respond(503), respond(200, BUG))
    client = make_client(server, max_retries=2)
    with pytest.raises(InternalServerError):
        await call(client._request_raw, get_bug, "b1", max_retries=0)
    assert server.calls == 1


async def test_a_per_call_max_retries_raises_the_clients_budget(make_client: Any) -> None:
    server = Server(respond(503), respond(503), respond(200, BUG))
    client = make_client(server, max_retries=0)
    await call(client._request_raw, get_bug, "b1", max_retries=2)
    assert server.calls == 3


@pytest.mark.parametrize("max_retries", [-1, 1.5, True, "2"])
async def test_a_per_call_max_retries_is_checked(make_client: Any, max_retries: Any) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(ValueError, match="max_retries"):
        await call(client._request_raw, get_bug, "b1", max_retries=max_retries)
    assert server.calls == 0


async def test_a_per_call_timeout_reaches_the_request(make_client: Any) -> None:
    server = Server()
    client = make_client(server, timeout=60.0)
    await call(client._request_raw, get_bug, "b1", timeout=7.5)
    await call(client._request_raw, get_bug, "b1", timeout=httpx.Timeout(3.0, connect=1.0))
    await call(client._request_raw, get_bug, "b1")
    timeouts = [request.extensions["timeout"] for request in server.requests]
    assert timeouts[0] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}
    assert timeouts[1] == {"connect": 1.0, "read": 3.0, "write": 3.0, "pool": 3.0}
    assert timeouts[2] == {"connect": 60.0, "read": 60.0, "write": 60.0, "pool": 60.0}


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (0, ValueError),
        (-1.0, ValueError),
        (math.inf, ValueError),
        (math.nan, ValueError),
        (httpx.Timeout(5.0, read=-1.0), ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
async def test_a_per_call_timeout_is_checked(make_client: Any, timeout: Any, error: type[Exception]) -> None:
    server = Server()
    client = make_client(server)
    with pytest.raises(error, match="timeout"):
        await call(client._request_raw, get_bug, "b1", timeout=timeout)
    assert server.calls == 0
