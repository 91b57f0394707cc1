"""Typed, fast and safe access to the Atono public API, sync and async."""

from atono._client import AsyncAtono, Atono
from atono._constants import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RATE_LIMIT,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    OMIT,
    NotGiven,
    Omit,
)
from atono._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AtonoError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ErrorObject,
    InternalServerError,
    NotFoundError,
    NotIncludedError,
    PermissionDeniedError,
    RateLimitError,
    RateLimitStorageError,
    UnprocessableEntityError,
)
from atono._ratelimit import RateLimit
from atono._response import APIResponse
from atono._retry import RetryPolicy
from atono._version import __version__

# In the order the reference shows them: the clients and their options, responses, then the errors by hierarchy.
__all__ = [  # noqa: RUF022 - reading order, not alphabetical
    "Atono",
    "AsyncAtono",
    "RetryPolicy",
    "RateLimit",
    "APIResponse",
    "NOT_GIVEN",
    "NotGiven",
    "OMIT",
    "Omit",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "AtonoError",
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "ErrorObject",
    "NotIncludedError",
    "RateLimitStorageError",
    "__version__",
]
