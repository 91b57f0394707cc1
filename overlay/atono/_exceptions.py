"""Every exception the SDK raises on purpose, rooted at `AtonoError`, and the one function that turns an error
response into the right one.

None of them holds the API key: messages are built from the response, and the executor replaces the key in the
`X-API-KEY` header of every request it has sent (and so of `exc.request` and `exc.response.request`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

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


class AtonoError(Exception):
    """The base of every exception the SDK raises on purpose: catch it to handle them all."""


class NotIncludedError(AtonoError):
    """A related object was asked for but the response did not include it; `relationship` names the one to request."""

    def __init__(self, message: str, *, relationship: str | None = None) -> None:
        super().__init__(message)
        self.relationship = relationship


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
        self.status_code = response.status_code


@attrs.frozen
class ErrorObject:
    """One JSON:API error object of an error response.

    Read leniently from whatever the server sent: the members JSON:API defines are typed here (absent ones are
    None) and `raw` keeps the whole object, members this SDK does not know included.
    """

    status: str | None = None
    code: str | None = None
    title: str | None = None
    detail: str | None = None
    source: Mapping[str, Any] | None = None
    meta: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

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

    `status_code`, the `response`, the JSON:API `errors` (a list of `ErrorObject`, empty when the body had none),
    `request_id` when the response carries one, and `body`: the decoded JSON, or the text if it was not JSON.
    """

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
        self.status_code = response.status_code
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
    """422: the document was well-formed but its values were rejected; `errors` points at them."""


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
_TAG = re.compile(r"<[^>]*>")
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


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
    request_id = next((response.headers[h] for h in _REQUEST_ID_HEADERS if h in response.headers), None)
    if cls is RateLimitError:
        return RateLimitError(
            message, response=response, body=body, errors=errors, request_id=request_id, retry_after=retry_after
        )
    return cls(message, response=response, body=body, errors=errors, request_id=request_id)


def _read_body(response: httpx.Response) -> tuple[object | None, list[ErrorObject]]:
    """The decoded body (JSON, else text, else None) and its JSON:API errors, without ever failing."""
    text = response.text
    if not text.strip():
        return None, []
    try:
        body: object = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the stack: kept as text
        return text, []
    errors: list[ErrorObject] = []
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        errors = [ErrorObject.from_json(item) for item in body["errors"] if isinstance(item, dict)]
    return body, errors


def _describe(response: httpx.Response, errors: list[ErrorObject]) -> str:
    """The server's explanation: each error's detail (or title, or code), else a readable cut of the raw body."""
    reasons = [reason for e in errors if (reason := e.detail or e.title or e.code)]
    if reasons:
        return shorten("; ".join(dict.fromkeys(reasons)))
    text = response.text
    if "html" in response.headers.get("content-type", "").lower() or text.lstrip().startswith("<"):
        text = _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", text))
    return shorten(_SPACE.sub(" ", text).strip())


def shorten(text: str, limit: int = MAX_MESSAGE_BODY) -> str:
    """`text` cut to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
