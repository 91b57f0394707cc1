"""The key reaches the configured host only, and never anything that prints it.

A key that httpx would put in its error text and debug records is refused at construction; a proxy from the
environment never sees a plain-http request (loopback, for the sandbox); credentials in the base URL are refused
before they reach `repr`, logs or an `Authorization` header.
"""

from __future__ import annotations

import socket

import httpx
import pytest
from atono import AsyncAtono, Atono, AtonoError

from tests.helpers import KEY

from .rawserver import Received, answer, raw_server

# Each key's visible parts are distinctive, so a message that repeats any of them is caught.
BAD_KEYS = {
    "line feed": "Q7xK2mP9\nX-Injected: Zr4Tw8Lb",
    "carriage return": "Q7xK2mP9\rZr4Tw8Lb",
    "NUL": "Q7xK2mP9\x00Zr4Tw8Lb",
    "tab": "Q7xK2mP9\tZr4Tw8Lb",
    "inner space": "Q7xK2mP9 Zr4Tw8Lb",
    "non-ASCII": "Q7xK2mP9éZr4Tw8Lb",
    "DEL": "Q7xK2mP9\x7fZr4Tw8Lb",
    "zero-width space": "Q7xK2mP9\u200bZr4Tw8Lb",
}


@pytest.mark.parametrize("cls", [Atono, AsyncAtono])
@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_a_key_with_invisible_or_non_ascii_characters_is_refused_without_repeating_it(
    cls: type[Atono], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(AtonoError) as given:
        cls(api_key=key)
    caught = [given]
    if "\x00" not in key:  # an environment variable cannot hold NUL
        monkeypatch.setenv("ATONO_API_KEY", key)
        with pytest.raises(AtonoError) as from_env:
            cls()
        assert "ATONO_API_KEY environment variable holds" in str(from_env.value)
        caught.append(from_env)
    for info in caught:
        message = str(info.value)
        assert "ATONO_API_KEY" in message and "visible ASCII" in message
        assert "Q7xK2mP9" not in message and "Zr4Tw8Lb" not in message, message


def test_surrounding_whitespace_is_still_trimmed() -> None:
    assert Atono(api_key=f"  {KEY}\n")._api_key.reveal() == KEY


def _bug(request: Received, conn: socket.socket) -> None:
    stamp = "2024-09-04T22:28:31Z"
    conn.sendall(
        answer(
            200,
            (
                '{"data": {"type": "bug", "id": "b1", "attributes": {"title": "t", "handle": "BUG-1", '
                f'"createdAt": "{stamp}", "updatedAt": "{stamp}"}}}}}}'
            ).encode(),
        )
    )


def _refuse(request: Received, conn: socket.socket) -> None:
    conn.sendall(answer(502, b"proxy"))


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_an_environment_proxy_never_sees_a_plain_http_request(
    variable: str, flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with raw_server(_refuse) as proxy, raw_server(_bug) as api:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        if flavor == "sync":
            with Atono(api_key=KEY, base_url=api.url + "/v1", max_retries=0) as client:
                bug = client.bugs.get("b1")
        else:
            async with AsyncAtono(api_key=KEY, base_url=api.url + "/v1", max_retries=0) as aclient:
                bug = await aclient.bugs.get("b1")
    assert bug.id == "b1"
    assert proxy.received == [] and proxy.connections == 0
    assert api.received[0].headers["x-api-key"] == KEY


def test_https_keeps_the_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Through a proxy, https is a tunnel of encrypted bytes: users behind a corporate proxy keep it.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal.test:3128")
    client = Atono(api_key=KEY)
    assert any(transport is not None for transport in client._http._mounts.values())


def test_a_callers_client_with_a_proxy_is_refused_for_plain_http() -> None:
    proxy = "http://127.0.0.1:3128"
    with pytest.raises(ValueError, match="the proxy would read the API key"):
        Atono(api_key=KEY, base_url="http://127.0.0.1:8750/v1", http_client=httpx.Client(proxy=proxy))
    with pytest.raises(ValueError, match="the proxy would read the API key"):
        AsyncAtono(api_key=KEY, base_url="http://localhost:8750/v1", http_client=httpx.AsyncClient(proxy=proxy))
    # Over https the same client is fine.
    Atono(api_key=KEY, http_client=httpx.Client(proxy=proxy))


@pytest.mark.parametrize(
    "url",
    [
        "https://user:s3cr3t-pw@api.atono.io/v1",
        "https://user@api.atono.io/v1",
        "https://:s3cr3t-pw@api.atono.io/v1",
        "http://admin:s3cr3t-pw@127.0.0.1:8750/v1",
    ],
)
def test_credentials_in_the_base_url_are_refused_without_repeating_them(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match="API key only") as given:
        Atono(api_key=KEY, base_url=url)
    monkeypatch.setenv("ATONO_BASE_URL", url)
    with pytest.raises(ValueError, match="ATONO_BASE_URL must not hold a user name or password") as from_env:
        AsyncAtono(api_key=KEY)
    for caught in (given, from_env):
        assert "s3cr3t-pw" not in str(caught.value) and "admin" not in str(caught.value)
