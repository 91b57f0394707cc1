"""The key appears nowhere: a debug-logged session with faults and errors, searched through every log record,
exception (with its causes, requests and responses) and repr it produced.

What tests/client/test_key_safety.py already proves is not repeated here: redirects to other origins carry no key
and are not followed, the redaction filter's patterns, reprs of a fresh client. `http://` to a remote host is
refused at construction (tests/client/test_config.py). Added here: TLS verification is on in the clients the SDK
creates.
"""

from __future__ import annotations

import logging
import ssl
import traceback
from typing import Any

import httpx
import pytest
from atono import APIError, AsyncAtono, Atono
from atono.testing import Sandbox

from tests.helpers import call, no_wait_policy

from .figures import record_figure

AnyClient = Atono | AsyncAtono


@pytest.fixture
def debug_logging(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, clean_atono_logger: logging.Logger
) -> pytest.LogCaptureFixture:
    """ATONO_LOG=debug and every logger captured at DEBUG; the atono logger restored afterwards."""
    monkeypatch.setenv("ATONO_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    return caplog


def exception_texts(error: BaseException) -> list[str]:
    """Everything an exception shows: its traceback with causes, str, repr, args, and the headers it carries."""
    texts = ["".join(traceback.format_exception(error))]
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(current.args)]
        for name in ("request", "response", "body", "errors", "message"):
            value = getattr(current, name, None)
            if isinstance(value, httpx.Request):
                texts += [repr(value), repr(value.headers), repr(dict(value.headers)), str(value.url)]
            elif isinstance(value, httpx.Response):
                texts += [repr(value), repr(value.headers), repr(dict(value.request.headers)), value.text]
                if value.next_request is not None:
                    texts.append(repr(dict(value.next_request.headers)))
            elif value is not None:
                texts.append(repr(value))
        current = current.__cause__ or current.__context__
    return texts


async def session(client: AnyClient, outsider: AnyClient, sandbox: Sandbox) -> tuple[list[BaseException], list[Any]]:
    """Reads, writes, faults and errors through both keys; returns the errors raised and the objects handed out."""
    errors: list[BaseException] = []
    objects: list[Any] = [client, outsider, client.with_options(max_retries=0), client.bugs, client.teams]

    async def attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = await call(fn, *args, **kwargs)
        except APIError as error:
            errors.append(error)
            return None
        objects.append(result)
        return result

    pager = client.bugs.list(page_size=3, limit=9, include=["assignee", "team"])
    objects.append(pager)
    pages = [p async for p in pager.pages()] if isinstance(client, AsyncAtono) else list(pager.pages())
    objects += pages + [item for page in pages for item in page.items + page.included]
    bug = objects[-1] if not pages[-1].included else pages[-1].items[-1]
    for fault, method, path in [
        ("500", "GET", "/bugs/{bugId}"),
        ("reset", "GET", "/bugs/{bugId}"),
        ("truncate", "GET", "/bugs/{bugId}"),
        ("429", "GET", "/bugs/{bugId}"),
        ("timeout", "GET", "/bugs/{bugId}"),
    ]:
        sandbox.inject(fault, path=path, method=method, count=3, retry_after=0)  # more than the retries
        await attempt(client.bugs.get, bug.id)
    sandbox.inject("wrong_content_type", path="/bugs/{bugId}")
    await attempt(client.bugs.get, bug.id)
    for fault in ("502", "reset", "timeout", "html", "truncate"):
        sandbox.inject(fault, path="/bugs", method="POST")
        await attempt(client.bugs.create, title=f"secret session {fault}")
    created = await attempt(client.bugs.create, title="secret session", assignee=bug.assignee_id)
    await attempt(client.bugs.update, created.id, title="secret session, renamed")
    await attempt(client.bugs.get, "no-such-bug")  # 404
    await attempt(outsider.bugs.update, created.id, title="not yours")  # 403 for the private team, else fine
    await attempt(outsider.teams.get, "no-such-team")
    await attempt(client.bugs.delete, created.id)
    await attempt(client.bugs.delete, created.id)  # 404
    wrong = (Atono if isinstance(client, Atono) else AsyncAtono)(api_key="not-the-key-xyz", base_url=sandbox.url)
    await attempt(wrong.users.get, "u1")  # 401
    await call(wrong.close)
    return errors, objects


async def test_a_debug_logged_session_with_faults_and_errors_never_shows_the_key(
    flavor: str, debug_logging: pytest.LogCaptureFixture
) -> None:
    with Sandbox(stories=3, bugs=12, users=5, seed=31, stall_seconds=1.0) as sandbox:
        cls = Atono if flavor == "sync" else AsyncAtono
        client = cls(api_key=sandbox.api_key, base_url=sandbox.url, timeout=0.3, max_retries=2)
        outsider = cls(api_key=sandbox.other_api_key, base_url=sandbox.url, timeout=0.3, max_retries=2)
        for c in (client, outsider):
            c._retry_policy = no_wait_policy()
        errors, objects = await session(client, outsider, sandbox)
        await call(client.close)
        await call(outsider.close)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    corpus: list[str] = []
    for record in debug_logging.records:
        corpus += [formatter.format(record), record.getMessage(), str(record.msg), repr(record.args)]
    for error in errors:
        corpus += exception_texts(error)
    for obj in objects:
        corpus += [repr(obj), str(obj)]
        corpus += [repr(value) for value in getattr(obj, "__dict__", {}).values()]
    corpus.append(debug_logging.text)

    keys = (sandbox.api_key, sandbox.other_api_key, "not-the-key-xyz")
    hits = sum(text.count(key) for text in corpus for key in keys)
    kinds = {type(e).__name__ for e in errors}
    # The session did meet what it set out to: faults beyond the retries, status errors, and the wire logs.
    assert {"InternalServerError", "APIConnectionError", "APITimeoutError", "RateLimitError"} <= kinds
    assert {"APIResponseValidationError", "NotFoundError", "AuthenticationError"} <= kinds
    assert {"httpcore.http11", "httpcore.connection", "httpx", "atono"} <= {r.name for r in debug_logging.records}
    record_figure(
        f"key hits, {flavor} debug session",
        f"{hits} in {len(debug_logging.records)} log records, {len(errors)} exceptions "
        f"({len(kinds)} kinds, with causes, requests and responses), {len(objects)} reprs",
    )
    # The search did look where the key would be: the scrubbed X-API-KEY headers of the requests sent.
    assert any("'x-api-key': '<redacted>'" in text for text in corpus)
    assert hits == 0


@pytest.mark.parametrize("cls", [Atono, AsyncAtono])
def test_tls_verification_is_on_in_the_clients_the_sdk_creates(cls: type[AnyClient]) -> None:
    client = cls(api_key="atono-tls-check-key-123")
    for each in (client, client.with_options(timeout=5.0)):
        context: ssl.SSLContext = each._http._transport._pool._ssl_context  # type: ignore[union-attr]
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True
