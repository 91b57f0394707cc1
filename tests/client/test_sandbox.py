"""The client against the sandbox over loopback HTTP: real sockets, real status codes, real faults."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from atono import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncAtono,
    Atono,
    AuthenticationError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimit,
)
from atono.testing import Sandbox
from atono.types import Bug

from tests.helpers import call, collect

AnyClient = Atono | AsyncAtono


async def private_bug_id(client: AnyClient) -> str:
    """A bug of the team that `other_api_key` is not a member of."""
    private = {team.id for team in await collect(client.teams.list()) if not team.is_public}
    bugs = await collect(client.bugs.list())
    return next(bug.id for bug in bugs if bug.team_id in private)


async def any_bug_id(client: AnyClient) -> str:
    (bug,) = await collect(client.bugs.list(page_size=1, limit=1))
    return str(bug.id)


async def test_a_wrong_key_is_an_authentication_error(connect: Callable[..., AnyClient]) -> None:
    client = connect(api_key="not-a-real-key-123")
    with pytest.raises(AuthenticationError) as caught:
        await collect(client.bugs.list())
    assert caught.value.status_code == 401
    assert caught.value.errors and caught.value.errors[0].status == "401"
    assert "ATONO_API_KEY" in str(caught.value)
    assert "not-a-real-key-123" not in str(caught.value)


async def test_the_restricted_key_gets_404_reading_and_403_writing(
    connect: Callable[..., AnyClient], sandbox: Sandbox
) -> None:
    bug_id = await private_bug_id(connect())
    outsider = connect(api_key=sandbox.other_api_key)
    with pytest.raises(NotFoundError) as read:
        await call(outsider.bugs.get, bug_id)
    assert read.value.errors[0].status == "404"
    with pytest.raises(PermissionDeniedError) as write:
        await call(outsider.bugs.update, bug_id, title="Mine now")
    assert "private team" in str(write.value)
    assert sandbox.applied_writes == []


@pytest.mark.atono_sandbox(rate_limit=(5, 1.0))
async def test_the_servers_rate_limit_is_met_with_retries(
    connect: Callable[..., AnyClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = connect()  # the default pacing (3,000 per 5 minutes) does not know this small limit
    caplog.set_level(logging.INFO, logger="atono")
    started = time.monotonic()
    for _ in range(8):
        assert await collect(client.bugs.list(page_size=1, limit=1))
    # The sixth request met a 429 with Retry-After: 1 and waited for it.
    assert any("429; retry 1 of 2 in 1.00 s" in r.getMessage() for r in caplog.records)
    assert time.monotonic() - started >= 1.0


@pytest.mark.atono_sandbox(rate_limit=(5, 0.5))
async def test_pacing_below_the_servers_limit_never_meets_a_429(connect: Callable[..., AnyClient]) -> None:
    client = connect(max_retries=0, rate_limit=RateLimit(5, 0.75))  # any 429 would raise
    started = time.monotonic()
    for _ in range(11):
        await collect(client.bugs.list(page_size=1, limit=1))
    assert time.monotonic() - started >= 1.5


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "504", "reset", "truncate", "html"])
async def test_injected_faults_on_reads_are_retried_to_success(
    connect: Callable[..., AnyClient], sandbox: Sandbox, fault: str
) -> None:
    client = connect()
    bug_id = await any_bug_id(client)
    injection = sandbox.inject(fault, path="/bugs/{bugId}", count=2, retry_after=0)
    bug = await call(client.bugs.get, bug_id)
    assert isinstance(bug, Bug)
    assert bug.id == bug_id
    assert injection.remaining == 0


@pytest.mark.atono_sandbox(stall_seconds=5.0)
async def test_a_stalled_read_times_out_and_is_retried(connect: Callable[..., AnyClient], sandbox: Sandbox) -> None:
    client = connect(timeout=0.3)
    bug_id = await any_bug_id(client)
    sandbox.inject("timeout", path="/bugs/{bugId}")
    started = time.monotonic()
    bug = await call(client.bugs.get, bug_id)
    assert bug.id == bug_id
    assert 0.3 <= time.monotonic() - started < 3.0


async def test_a_fault_beyond_the_budget_is_raised(connect: Callable[..., AnyClient], sandbox: Sandbox) -> None:
    client = connect(max_retries=1)
    bug_id = await any_bug_id(client)
    sandbox.inject("html", path="/bugs/{bugId}", count=2)
    with pytest.raises(InternalServerError, match=r"^502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway$"):
        await call(client.bugs.get, bug_id)


async def test_a_success_with_the_wrong_content_is_a_validation_error(
    connect: Callable[..., AnyClient], sandbox: Sandbox
) -> None:
    client = connect()
    bug_id = await any_bug_id(client)
    sandbox.inject("wrong_content_type", path="/bugs/{bugId}")
    with pytest.raises(APIResponseValidationError) as caught:
        await call(client.bugs.get, bug_id)
    assert caught.value.body == "OK"
    assert (await call(client.bugs.get, bug_id)).id == bug_id


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("502", InternalServerError),
        ("500", InternalServerError),
        ("reset", APIConnectionError),
        ("truncate", APIConnectionError),
    ],
)
async def test_a_write_that_may_have_been_applied_is_never_resent(
    connect: Callable[..., AnyClient], sandbox: Sandbox, fault: str, error: type[Exception]
) -> None:
    client = connect()
    sandbox.inject(fault, path="/bugs", method="POST")
    with pytest.raises(error):
        await call(client.bugs.create, title="Once only")
    writes = [w for w in sandbox.applied_writes if w.method == "POST"]
    assert len(writes) == 1  # the sandbox applied it before failing; the client did not send it again


async def test_a_refused_write_is_resent_and_applied_once(connect: Callable[..., AnyClient], sandbox: Sandbox) -> None:
    client = connect()
    sandbox.inject("429", path="/bugs", method="POST", count=2, retry_after=0)
    bug = await call(client.bugs.create, title="After a 429")
    assert bug.title == "After a 429"
    assert [w.resource_id for w in sandbox.applied_writes] == [bug.id]


@pytest.mark.atono_sandbox(fault_rate=0.3, seed=3)
async def test_a_flaky_api_still_serves_every_read(connect: Callable[..., AnyClient]) -> None:
    client = connect(max_retries=6)
    bug_id = await any_bug_id(client)
    for _ in range(20):
        assert (await call(client.bugs.get, bug_id)).id == bug_id
