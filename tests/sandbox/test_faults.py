"""Fault injection: latency, targeted faults of every kind, the seeded fault rate, and writes that fail late."""

from __future__ import annotations

import asyncio
import re
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest
from atono.testing import FAULT_KINDS, Sandbox

from tests.sandbox.helpers import JSONAPI, error_of

BUG = {"data": {"type": "bug", "attributes": {"title": "Fails late"}}}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(stories=20, bugs=20, users=5, teams=2, flags=2, stall_seconds=1.0) as fresh:
        yield fresh


def test_the_fault_kinds_are_the_documented_ones() -> None:
    assert FAULT_KINDS == (
        "429",
        "500",
        "502",
        "503",
        "504",
        "reset",
        "timeout",
        "truncate",
        "html",
        "wrong_content_type",
        "drip",
        "gzip_bomb",
        "redirect",
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_status_faults_answer_json_api_errors(client: httpx.Client, sandbox: Sandbox, status: int) -> None:
    sandbox.inject(str(status), path="/stories")
    error_of(client.get("/stories"), status)
    assert client.get("/stories").status_code == 200


def test_an_injected_429_carries_retry_after(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject(429, path="/stories", retry_after=7)
    response = client.get("/stories")
    assert error_of(response, 429)["code"] == "rate_limited"
    assert response.headers["retry-after"] == "7"


def test_reset_closes_the_connection_without_a_response(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("reset", path="/stories")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get("/stories")
    assert client.get("/stories").status_code == 200  # the client reconnects


def test_truncate_sends_a_200_head_and_half_a_body(client: httpx.Client, sandbox: Sandbox) -> None:
    complete = client.get("/stories").content
    sandbox.inject("truncate", path="/stories")
    with client.stream("GET", "/stories") as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == JSONAPI
        assert int(response.headers["content-length"]) == len(complete)
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|without sending complete"):
            for chunk in response.iter_raw():
                received += chunk
    assert 0 < len(received) < len(complete)
    assert complete.startswith(bytes(received))


def test_timeout_stalls_past_a_client_read_timeout(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("timeout", path="/stories")
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/stories", timeout=httpx.Timeout(5.0, read=0.3))
    assert 0.3 <= time.monotonic() - started < 1.5


def test_timeout_without_a_client_timeout_ends_in_504(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("timeout", path="/stories")
    started = time.monotonic()
    error_of(client.get("/stories", timeout=None), 504)
    assert time.monotonic() - started >= 1.0  # stall_seconds


def test_html_is_a_502_page(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("html", path="/stories")
    response = client.get("/stories")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<html>")


def test_wrong_content_type_is_a_200_that_is_not_json(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("wrong_content_type", path="/stories")
    response = client.get("/stories")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    with pytest.raises(ValueError):
        response.json()


def test_drip_sends_the_real_answer_a_byte_at_a_time(client: httpx.Client, sandbox: Sandbox) -> None:
    expected = client.get("/stories", params={"page[size]": 1}).content
    sandbox.inject("drip", path="/stories")
    started = time.monotonic()
    with client.stream("GET", "/stories", params={"page[size]": 1}, timeout=0.5) as response:
        chunks = list(response.iter_raw())
    elapsed = time.monotonic() - started
    assert b"".join(chunks) == expected  # every byte, none lost
    assert elapsed >= 1.0 and len(chunks) > 50  # the stall, yet no read waited for the 0.5 s read timeout


def test_gzip_bomb_is_a_small_body_that_inflates_past_any_cap(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("gzip_bomb", path="/stories")
    with client.stream("GET", "/stories") as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(raw) < 200_000
    inflated = zlib.decompressobj(31).decompress(raw, 1 << 20)  # the first MiB only
    assert inflated.startswith(b'{"data": ') and len(inflated) == 1 << 20


def test_redirect_is_a_303_to_the_same_url(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("redirect", path="/stories")
    response = client.get("/stories", params={"page[size]": 2})
    assert response.status_code == 303
    assert response.headers["location"] == "/v1/stories?page%5Bsize%5D=2"
    assert httpx.get(sandbox.origin + response.headers["location"], headers=client.headers).status_code == 200


def test_an_injection_fails_the_next_n_matching_requests(client: httpx.Client, sandbox: Sandbox) -> None:
    injection = sandbox.inject("503", path="/bugs/{bugId}", method="get", count=2)
    bug_id = client.get("/bugs").json()["data"][0]["id"]
    assert client.get("/stories").status_code == 200  # another path
    assert client.get("/bugs").status_code == 200  # not the template
    patch = {"data": {"type": "bug", "id": bug_id}}
    assert client.patch(f"/bugs/{bug_id}", json=patch).status_code == 200  # another method
    assert injection.remaining == 2
    assert client.get(f"/bugs/{bug_id}").status_code == 503
    assert client.get(f"/bugs/{bug_id}").status_code == 503
    assert injection.remaining == 0
    assert client.get(f"/bugs/{bug_id}").status_code == 200


def test_injections_fire_in_order_and_match_any_path_when_none_is_given(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("500")
    sandbox.inject("502", path="/v1/teams")  # a prefixed path matches too
    assert client.get("/teams").status_code == 500
    assert client.get("/users").status_code == 200
    assert client.get("/api/v1/teams".removeprefix("/api/v1")).status_code == 502
    sandbox.inject("503", count=5)
    sandbox.clear_faults()
    assert client.get("/users").status_code == 200


def test_bad_injections_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        sandbox.inject("404")
    with pytest.raises(ValueError, match="count"):
        sandbox.inject("500", count=0)


@pytest.mark.parametrize("fault", [fault for fault in FAULT_KINDS if fault != "429"])
def test_a_write_that_fails_late_was_applied_once(client: httpx.Client, sandbox: Sandbox, fault: str) -> None:
    sandbox.inject(fault, path="/bugs", method="POST")
    try:
        response = client.post("/bugs", json=BUG, timeout=httpx.Timeout(5.0, read=0.2))
        assert response.status_code in {200, 201, 303, 502, 500, 503, 504}
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout):
        pass
    (write,) = sandbox.applied_writes
    assert (write.method, write.resource_type, write.body) == ("POST", "bug", BUG)
    listed = client.get("/bugs").json()
    assert listed["meta"]["count"] == 21
    assert listed["data"][-1]["id"] == write.resource_id


def test_a_write_refused_with_429_was_not_applied(client: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.inject("429", path="/bugs", method="POST")
    error_of(client.post("/bugs", json=BUG), 429)
    assert sandbox.applied_writes == []
    assert client.post("/bugs", json=BUG).status_code == 201
    assert len(sandbox.applied_writes) == 1


def test_latency_delays_every_request_and_concurrent_requests_overlap() -> None:
    async def timed(client: httpx.AsyncClient) -> float:
        started = time.monotonic()
        response = await client.get("/users")
        assert response.status_code == 200
        return time.monotonic() - started

    async def run(sandbox: Sandbox) -> tuple[list[float], float]:
        limits = httpx.Limits(max_connections=10)
        headers = {"X-API-KEY": sandbox.api_key}
        async with httpx.AsyncClient(base_url=sandbox.url, headers=headers, limits=limits) as client:
            started = time.monotonic()
            durations = await asyncio.gather(*(timed(client) for _ in range(8)))
            return list(durations), time.monotonic() - started

    with Sandbox(stories=5, latency_ms=300) as sandbox:
        durations, total = asyncio.run(run(sandbox))
    assert min(durations) >= 0.3
    assert total < 0.3 * 3  # 8 requests in far less than 8 x 300 ms


def outcomes(sandbox: Sandbox, requests: int) -> list[str]:
    """What a client sees for each of `requests` reads (it reconnects after a dropped connection)."""
    seen: list[str] = []
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        for _ in range(requests):
            try:
                response = client.get("/users")
                response.json()
                seen.append(str(response.status_code))
            except httpx.RemoteProtocolError as exc:
                seen.append("truncate" if "complete message body" in str(exc) else "reset")
    return seen


def test_the_fault_rate_draws_a_seeded_mix() -> None:
    with Sandbox(stories=1, fault_rate=0.5, seed=11, rate_limit=None) as first:
        seen = outcomes(first, 60)
    with Sandbox(stories=1, fault_rate=0.5, seed=11, rate_limit=None) as second:
        assert outcomes(second, 60) == seen  # the same seed, the same faults
    with Sandbox(stories=1, fault_rate=0.5, seed=12, rate_limit=None) as other:
        assert outcomes(other, 60) != seen
    assert set(seen) == {"200", "429", "500", "502", "503", "reset", "truncate"}
    assert 15 <= len([s for s in seen if s != "200"]) <= 45


def test_stopping_cuts_a_stalled_request_short() -> None:
    sandbox = Sandbox(stories=1, stall_seconds=60).start()
    sandbox.inject("timeout")
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sandbox.url}/users", headers={"X-API-KEY": sandbox.api_key}, timeout=httpx.Timeout(5.0, read=0.2))
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 1.0


def test_every_answer_carries_a_request_id(sandbox: Sandbox) -> None:
    """Found, not found, unauthenticated, refused by the rate limit and failed by a fault alike."""
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        sandbox.inject("429", path="/bugs", count=1)
        sandbox.inject("503", path="/bugs", count=1)
        sandbox.inject("html", path="/bugs", count=1)
        answers = [client.get("/bugs") for _ in range(4)]
        answers += [client.get("/bugs/missing"), httpx.get(f"{sandbox.url}/bugs"), client.get("/nowhere")]
    assert [r.status_code for r in answers] == [429, 503, 502, 200, 404, 401, 404]
    ids = [r.headers.get_list("x-request-id") for r in answers]
    assert all(len(i) == 1 and re.fullmatch(r"req_[0-9a-f]{16}", i[0]) for i in ids), ids
    assert len({i[0] for i in ids}) == len(ids)


def test_an_injection_can_match_query_parameters(sandbox: Sandbox) -> None:
    """So a test can fail one late page of a walk and leave the others alone."""
    with httpx.Client(base_url=sandbox.url, headers={"X-API-KEY": sandbox.api_key}) as client:
        injection = sandbox.inject("500", path="/stories", query={"page[number]": 3}, count=2)
        pages = {n: client.get("/stories", params={"page[size]": 2, "page[number]": n}).status_code for n in range(5)}
        assert pages == {0: 200, 1: 200, 2: 200, 3: 500, 4: 200}
        assert injection.remaining == 1
        assert client.get("/stories", params={"page[number]": 3, "page[size]": 2}).status_code == 500
        assert client.get("/stories", params={"page[number]": 3, "page[size]": 2}).status_code == 200
