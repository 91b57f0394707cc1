"""The options users steer a client by: `retry_policy` (client, `with_options`, per call; `max_retries=` wins),
`default_headers` with the user's own User-Agent kept, and `with_options` taking every constructor option."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from atono import OMIT, AsyncAtono, Atono, InternalServerError, RateLimit, RateLimitError, RetryPolicy
from atono._config import USER_AGENT
from atono_api.api.bugs import create_bug

from tests.helpers import BASE_URL, BUG, KEY, Server, bug_create, call, close, respond


def recording(sleeps: list[float], **fields: Any) -> RetryPolicy:
    """A policy with `fields` whose pauses are recorded, not slept, and whose jitter draw is fixed at the top."""

    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return RetryPolicy(sleep=sleeps.append, async_sleep=async_sleep, random=lambda: 1.0, **fields)


def build(flavor: str, server: Server, http_headers: dict[str, str] | None = None, **options: Any) -> Any:
    """A client of `flavor` over a mock transport, configured by `options` as a user would (no private fields)."""
    transport = httpx.MockTransport(server)
    options.setdefault("api_key", KEY)
    options.setdefault("base_url", BASE_URL)
    if flavor == "sync":
        return Atono(http_client=httpx.Client(transport=transport, headers=http_headers), **options)
    return AsyncAtono(http_client=httpx.AsyncClient(transport=transport, headers=http_headers), **options)


# RetryPolicy


def test_retry_policy_defaults_and_408_decision() -> None:
    policy = RetryPolicy()
    assert (policy.max_retries, policy.initial_delay, policy.max_delay, policy.jitter, policy.max_retry_after) == (
        2,
        0.5,
        8.0,
        0.5,
        60.0,
    )
    assert policy.retry_statuses == frozenset({408, 429, 500, 502, 503, 504})


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"max_retries": -1}, ValueError, "max_retries must be an integer >= 0"),
        ({"max_retries": True}, ValueError, "max_retries"),
        ({"initial_delay": -0.1}, ValueError, "initial_delay must be a finite number of seconds >= 0"),
        ({"max_delay": float("inf")}, ValueError, "max_delay"),
        ({"max_retry_after": "60"}, TypeError, "max_retry_after must be a number of seconds"),
        ({"jitter": 1.5}, ValueError, "jitter must be a number between 0 and 1"),
        ({"retry_statuses": {200}}, ValueError, "only error statuses (400-599)"),
        ({"retry_statuses": 503}, TypeError, "a collection of status codes"),
    ],
)
def test_retry_policy_refuses_bad_fields(fields: dict[str, Any], error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        RetryPolicy(**fields)


async def test_client_retry_policy_sets_backoff_and_budget(flavor: str) -> None:
    sleeps: list[float] = []
    server = Server(respond(503))
    client = build(flavor, server, retry_policy=recording(sleeps, max_retries=3, initial_delay=0.2, max_delay=0.5))
    assert client.max_retries == 3 and client.retry_policy.initial_delay == 0.2
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1")
    assert server.calls == 4
    assert sleeps == [0.2, 0.4, 0.5]
    await close(client)


async def test_jitter_is_the_random_share_of_each_pause(flavor: str) -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(
        sleep=sleeps.append, async_sleep=_record(sleeps), random=lambda: 0.0, jitter=1.0, initial_delay=1.0
    )
    client = build(flavor, Server(respond(503), respond(200, BUG)), retry_policy=policy)
    await call(client.bugs.get, "b1")
    assert sleeps == [0.0]  # jitter 1: anywhere from 0 to the full pause; the draw was 0
    await close(client)


def _record(sleeps: list[float]) -> Any:
    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return async_sleep


async def test_an_explicit_max_retries_wins_over_the_policys(flavor: str) -> None:
    server = Server(respond(503))
    client = build(flavor, server, max_retries=0, retry_policy=recording([], max_retries=5))
    assert client.max_retries == 0
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1")
    assert server.calls == 1
    server.requests.clear()
    with pytest.raises(InternalServerError):  # per call too: max_retries= beats the call's policy
        await call(client.bugs.get, "b1", retry_policy=recording([], max_retries=4), max_retries=1)
    assert server.calls == 2
    await close(client)


async def test_a_per_call_policy_applies_to_that_call_only(flavor: str) -> None:
    sleeps: list[float] = []
    server = Server(respond(503))
    client = build(flavor, server, retry_policy=recording(sleeps, max_retries=0))
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1", retry_policy=recording(sleeps, max_retries=2, initial_delay=0.05))
    assert server.calls == 3 and sleeps == [0.05, 0.1]
    with pytest.raises(InternalServerError):
        await call(client.bugs.get, "b1")
    assert server.calls == 4
    with pytest.raises(TypeError, match=r"retry_policy must be an atono\.RetryPolicy"):
        await call(client.bugs.get, "b1", retry_policy={"max_retries": 1})
    assert server.calls == 4
    await close(client)


async def test_retry_statuses_choose_what_reads_retry(flavor: str) -> None:
    server = Server(respond(503), respond(409), respond(200, BUG))
    client = build(flavor, server, retry_policy=recording([], retry_statuses={409}))
    with pytest.raises(InternalServerError):  # 503 is no longer in the list
        await call(client.bugs.get, "b1")
    assert server.calls == 1
    bug = await call(client.bugs.get, "b1")  # 409 now is: answered by a resend
    assert bug.id == "b1" and server.calls == 3
    await close(client)


async def test_no_retry_statuses_make_a_write_be_resent_after_it_may_have_been_applied(flavor: str) -> None:
    server = Server(respond(500), respond(201, BUG))
    policy = recording([], max_retries=5, retry_statuses={408, 429, 500, 502, 503, 504, 409})
    client = build(flavor, server, retry_policy=policy)
    with pytest.raises(InternalServerError):
        await call(client._request_raw, create_bug, body=bug_create())
    assert server.calls == 1  # a 500 may follow an applied write: never resent
    await close(client)


async def test_max_retry_after_is_the_longest_pause_waited_out(flavor: str) -> None:
    sleeps: list[float] = []
    refused = respond(429, headers={"Retry-After": "30"})
    server = Server(refused, refused, respond(200, BUG))
    client = build(flavor, server, retry_policy=recording(sleeps, max_retry_after=10))
    with pytest.raises(RateLimitError) as caught:
        await call(client.bugs.get, "b1")
    assert caught.value.retry_after == 30.0 and server.calls == 1 and sleeps == []
    await call(client.bugs.get, "b1", retry_policy=recording(sleeps, max_retry_after=60))
    assert sleeps == [30.0] and server.calls == 3
    await close(client)


# default_headers and the User-Agent


async def test_default_headers_go_with_every_call_under_the_calls_own(flavor: str) -> None:
    server = Server(respond(200, BUG))
    client = build(flavor, server, default_headers={"X-Team": "billing", "Accept-Encoding": OMIT, "X-Over": "client"})
    await call(client.bugs.get, "b1", extra_headers={"x-over": "call"})
    sent = server.requests[0].headers
    assert sent["x-team"] == "billing"
    assert sent.get_list("x-over") == ["call"]
    assert "accept-encoding" not in sent
    assert sent["user-agent"] == USER_AGENT
    await close(client)


async def test_a_user_agent_in_default_headers_is_kept_with_the_sdks_token_appended(flavor: str) -> None:
    server = Server(respond(200, BUG))
    client = build(flavor, server, default_headers={"user-agent": "billing-sync/3.1"})
    await call(client.bugs.get, "b1")
    assert server.requests[0].headers.get_list("user-agent") == [f"billing-sync/3.1 {USER_AGENT}"]
    await close(client)


async def test_a_user_agent_on_the_users_own_http_client_is_kept_too(flavor: str) -> None:
    server = Server(respond(200, BUG))
    client = build(flavor, server, http_headers={"User-Agent": "ops-bot/2 (+ops@example.com)"})
    await call(client.bugs.get, "b1")
    assert server.requests[0].headers.get_list("user-agent") == [f"ops-bot/2 (+ops@example.com) {USER_AGENT}"]
    await close(client)


async def test_omit_in_default_headers_sends_no_user_agent_at_all(flavor: str) -> None:
    server = Server(respond(200, BUG))
    client = build(flavor, server, default_headers={"User-Agent": OMIT})
    await call(client.bugs.get, "b1")
    assert "user-agent" not in server.requests[0].headers  # neither the SDK's nor httpx's own
    await call(client.bugs.get, "b1", extra_headers={"User-Agent": "probe/1"})
    assert server.requests[1].headers.get_list("user-agent") == ["probe/1"]
    await close(client)


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"X-API-KEY": "other"}, "default_headers cannot set or remove X-API-KEY"),
        ({"Host": "evil.example"}, "default_headers cannot set or remove Host"),
        ({"X-Bad": "a\r\nInjected: 1"}, r"default_headers\['X-Bad'\] must be visible ASCII"),
    ],
)
def test_default_headers_are_checked_at_construction(headers: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Atono(api_key=KEY, default_headers=headers)


# with_options


async def test_with_options_takes_every_constructor_option(flavor: str) -> None:
    server = Server(respond(200, BUG))
    client = build(flavor, server, default_headers={"X-Team": "billing"})
    policy = recording([], max_retries=4)
    copy = client.with_options(
        api_key="other-key-9",
        base_url=BASE_URL + "/",
        timeout=3.0,
        retry_policy=policy,
        default_headers={"X-Run": "nightly"},
        rate_limit=RateLimit(10, 1.0),
    )
    assert (copy.timeout, copy.max_retries, copy.rate_limit) == (3.0, 4, RateLimit(10, 1.0))
    assert copy.default_headers == {"X-Team": "billing", "X-Run": "nightly"}
    assert copy._limiter is not client._limiter and copy._http is client._http
    await call(copy.bugs.get, "b1")
    sent = server.sent_headers[0]
    assert (sent["x-api-key"], sent["x-team"], sent["x-run"]) == ("other-key-9", "billing", "nightly")
    assert server.requests[0].extensions["timeout"]["read"] == 3.0
    assert copy.with_options(max_retries=1, retry_policy=policy).max_retries == 1
    assert copy.with_options(rate_limit=None).rate_limit is None
    await close(client)


async def test_with_options_shares_the_pool_only_within_the_origin(flavor: str) -> None:
    client: Any = Atono(api_key=KEY) if flavor == "sync" else AsyncAtono(api_key=KEY)
    same = client.with_options(base_url="https://api.atono.io/v2")
    other = client.with_options(base_url="https://eu.atono.example/v1")
    assert same._http is client._http and same._limiter is client._limiter
    assert other._http is not client._http and other._owns_http
    assert other._limiter is not client._limiter and other.rate_limit == client.rate_limit
    await close(other)
    assert not client._http.is_closed  # the copy for another origin closed its own pool only
    await close(client)
