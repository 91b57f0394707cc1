"""Every exception the SDK raises on purpose, rooted at `AtonoError`, and the one function that turns an error
response into the right one.

None of them holds the API key: messages are built from the response, and the executor replaces the key in the
`X-API-KEY` header of every request it has sent (and so of `exc.request` and `exc.response.request`).

All of them pickle and copy (process pools and task queues move exceptions between processes), and turning any
body, however large or hostile, into a message takes time linear in a bounded prefix of it.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import operator
import re
from collections.abc import Mapping
from typing import Any, Self, SupportsIndex, TypeVar

import httpx

from atono._frozen import Frozen, set_fields

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AtonoError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorObject",
    "InternalServerError",
    "NotFoundError",
    "NotIncludedError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
]

# Long enough for a useful server message, short enough to keep a log line readable.
MAX_MESSAGE_BODY = 300

# How much of a body's text a message is read from: far more than a message keeps, so an error page's inline
# styles and scripts rarely hide its words, and little enough that reading it never takes noticeable time.
MAX_SCANNED_BODY = 64 * 1024

# How many JSON:API error objects `APIStatusError.errors` holds. Real responses have a few; reading a million of a
# hostile body's would take seconds, and `body` keeps them all anyway.
MAX_ERROR_OBJECTS = 1000

# The attributes that hold httpx objects: kept in a pickle when they pickle, dropped (None) when they do not.
_HTTP_ATTRIBUTES = ("request", "response")

_E = TypeVar("_E", bound="AtonoError")


def _rebuild(cls: type[_E], args: tuple[Any, ...], state: dict[str, Any]) -> _E:
    """Recreate an exception from its pickle without `__init__`, whose keyword-only arguments `args` lacks."""
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


def _pickles(value: object, protocol: int) -> bool:
    """Whether `value` pickles: the only sure test is to try."""
    import pickle  # noqa: PLC0415 - only pickling an error needs it, not `import atono`

    try:
        pickle.dumps(value, protocol)
    except Exception:  # whatever an unpicklable member raises: PicklingError, TypeError, AttributeError...
        return False
    return True


class AtonoError(Exception):
    """The base of every exception the SDK raises on purpose: catch it to handle them all.

    Pickling and copying keep the type, the args and every attribute, for this class and any subclass, one's own
    included. `BaseException`'s own way calls `cls(*args)`, which fails on keyword-only arguments. As with any
    exception, `__cause__`, `__context__` and the traceback are not kept. A `request` or `response` that cannot
    be pickled (say, a client's `default_encoding` is a lambda) becomes None in the pickle.
    """

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        protocol = operator.index(protocol)
        state = dict(self.__dict__)
        held = [name for name in _HTTP_ATTRIBUTES if state.get(name) is not None]
        if not _pickles([state[name] for name in held], protocol):  # one trial in the usual case, where all pickle
            for name in held:
                if not _pickles(state[name], protocol):
                    state[name] = None
        return _rebuild, (type(self), self.args, state)

    def __copy__(self) -> Self:
        return _rebuild(type(self), self.args, dict(self.__dict__))

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        clone = _rebuild(type(self), copy.deepcopy(self.args, memo), {})
        memo[id(self)] = clone  # before the attributes, which may lead back here
        clone.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return clone


class NotIncludedError(AtonoError):
    """A related object was asked for but the response did not include it; `relationship` names the one to request."""

    def __init__(self, message: str, *, relationship: str | None = None) -> None:
        super().__init__(message)
        self.relationship = relationship


class RateLimitStorageError(AtonoError):
    """The storage a shared `RateLimit` paces through (SQLite file or Redis) could not be used; `storage` names it,
    any password replaced. Raised at first use, or when it stays out of reach past a wait (see `atono.RateLimit`)."""

    def __init__(self, message: str, *, storage: str | None = None) -> None:
        super().__init__(message)
        self.storage = storage


class APIError(AtonoError):
    """A request to the API failed. `request` is the request that was sent, with the key replaced."""

    def __init__(self, message: str, *, request: httpx.Request, body: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body


class APIConnectionError(APIError):
    """No usable response came back: the connection failed, broke, or the server spoke broken HTTP."""

    def __init__(self, message: str = "Connection error.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request did not complete within the timeout (see `timeout=` on the client or the call)."""

    def __init__(self, message: str = "Request timed out.", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APIResponseValidationError(APIError):
    """A successful response whose body is not what the API description says; `body` keeps the raw text."""

    body: str

    def __init__(self, message: str, *, response: httpx.Response, body: str) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code: int = response.status_code


class ErrorObject(Frozen):
    """One JSON:API error object of an error response.

    Read leniently from whatever the server sent: the members JSON:API defines are typed here (absent ones are
    None) and `raw` keeps the whole object, members this SDK does not know included.
    """

    # The fields in the order of the constructor, which the repr follows.
    __slots__ = ("status", "code", "title", "detail", "source", "meta", "raw")  # noqa: RUF023
    _uncompared = _unshown = frozenset({"raw"})

    status: str | None
    code: str | None
    title: str | None
    detail: str | None
    source: Mapping[str, Any] | None
    meta: Mapping[str, Any] | None
    raw: Mapping[str, Any]

    def __init__(  # noqa: PLR0917 - positional as well, as when attrs made it
        self,
        status: str | None = None,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        source: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
        raw: Mapping[str, Any] | None = None,
    ) -> None:
        set_fields(
            self,
            status=status,
            code=code,
            title=title,
            detail=detail,
            source=source,
            meta=meta,
            raw={} if raw is None else raw,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ErrorObject:
        """Build from one decoded member of `errors`."""

        def text(name: str) -> str | None:
            value = data.get(name)
            return None if value is None or isinstance(value, dict | list) else str(value)

        def mapping(name: str) -> Mapping[str, Any] | None:
            value = data.get(name)
            return value if isinstance(value, dict) else None

        return cls(
            status=text("status"),
            code=text("code"),
            title=text("title"),
            detail=text("detail"),
            source=mapping("source"),
            meta=mapping("meta"),
            raw=data,
        )


class APIStatusError(APIError):
    """The API answered with a status that is not a success.

    `status_code`, the `response`, the JSON:API `errors` (a list of `ErrorObject`, empty when the body had none, the
    first `MAX_ERROR_OBJECTS` when it had more), `request_id` when the response carries one, and `body`: the decoded
    JSON, or the text if it was not JSON.
    """

    status_code: int
    """The HTTP status of the answer."""
    response: httpx.Response
    """The answer, its body read."""
    errors: list[ErrorObject]
    """The JSON:API error objects of the body (empty when it had none)."""
    request_id: str | None
    """The answer's `X-Request-Id`, to quote to Atono's support."""
    body: object | None
    """The decoded JSON of the body, or its text when it was not JSON."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object | None = None,
        errors: list[ErrorObject] | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request=response.request, body=body)
        self.response = response
        self.status_code: int = response.status_code
        self.errors: list[ErrorObject] = errors or []
        self.request_id = request_id


class BadRequestError(APIStatusError):
    """400: the request was malformed, for example a query parameter the API does not accept."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the API key is valid but may not do this."""


class NotFoundError(APIStatusError):
    """404: no such resource, or one the key may not see."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the document was well-formed but its values were rejected; `APIStatusError.errors` points at them."""


class RateLimitError(APIStatusError):
    """429: too many requests. `retry_after` is the pause the server asked for, in seconds, when it gave one."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object | None = None,
        errors: list[ErrorObject] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, response=response, body=body, errors=errors, request_id=request_id)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the server failed. Safe requests were already retried before this was raised."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

# What to do about it, for the statuses where the server's own words rarely say.
_HINTS: dict[type[APIStatusError], str] = {
    AuthenticationError: "Check the API key (the api_key argument or ATONO_API_KEY).",
    PermissionDeniedError: "The API key is valid but lacks access to this resource or action.",
}

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid")


@functools.cache
def _markup() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, re.Pattern[str]]]:
    """A tag, the start of a block whose content is not text, and each such block's end: compiled for the first HTML
    error page, not at `import atono`. None backtracks across a `<`, so each runs in time linear in the text; tag
    names match ASCII-case-insensitively, as in HTML."""
    flags = re.IGNORECASE | re.ASCII
    ends = {name: re.compile(rf"</{name}\s*>", flags) for name in ("script", "style")}
    return re.compile(r"<[^<>]*>"), re.compile(r"<(script|style)\b", flags), ends


def request_id_of(response: httpx.Response) -> str | None:
    """The id the server gave the request, from the first of the usual headers that it sent."""
    return next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The exception class for a status; statuses without their own class stay `APIStatusError`."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def make_status_error(
    response: httpx.Response, *, retry_after: float | None = None, note: str | None = None
) -> APIStatusError:
    """The typed exception for an error response; `note` replaces the server's words when the SDK knows better."""
    body, errors = _read_body(response)
    cls = status_error_class(response.status_code)
    summary = f"{response.status_code} {response.reason_phrase}".strip()
    parts = [f"{summary}: {note or _describe(response, errors) or 'no details in the response'}"]
    if cls in _HINTS:
        parts.append(_HINTS[cls])
    if cls is RateLimitError and retry_after is not None:
        parts.append(f"The server asked to wait {retry_after:g} s.")
    message = " ".join(parts)
    request_id = request_id_of(response)
    if cls is RateLimitError:
        return RateLimitError(
            message, response=response, body=body, errors=errors, request_id=request_id, retry_after=retry_after
        )
    return cls(message, response=response, body=body, errors=errors, request_id=request_id)


def _read_body(response: httpx.Response) -> tuple[object | None, list[ErrorObject]]:
    """The decoded body (JSON, else text, else None) and its JSON:API errors, without ever failing."""
    text = response.text
    if not text or text.isspace():
        return None, []
    try:
        body: object = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the stack: kept as text
        return text, []
    errors: list[ErrorObject] = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        objects = (ErrorObject.from_json(item) for item in body["errors"] if isinstance(item, dict))
        errors = list(itertools.islice(objects, MAX_ERROR_OBJECTS))
    return body, errors


def _describe(response: httpx.Response, errors: list[ErrorObject]) -> str:
    """The server's explanation: each error's detail (or title, or code), else a readable cut of the raw body."""
    if reasons := _join_reasons(errors):
        return reasons
    text = response.text[:MAX_SCANNED_BODY]
    if "html" in response.headers.get("content-type", "").lower() or text.lstrip().startswith("<"):
        text = _strip_markup(text, cut=len(response.text) > MAX_SCANNED_BODY)
    return shorten(" ".join(text.split()))


def _join_reasons(errors: list[ErrorObject]) -> str:
    """The distinct reasons of `errors`, joined and cut; reading stops once they fill a message, whatever the count."""
    reasons: dict[str, None] = {}
    length = 0
    for error in errors:
        reason = error.detail or error.title or error.code
        if not reason:
            continue
        reason = shorten(reason)
        if reason not in reasons:
            reasons[reason] = None
            length += len(reason) + 2
            if length > MAX_MESSAGE_BODY:
                break
    return shorten("; ".join(reasons))


def _strip_markup(text: str, *, cut: bool = False) -> str:
    """`text` with its script and style blocks and its tags replaced by spaces, in one pass, and its character
    references (`&amp;`, `&nbsp;`, `&#8212;`) decoded, so a message reads as the page does.

    A block left open hides the rest of the text, as it would in a browser; when `cut` (the text is a prefix),
    a tag that the cut left open is dropped too.
    """
    if cut and text.rfind("<") > text.rfind(">"):
        text = text[: text.rfind("<")]
    tag, block_start, block_end = _markup()
    kept: list[str] = []
    position = 0
    while (start := block_start.search(text, position)) is not None:
        kept.append(text[position : start.start()])
        end = block_end[start.group(1).lower()].search(text, start.end())
        position = len(text) if end is None else end.end()
    kept.append(text[position:])
    import html  # noqa: PLC0415 - only an HTML error page needs it, not `import atono`

    return html.unescape(tag.sub(" ", " ".join(kept)))


def shorten(text: str, limit: int = MAX_MESSAGE_BODY) -> str:
    """`text` cut to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
