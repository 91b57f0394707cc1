"""Bad arguments fail before any request, with a ValueError or TypeError that names what is wrong.

Each row is one invalid call; the client's transport counts requests, and none may be sent. Both clients run the
table. The API has no writable date-time field today (every date-time attribute is read-only), so there is no
naive-datetime argument to refuse; response date-times without an offset are refused (test_date_times.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from atono import AsyncAtono, Atono
from atono._documents import parse_document

from tests.helpers import Server, call, mock_client

from .figures import record_figure

STAMP = "2024-09-04T22:28:31Z"
USER = parse_document(
    {
        "data": {
            "type": "user",
            "id": "u1",
            "attributes": {"email": "a@b.c", "fullName": "A", "createdAt": STAMP, "updatedAt": STAMP},
        }
    },
    many=False,
).data[0]
TEAM = parse_document(
    {"data": {"type": "team", "id": "t1", "attributes": {"name": "T", "createdAt": STAMP, "updatedAt": STAMP}}},
    many=False,
).data[0]

Client = Atono | AsyncAtono
BAD_CALLS: list[tuple[str, Callable[[Client], Any], type[Exception], str]] = [
    ("page_size=0", lambda c: c.bugs.list(page_size=0), ValueError, "page_size"),
    ("page_size=101", lambda c: c.stories.list(page_size=101), ValueError, "page_size"),
    ("page_size=-1", lambda c: c.teams.list(page_size=-1), ValueError, "page_size"),
    ('page_size="10"', lambda c: c.users.list(page_size="10"), TypeError, "page_size"),
    ("page_size=True", lambda c: c.flags.list(page_size=True), TypeError, "page_size"),
    ("page_size=10.0", lambda c: c.bugs.list(page_size=10.0), TypeError, "page_size"),
    ("limit=-1", lambda c: c.bugs.list(limit=-1), ValueError, "limit"),
    ('limit="5"', lambda c: c.bugs.list(limit="5"), TypeError, "limit"),
    ("read_ahead=0", lambda c: c.stories.list(read_ahead=0), ValueError, "read_ahead"),
    ('strategy="cursor"', lambda c: c.stories.list(strategy="cursor"), ValueError, "strategy"),
    ("unknown paging keyword pagesize=", lambda c: c.bugs.list(pagesize=10), TypeError, "pagesize"),
    ('include=["epic"]', lambda c: c.bugs.list(include=["epic"]), ValueError, "epic"),
    ('include="team" (a str)', lambda c: c.bugs.get("b1", include="team"), TypeError, "include"),
    ("include=[5]", lambda c: c.teams.get("t1", include=[5]), TypeError, "include"),
    ('get("")', lambda c: c.bugs.get(""), ValueError, "bug_id"),
    ('get("b1/../teams")', lambda c: c.bugs.get("b1/../teams"), ValueError, "bug_id"),
    ('get("b1?x=1")', lambda c: c.stories.get("b1?x=1"), ValueError, "story_id"),
    ('get(" b1")', lambda c: c.users.get(" b1"), ValueError, "user_id"),
    ("get(None)", lambda c: c.bugs.get(None), TypeError, "bug_id"),
    ("get(123)", lambda c: c.flags.get(123), TypeError, "flag_id_or_key"),
    ("bugs.get(a User object)", lambda c: c.bugs.get(USER), TypeError, "bug_id"),
    ('delete("")', lambda c: c.bugs.delete(""), ValueError, "bug_id"),
    ('members("t/1")', lambda c: c.teams.members("t/1"), ValueError, "team_id"),
    ("title=5", lambda c: c.bugs.create(title=5), TypeError, "title"),
    ("title=None", lambda c: c.stories.create(title=None), TypeError, "title"),
    ("title=b'bytes'", lambda c: c.bugs.update("b1", title=b"x"), TypeError, "title"),
    ("content chunk without type", lambda c: c.bugs.create(title="t", content=[{"value": "x"}]), ValueError, "type"),
    (
        "content chunk of unknown type",
        lambda c: c.bugs.create(title="t", content=[{"type": "VIDEO", "value": "x"}]),
        ValueError,
        "VIDEO",
    ),
    ('content="text" (not a list)', lambda c: c.stories.create(title="t", content="text"), TypeError, "content"),
    ("content=[5]", lambda c: c.bugs.create(title="t", content=[5]), TypeError, "content[0]"),
    ("unknown keyword severity=", lambda c: c.bugs.create(title="t", severity="high"), TypeError, "severity"),
    ("assignee=a Team object", lambda c: c.bugs.create(title="t", assignee=TEAM), TypeError, "assignee"),
    ('assignee=""', lambda c: c.bugs.create(title="t", assignee=""), ValueError, "assignee"),
    ("assignee=5", lambda c: c.bugs.update("b1", assignee=5), TypeError, "assignee"),
    ("reporter=None (cannot be cleared)", lambda c: c.bugs.update("b1", reporter=None), ValueError, "reporter"),
    ('members="u1" (not a list)', lambda c: c.teams.create(name="T", members="u1"), TypeError, "members"),
    ("members=[a Team object]", lambda c: c.teams.update("t1", members=[TEAM]), TypeError, "members"),
    ('is_public="yes"', lambda c: c.teams.update("t1", is_public="yes"), TypeError, "is_public"),
    ("email=5", lambda c: c.users.create(email=5, full_name="A"), TypeError, "email"),
    ("full_name=None", lambda c: c.users.update("u1", full_name=None), TypeError, "full_name"),
    ('workflow_steps.get("")', lambda c: c.workflow_steps.get(""), ValueError, "workflow_step_id"),
    # Dot segments, which URL normalisation would remove: the request would leave the resource's endpoint.
    ('delete("..")', lambda c: c.bugs.delete(".."), ValueError, "dot segment"),
    ('delete(".")', lambda c: c.stories.delete("."), ValueError, "dot segment"),
    ('get("%2e%2e")', lambda c: c.bugs.get("%2e%2e"), ValueError, "dot segment"),
    ('get(".%2E")', lambda c: c.users.get(".%2E"), ValueError, "dot segment"),
    ('get("%252e") (encoded twice)', lambda c: c.teams.get("%252e"), ValueError, "dot segment"),
    ('members("..")', lambda c: c.teams.members(".."), ValueError, "team_id"),
    ('assignee=".."', lambda c: c.bugs.create(title="t", assignee=".."), ValueError, "assignee"),
    ("get(100,000-character id)", lambda c: c.bugs.get("b" * 100_000), ValueError, "at most 1024 characters"),
    ('get("b1\\x00")', lambda c: c.bugs.get("b1\x00"), ValueError, "control character"),
    ('get("a\\\\b")', lambda c: c.bugs.get("a\\b"), ValueError, "URL delimiter"),
    # A dict is iterable: its keys must not be sent as the list.
    ("content={...} (a dict)", lambda c: c.bugs.create(title="t", content={"x": 1}), TypeError, "content"),
    ("members={...} (a dict)", lambda c: c.teams.create(name="T", members={"u1": 1}), TypeError, "members"),
    ('include={"team": 1} (a dict)', lambda c: c.bugs.get("b1", include={"team": 1}), TypeError, "include"),
]
REJECTED: set[tuple[str, str]] = set()


@pytest.mark.parametrize(("label", "bad_call", "error", "names"), BAD_CALLS, ids=[row[0] for row in BAD_CALLS])
async def test_a_bad_call_fails_before_any_request(
    flavor: str, label: str, bad_call: Callable[[Client], Any], error: type[Exception], names: str
) -> None:
    recorder = Server()
    client = mock_client(flavor, recorder)
    with pytest.raises(error) as caught:
        await call(bad_call, client)
    assert type(caught.value) is error, repr(caught.value)  # exactly ValueError or TypeError, no subclass surprise
    assert names in str(caught.value), str(caught.value)  # the message names what is wrong
    assert recorder.requests == []
    REJECTED.add((flavor, label))
    record_figure("bad inputs rejected before any request (rows x clients)", f"{len(REJECTED)} of {2 * len(BAD_CALLS)}")


@pytest.mark.parametrize("hostile_id", ["..", ".", "%2E%2e", "b" * 5000])
async def test_an_object_whose_id_came_from_a_server_is_checked_too(flavor: str, hostile_id: str) -> None:
    attributes = {"title": "t", "handle": "BUG-1", "createdAt": STAMP, "updatedAt": STAMP}

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"type": "bug", "id": hostile_id, "attributes": attributes}})

    recorder = Server(respond)
    client = mock_client(flavor, recorder)
    bug = await call(client.bugs.get, "b1")
    with pytest.raises(ValueError, match="the id of the object given as bug_id"):
        await call(client.bugs.delete, bug)
    with pytest.raises(ValueError, match="assignee"):
        await call(
            client.bugs.update,
            "b1",
            assignee=parse_document(
                {"data": {"type": "user", "id": hostile_id, "attributes": USER.to_dict()["attributes"]}}, many=False
            ).data[0],
        )
    assert [r.method for r in recorder.requests] == ["GET"]  # the delete and the update were never sent
