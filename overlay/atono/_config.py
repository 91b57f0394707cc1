"""The clients' options, checked before anything is sent: key, base URL, timeouts, retries, headers, query.

Each check says what is wrong with an option without repeating a value that may be a credential. The executor
(`atono._base_client`) applies the results; nothing here sends anything.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Mapping

import httpx

from atono._constants import (
    API_KEY_HEADER,
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    ENV_API_KEY,
    ENV_BASE_URL,
    NotGiven,
    Omit,
)
from atono._exceptions import AtonoError
from atono._retry import RetryPolicy
from atono._version import __version__

TimeoutTypes = float | httpx.Timeout | None

# The per-call options every method takes besides its own arguments.
CALL_OPTIONS = ("max_retries", "retry_policy", "timeout", "extra_headers", "extra_query")

USER_AGENT = f"atono-python/{__version__}"

# httpx's own default; a user's client that still has it did not choose a timeout, so the SDK's default applies.
_HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)

# RFC 9110 field names (RFC 7230 `token`), and values as h11 sends them: visible ASCII, inner spaces and tabs only.
# Patterns compiled on first use (`re` keeps them), not at `import atono`: most clients set no headers.
_HEADER_NAME = r"[-!#$%&'*+.^_`|~0-9A-Za-z]+"
_HEADER_VALUE = r"(?:[!-~]+(?:[ \t]+[!-~]+)*)?"

# Headers `extra_headers` may not set or remove, and why. A changed Host would let a shared front end route the
# key to another site; changed framing headers would corrupt the message.
_RESERVED_HEADERS = {
    API_KEY_HEADER.lower(): (
        f"{API_KEY_HEADER}: every request carries the client's own api_key (create a client with another key instead)"
    ),
    "host": "Host: it names the configured base_url, the one host the API key is sent to",
    "content-length": "Content-Length: httpx sets it from the body",
    "transfer-encoding": "Transfer-Encoding: httpx sets it from the body",
}


def resolve_api_key(api_key: str | None) -> str:
    source = "api_key"
    if api_key is None:
        api_key = os.environ.get(ENV_API_KEY)
        source = ENV_API_KEY
    if api_key is not None and not isinstance(api_key, str):
        raise TypeError(f"api_key must be a string, got {type(api_key).__name__}")
    if not api_key or not api_key.strip():
        raise AtonoError(
            f"No API key: pass api_key=... or set the {ENV_API_KEY} environment variable "
            "(create a key in Atono under your avatar menu, API keys)."
        )
    key = api_key.strip()
    # Anything else would reach httpx, whose errors and debug logs would then print the key.
    if not all("!" <= ch <= "~" for ch in key):
        where = "given as api_key=" if source == "api_key" else f"in the {ENV_API_KEY} environment variable"
        raise AtonoError(
            f"The API key {where} holds a character that is not visible ASCII: a space, line break, control or "
            "non-ASCII character, often picked up when copying. Copy the key from Atono again (avatar menu, API "
            f"keys) into api_key= or {ENV_API_KEY}."
        )
    return key


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(base_url: str | httpx.URL | None) -> httpx.URL:
    """The base URL, checked: https anywhere, plain http only to this machine, where nothing can listen in."""
    source = "base_url"
    if base_url is None:
        base_url = os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        source = ENV_BASE_URL if os.environ.get(ENV_BASE_URL) else "the default base URL"
    try:
        url = httpx.URL(str(base_url).strip().rstrip("/"))
    except httpx.InvalidURL as exc:
        raise ValueError(f"{source} is not a valid URL: {exc}") from None
    if url.userinfo:
        # Said without the URL: it holds a password.
        raise ValueError(
            f"{source} must not hold a user name or password (user:password@); "
            "the Atono API authenticates by API key only (api_key= or ATONO_API_KEY)"
        )
    if url.scheme not in ("https", "http") or not url.host:
        raise ValueError(f"{source} must be an absolute https:// URL, got {str(url)!r}")
    if url.scheme == "http" and not is_loopback(url.host):
        raise ValueError(
            f"{source} uses plain http:// to {url.host}, which would send the API key unencrypted; "
            "use https:// (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)"
        )
    if url.query or url.fragment:
        raise ValueError(f"{source} must not have a query or fragment, got {str(url)!r}")
    return url


def resolve_timeout(
    timeout: TimeoutTypes | NotGiven, http_client: httpx.Client | httpx.AsyncClient | None
) -> TimeoutTypes:
    if not isinstance(timeout, NotGiven):
        return check_timeout(timeout)
    if http_client is not None and http_client.timeout != _HTTPX_DEFAULT_TIMEOUT:
        return check_timeout(http_client.timeout)
    return DEFAULT_TIMEOUT


def _positive_seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < math.inf


def check_timeout(timeout: object) -> TimeoutTypes:
    """A timeout as given, if usable: None, a positive finite number of seconds, or an `httpx.Timeout` of such."""
    if timeout is None:
        return None
    if isinstance(timeout, httpx.Timeout):
        phases = {name: getattr(timeout, name) for name in ("connect", "read", "write", "pool")}
        bad = {name: value for name, value in phases.items() if value is not None and not _positive_seconds(value)}
        if bad:
            raise ValueError(f"timeout: every phase of an httpx.Timeout must be None or positive seconds, got {bad}")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds, an httpx.Timeout or None, got {type(timeout).__name__}")
    if not _positive_seconds(timeout):
        raise ValueError(f"timeout must be a positive, finite number of seconds (or None for none), got {timeout!r}")
    return timeout


def check_max_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an integer >= 0, got {max_retries!r}")
    return max_retries


def check_retry_policy(retry_policy: object) -> RetryPolicy:
    if not isinstance(retry_policy, RetryPolicy):
        raise TypeError(f"retry_policy must be an atono.RetryPolicy, got {type(retry_policy).__name__}")
    return retry_policy


def retry_budget(max_retries: int | None, retry_policy: RetryPolicy | None, fallback: int) -> int:
    """The retries a call may take: `max_retries` when given, else the policy's when one is given, else `fallback`."""
    if max_retries is not None:
        return check_max_retries(max_retries)
    return retry_policy.max_retries if retry_policy is not None else fallback


def user_agent(default_headers: Mapping[str, str | Omit], http: httpx.Client | httpx.AsyncClient | None) -> str | None:
    """The User-Agent to send: the caller's own (from `default_headers`, else from their `http_client`) with the
    SDK's token after it, so their service and the SDK version both show in the server's logs; None: not sent."""
    own: str | Omit | None = next(
        (value for name, value in default_headers.items() if name.lower() == "user-agent"), None
    )
    if own is None and http is not None:
        theirs = http.headers.get("user-agent")
        own = theirs if theirs and not theirs.startswith("python-httpx/") else None
    if isinstance(own, Omit):
        return None
    return USER_AGENT if not own else f"{own} {USER_AGENT}"


def check_extra_headers(
    extra_headers: object, *, option: str = "extra_headers"
) -> tuple[dict[str, str], frozenset[str]]:
    """The headers to set and the (lower-case) names to remove, checked so no request can carry a forged line."""
    if extra_headers is None:
        return {}, frozenset()
    if not isinstance(extra_headers, Mapping):
        raise TypeError(f"{option} must be a mapping of header names to strings, got {type(extra_headers).__name__}")
    values: dict[str, str] = {}
    omitted: set[str] = set()
    seen: set[str] = set()
    for name, value in extra_headers.items():
        if not isinstance(name, str):
            raise TypeError(f"{option}: header names must be strings, got {type(name).__name__}")
        if not re.fullmatch(_HEADER_NAME, name):
            raise ValueError(f"{option}: {name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)")
        lowered = name.lower()
        if lowered in _RESERVED_HEADERS:
            raise ValueError(f"{option} cannot set or remove {_RESERVED_HEADERS[lowered]}")
        if lowered in seen:
            raise ValueError(f"{option} names {name!r} twice (header names are case-insensitive)")
        seen.add(lowered)
        if isinstance(value, Omit):
            omitted.add(lowered)
        elif not isinstance(value, str):
            raise TypeError(f"{option}[{name!r}] must be a string or atono.OMIT, got {type(value).__name__}")
        elif not re.fullmatch(_HEADER_VALUE, value):
            # The value is not repeated: it may be a credential.
            raise ValueError(
                f"{option}[{name!r}] must be visible ASCII characters, with spaces or tabs only between them "
                "(no line breaks, NUL, other control or non-ASCII characters, or surrounding whitespace)"
            )
        else:
            values[name] = value
    return values, frozenset(omitted)


def _query_value(name: str, value: object, option: str = "extra_query") -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{option}[{name!r}] must be a finite number, got {value!r}")
        return str(value)
    raise TypeError(
        f"{option}[{name!r}] must be a str, int, float, bool, a list or tuple of those, or None, "
        f"got {type(value).__name__}"
    )


def check_extra_query(extra_query: object, *, option: str = "extra_query") -> dict[str, list[str]]:
    """Each parameter's values as sent (none: removed), checked before anything is sent."""
    if extra_query is None:
        return {}
    if not isinstance(extra_query, Mapping):
        raise TypeError(f"{option} must be a mapping of parameter names to values, got {type(extra_query).__name__}")
    params: dict[str, list[str]] = {}
    for name, value in extra_query.items():
        if not isinstance(name, str):
            raise TypeError(f"{option}: parameter names must be strings, got {type(name).__name__}")
        if not name:
            raise ValueError(f"{option}: a parameter name must not be empty")
        if value is None:
            params[name] = []
        elif isinstance(value, list | tuple):
            params[name] = [_query_value(name, item, option) for item in value]
        else:
            params[name] = [_query_value(name, value, option)]
    return params


def check_max_response_bytes(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_response_bytes must be a positive integer, got {value!r}")
    return value


def refuse_cleartext_proxy(http: httpx.Client | httpx.AsyncClient, base_url: httpx.URL) -> None:
    """Refuse a caller's client that would send plain-http requests, key and all, through a proxy.

    Over https a proxy only tunnels encrypted bytes; over http (allowed for loopback only) it would read the key.
    """
    if base_url.scheme != "http":
        return
    import httpcore  # noqa: PLC0415 - as httpx does: only once a client exists

    proxies = (httpcore.HTTPProxy, httpcore.SOCKSProxy, httpcore.AsyncHTTPProxy, httpcore.AsyncSOCKSProxy)
    transport = http._transport_for_url(base_url)
    if isinstance(getattr(transport, "_pool", None), proxies):
        raise ValueError(
            f"http_client sends requests for {base_url.host} through a proxy, and base_url is plain http://, "
            "so the proxy would read the API key; mount a transport without a proxy for it, or use https://"
        )
