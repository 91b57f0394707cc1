"""Defaults and environment variable names, kept in one place so the documentation can point at them."""

from __future__ import annotations

from typing import Final, Literal

from atono._ratelimit import RateLimit

ENV_API_KEY: Final = "ATONO_API_KEY"
ENV_BASE_URL: Final = "ATONO_BASE_URL"
ENV_LOG: Final = "ATONO_LOG"

DEFAULT_BASE_URL: Final = "https://api.atono.io/v1"

# Atono serves small JSON:API documents (a page holds at most 100 resources), so a healthy exchange takes well under
# a second. A number bounds each attempt as a whole (connect, send, wait, read the whole body), so a server that
# stalls, or drips its answer a byte at a time, ends in an error the retry loop can act on within a minute; an
# `httpx.Timeout` given instead bounds each phase and each read separately, as httpx does.
DEFAULT_TIMEOUT: Final = 60.0

# Far above any Atono response (a page of 100 stories with includes is a few hundred kB), low enough that a broken
# or hostile server cannot fill memory: bodies are read as streams and refused past this many decoded bytes.
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024

DEFAULT_MAX_RETRIES: Final = 2

# The documented limit: 3,000 requests per 5 minutes per IP address.
DEFAULT_RATE_LIMIT: Final = RateLimit(requests=3000, per_seconds=300.0)

# Request bodies are sent as the documented JSON type; JSON:API's is the fallback after a 415 (see the spec).
JSON_MEDIA_TYPE: Final = "application/json"
JSONAPI_MEDIA_TYPE: Final = "application/vnd.api+json"
API_KEY_HEADER: Final = "X-API-KEY"


class NotGiven:
    """The type of `NOT_GIVEN`: an argument left out, as opposed to an explicit `None` (which means "no timeout")."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()


class Omit:
    """The type of `OMIT`: as an `update()` argument (its default), leave the field unchanged (None clears it); as
    a value in `extra_headers`, do not send that header."""

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Final = Omit()
