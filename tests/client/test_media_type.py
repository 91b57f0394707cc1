"""The media type of request bodies: the documented `application/json`, and after a 415 one resend as JSON:API's
`application/vnd.api+json`, kept for the client's life.

Against sandboxes started strict either way, over loopback HTTP, sync and async; the answers no sandbox gives (a
415 to both types, a 415 to a read) over mock transports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from atono import APIStatusError, AsyncAtono, Atono
from atono.testing import Sandbox

from tests.helpers import BUG, AnyClient, Server, call, close, respond

JSON = "application/json"
JSONAPI = "application/vnd.api+json"

REFUSED = respond(415, {"errors": [{"status": "415", "code": "unsupported_media_type"}]})


@pytest.fixture(scope="module", params=[JSON, JSONAPI])
def strict(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A sandbox that takes request bodies of one media type only."""
    with Sandbox(stories=5, bugs=5, users=4, teams=2, flags=1, seed=3, strict_media_type=request.param) as sb:
        yield sb


def _sandbox_client(flavor: str, sandbox: Sandbox, content_types: list[str | None]) -> AnyClient:
    """A client of `sandbox` that records the Content-Type of every request it sends."""

    def record(request: httpx.Request) -> None:
        content_types.append(request.headers.get("content-type"))

    async def arecord(request: httpx.Request) -> None:
        record(request)

    if flavor == "sync":
        return Atono(
            api_key=sandbox.api_key, base_url=sandbox.url, http_client=httpx.Client(event_hooks={"request": [record]})
        )
    return AsyncAtono(
        api_key=sandbox.api_key, base_url=sandbox.url, http_client=httpx.AsyncClient(event_hooks={"request": [arecord]})
    )


async def _close(client: AnyClient) -> None:
    await close(client)
    await call(client._http.aclose if isinstance(client, AsyncAtono) else client._http.close)


async def test_writes_reach_a_strict_sandbox_of_either_type_and_are_applied_once(flavor: str, strict: Sandbox) -> None:
    content_types: list[str | None] = []
    client = _sandbox_client(flavor, strict, content_types)
    writes = len(strict.applied_writes)
    try:
        bug = await call(client.bugs.create, title="Sent as the server takes it")
        assert bug.title == "Sent as the server takes it"
        if strict.strict_media_type == JSON:
            assert content_types == [JSON], "the documented type is sent first, and taken"
        else:
            assert content_types == [JSON, JSONAPI], "refused with 415 as JSON, sent once more as JSON:API's type"
        assert len(strict.applied_writes) == writes + 1
        assert strict.applied_writes[-1].resource_id == bug.id

        # What worked is kept: later writes, and those of a copy with other options, go straight out as it.
        content_types.clear()
        await call(client.bugs.update, bug, title="Again")
        await call(client.with_options(max_retries=0).bugs.update, bug.id, title="And again")
        assert content_types == [strict.strict_media_type] * 2
        assert len(strict.applied_writes) == writes + 3
        assert (await call(client.bugs.get, bug.id)).title == "And again"
    finally:
        await _close(client)


def test_a_strict_sandbox_refuses_the_other_type_before_applying_it(strict: Sandbox) -> None:
    other = JSONAPI if strict.strict_media_type == JSON else JSON
    writes = len(strict.applied_writes)
    response = httpx.post(
        f"{strict.url}/bugs",
        json={"data": {"type": "bug", "attributes": {"title": "Refused"}}},
        headers={"X-API-KEY": strict.api_key, "Content-Type": other},
    )
    assert response.status_code == 415
    assert strict.strict_media_type in response.json()["errors"][0]["detail"]
    assert len(strict.applied_writes) == writes


def test_a_sandbox_cannot_be_strict_about_a_type_that_is_not_json() -> None:
    with pytest.raises(ValueError, match="strict_media_type"):
        Sandbox(strict_media_type="text/plain")


async def test_a_415_to_both_types_is_the_error_after_two_requests(make_client: Callable[..., AnyClient]) -> None:
    server = Server(REFUSED)
    client = make_client(server, max_retries=2)
    with pytest.raises(APIStatusError) as raised:
        await call(client.bugs.update, "b1", title="x")
    assert raised.value.status_code == 415
    assert JSON in str(raised.value) and JSONAPI in str(raised.value)
    assert [h["content-type"] for h in server.sent_headers] == [JSON, JSONAPI]
    # Neither type worked, so the next write starts again with the documented one.
    with pytest.raises(APIStatusError):
        await call(client.bugs.update, "b1", title="x")
    assert [h["content-type"] for h in server.sent_headers[2:]] == [JSON, JSONAPI]
    await close(client)


async def test_a_415_to_a_read_is_not_resent(make_client: Callable[..., AnyClient]) -> None:
    server = Server(REFUSED)
    client = make_client(server, max_retries=2)
    with pytest.raises(APIStatusError) as raised:
        await call(client.bugs.get, "b1")
    assert raised.value.status_code == 415 and server.calls == 1
    await close(client)


async def test_a_content_type_the_caller_gives_is_sent_as_given_and_never_changed(
    make_client: Callable[..., AnyClient],
) -> None:
    server = Server(REFUSED)
    client = make_client(server)
    with pytest.raises(APIStatusError):
        await call(client.bugs.create, title="x", extra_headers={"content-type": JSONAPI + "; ext=foo"})
    assert [h["content-type"] for h in server.sent_headers] == [JSONAPI + "; ext=foo"]
    await close(client)


async def test_the_fallback_is_kept_only_once_the_server_took_it(make_client: Callable[..., AnyClient]) -> None:
    """A 5xx to the resent body does not show the type was taken; the next call starts from the documented one."""
    server = Server(REFUSED, respond(503), REFUSED, respond(201, BUG), respond(201, BUG))
    client = make_client(server, max_retries=0)
    with pytest.raises(APIStatusError) as raised:
        await call(client.bugs.create, title="x")
    assert raised.value.status_code == 503
    await call(client.bugs.create, title="x")
    await call(client.bugs.create, title="x")
    assert [h["content-type"] for h in server.sent_headers] == [JSON, JSONAPI, JSON, JSONAPI, JSONAPI]
    await close(client)
