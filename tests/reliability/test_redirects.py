"""A redirect never rewrites a call: one that would change the method (and drop the body) is an error.

httpx follows 301/302/303 by resending a POST (and, for 302/303, a PATCH or DELETE) as a GET without its body, as
browsers do; `update()` would then return the unchanged resource as if it had been changed. From a real server on
127.0.0.1: such a redirect raises `APIStatusError` after one request, while 307 and 308 keep method and body.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import pytest
from atono import APIStatusError, AsyncAtono, Atono

from tests.helpers import KEY, call, no_wait_policy

from .rawserver import Received, answer, raw_server

STAMP = "2024-09-04T22:28:31Z"


def bug_body(title: str = "t") -> bytes:
    attributes = {"title": title, "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP}
    return json.dumps({"data": {"type": "bug", "id": "b1", "attributes": attributes}}).encode()


def redirecting(status: int) -> Callable[[Received, socket.socket], None]:
    """Redirect every request under /v1/bugs to /v1/moved/..., which answers with a bug."""

    def handler(request: Received, conn: socket.socket) -> None:
        if request.target.startswith("/v1/moved/"):
            title = json.loads(request.body)["data"]["attributes"]["title"] if request.body else "t"
            conn.sendall(answer(204) if request.method == "DELETE" else answer(200, bug_body(title)))
            return
        location = request.target.replace("/v1/", "/v1/moved/", 1)
        conn.sendall(answer(status, b"", {"Location": location}))

    return handler


def make(flavor: str, url: str) -> Atono | AsyncAtono:
    cls = Atono if flavor == "sync" else AsyncAtono
    client = cls(api_key=KEY, base_url=url + "/v1", rate_limit=None)
    client._retry_policy = no_wait_policy()
    return client


WRITES: dict[str, Callable[[Any], Any]] = {
    "create (POST)": lambda c: c.bugs.create(title="new"),
    "update (PATCH)": lambda c: c.bugs.update("b1", title="new"),
    "delete (DELETE)": lambda c: c.bugs.delete("b1"),
}
# (status, call) pairs where httpx would change the method: 301 changes POST only; 302 and 303 change all but HEAD.
REWRITING = [(301, "create (POST)")] + [(s, name) for s in (302, 303) for name in WRITES]


@pytest.mark.parametrize(("status", "name"), REWRITING, ids=[f"{s} {n}" for s, n in REWRITING])
async def test_a_redirect_that_would_change_the_method_raises_after_one_request(
    flavor: str, status: int, name: str
) -> None:
    with raw_server(redirecting(status)) as server:
        client = make(flavor, server.url)
        with pytest.raises(APIStatusError) as caught:
            await call(WRITES[name], client)
        await call(client.close)
    assert caught.value.status_code == status
    assert "only 307 and 308 redirects keep the method" in str(caught.value)
    assert [r.method for r in server.received] == [name.split("(")[1].rstrip(")")]  # sent once, never as a GET


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("name", WRITES)
async def test_307_and_308_resend_the_same_method_and_body(flavor: str, status: int, name: str) -> None:
    with raw_server(redirecting(status)) as server:
        client = make(flavor, server.url)
        result = await call(WRITES[name], client)
        await call(client.close)
    first, second = server.received
    assert second.method == first.method and second.body == first.body
    assert second.target == first.target.replace("/v1/", "/v1/moved/", 1)
    if name != "delete (DELETE)":
        assert result.title == "new"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_read_follows_a_same_origin_redirect(flavor: str, status: int) -> None:
    with raw_server(redirecting(status)) as server:
        client = make(flavor, server.url)
        bug = await call(client.bugs.get, "b1")
        await call(client.close)
    assert bug.id == "b1"
    assert [r.method for r in server.received] == ["GET", "GET"]
