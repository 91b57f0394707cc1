"""The request executor that every API call goes through, sync and async (its options: `atono._config`).

It sends the requests the generated operation modules build (`_get_kwargs`) for the resource layer
(`atono._resource`, which parses the answer), and those of `request()`, and returns the read response of a
success. Around each request it applies, in one place: pacing, the API key, redirects that stay on the configured
host and keep the method, a deadline for the whole exchange, a cap on the body's size, the body's media type after
a 415, retries and typed errors. (Not the generated `sync_detailed`: it returns error documents instead of raising
and loses the response when a body is malformed.)
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import json as jsonlib
import ssl
import time
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, Self, TypeVar
from urllib.parse import unquote

import httpx

from atono._config import (
    CALL_OPTIONS,
    TimeoutTypes,
    check_extra_headers,
    check_extra_query,
    check_max_response_bytes,
    check_retry_policy,
    check_timeout,
    refuse_cleartext_proxy,
    resolve_api_key,
    resolve_base_url,
    resolve_timeout,
    retry_budget,
    user_agent,
)
from atono._constants import (
    API_KEY_HEADER,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RATE_LIMIT,
    JSON_MEDIA_TYPE,
    JSONAPI_MEDIA_TYPE,
    NOT_GIVEN,
    OMIT,
    NotGiven,
    Omit,
)
from atono._deadline import exchange_deadline, install
from atono._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AtonoError,
    make_status_error,
)
from atono._logs import REDACTED, Secret, logger, register_secret, setup_logging
from atono._ratelimit import RateLimit, RateLimiter

if TYPE_CHECKING:
    from atono._shared_ratelimit import SharedRateLimiter
from atono._reading import ACCEPT_ENCODING, aread_body, read_body
from atono._response import record
from atono._retry import RetryPolicy, deleted_by_earlier_attempt, may_have_been_applied

__all__ = ["AsyncAPIClient", "SyncAPIClient"]

# Where the paths in the API's `links` start: `/api/v1/users/{id}`, the resource the base URL's `/users/{id}` names.
_LINK_ROOT = "/api/v1"

# What `request()` sends.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_HttpT = TypeVar("_HttpT", httpx.Client, httpx.AsyncClient)


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The TLS settings of the pools the SDK creates: httpx's defaults (verification on, its CA bundle, or the one
    `SSL_CERT_FILE`/`SSL_CERT_DIR` name), built once per process.

    httpx builds a context and loads the CA bundle for every client, some 30 ms; sharing one makes `Atono()` cost
    about 1 ms, for code that creates a client per job or per test. A caller's own `http_client` is left as it is.
    """
    return httpx.create_ssl_context()


class _Call(NamedTuple):
    """One API call as the executor sees it: what to send, and its budget.

    A named tuple, not an attrs class: `import atono` defines it, and attrs compiles each method of a class it
    defines, where a named tuple compiles one line (the private classes here cost a user's start-up ~1 ms).
    """

    method: str
    path: str
    headers: dict[str, str]
    options: dict[str, Any]
    timeout: TimeoutTypes
    max_retries: int
    policy: RetryPolicy
    # The per-call options, kept to be applied again to each redirect hop (httpx drops some headers, and the
    # Location's query replaces the request's).
    extra_headers: dict[str, str]
    omitted_headers: frozenset[str]
    extra_query: dict[str, list[str]]
    # Whether the body's media type is the SDK's to choose (a caller's Content-Type is sent as given), and whether
    # this call already resent its body as the fallback type after a 415.
    negotiable: bool = False
    fell_back: bool = False

    @property
    def deadline(self) -> float | None:
        """Seconds the whole exchange may take: a number given as timeout; an `httpx.Timeout` bounds phases only."""
        return None if self.timeout is None or isinstance(self.timeout, httpx.Timeout) else float(self.timeout)


class _MediaType:
    """The media type a client sends request bodies as: the documented `application/json` until a server answers 415
    Unsupported Media Type to it, then JSON:API's once that was taken, for the rest of the client's life (shared
    with its `with_options` copies, which talk to the same server)."""

    __slots__ = ("current",)

    def __init__(self) -> None:
        self.current = JSON_MEDIA_TYPE


class _Attempts:
    """Where a call's retries stand, for the sync and async loops alike."""

    __slots__ = ("taken", "uncertain")

    def __init__(self) -> None:
        self.taken = 0
        self.uncertain = False  # whether an earlier attempt may have been applied by the server

    def failed(self, outcome: httpx.Response | httpx.RequestError) -> None:
        self.uncertain = self.uncertain or may_have_been_applied(outcome)
        self.taken += 1


def _port(url: httpx.URL) -> int | None:
    return url.port if url.port is not None else {"http": 80, "https": 443}.get(url.scheme)


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return url.scheme == other.scheme and url.host == other.host and _port(url) == _port(other)


def _scrub(request: httpx.Request) -> None:
    """Replace the key in a request that has been sent, so exceptions and responses never hand it out."""
    if API_KEY_HEADER in request.headers:
        request.headers[API_KEY_HEADER] = REDACTED


def dumps_json(value: object) -> bytes:
    """A request body as JSON text: no NaN or Infinity, which JSON does not have."""
    return jsonlib.dumps(value, ensure_ascii=False, allow_nan=False).encode()


def _keep_elapsed(response: httpx.Response, started: float) -> None:
    """Give `response.elapsed` a value when httpx set none: a transport's response that arrived already read (an
    `httpx.MockTransport` in users' tests) is closed before httpx starts timing it."""
    try:
        response.elapsed  # noqa: B018 - raises when unset
    except RuntimeError:
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)


@contextlib.contextmanager
def _foreign_errors_as_transport_errors(request: httpx.Request) -> Iterator[None]:
    """Raise an error of a caller's transport's own library (neither httpx's nor the SDK's) as an httpx transport
    error from it: the SDK cannot tell whether the request left, so it ends in APIConnectionError, not resent."""
    try:
        yield
    except (httpx.HTTPError, AtonoError, MemoryError):
        raise
    except Exception as error:
        kind = type(error)
        message = f"the transport failed: {kind.__module__}.{kind.__qualname__}: {error}"
        raise httpx.TransportError(message, request=request) from error


def _retries(n: int) -> str:
    return "1 retry" if n == 1 else f"{n} retries"


def _limiter_for(limit: RateLimit, base_url: httpx.URL) -> RateLimiter | SharedRateLimiter:
    """In-process pacing, or (storage given or in `ATONO_RATE_LIMIT_STORAGE`) the budget shared through it, keyed
    by the API origin."""
    if limit.resolved_storage() is None:
        return RateLimiter(limit)
    from atono._shared_ratelimit import limiter_for  # noqa: PLC0415 - loads the library: only when a storage is used

    port = base_url.port or {"https": 443, "http": 80}.get(base_url.scheme, 0)
    return limiter_for(limit, f"{base_url.scheme}://{base_url.host}:{port}")


class BaseClient(Generic[_HttpT]):
    """What the sync and async clients share: configuration, request building, redirects, retries, errors."""

    _http: _HttpT
    # The httpx class a caller's `http_client` must be an instance of.
    _http_client_class: ClassVar[type[httpx.Client] | type[httpx.AsyncClient]]
    # Whether a shared pacing storage's round trips after an answer run on the limiter's threads (an event loop
    # must not wait on SQLite or Redis) or in the calling thread.
    _storage_in_background: ClassVar[bool] = False

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str | Omit] | None = None,
        http_client: _HttpT | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        setup_logging()
        key = resolve_api_key(api_key)
        register_secret(key)
        self._api_key = Secret(key)
        self._base_url = resolve_base_url(base_url)
        self._base_url_text = str(self._base_url)  # every request's URL starts with it: formatted once
        policy = check_retry_policy(retry_policy) if retry_policy is not None else RetryPolicy()
        self._max_retries = retry_budget(max_retries, policy, DEFAULT_MAX_RETRIES)
        headers, omitted = check_extra_headers(default_headers, option="default_headers")
        self._default_headers: dict[str, str | Omit] = {**headers, **{name: OMIT for name in omitted}}
        self._max_response_bytes = check_max_response_bytes(max_response_bytes)
        if http_client is not None and not isinstance(http_client, self._http_client_class):
            expected = self._http_client_class
            raise TypeError(
                f"http_client must be an {expected.__module__}.{expected.__qualname__}, got {type(http_client).__name__}"
            )
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise TypeError(f"rate_limit must be an atono.RateLimit or None, got {type(rate_limit).__name__}")
        self._timeout = resolve_timeout(timeout, http_client)
        # The SDK closes only a client it created; a client passed in belongs to the caller.
        self._owns_http = http_client is None
        if http_client is not None:
            refuse_cleartext_proxy(http_client, self._base_url)
        self._http = http_client if http_client is not None else self._new_http_client(self._timeout)
        install(self._http)
        self._limiter = _limiter_for(rate_limit, self._base_url) if rate_limit is not None else None
        self._retry_policy = policy
        self._user_agent = user_agent(self._default_headers, http_client)
        self._media_type = _MediaType()

    def _new_http_client(self, timeout: TimeoutTypes) -> _HttpT:
        raise NotImplementedError

    @property
    def _trust_env(self) -> bool:
        """Whether the pool the SDK creates takes proxies from the environment: not for plain http (loopback), where a
        proxy named by `HTTP_PROXY` would read the key."""
        return self._base_url.scheme == "https"

    @property
    def base_url(self) -> httpx.URL:
        return self._base_url

    @property
    def timeout(self) -> TimeoutTypes:
        return self._timeout

    @property
    def max_retries(self) -> int:
        return self._max_retries

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy calls retry by, with the client's `max_retries`."""
        return self._retry_policy.__replace__(max_retries=self._max_retries)

    @property
    def default_headers(self) -> dict[str, str | Omit]:
        """The headers given as `default_headers`, sent with every call (a copy)."""
        return dict(self._default_headers)

    @property
    def max_response_bytes(self) -> int:
        return self._max_response_bytes

    @property
    def rate_limit(self) -> RateLimit | None:
        return self._limiter.limit if self._limiter is not None else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={str(self._base_url)!r}, timeout={self._timeout!r}, "
            f"max_retries={self._max_retries}, rate_limit={self.rate_limit!r})"
        )

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str | Omit] | None = None,
        rate_limit: RateLimit | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | None = None,
    ) -> Self:
        """A copy with some options changed (each constructor option but `http_client`); the rest are this client's.

        `default_headers` are added to this client's (`atono.OMIT` as a value drops one). `max_retries` given wins;
        else a `retry_policy` given brings its own; else this client's stays. Unless `rate_limit` is given the copy
        paces itself with this client's limiter, and it sends through the same connection pool unless `base_url`
        names another origin (scheme, host and port) and the SDK created the pool; closing a copy that shares the
        pool closes it for all.
        """
        target = self._base_url if base_url is None else resolve_base_url(base_url)
        same_origin = _same_origin(target, self._base_url)
        share_pool = same_origin or not self._owns_http
        policy = self._retry_policy if retry_policy is None else check_retry_policy(retry_policy)
        headers = self._default_headers
        if default_headers is not None:
            added, omitted = check_extra_headers(default_headers, option="default_headers")
            named = {name.lower() for name in added} | omitted
            kept = {name: value for name, value in headers.items() if name.lower() not in named}
            headers = {**kept, **added, **{name: OMIT for name in omitted}}
        clone = type(self)(
            self._api_key.reveal() if api_key is None else api_key,
            base_url=target,
            timeout=self._timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=retry_budget(max_retries, retry_policy, self._max_retries),
            retry_policy=policy,
            default_headers=headers,
            http_client=self._http if share_pool else None,
            rate_limit=None if isinstance(rate_limit, NotGiven) else rate_limit,
            max_response_bytes=self._max_response_bytes if max_response_bytes is None else max_response_bytes,
        )
        if share_pool:
            clone._owns_http = self._owns_http
        if isinstance(rate_limit, NotGiven):
            clone._limiter = (
                self._limiter if same_origin or self._limiter is None else _limiter_for(self._limiter.limit, target)
            )
        # What the server took as a body's media type: learned once per origin.
        clone._media_type = self._media_type if same_origin else _MediaType()
        return clone

    # The executor's building blocks, shared by the sync and async loops.

    def _prepare(self, operation: ModuleType, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Call:
        """The call to a generated operation, its arguments checked: `kwargs` holds the operation's own and the
        per-call options (`CALL_OPTIONS`), which no operation takes.

        The options are checked before anything is sent, then apply to every attempt and redirect hop.
        """
        kwargs = dict(kwargs)
        per_call = {name: kwargs.pop(name) for name in CALL_OPTIONS if name in kwargs}
        options: dict[str, Any] = operation._get_kwargs(*args, **kwargs)
        return self._call(str(options.pop("method")), str(options.pop("url")), options, per_call)

    def _call(self, method: str, path: str, options: dict[str, Any], per_call: Mapping[str, Any]) -> _Call:
        """The call of `method` on `path` (under the base URL) with httpx's request `options` and the per-call ones."""
        max_retries: int | None = per_call.get("max_retries")
        retry_policy: RetryPolicy | None = per_call.get("retry_policy")
        timeout: TimeoutTypes | NotGiven = per_call.get("timeout", NOT_GIVEN)
        set_headers, omitted = check_extra_headers(per_call.get("extra_headers"))
        query = check_extra_query(per_call.get("extra_query"))
        timeout = self._timeout if isinstance(timeout, NotGiven) else check_timeout(timeout)
        policy = self._retry_policy if retry_policy is None else check_retry_policy(retry_policy)
        max_retries = retry_budget(max_retries, retry_policy, self._max_retries)
        method = method.upper()
        headers = {"Accept": JSONAPI_MEDIA_TYPE, "Accept-Encoding": ACCEPT_ENCODING, **options.pop("headers", {})}
        if self._user_agent is not None:
            headers["User-Agent"] = self._user_agent
        # Header names are case-insensitive: one the caller names replaces the SDK's, however either spells it; the
        # client's default headers (their User-Agent is already in the SDK's) first, then the call's own.
        defaults = {name: value for name, value in self._default_headers.items() if name.lower() != "user-agent"}
        own: dict[str, str | Omit] = {**set_headers, **dict.fromkeys(omitted, OMIT)}
        layers = (defaults, own)
        custom: dict[str, str] = {}
        # No User-Agent (default_headers={"User-Agent": OMIT}) means none at all, not httpx's own.
        removed: set[str] = set() if self._user_agent is not None else {"user-agent"}
        for layer in layers:
            for name, value in layer.items():
                lowered = name.lower()
                headers = {n: v for n, v in headers.items() if n.lower() != lowered}
                custom = {n: v for n, v in custom.items() if n.lower() != lowered}
                if isinstance(value, Omit):
                    removed.add(lowered)
                else:
                    headers[name] = custom[name] = value
                    removed.discard(lowered)
        # A body's media type the caller did not name is negotiated: the documented one first, JSON:API's after a 415.
        named = {name.lower() for name in custom} | removed
        negotiable = any(name.lower() == "content-type" for name in headers) and "content-type" not in named
        if negotiable:
            headers = {name: value for name, value in headers.items() if name.lower() != "content-type"}
            headers["Content-Type"] = self._media_type.current
        if query:
            params = {name: value for name, value in (options.get("params") or {}).items() if name not in query}
            options["params"] = params | {name: values for name, values in query.items() if values}
        return _Call(
            method=method,
            path=path,
            headers=headers,
            options=options,
            timeout=timeout,
            max_retries=max_retries,
            policy=policy,
            extra_headers=custom,
            omitted_headers=frozenset(removed),
            extra_query=query,
            negotiable=negotiable,
        )

    def _media_type_fallback(self, call: _Call, response: httpx.Response) -> _Call | None:
        """The call to send again after a 415 to the documented media type: once, as JSON:API's.

        A 415 is answered before anything is applied, so resending a write is safe. The type that was then taken
        is kept for the client's later calls; a 415 to both types raises, naming them.
        """
        if not call.negotiable:
            return None
        if call.fell_back:
            if response.status_code != 415:
                # Any answer but 415, 429 and 5xx shows the body was read as that type (a 400 included).
                if response.status_code < 500 and response.status_code != 429:
                    self._media_type.current = JSONAPI_MEDIA_TYPE
                return None
            raise make_status_error(
                response,
                note=(
                    f"the server refused the request body as {JSON_MEDIA_TYPE} and as {JSONAPI_MEDIA_TYPE}; "
                    "pass the type it takes as extra_headers={'Content-Type': ...}"
                ),
            )
        if response.status_code != 415 or call.headers.get("Content-Type") != JSON_MEDIA_TYPE:
            return None
        logger.info(
            "%s %s 415 as %s; sending it again as %s", call.method, call.path, JSON_MEDIA_TYPE, JSONAPI_MEDIA_TYPE
        )
        return call._replace(headers={**call.headers, "Content-Type": JSONAPI_MEDIA_TYPE}, fell_back=True)

    def _raw_call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None,
        json: object,
        extra_headers: Mapping[str, str | Omit] | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
    ) -> _Call:
        """The call `request()` makes, its arguments checked before anything is sent."""
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}, got {method!r}")
        relative, query = self._relative_path(path)
        for name, values in check_extra_query(params, option="params").items():
            query[name] = values
        options: dict[str, Any] = {"params": {name: values for name, values in query.items() if values}}
        if json is not None:
            try:
                options["content"] = dumps_json(json)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"json must be JSON-serialisable (dicts, lists, str, numbers, bools, None): {exc}"
                ) from None
            options["headers"] = {"Content-Type": JSON_MEDIA_TYPE}  # negotiated as a generated call's body is
        per_call: dict[str, Any] = {"extra_headers": extra_headers, "timeout": timeout}
        if max_retries is not None:
            per_call["max_retries"] = max_retries
        if retry_policy is not None:
            per_call["retry_policy"] = retry_policy
        return self._call(method, relative, options, per_call)

    def _relative_path(self, path: str) -> tuple[str, dict[str, list[str]]]:
        """`path` (relative to the base URL, or an absolute URL under it) as the path after the base URL's, and its
        query; a path that would leave the base URL raises, so the key goes only where the client was told."""
        if not isinstance(path, str):
            raise TypeError(f"path must be a str such as '/bugs', got {type(path).__name__}")
        before_query = path.split("?", 1)[0].split("#", 1)[0]
        if "\\" in path or any(unquote(part) in (".", "..") for part in before_query.split("/")):
            raise ValueError(
                f"path {path!r} has '.' or '..' segments or a backslash; request() reaches paths under the base URL "
                f"({self._base_url}) only"
            )
        if path.startswith("//"):
            raise ValueError(f"path {path!r} names another host; request() sends the key to {self._base_url.host} only")
        try:
            url = httpx.URL(path)
        except httpx.InvalidURL as exc:
            raise ValueError(f"path {path!r} is not a valid URL path: {exc}") from None
        if url.fragment:
            raise ValueError(f"path {path!r} has a fragment (#...), which is never sent to a server")
        base_path = self._base_url.path.rstrip("/")
        if url.is_absolute_url:
            if not _same_origin(url, self._base_url) or not (url.path + "/").startswith(base_path + "/"):
                raise ValueError(
                    f"{path!r} is not under the base URL {self._base_url}; request() sends the API key to that "
                    "base URL only (create a client with another base_url for another API)"
                )
            relative = url.path[len(base_path) :]
        else:
            relative = "/" + url.path.lstrip("/")
            # The API's own links name resources from the server's root (`/api/v1/bugs?page[number]=2`).
            if relative == _LINK_ROOT or relative.startswith(_LINK_ROOT + "/"):
                relative = relative[len(_LINK_ROOT) :] or "/"
        query: dict[str, list[str]] = {}
        for name, value in url.params.multi_items():
            query.setdefault(name, []).append(value)
        return relative, query

    def _build_request(self, call: _Call) -> httpx.Request:
        # The key is added per request, never to a caller's client, and last so nothing can override it.
        request = self._http.build_request(
            call.method,
            self._base_url_text + call.path,
            headers={**call.headers, API_KEY_HEADER: self._api_key.reveal()},
            timeout=call.timeout,
            **call.options,
        )
        # After the merge, so an omitted header is gone even when httpx or the caller's client has a default for it.
        for name in call.omitted_headers:
            request.headers.pop(name, None)
        return request

    @staticmethod
    def _reapply_call_options(call: _Call, request: httpx.Request) -> None:
        """Give a redirect hop the call's extra headers and query again: httpx drops `Cookie` on every redirect,
        and a Location's query replaces the one sent."""
        for name, value in call.extra_headers.items():
            request.headers[name] = value
        for name in call.omitted_headers:
            request.headers.pop(name, None)
        if call.extra_query:
            params = request.url.params
            for name, values in call.extra_query.items():
                params = params.remove(name)
                for value in values:
                    params = params.add(name, value)
            request.url = request.url.copy_with(params=params)

    def _next_hop(self, call: _Call, response: httpx.Response, hops: int) -> httpx.Request | None:
        """The request that follows a redirect, if it stays on the configured host; raises if it leaves it.

        Requests are sent with redirects off (whatever the caller's client says), because httpx keeps custom
        headers such as `X-API-KEY` when a redirect goes to another host.
        """
        next_request = response.next_request
        if next_request is None:
            return None
        target = next_request.url
        if not _same_origin(target, self._base_url):
            _scrub(next_request)
            origin = f"{target.scheme}://{target.host}" + (f":{target.port}" if target.port is not None else "")
            raise make_status_error(
                response,
                note=(
                    f"the server redirected to another origin ({origin}). "
                    "The SDK does not follow it, so the API key stays with the configured host; "
                    "if the API has moved, set base_url to its new address"
                ),
            )
        if next_request.method != response.request.method:
            _scrub(next_request)
            raise make_status_error(
                response,
                note=(
                    f"the server answered {response.request.method} {response.request.url.path} with a redirect that "
                    f"would resend it as a {next_request.method}, without its body. The SDK does not follow it, so "
                    "the request is neither changed nor sent again; only 307 and 308 redirects keep the method"
                ),
            )
        if hops >= self._http.max_redirects:
            _scrub(next_request)
            raise make_status_error(response, note=f"more than {self._http.max_redirects} redirects")
        self._reapply_call_options(call, next_request)
        return next_request

    def _retry_delay_after_response(self, call: _Call, response: httpx.Response, retries_taken: int) -> float | None:
        delay = call.policy.delay_after_response(
            call.method, response, retries_taken=retries_taken, max_retries=call.max_retries
        )
        if delay is None:
            logger.info("%s %s %d (%s)", call.method, call.path, response.status_code, _retries(retries_taken))
        else:
            logger.info(
                "%s %s %d; retry %d of %d in %.2f s",
                call.method,
                call.path,
                response.status_code,
                retries_taken + 1,
                call.max_retries,
                delay,
            )
        return delay

    def _retry_delay_after_error(self, call: _Call, error: httpx.RequestError, retries_taken: int) -> float | None:
        delay = call.policy.delay_after_error(
            call.method, error, retries_taken=retries_taken, max_retries=call.max_retries
        )
        if delay is None:
            logger.info("%s %s failed: %s (%s)", call.method, call.path, type(error).__name__, _retries(retries_taken))
        else:
            logger.info(
                "%s %s failed: %s; retry %d of %d in %.2f s",
                call.method,
                call.path,
                type(error).__name__,
                retries_taken + 1,
                call.max_retries,
                delay,
            )
        return delay

    def _delay_after_error(self, call: _Call, attempts: _Attempts, error: httpx.RequestError) -> float:
        """The wait before the next attempt after a transport error; raises the typed error when none is left."""
        delay = self._retry_delay_after_error(call, error, attempts.taken)
        if delay is None:
            raise self._connection_error(call, error, attempts.taken) from error
        attempts.failed(error)
        return delay

    def _delay_after_response(self, call: _Call, attempts: _Attempts, response: httpx.Response) -> float | None:
        """None when `response` answers the call; else the wait before the next attempt, or the typed error raised
        when none is left."""
        if self._succeeded(call, response, attempts.taken, attempts.uncertain):
            return None
        if response.status_code == 429 and self._limiter is not None and not isinstance(self._limiter, RateLimiter):
            # Every client sharing the storage (other processes, other hosts) waits too; never longer than one
            # window, so a wild Retry-After cannot stall every worker. (In-process pacing leaves a 429 to the retry
            # of the request that met it, as before.)
            retry_after = call.policy.retry_after(response)
            if retry_after is not None and retry_after > 0:
                self._limiter.pause(
                    min(retry_after, self._limiter.limit.per_seconds), in_background=self._storage_in_background
                )
        delay = self._retry_delay_after_response(call, response, attempts.taken)
        if delay is None:
            raise self._status_error(call, response)
        attempts.failed(response)
        return delay

    def _succeeded(
        self, call: _Call, response: httpx.Response, retries_taken: int, earlier_attempt_may_have_applied: bool
    ) -> bool:
        """Whether the call is done: a 2xx, or the 404 of a resent DELETE whose earlier attempt deleted it."""
        if response.is_success:
            logger.info("%s %s %d (%s)", call.method, call.path, response.status_code, _retries(retries_taken))
            return True
        if deleted_by_earlier_attempt(
            call.method, response.status_code, earlier_attempt_may_have_applied=earlier_attempt_may_have_applied
        ):
            logger.info(
                "%s %s %d (%s): an earlier attempt deleted it",
                call.method,
                call.path,
                response.status_code,
                _retries(retries_taken),
            )
            return True
        return False

    def _log_pacing(self, call: _Call, waited: float) -> None:
        if waited > 0:
            logger.info("%s %s waited %.2f s for the rate limit (%r)", call.method, call.path, waited, self.rate_limit)

    def _check_open(self) -> None:
        if self._http.is_closed:
            raise AtonoError(
                f"This {type(self).__name__} client is closed (close() was called, or its with block ended); "
                "create a new client for more calls."
            )

    def _status_error(self, call: _Call, response: httpx.Response) -> APIStatusError:
        return make_status_error(response, retry_after=call.policy.retry_after(response))

    def _connection_error(self, call: _Call, error: httpx.RequestError, retries_taken: int) -> APIConnectionError:
        attempts = "1 attempt" if retries_taken == 0 else f"{retries_taken + 1} attempts"
        if isinstance(error, httpx.TimeoutException):
            return APITimeoutError(
                f"{call.method} {call.path} timed out ({type(error).__name__}) after {attempts}; "
                "pass a larger timeout= if the API needs longer.",
                request=error.request,
            )
        detail = str(error) or type(error).__name__
        return APIConnectionError(
            f"{call.method} {call.path} failed after {attempts}: {type(error).__name__}: {detail}. "
            f"Check the network and that {self._base_url.host} is reachable.",
            request=error.request,
        )


class SyncAPIClient(BaseClient[httpx.Client]):
    """The blocking executor. One instance may be shared by threads: they share its pool and its rate limiter."""

    _http_client_class = httpx.Client

    def _new_http_client(self, timeout: TimeoutTypes) -> httpx.Client:
        # TLS verification stays on (httpx's default); redirects are handled by the executor.
        return httpx.Client(timeout=timeout, verify=default_tls_context(), trust_env=self._trust_env)

    def close(self) -> None:
        """Close the connection pool if the SDK created it; a caller's own `http_client` is left open."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request_raw(self, operation: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response:
        """Call a generated operation; return the read 2xx response after any retries, or raise a typed error.

        `kwargs` are the operation's arguments and the per-call options (see `_prepare`). The one other answer
        returned is the 404 of a resent DELETE whose earlier attempt may have been applied: the resource is gone,
        which is what the call asked for (see `atono._retry`).
        """
        return self._run(self._prepare(operation, args, kwargs))

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str | Omit] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Send `method` to `path` under the base URL, for an endpoint the SDK has no method for yet.

        ```python
        response = client.request("GET", "/bugs", params={"page[size]": 5})
        print(response.status_code, response.headers["x-request-id"], response.json()["data"][0]["id"])
        ```

        It goes through what every method does: the key, pacing, retries by the same rules (a POST or PATCH is
        resent only after a 429), redirects kept to the host and typed errors (`NotFoundError`, ...). `path` is
        relative to the base URL (`/bugs`, `bugs/123`), an absolute URL under it, or a path from the API's own
        `links` (`/api/v1/bugs?page[number]=2`); one leading elsewhere (`..`, another host) raises `ValueError`. `json` is sent as the JSON:API body.
        Returns the `httpx.Response` of a success status, its body read.
        """
        return self._run(
            self._raw_call(
                method,
                path,
                params=params,
                json=json,
                extra_headers=extra_headers,
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
            )
        )

    def _run(self, call: _Call) -> httpx.Response:
        """Send `call` until it succeeds or its retries run out (see `_request_raw`)."""
        attempts = _Attempts()
        while True:
            try:
                response = self._send(call)
            except httpx.RequestError as error:
                call.policy.sleep(self._delay_after_error(call, attempts, error))
            else:
                resend = self._media_type_fallback(call, response)
                if resend is not None:
                    call = resend
                    continue
                delay = self._delay_after_response(call, attempts, response)
                if delay is None:
                    record(response, attempts.taken)
                    return response
                call.policy.sleep(delay)

    def _send(self, call: _Call) -> httpx.Response:
        """One attempt: paced, with same-host redirects followed by hand."""
        request = self._build_request(call)
        hops = 0
        while True:
            hold = self._limiter.hold() if self._limiter is not None else None
            try:
                if hold is not None:
                    self._log_pacing(call, hold.waited)
                response = self._exchange(call, request)
            finally:
                if hold is not None and self._limiter is not None:
                    self._limiter.answered(hold)
            next_request = self._next_hop(call, response, hops)
            if next_request is None:
                return response
            request, hops = next_request, hops + 1

    def _exchange(self, call: _Call, request: httpx.Request) -> httpx.Response:
        """Send one request and read its body, within the deadline and the size cap."""
        self._check_open()
        try:
            with exchange_deadline(call.deadline), _foreign_errors_as_transport_errors(request):
                started = time.perf_counter()
                response = self._http.send(request, follow_redirects=False, stream=True)
                read_body(response, self._max_response_bytes)
        finally:
            _scrub(request)
        _keep_elapsed(response, started)
        return response


class AsyncAPIClient(BaseClient[httpx.AsyncClient]):
    """The asyncio executor. Tasks sharing one instance share its pool and its rate limiter."""

    _http_client_class = httpx.AsyncClient
    _storage_in_background = True

    def _new_http_client(self, timeout: TimeoutTypes) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout, verify=default_tls_context(), trust_env=self._trust_env)

    async def close(self) -> None:
        """Close the connection pool if the SDK created it; a caller's own `http_client` is left open."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _request_raw(self, operation: ModuleType, *args: Any, **kwargs: Any) -> httpx.Response:
        """`SyncAPIClient._request_raw`, awaited."""
        return await self._run(self._prepare(operation, args, kwargs))

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, object] | None = None,
        json: object = None,
        extra_headers: Mapping[str, str | Omit] | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> httpx.Response:
        """`Atono.request`, awaited: `await client.request("GET", "/bugs")`."""
        return await self._run(
            self._raw_call(
                method,
                path,
                params=params,
                json=json,
                extra_headers=extra_headers,
                timeout=timeout,
                max_retries=max_retries,
                retry_policy=retry_policy,
            )
        )

    async def _run(self, call: _Call) -> httpx.Response:
        """`SyncAPIClient._run`, awaited."""
        attempts = _Attempts()
        while True:
            try:
                response = await self._send(call)
            except httpx.RequestError as error:
                await call.policy.async_sleep(self._delay_after_error(call, attempts, error))
            else:
                resend = self._media_type_fallback(call, response)
                if resend is not None:
                    call = resend
                    continue
                delay = self._delay_after_response(call, attempts, response)
                if delay is None:
                    record(response, attempts.taken)
                    return response
                await call.policy.async_sleep(delay)

    async def _send(self, call: _Call) -> httpx.Response:
        """One attempt: paced, with same-host redirects followed by hand."""
        request = self._build_request(call)
        hops = 0
        while True:
            hold = await self._limiter.hold_async() if self._limiter is not None else None
            try:
                if hold is not None:
                    self._log_pacing(call, hold.waited)
                response = await self._exchange(call, request)
            finally:
                if hold is not None and self._limiter is not None:
                    self._limiter.answered(hold, in_background=True)
            next_request = self._next_hop(call, response, hops)
            if next_request is None:
                return response
            request, hops = next_request, hops + 1

    async def _exchange(self, call: _Call, request: httpx.Request) -> httpx.Response:
        """Send one request and read its body, within the deadline (enforced by cancellation too, for any
        transport) and the size cap."""
        import asyncio  # noqa: PLC0415 - not at import: see `asyncio_sleep`

        self._check_open()
        scope = asyncio.timeout(call.deadline)
        try:
            with exchange_deadline(call.deadline):
                async with scope:
                    with _foreign_errors_as_transport_errors(request):
                        started = time.perf_counter()
                        response = await self._http.send(request, follow_redirects=False, stream=True)
                        await aread_body(response, self._max_response_bytes)
        except TimeoutError:
            if not scope.expired():
                raise
            raise httpx.ReadTimeout("the exchange ran past its deadline (timeout=)", request=request) from None
        finally:
            _scrub(request)
        _keep_elapsed(response, started)
        return response
