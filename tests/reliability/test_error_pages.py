"""Turning an error body into a message takes time linear in a bounded prefix of it, whatever the body.

The bodies are the ones that made the old regexes quadratic (a 200 kB run of `<` took about 30 s of CPU and, in
`AsyncAtono`, blocked the event loop as long) and the ones that would make a careless replacement so: many
blocks, unclosed blocks, huge `errors` arrays and details, text whose lowercase has another length. Each runs
under a CPU budget that interrupts it, so a regression fails in about a second instead of running for hours.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from atono import APIStatusError, AsyncAtono, InternalServerError, _exceptions
from atono._exceptions import make_status_error

from tests.helpers import mock_client

from .figures import record_figure

CPU_BUDGET = 1.0  # seconds: a bound against quadratic blowup, not a benchmark
MAX_MESSAGE = 400

HTML = "text/html; charset=utf-8"
JSON = "application/vnd.api+json"
KB200 = 200_000
MB2 = 2_000_000
MB5 = 5_000_000


@contextmanager
def cpu_budget(seconds: float = CPU_BUDGET) -> Iterator[None]:
    """Fail the test once the block has used `seconds` of CPU; the regex engine checks for signals, so it stops."""

    def expired(signum: int, frame: object) -> None:
        pytest.fail(f"building the message used more than {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def repeat(unit: str, size: int) -> bytes:
    return (unit * (size // len(unit))).encode()


def errors_body(errors: list[Any]) -> bytes:
    return json.dumps({"errors": errors}).encode()


# (content, content-type), built when the test runs so that collection stays light.
BODIES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "lt-200k": lambda: (b"<" * KB200, HTML),
    "lt-2M": lambda: (b"<" * MB2, HTML),
    "lt-2M-untyped": lambda: (b"<" * MB2, "application/octet-stream"),
    "open-script-200k": lambda: (repeat("<script", KB200), HTML),
    "open-script-2M": lambda: (repeat("<script", MB2), HTML),
    "open-style-upper-2M": lambda: (repeat("<STYLE ", MB2), HTML),
    "a-tags-2M": lambda: (repeat("<a", MB2), HTML),
    "nested-2M": lambda: (repeat("<<<>>>", MB2), HTML),
    "script-blocks-2M": lambda: (repeat("<script>x</script>", MB2), HTML),
    "unfinished-closing-tags-2M": lambda: (b"<style>" + repeat("</style   ", MB2), HTML),
    "lower-changes-length-2M": lambda: (repeat("İ<sCrIpt>\u017f\u212a</scrİpt>İ<", MB2), HTML),
    "text-2M": lambda: (repeat("upstream failed ", MB2), "text/plain"),
    "whitespace-2M": lambda: (repeat(" \r\n\t", MB2), "text/plain"),
    "errors-distinct-5M": lambda: (errors_body([{"detail": f"field {i} is invalid"} for i in range(MB5 // 35)]), JSON),
    "errors-same-5M": lambda: (errors_body([{"detail": "Title is required."}] * (MB5 // 30)), JSON),
    "errors-without-reasons-5M": lambda: (errors_body([{}] * (MB5 // 4)), JSON),
    "errors-not-objects-5M": lambda: (errors_body([0] * (MB5 // 3)), JSON),
    "detail-5M": lambda: (errors_body([{"detail": "d" * MB5, "title": "t" * MB5}]), JSON),
    "json-without-errors-5M": lambda: (json.dumps({"message": "m " * (MB5 // 2)}).encode(), JSON),
}


def error_response(status: int, content: bytes, content_type: str) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": content_type},
        content=content,
        request=httpx.Request("GET", "https://api.atono.test/v1/bugs"),
    )


@pytest.mark.parametrize("name", list(BODIES))
def test_any_body_becomes_a_short_message_in_linear_time(name: str) -> None:
    content, content_type = BODIES[name]()
    response = error_response(502, content, content_type)
    with cpu_budget():
        started = time.process_time()
        error = make_status_error(response)
        used = time.process_time() - started
    assert isinstance(error, InternalServerError)
    assert used < CPU_BUDGET
    assert str(error).startswith("502 Bad Gateway: ")
    assert len(str(error)) <= MAX_MESSAGE
    assert error.message == str(error)
    if name == "lt-200k":
        record_figure("CPU to describe a 200 kB body of '<'", f"{used * 1000:.1f} ms")


def test_a_huge_errors_array_keeps_the_body_whole_and_the_errors_bounded() -> None:
    errors = [{"detail": f"field {i} is invalid"} for i in range(100_000)]
    with cpu_budget():
        error = make_status_error(error_response(422, errors_body(errors), JSON))
    assert isinstance(error.body, dict) and len(error.body["errors"]) == 100_000
    assert 0 < len(error.errors) <= 1000
    assert error.errors[0].detail == "field 0 is invalid"
    assert str(error).startswith("422 Unprocessable Entity: field 0 is invalid; field 1 is invalid; ")
    assert str(error).endswith("…")


def test_repeated_and_long_reasons_are_joined_once_and_cut() -> None:
    body = errors_body([{"detail": "Title is required."}] * 500 + [{"title": "Bad team"}, {"code": "E77"}])
    assert str(make_status_error(error_response(422, body, JSON))) == (
        "422 Unprocessable Entity: Title is required.; Bad team; E77"
    )
    long = errors_body([{"detail": "x" * 10_000}, {"detail": "y"}])
    message = str(make_status_error(error_response(422, long, JSON)))
    assert message == "422 Unprocessable Entity: " + "x" * 299 + "…"


def test_errors_without_reasons_fall_back_to_the_body_text() -> None:
    body = b'{"errors": [{"status": "404"}]}'
    assert str(make_status_error(error_response(404, body, JSON))) == "404 Not Found: " + body.decode()


def test_an_error_page_still_reads_as_its_words() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>502 Bad Gateway</title>"
        "<style type='text/css'>body { color: red }</style>"
        "<SCRIPT>var secret = '<h1>not text</h1>';</SCRIPT >"
        "<Style>" + "p { margin: 0 }\n" * 2000 + "</STYLE>"  # 32 kB of inline style before the words
        "</head><body><h1>Bad   Gateway</h1><p>The upstream <b>server</b> failed.</p>"
        "<script src='x.js'></script><script>track()</script></body></html>"
    )
    message = str(make_status_error(error_response(502, page.encode(), HTML)))
    assert message == "502 Bad Gateway: 502 Bad Gateway Bad Gateway The upstream server failed."


def test_text_whose_lowercase_is_longer_is_cut_at_the_right_places() -> None:
    # "İ".lower() is two characters: positions found in a lowered copy would cut this text in the wrong places.
    page = "<p>" + "İ" * 40 + "</p><script>hidden()</script><p>after</p><style>K{}</style>\u017f"
    message = str(make_status_error(error_response(502, page.encode(), HTML)))
    assert message == "502 Bad Gateway: " + "İ" * 40 + " after \u017f"


def test_an_unclosed_block_hides_the_rest() -> None:
    page = "<h1>Down</h1><script>never closed " + "<p>not shown</p>" * 10
    assert str(make_status_error(error_response(503, page.encode(), HTML))) == "503 Service Unavailable: Down"


def test_a_tag_cut_by_the_scan_limit_is_dropped() -> None:
    limit = _exceptions.MAX_SCANNED_BODY
    head = "<html><body><h1>Maintenance</h1>"
    filler = "<section>" * (limit // 9 + 100)
    if (limit - len(head)) % 9 == 0:  # make the limit fall inside a tag
        head += " "
    page = head + filler + "<p>beyond the limit</p>"
    assert str(make_status_error(error_response(502, page.encode(), HTML))) == "502 Bad Gateway: Maintenance"


async def test_a_hostile_page_through_the_client_neither_stalls_nor_blocks_the_loop(flavor: str) -> None:
    content = repeat("<script", MB2)
    client = mock_client(
        flavor,
        lambda request: httpx.Response(502, headers={"content-type": HTML}, content=content),
        max_retries=0,
    )
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    with cpu_budget(), pytest.raises(InternalServerError) as caught:
        if isinstance(client, AsyncAtono):
            await client.bugs.get("b1")
        else:
            client.bugs.get("b1")
    stop.set()
    await ticking
    assert isinstance(caught.value, APIStatusError)
    assert len(str(caught.value)) <= MAX_MESSAGE
    assert caught.value.body == content.decode()
    if flavor == "async":
        assert max(gaps) < 0.5, f"the event loop stalled for {max(gaps):.2f} s"
        record_figure("longest event-loop stall, 2 MB hostile error page", f"{max(gaps) * 1000:.0f} ms")
