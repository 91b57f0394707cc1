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

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "OMIT",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAtono",
    "Atono",
    "AtonoError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorObject",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "NotIncludedError",
    "Omit",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RateLimitStorageError",
    "RetryPolicy",
    "UnprocessableEntityError",
    "__version__",
]
