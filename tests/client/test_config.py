"""Construction: the key and base URL from arguments or the environment, the URL checks, default headers and
timeout, a caller's own httpx client, closing, and `with_options`."""

from __future__ import annotations

import ssl
import subprocess
import sys
from typing import Any

import atono
import httpx
import pytest
from atono import DEFAULT_TIMEOUT, AsyncAtono, Atono, AtonoError, RateLimit

from tests.helpers import BUG, KEY, Server, call, close, respond

CLASSES = [Atono, AsyncAtono]


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATONO_API_KEY", raising=False)
    monkeypatch.delenv("ATONO_BASE_URL", raising=False)


@pytest.mark.parametrize("cls", CLASSES)
def test_no_key_anywhere_names_the_environment_variable(cls: type[Any]) -> None:
    with pytest.raises(AtonoError, match="ATONO_API_KEY"):
        cls()
    with pytest.raises(AtonoError, match="ATONO_API_KEY"):
        cls(api_key="  ")


@pytest.mark.parametrize("cls", CLASSES)
def test_key_must_be_a_string(cls: type[Any]) -> None:
    with pytest.raises(TypeError, match="api_key"):
        cls(api_key=b"bytes-key-123")


async def test_key_and_base_url_come_from_the_environment(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONO_API_KEY", "env-key-0123456789")
    monkeypatch.setenv("ATONO_BASE_URL", "https://eu.atono.test/v1/")
    server = Server()
    client = make_client(server, api_key=None, base_url=None)
    await call(client.bugs.get, "b1")
    assert server.sent_headers[0]["x-api-key"] == "env-key-0123456789"
    assert str(server.requests[0].url) == "https://eu.atono.test/v1/bugs/b1"


async def test_arguments_win_over_the_environment(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONO_API_KEY", "env-key-0123456789")
    monkeypatch.setenv("ATONO_BASE_URL", "https://eu.atono.test/v1")
    server = Server()
    client = make_client(server)
    await call(client.bugs.get, "b1")
    assert server.sent_headers[0]["x-api-key"] == KEY
    assert str(server.requests[0].url) == "https://api.atono.test/v1/bugs/b1"


@pytest.mark.parametrize("cls", CLASSES)
def test_default_base_url(cls: type[Any]) -> None:
    client = cls(api_key=KEY)
    assert str(client.base_url) == "https://api.atono.io/v1"


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize(
    "url", ["http://api.atono.io/v1", "http://10.0.0.5:8750/v1", "http://localhost.evil.test/v1", "http://[::2]/v1"]
)
def test_plain_http_to_another_host_is_refused(cls: type[Any], url: str) -> None:
    with pytest.raises(ValueError, match="http://"):
        cls(api_key=KEY, base_url=url)


def test_plain_http_from_the_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONO_BASE_URL", "http://api.atono.io/v1")
    with pytest.raises(ValueError, match="ATONO_BASE_URL"):
        Atono(api_key=KEY)


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8750/v1", "http://127.3.4.5/v1", "http://localhost:1/v1", "http://[::1]:8750/v1"]
)
def test_plain_http_to_loopback_is_allowed(cls: type[Any], url: str) -> None:
    assert cls(api_key=KEY, base_url=url).base_url == httpx.URL(url)


@pytest.mark.parametrize(
    "url", ["ftp://api.atono.io/v1", "api.atono.io/v1", "https:///v1", "https://api.atono.io/v1?x=1"]
)
def test_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        Atono(api_key=KEY, base_url=url)


async def test_every_request_sends_the_media_type_the_user_agent_and_the_key(make_client: Any) -> None:
    server = Server()
    client = make_client(server)
    await call(client.bugs.get, "b1")
    headers = server.sent_headers[0]
    assert headers["accept"] == "application/vnd.api+json"
    assert headers["user-agent"] == f"atono-python/{atono.__version__}"
    assert headers["x-api-key"] == KEY


async def test_a_user_http_client_keeps_its_own_settings_and_is_not_changed(make_client: Any) -> None:
    server = Server()
    client = make_client(
        server, http_options={"headers": {"X-Trace": "t1"}, "auth": httpx.BasicAuth("proxy-user", "proxy-pass")}
    )
    await call(client.bugs.get, "b1")
    headers = server.sent_headers[0]
    assert headers["x-trace"] == "t1"
    assert headers["authorization"].startswith("Basic ")  # the caller's httpx.Auth still applies
    assert headers["x-api-key"] == KEY
    assert "x-api-key" not in client._http.headers  # added per request, never to the caller's client


async def test_a_user_http_client_with_its_own_base_url_gets_absolute_urls(make_client: Any) -> None:
    server = Server()
    client = make_client(server, http_options={"base_url": "https://elsewhere.test/other"})
    await call(client.bugs.get, "b1")
    assert str(server.requests[0].url) == "https://api.atono.test/v1/bugs/b1"


@pytest.mark.parametrize("cls", CLASSES)
def test_default_timeout_is_60_s_for_each_attempt_as_a_whole(cls: type[Any]) -> None:
    client = cls(api_key=KEY)
    assert client.timeout == DEFAULT_TIMEOUT == 60.0
    assert client._http.timeout == httpx.Timeout(DEFAULT_TIMEOUT)


@pytest.mark.parametrize("cls", CLASSES)
def test_the_sdks_pools_share_one_tls_context_that_verifies(cls: type[Any]) -> None:
    first, second = cls(api_key=KEY), cls(api_key=KEY)
    contexts = [client._http._transport._pool._ssl_context for client in (first, second)]
    assert contexts[0] is contexts[1]  # loaded once: creating a client costs no CA bundle load
    assert contexts[0].verify_mode == ssl.CERT_REQUIRED and contexts[0].check_hostname


def test_timeout_resolution_with_a_user_client() -> None:
    # A client left at httpx's default did not choose a timeout: the SDK's default applies.
    assert Atono(api_key=KEY, http_client=httpx.Client()).timeout == DEFAULT_TIMEOUT
    # A client with a chosen timeout keeps it, unless the SDK is given one explicitly.
    assert Atono(api_key=KEY, http_client=httpx.Client(timeout=12.0)).timeout == httpx.Timeout(12.0)
    assert Atono(api_key=KEY, http_client=httpx.Client(timeout=12.0), timeout=3.0).timeout == 3.0
    assert Atono(api_key=KEY, timeout=None).timeout is None


async def test_timeouts_are_sent_per_request(make_client: Any) -> None:
    server = Server()
    client = make_client(server, timeout=7.0)
    await call(client.bugs.get, "b1")
    await call(client.bugs.get, "b1", timeout=httpx.Timeout(1.0, connect=0.5))
    await call(client.bugs.get, "b1", timeout=None)
    timeouts = [r.extensions["timeout"] for r in server.requests]
    assert timeouts[0] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert timeouts[1] == {"connect": 0.5, "read": 1.0, "write": 1.0, "pool": 1.0}
    assert timeouts[2] == {"connect": None, "read": None, "write": None, "pool": None}


@pytest.mark.parametrize(("cls", "other"), [(Atono, httpx.AsyncClient), (AsyncAtono, httpx.Client)])
def test_http_client_of_the_wrong_kind_is_refused(cls: type[Any], other: type[Any]) -> None:
    with pytest.raises(TypeError, match="http_client"):
        cls(api_key=KEY, http_client=other())


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_max_retries_must_be_a_non_negative_integer(value: Any) -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Atono(api_key=KEY, max_retries=value)


def test_rate_limit_must_be_a_rate_limit() -> None:
    with pytest.raises(TypeError, match="rate_limit"):
        Atono(api_key=KEY, rate_limit=(10, 1.0))  # type: ignore[arg-type]


async def test_close_closes_only_a_client_the_sdk_created(make_client: Any, flavor: str) -> None:
    client = make_client(Server())
    await close(client)
    assert not client._http.is_closed  # the caller's client stays open
    own = Atono(api_key=KEY) if flavor == "sync" else AsyncAtono(api_key=KEY)
    await close(own)
    assert own._http.is_closed


def test_sync_context_manager_closes() -> None:
    with Atono(api_key=KEY) as client:
        assert not client._http.is_closed
    assert client._http.is_closed


async def test_async_context_manager_closes() -> None:
    async with AsyncAtono(api_key=KEY) as client:
        assert not client._http.is_closed
    assert client._http.is_closed


async def test_with_options_shares_pool_limiter_and_key(make_client: Any) -> None:
    server = Server(respond(500), respond(200, BUG))
    client = make_client(server, max_retries=0)
    copy = client.with_options(max_retries=1, timeout=4.0)
    assert type(copy) is type(client)
    assert copy._http is client._http
    assert copy._limiter is client._limiter
    assert copy._retry_policy is client._retry_policy
    assert (copy.max_retries, copy.timeout, client.max_retries) == (1, 4.0, 0)
    assert copy.base_url == client.base_url
    await call(copy.bugs.get, "b1")  # one retry: the copy's budget
    assert server.calls == 2
    assert server.sent_headers[1]["x-api-key"] == KEY
    assert server.requests[1].extensions["timeout"]["read"] == 4.0


async def test_with_options_keeps_what_it_is_not_given(make_client: Any) -> None:
    client = make_client(Server(), max_retries=4, timeout=9.0)
    copy = client.with_options()
    assert (copy.max_retries, copy.timeout) == (4, 9.0)
    assert client.with_options(timeout=None).timeout is None


@pytest.mark.parametrize("cls", CLASSES)
async def test_closing_a_copy_of_an_owned_client_closes_the_shared_pool(cls: type[Any]) -> None:
    client = cls(api_key=KEY)
    copy = client.with_options(max_retries=5)
    await close(copy)
    assert client._http.is_closed


def test_rate_limit_is_configurable_and_can_be_turned_off() -> None:
    assert Atono(api_key=KEY).rate_limit == RateLimit(3000, 300.0)
    assert Atono(api_key=KEY, rate_limit=RateLimit(10, 1.0)).rate_limit == RateLimit(10, 1.0)
    client = Atono(api_key=KEY, rate_limit=None)
    assert client.rate_limit is None
    assert client._limiter is None


@pytest.mark.parametrize(
    ("requests", "per_seconds"), [(0, 1.0), (-1, 1.0), (1.5, 1.0), (10, 0), (10, -1.0), (10, float("inf"))]
)
def test_rate_limit_values_are_checked(requests: Any, per_seconds: Any) -> None:
    with pytest.raises(ValueError, match="RateLimit"):
        RateLimit(requests, per_seconds)


def test_import_atono_leaves_the_generated_models_for_first_use() -> None:
    """`import atono` stays light (the generated models are most of the start-up time): the namespaces, pagers
    and models load on first use, `APIResponse` and `RetryPolicy` included in the light part; so do asyncio (the
    first await), `html` (an HTML error page) and `pickle` (pickling an error), and attrs (the generated client)."""
    code = (
        "import sys\n"
        "sys.modules['click'] = None  # as in a user's venv: httpx's command line (click, rich) is an extra\n"
        "import atono\n"
        "assert atono.APIResponse and atono.RetryPolicy\n"
        "heavy = sorted(m for m in ('atono_api.models', 'atono._pagination', 'atono._objects', 'atono_sdk.resources',"
        " 'atono._shared_ratelimit', 'pyrate_limiter', 'redis', 'filelock', 'sqlite3', 'asyncio', 'html', 'pickle',"
        " 'attrs')"
        " if m in sys.modules)\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout
